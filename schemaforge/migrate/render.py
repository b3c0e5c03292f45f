"""A migration's SQL for one target: the changes from one design version to the next.

Every definition comes from the DDL renderer of the version it belongs to (a new column is
exactly the column fresh DDL would create), so a migrated database has the catalog of a fresh
one. Targets migrate a changed table one of two ways (`SqlTarget.MIGRATION`):

- `alter` (PostgreSQL, MySQL): ALTER statements, ordered so each finds what it needs: drops
  of constraints first, then renames, new tables, new and changed columns, new constraints. On
  PostgreSQL the slow parts leave the transaction for the forms that do not block traffic (the
  ones Squawk asks for): indexes are built and dropped CONCURRENTLY, new foreign keys and
  checks are added NOT VALID and validated after the commit, under a lock_timeout.
- `rebuild` (SQLite, DuckDB, SQL Server, Oracle, ClickHouse): the table is copied aside,
  created anew from the fresh DDL and refilled, column by column, renamed columns from their
  old names. The tables that reference it are rebuilt with it, since a table that is referenced
  cannot be dropped. This is SQLite's own procedure for what its ALTER cannot do.
"""

from __future__ import annotations

from schemaforge.ddl.render import DdlRenderer
from schemaforge.ddl.targets import SQL_TARGETS, SqlTarget
from schemaforge.migrate.alter import AlterWriter
from schemaforge.migrate.changes import Change
from schemaforge.migrate.diff import diff_designs
from schemaforge.migrate.rebuild import RebuildWriter
from schemaforge.design.model import Design


def target_changes(old: Design, new: Design, target: SqlTarget) -> list[Change]:
    """The diff as `target` sees it: with the CHECKs it adds for enums, lengths and booleans, and
    without those its types hold."""
    renderers = {id(old): DdlRenderer(old, target), id(new): DdlRenderer(new, target)}
    changes = diff_designs(old, new, lambda design, entity: renderers[id(design)].table_checks(entity))
    return domain_changes(renderers[id(old)], renderers[id(new)]) + changes


def domain_changes(before: DdlRenderer, after: DdlRenderer) -> list[Change]:
    """Domains (PostgreSQL) created, dropped, or defined otherwise, as the target writes them."""
    olds = {d.name: d for d in before.rendered_domains()}
    news = {d.name: d for d in after.rendered_domains()}
    written = lambda renderer, domain: renderer.captured(lambda: (  # noqa: E731
        renderer.emit(renderer.create_domain(domain)), renderer.domain_comment(domain)))
    found = [Change("add", "domain", None, None, None, d) for n, d in news.items() if n not in olds]
    found += [Change("alter", "domain", None, None, olds[n], d) for n, d in news.items()
              if n in olds and written(before, olds[n]) != written(after, d)]
    found += [Change("drop", "domain", None, None, d, None) for n, d in olds.items() if n not in news]
    return found


def render_migration(old: Design, new: Design, target_name: str, changes: list[Change] | None = None) -> str:
    """The SQL that takes a database from `old`'s schema to `new`'s, on `target_name`.
    `changes` defaults to the diff; a rollback passes the forward changes reversed."""
    target = SQL_TARGETS[target_name]()
    changes = target_changes(old, new, target) if changes is None else changes
    writer_class = AlterWriter if target.MIGRATION == "alter" else RebuildWriter
    return writer_class(old, new, changes, target).write()
