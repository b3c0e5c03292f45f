"""What both ways of migrating a table share: the two versions' DDL renderers, names, and the
frame of the file (settings, the transaction, what runs before and after it)."""

from __future__ import annotations

from sqlglot import exp

from schemaforge import __version__
from schemaforge.ddl.render import DdlRenderer
from schemaforge.ddl.targets import SqlTarget
from schemaforge.migrate.changes import Change, judge
from schemaforge.migrate.patterns import pattern_migration
from schemaforge.design.model import Column, Design, Entity
from schemaforge.design.order import creation_order

BACKUP_PREFIX = "sf_backup_"
_STRING_KINDS = frozenset({"string", "text"})
_NUMBER_KINDS = frozenset({"smallint", "integer", "bigint", "decimal", "real", "double"})


def needs_cast(before: Column, after: Column) -> bool:
    """Must a value be converted explicitly? Not within strings or within numbers: there the
    assignment rules apply, which refuse a value that does not fit, where an explicit CAST to
    VARCHAR(n) would cut it short without a word."""
    kinds = {before.type.kind, after.type.kind}
    if str(before.type) == str(after.type) or kinds <= _STRING_KINDS or kinds <= _NUMBER_KINDS:
        return False
    return True


class Writer:
    """What both strategies share: the two versions' renderers, names, and the file's frame."""

    def __init__(self, old: Design, new: Design, changes: list[Change], target: SqlTarget):
        self.old, self.new, self.changes, self.target = old, new, changes, target
        self.before = DdlRenderer(old, target)
        self.after = DdlRenderer(new, target)
        self.pre: list[str] = []  # before the transaction
        self.main: list[str] = []  # in the transaction (where the target has one)
        self.late: list[str] = []  # at its end
        self.post: list[str] = []  # after it

    # -- helpers -----------------------------------------------------------------------------
    def of(self, action: str, kind: str) -> list[Change]:
        return [c for c in self.changes if c.action == action and c.kind == kind]

    def ident(self, name: str) -> exp.Identifier:
        return self.after.ident(name)

    def table(self, name: str) -> exp.Table:
        return exp.Table(this=self.ident(name))

    def statement(self, tree: exp.Expression | str) -> str:
        text = (tree if isinstance(tree, str) else self.after.sql(tree)) + ";"
        return text + ("\n" + self.target.BATCH_SEPARATOR if self.target.BATCH_SEPARATOR else "")

    def alter(self, table: str, *actions: exp.Expression, not_valid: bool = False) -> str:
        return self.statement(exp.Alter(this=self.table(table), kind="TABLE", actions=list(actions), not_valid=not_valid))

    def alter_text(self, table: str, clause: str) -> str:
        """ALTER TABLE with a clause sqlglot has no tree for (or logs a false warning on)."""
        return self.statement(f"ALTER TABLE {self.target.generate(self.table(table))} {clause}")

    def drop_index(self, name: str, table: str, online: bool = False) -> str:
        """DROP INDEX (CONCURRENTLY IF EXISTS when online), with ON table where the target wants it;
        a data-skipping index is part of its table (ClickHouse): ALTER TABLE ... DROP INDEX."""
        if self.target.SKIPPING_INDEX:
            return self.alter(table, exp.Drop(this=self.table(name), kind="INDEX"))
        on_table = exp.OnProperty(this=self.ident(table)) if self.target.DROP_INDEX_ON_TABLE else None
        return self.statement(exp.Drop(this=self.table(name), kind="INDEX", concurrently=online, exists=online, cluster=on_table))

    def add_index(self, entity: Entity, index) -> list[str]:
        """The new version's index on a table that is not made again. A data-skipping index is
        added to its table and then built for the rows already there."""
        if not self.target.SKIPPING_INDEX:
            return self.after.captured(self.after.plain_index, entity, index)
        item = self.after.skipping_index(entity, index)
        return [self.alter(entity.table, exp.AddConstraint(expressions=[item])),
                self.alter_text(entity.table, f"MATERIALIZE INDEX {self.target.generate(item.this)}")]

    def drop_tables(self, names: set[str]) -> list[str]:
        """DROP TABLE for these tables of the old version, those that reference others first."""
        order, _ = creation_order(self.old)
        return [self.statement(exp.Drop(this=self.table(e.table), kind="TABLE")) for e in reversed(order) if e.name in names]

    def template(self, template: str, **names: str) -> str:
        return self.statement(template.format(**{k: self.target.generate(self.ident(v)) for k, v in names.items()}))

    def create_statements(self, entities: list[Entity]) -> tuple[list[str], list[str]]:
        """Fresh DDL for `entities` of the new version: (the tables in creation order with the
        foreign keys that close a cycle, then their indexes and triggers)."""
        names = {e.name for e in entities}
        order, deferred = creation_order(self.new)
        order = [e for e in order if e.name in names]
        deferred = [(e, fk) for e, fk in deferred if e.name in names]
        tables, extras = [], []
        for entity in order:
            tables += self.after.captured(self.after.create_table, entity, deferred)
        for entity, fk in deferred:
            tables += self.after.captured(self.after.deferred_foreign_key, entity, fk)
        for entity in order:
            extras += self.after.captured(self.after.indexes, entity)
            extras += self.after.captured(self.after.updated_at_trigger, entity)
        return tables, extras

    def new_tables(self) -> list[Entity]:
        return [c.after for c in self.of("add", "table")]

    def table_pairs(self) -> dict[str, str]:
        """New entity name -> old entity name, for the tables in both versions."""
        dropped = {c.old_entity for c in self.of("drop", "table")}
        added = {c.new_entity for c in self.of("add", "table")}
        renamed = {c.new_entity: c.old_entity for c in self.of("rename", "table")}
        pairs = {n: renamed.get(n, n) for n in self.new.entities if n not in added}
        return {n: o for n, o in pairs.items() if o in self.old.entities and o not in dropped}

    def updated_at_function(self) -> list[str]:
        """The trigger functions the new version is the first to need."""
        had = frozenset(self.before.updated_at_function_name(c)
                        for c in map(self.before.updated_at_column, self.old.entities.values()) if c)
        return self.after.captured(self.after.updated_at_functions, had)

    # -- the file ----------------------------------------------------------------------------
    def write(self) -> str:
        self.build()
        # The patterns' objects go before the tables change (a view holds on to its table) and
        # come back last (a rebuilt table's rows are in before its triggers are).
        dropping, creating, notes = pattern_migration(self.old, self.new, self.target)
        self.main[:0] = dropping
        self.late += creating
        header = [
            f"-- {self.target.title} migration of design '{self.new.name}' from {self.old.version} to {self.new.version}.",
            f"-- Generated by schemaforge {__version__}; do not edit by hand.",
        ]
        header += [f"--   {line}" for line in self.summary() + notes] or ["--   no changes"]
        body = list(self.target.MIGRATION_SETTINGS) + self.pre
        if self.main or self.late:
            begin, commit = self.target.TRANSACTION or ((), ())
            if not self.target.TRANSACTION:
                header.append(f"-- {self.target.title} commits each DDL statement on its own: a failure leaves "
                              "the statements before it applied.")
            body += list(begin) + self.main + self.late + list(commit)
        body += self.post
        return "\n".join(header) + "\n\n" + "\n\n".join(body) + ("\n" if body else "")

    def summary(self) -> list[str]:
        lines = []
        for change in self.changes:
            verdicts = judge(change, self.changes)
            lines.append(f"{change.describe()}: {', '.join(dict.fromkeys(v.safety for v in verdicts))}")
        return lines

    def build(self) -> None:
        raise NotImplementedError
