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

from sqlglot import exp

from schemaforge import __version__
from schemaforge.ddl.render import DdlRenderer
from schemaforge.ddl.targets import SQL_TARGETS, SqlTarget, sequence_name
from schemaforge.migrate.changes import Change, judge
from schemaforge.migrate.diff import diff_designs
from schemaforge.spec.model import Column, Design, Entity
from schemaforge.spec.order import creation_order
from schemaforge.spec.types import LogicalType

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


def target_changes(old: Design, new: Design, target: SqlTarget) -> list[Change]:
    """The diff as `target` sees it: with the CHECKs it adds for enums, lengths and booleans."""
    renderers = {id(old): DdlRenderer(old, target), id(new): DdlRenderer(new, target)}
    return diff_designs(old, new, lambda design, entity: entity.checks + renderers[id(design)].implied_checks(entity))


def render_migration(old: Design, new: Design, target_name: str, changes: list[Change] | None = None) -> str:
    """The SQL that takes a database from `old`'s schema to `new`'s, on `target_name`.
    `changes` defaults to the diff; a rollback passes the forward changes reversed."""
    target = SQL_TARGETS[target_name]()
    changes = target_changes(old, new, target) if changes is None else changes
    writer_class = _AlterWriter if target.MIGRATION == "alter" else _RebuildWriter
    return writer_class(old, new, changes, target).write()


class _Writer:
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

    def template(self, template: str, **names: str) -> str:
        return self.statement(template.format(**{k: self.ident(v).sql(self.target.dialect) for k, v in names.items()}))

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
        """The trigger function, when the new version is the first to need it."""
        had = any(self.before.updated_at_column(e) for e in self.old.entities.values())
        return [] if had else self.after.captured(self.after.updated_at_function)

    # -- the file ----------------------------------------------------------------------------
    def write(self) -> str:
        self.build()
        header = [
            f"-- {self.target.title} migration of design '{self.new.name}' from {self.old.version} to {self.new.version}.",
            f"-- Generated by schemaforge {__version__}; do not edit by hand.",
        ]
        header += [f"--   {line}" for line in self.summary()] or ["--   no changes"]
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


class _AlterWriter(_Writer):
    """ALTER statements, in an order where each one finds what it needs."""

    def build(self) -> None:
        online = self.target.ONLINE_DDL
        self.enum_additions()
        self.drop_constraints()
        self.renames()
        self.enum_recreations()
        self.drop_tables()
        for change in self.of("drop", "column"):
            self.drop_trigger_of(change)
            self.main.append(self.alter(self.new_table(change), self.drop_column(change.before)))
        tables, extras = self.create_statements(self.new_tables())
        self.main += tables + extras
        for change in self.of("add", "column"):
            self.add_column(change)
        for change in self.of("alter", "column"):
            self.alter_column(change)
        for change in self.of("alter", "table"):
            self.main += self.table_comment(change.after)
        self.drop_enum_types()
        # MySQL: an index under each new foreign key before the key (else it makes its own),
        # and the old ones dropped once nothing needs them.
        fk_indexes_added, fk_indexes_dropped = self.foreign_key_indexes()
        self.main += fk_indexes_added
        self.add_constraints(online)
        self.main += fk_indexes_dropped

    # -- names of the objects ----------------------------------------------------------------
    def old_table(self, change: Change) -> str:
        return self.old.entities[change.old_entity].table

    def new_table(self, change: Change) -> str:
        return self.new.entities[change.new_entity].table

    def old_name(self, change: Change, obj=None) -> str:
        obj = obj or change.before
        return self.before.constraint_name(obj.name, self.old.entities[change.old_entity].path).this

    def new_name(self, change: Change, obj=None) -> str:
        obj = obj or change.after
        return self.after.constraint_name(obj.name, self.new.entities[change.new_entity].path).this

    def is_index(self, renderer: DdlRenderer, design: Design, change: Change, obj) -> bool:
        """Is this unique (or index) an index on the target, rather than a table constraint?"""
        if change.kind == "index":
            return True
        entity = design.entities[change.old_entity if renderer is self.before else change.new_entity]
        return change.kind == "unique" and renderer.unique_as_index(entity, obj)

    # -- drops -------------------------------------------------------------------------------
    def drop_constraints(self) -> None:
        """Constraints and indexes that go (or change, or are dropped with their table's)."""
        dropped_tables = {c.old_entity for c in self.of("drop", "table")}
        recreated = self.recreated_renames()
        order = ("foreign_key", "check", "unique", "index", "primary_key")
        for kind in order:
            for change in [c for c in self.changes if c.kind == kind and (c.action in ("drop", "alter") or c in recreated)]:
                if change.old_entity in dropped_tables or self.key_swapped_in_place(change):
                    continue  # DROP TABLE takes it along; a key is swapped in one statement
                if self.target.FK_NEEDS_INDEX and kind in ("unique", "index") and not self.loses_columns(change):
                    # MySQL: a foreign key may lean on this index until its own one exists.
                    self.late.append(self.drop_index_statement(change, self.new_table(change)))
                    continue
                self.drop_constraint(change)

    def loses_columns(self, change: Change) -> bool:
        """Does a dropped column of the table belong to this constraint?"""
        dropped = {c.before.name for c in self.of("drop", "column") if c.old_entity == change.old_entity}
        return bool(dropped & set(change.before.columns))

    def key_swapped_in_place(self, change: Change) -> bool:
        """A changed primary key whose columns all stay is dropped and added in one statement,
        so foreign keys that use its index are never left without one (MySQL)."""
        return change.kind == "primary_key" and change.action == "alter" and not self.loses_columns(change)

    def drop_index_statement(self, change: Change, table: str) -> str:
        name = self.old_name(change)
        if change.kind == "unique" and not self.target.UNIQUE_IS_INDEX and not self.is_index(self.before, self.old, change, change.before):
            return self.alter(table, exp.Drop(this=self.table(name), kind="CONSTRAINT"))
        on_table = exp.OnProperty(this=self.ident(table)) if self.target.DROP_INDEX_ON_TABLE else None
        return self.statement(exp.Drop(this=self.table(name), kind="INDEX", cluster=on_table))

    def drop_key_action(self, change: Change) -> exp.Expression:
        if not self.target.NAMED_PRIMARY_KEY:
            return exp.DropPrimaryKey()
        return exp.Drop(this=self.table(self.old_name(change)), kind="CONSTRAINT")

    def drop_constraint(self, change: Change) -> None:
        table, name = self.old_table(change), self.old_name(change)
        if change.kind == "primary_key":
            self.main.append(self.alter(table, self.drop_key_action(change)))
            return
        if self.is_index(self.before, self.old, change, change.before) and not (change.kind == "unique" and self.target.UNIQUE_IS_INDEX):
            drop = exp.Drop(this=self.table(name), kind="INDEX", concurrently=self.target.ONLINE_DDL,
                            exists=self.target.ONLINE_DDL, cluster=exp.OnProperty(this=self.ident(table)) if self.target.DROP_INDEX_ON_TABLE else None)
            (self.pre if self.target.ONLINE_DDL else self.main).append(self.statement(drop))
            return
        style = self.target.DROP_CONSTRAINT[change.kind]
        kind = {"constraint": "CONSTRAINT", "index": "INDEX", "foreign_key": "FOREIGN KEY", "primary_key": "PRIMARY KEY"}[style]
        self.main.append(self.alter(table, exp.Drop(this=self.table(name), kind=kind)))

    def drop_tables(self) -> None:
        dropped = {c.old_entity for c in self.of("drop", "table")}
        order, _ = creation_order(self.old)
        for entity in reversed([e for e in order if e.name in dropped]):
            self.main.append(self.statement(exp.Drop(this=self.table(entity.table), kind="TABLE")))

    def drop_column(self, column: Column) -> exp.Drop:
        return exp.Drop(this=exp.column(self.ident(column.physical)), kind="COLUMN")

    def drop_trigger_of(self, change: Change) -> None:
        """A dropped updated_at column takes its trigger (PostgreSQL) along."""
        entity = self.old.entities[change.old_entity]
        if self.target.DROP_TRIGGER and self.before.updated_at_column(entity) is change.before and self.target.UPDATED_AT == "trigger":
            self.main.append(self.template(self.target.DROP_TRIGGER, trigger=f"trg_{entity.name}_updated_at", table=entity.table))

    # -- renames -----------------------------------------------------------------------------
    def recreated_renames(self) -> list[Change]:
        """Renames the target cannot do in place (MySQL's CHECK and FOREIGN KEY): drop, add."""
        if self.target.RENAME_CONSTRAINT is not None:
            return []
        return [c for c in self.of("rename", "check") + self.of("rename", "foreign_key")]

    def renames(self) -> None:
        for change in self.of("rename", "table"):
            self.main.append(self.alter(self.old_table(change), exp.AlterRename(this=self.table(self.new_table(change)))))
            self.rename_trigger(change)
        for change in self.of("rename", "column"):
            self.main.append(self.alter(self.new_table(change), exp.RenameColumn(
                this=exp.column(self.ident(change.before.physical)), to=exp.column(self.ident(change.after.physical)))))
        recreated = self.recreated_renames()
        for kind in ("primary_key", "unique", "check", "foreign_key", "index"):
            for change in self.of("rename", kind):
                if change in recreated or (kind == "primary_key" and not self.target.NAMED_PRIMARY_KEY):
                    continue
                old, new = self.old_name(change), self.new_name(change)
                if old == new:
                    continue
                index = self.is_index(self.after, self.new, change, change.after) or (kind == "unique" and self.target.UNIQUE_IS_INDEX)
                template = self.target.RENAME_INDEX if index else self.target.RENAME_CONSTRAINT
                self.main.append(self.template(template, table=self.new_table(change), old=old, new=new))

    def rename_trigger(self, change: Change) -> None:
        before, after = change.before, change.after
        if not (self.target.RENAME_TRIGGER and self.target.UPDATED_AT == "trigger"):
            return
        if self.before.updated_at_column(before) and self.after.updated_at_column(after):
            self.main.append(self.template(self.target.RENAME_TRIGGER, old=f"trg_{before.name}_updated_at",
                                           new=f"trg_{after.name}_updated_at", table=after.table))

    # -- columns -----------------------------------------------------------------------------
    def add_column(self, change: Change) -> None:
        entity, column = self.new.entities[change.new_entity], change.after
        definition = self.after.column_def(entity, column, inline_pk=False)
        self.main.append(self.alter(entity.table, definition))
        self.main += self.column_comment(entity, column)
        if self.after.updated_at_column(entity) is column and self.target.UPDATED_AT == "trigger":
            self.main += self.updated_at_function()
            self.main += self.after.captured(self.after.updated_at_trigger, entity)

    def column_comment(self, entity: Entity, column: Column, removing: bool = False) -> list[str]:
        """COMMENT ON COLUMN where the target has it (elsewhere the comment is in the column
        definition); an empty comment removes one."""
        text = self.after.column_comment(entity, column)
        if self.target.COMMENTS != "statement" or not (text or removing):
            return []
        return [self.statement(self.after.comment(entity, column, text or ""))]

    def table_comment(self, entity: Entity) -> list[str]:
        if self.target.COMMENTS == "statement":
            return [self.statement(self.after.comment(entity, None, entity.description or ""))]
        if self.target.COMMENTS == "inline":
            comment = exp.Literal.string(entity.description or "").sql(self.target.dialect)
            return [self.statement(f"ALTER TABLE {self.table(entity.table).sql(self.target.dialect)} COMMENT = {comment}")]
        return []

    def alter_column(self, change: Change) -> None:
        entity, before, after = self.new.entities[change.new_entity], change.before, change.after
        table = entity.table
        aspects = set(change.aspects)
        if "generated" in aspects or "identity" in aspects:  # derived values: make the column again
            self.main.append(self.alter(table, self.drop_column(after)))
            self.add_column(Change("add", "column", change.old_entity, change.new_entity, None, after))
            return
        if self.target.COLUMN_CHANGE == "modify":  # MySQL restates the whole column
            definition = self.after.sql(self.after.column_def(entity, after, inline_pk=False))
            self.main.append(self.statement(f"ALTER TABLE {self.table(table).sql(self.target.dialect)} MODIFY COLUMN {definition}"))
            return
        column = self.ident(after.physical)
        actions: list[exp.Expression] = []
        if "type" in aspects and not self.enum_grew_in_place(after):
            if before.default is not None:  # a default of the old type may not cast by itself
                actions.append(exp.AlterColumn(this=column, drop=True))
                aspects.add("default")
            new_type = self.after.data_type(after.type, after)
            using = None
            if needs_cast(before, after):
                source: exp.Expression = exp.column(column.copy())
                if before.type.kind == "enum" and after.type.kind == "enum":
                    source = exp.Cast(this=source, to=exp.DataType.build("text"))
                using = exp.Cast(this=source, to=new_type.copy())
            actions.append(exp.AlterColumn(this=column, dtype=new_type, using=using))
        if "default" in aspects:
            default = self.after.default(after)
            actions.append(exp.AlterColumn(this=column, drop=True) if default is None else exp.AlterColumn(this=column, default=default))
        for action in actions:
            self.main.append(self.alter(table, action))
        if "nullable" in aspects:  # text: sqlglot's tree for SET NOT NULL logs a false warning
            keyword = "DROP" if after.nullable else "SET"
            self.main.append(self.statement(
                f"ALTER TABLE {self.table(table).sql(self.target.dialect)} ALTER COLUMN "
                f"{column.sql(self.target.dialect)} {keyword} NOT NULL"))
        if "description" in aspects:
            self.main += self.column_comment(entity, after, removing=True)

    # -- enum types (PostgreSQL) -------------------------------------------------------------
    def enum_grew_in_place(self, column: Column) -> bool:
        """Did the column's enum type only gain values, added in place by ALTER TYPE?"""
        return any(c.after.name == column.enum_type for c in self.appended_enums())

    def appended_enums(self) -> list[Change]:
        if self.target.ENUMS != "named_type":
            return []
        return [c for c in self.of("alter", "enum_type")
                if [v for v in c.after.values if v in c.before.values] == list(c.before.values)]

    def enum_additions(self) -> None:
        """New values of an enum type, each at its place; outside the transaction, since a
        value added in a transaction cannot be used before it commits."""
        for change in self.appended_enums():
            values = change.after.values
            for i, value in enumerate(values):
                if value in change.before.values:
                    continue
                name = self.ident(change.after.name).sql(self.target.dialect)
                literal = lambda v: exp.Literal.string(v).sql(self.target.dialect)  # noqa: E731
                place = f"AFTER {literal(values[i - 1])}" if i else f"BEFORE {literal(values[1])}"
                self.pre.append(self.statement(f"ALTER TYPE {name} ADD VALUE {literal(value)} {place}"))

    def enum_recreations(self) -> None:
        """New enum types, and changed ones made again under their name (the old one aside)."""
        if self.target.ENUMS != "named_type":
            return
        appended = self.appended_enums()
        for change in self.of("alter", "enum_type"):
            if change not in appended:
                name = self.ident(change.before.name).sql(self.target.dialect)
                aside = self.ident(f"{change.before.name}__old").sql(self.target.dialect)
                self.main.append(self.statement(f"ALTER TYPE {name} RENAME TO {aside}"))
                self.main.append(self.statement(self.after.enum_type(change.after.name, change.after.values)))
        for change in self.of("add", "enum_type"):
            self.main.append(self.statement(self.after.enum_type(change.after.name, change.after.values)))

    def drop_enum_types(self) -> None:
        if self.target.ENUMS != "named_type":
            return
        appended = self.appended_enums()
        aside = [f"{c.before.name}__old" for c in self.of("alter", "enum_type") if c not in appended]
        for name in aside + [c.before.name for c in self.of("drop", "enum_type")]:
            self.main.append(self.statement(exp.Drop(this=self.table(name), kind="TYPE")))

    # -- constraints -------------------------------------------------------------------------
    def add_constraints(self, online: bool) -> None:
        new_tables = {c.new_entity for c in self.of("add", "table")}
        recreated = self.recreated_renames()
        wanted = lambda kind: [  # noqa: E731
            c for c in self.changes if c.kind == kind and c.new_entity not in new_tables
            and (c.action in ("add", "alter") or c in recreated)
        ]
        for change in wanted("primary_key"):
            entity = self.new.entities[change.new_entity]
            key = exp.Constraint(this=self.ident(self.new_name(change)),
                                 expressions=[exp.PrimaryKey(expressions=self.after.columns(entity, entity.primary_key))])
            actions = [self.drop_key_action(change)] if self.key_swapped_in_place(change) else []
            self.main.append(self.alter(entity.table, *actions, exp.AddConstraint(expressions=[key])))
        referenced = {(fk.target, fk.target_columns) for c in wanted("foreign_key") for fk in [c.after]}
        for change in wanted("unique"):
            self.add_unique(change, online and (change.new_entity, change.after.columns) not in referenced)
        for change in wanted("check"):
            entity = self.new.entities[change.new_entity]
            constraint = self.after.check_constraint(entity, change.after)
            if constraint is not None:
                self.add_validated(entity.table, constraint, online)
        for change in wanted("foreign_key"):
            entity = self.new.entities[change.new_entity]
            self.add_validated(entity.table, self.after.foreign_key(entity, change.after), online)
        for change in wanted("index"):
            entity = self.new.entities[change.new_entity]
            statements = self.after.captured(self.after.plain_index, entity, change.after)
            self.add_index(statements, online)

    def add_validated(self, table: str, constraint: exp.Constraint, online: bool) -> None:
        """Online: add it NOT VALID (no scan under the exclusive lock), validate after the commit."""
        self.main.append(self.alter(table, exp.AddConstraint(expressions=[constraint]), not_valid=online))
        if online:
            name = constraint.this.sql(self.target.dialect)
            self.post.append(self.statement(f"ALTER TABLE {self.table(table).sql(self.target.dialect)} VALIDATE CONSTRAINT {name}"))

    def add_index(self, statements: list[str], online: bool) -> None:
        if not online:
            self.main += statements
            return
        for text in statements:  # CREATE [UNIQUE] INDEX name ... -> CONCURRENTLY IF NOT EXISTS
            self.post.append(text.replace(" INDEX ", " INDEX CONCURRENTLY IF NOT EXISTS ", 1))

    def add_unique(self, change: Change, online: bool) -> None:
        entity = self.new.entities[change.new_entity]
        unique = change.after
        if self.after.unique_as_index(entity, unique):
            self.add_index(self.after.captured(self.after.unique_index, entity, unique), online)
            return
        constraint = self.after.unique_constraint(entity, unique)
        if constraint is None:
            return
        if not online:
            self.main.append(self.alter(entity.table, exp.AddConstraint(expressions=[constraint])))
            return
        # Build the index without blocking writes, then make it the constraint.
        name = constraint.this.sql(self.target.dialect)
        columns = ", ".join(c.sql(self.target.dialect) for c in self.after.columns(entity, unique.columns))
        table = self.table(entity.table).sql(self.target.dialect)
        self.post.append(self.statement(f"CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} ({columns})"))
        self.post.append(self.statement(f"ALTER TABLE {table} ADD CONSTRAINT {name} UNIQUE USING INDEX {name}"))

    def foreign_key_indexes(self) -> tuple[list[str], list[str]]:
        """The indexes a target keeps under foreign keys (MySQL), compared by name: (statements
        that add the new ones, statements that drop the old ones)."""
        added, dropped = [], []
        if not self.target.FK_NEEDS_INDEX:
            return added, dropped
        for new_name, old_name in self.table_pairs().items():
            before = {n: c for n, c, _ in self.before.foreign_key_indexes(self.old.entities[old_name])}
            entity = self.new.entities[new_name]
            for name, columns, path in self.after.foreign_key_indexes(entity):
                if name not in before:
                    added += self.after.captured(self.after.create_index, entity, name, columns, path, False, None)
            after = {n for n, _, _ in self.after.foreign_key_indexes(entity)}
            gone = {c.before.name for c in self.of("drop", "column") if c.old_entity == old_name}
            for name in sorted(before.keys() - after):
                if set(before[name]) <= gone:
                    continue  # dropping its columns dropped it
                dropped.append(self.statement(exp.Drop(this=self.table(name), kind="INDEX",
                                                       cluster=exp.OnProperty(this=self.ident(entity.table)))))
        return added, dropped

class _RebuildWriter(_Writer):
    """Copy each changed table aside, create it anew, refill it; with the tables that reference it."""

    def build(self) -> None:
        self.retired_sequences: list[str] = []
        self.new_sequences: set[str] = set()
        pairs = self.table_pairs()
        rebuilt = self.rebuilt(pairs)
        old_of = {n: pairs[n] for n in rebuilt}
        old_tables = [self.old.entities[o] for o in old_of.values()]
        for change in self.of("drop", "index"):
            if change.new_entity not in rebuilt:
                entity = self.old.entities[change.old_entity]
                self.main += [self.statement(exp.Drop(
                    this=self.table(self.before.constraint_name(change.before.name, entity.path).this), kind="INDEX",
                    cluster=exp.OnProperty(this=self.ident(entity.table)) if self.target.DROP_INDEX_ON_TABLE else None))]
        for entity in old_tables:
            self.main.append(self.statement(self.backup(entity)))
        dropped = set(old_of.values()) | {c.old_entity for c in self.of("drop", "table")}
        order, _ = creation_order(self.old)
        for entity in reversed([e for e in order if e.name in dropped]):
            self.main.append(self.statement(exp.Drop(this=self.table(entity.table), kind="TABLE")))
        self.enum_types()
        self.sequences(rebuilt)
        tables, extras = self.create_statements(self.new_tables() + [self.new.entities[n] for n in rebuilt])
        self.main += tables
        new_order, _ = creation_order(self.new)
        for entity in [e for e in new_order if e.name in rebuilt]:
            self.main += self.refill(entity, self.old.entities[old_of[entity.name]])
        self.main += extras  # indexes after the rows are in: built once, not row by row
        for entity in old_tables:
            self.main.append(self.statement(exp.Drop(this=self.table(BACKUP_PREFIX + entity.table), kind="TABLE")))
        for name in self.retired_sequences:
            self.main.append(self.statement(exp.Drop(this=self.table(name), kind="SEQUENCE")))
        for change in self.of("add", "index"):
            if change.new_entity not in rebuilt:
                entity = self.new.entities[change.new_entity]
                self.main += self.after.captured(self.after.plain_index, entity, change.after)
        if any(self.after.updated_at_column(e) for e in self.new_tables()):
            self.main[:0] = self.updated_at_function()

    def rebuilt(self, pairs: dict[str, str]) -> list[str]:
        """New names of the tables to rebuild: those with changes beyond their indexes, and
        (again and again) the tables whose old version references one of them."""
        changed = {c.new_entity for c in self.changes if c.new_entity in pairs and self.reshapes(c)}
        changed |= {n for n in pairs if self.enum_changed(self.new.entities[n])}
        old_names = {pairs[n] for n in changed}
        grew = True
        while grew:
            referencing = {
                e.name for e in self.old.entities.values()
                if any(fk.target in old_names for fk in e.foreign_keys) and e.name not in old_names
            }
            kept = {n for n, o in pairs.items() if o in referencing}
            grew = bool(kept - changed)
            changed |= kept
            old_names |= {pairs[n] for n in kept}
        return [n for n in self.new.entities if n in changed]

    def reshapes(self, change: Change) -> bool:
        """Does the change need its table made again? Not an index, nor a description where
        the target keeps none."""
        if change.kind in ("index", "enum_type"):
            return False
        return not (set(change.aspects) == {"description"} and self.target.COMMENTS == "none")

    def enum_changed(self, entity: Entity) -> bool:
        """Does the table use a named enum type that changes (DuckDB: it must be made again)?"""
        altered = {c.before.name for c in self.of("alter", "enum_type")}
        return self.target.ENUMS == "named_type" and any(c.enum_type in altered for c in entity.columns)

    def backup(self, entity: Entity) -> exp.Create:
        """A plain copy of the table; a named enum's values go aside as text, so that the type
        can be made again."""
        columns = []
        for column in entity.columns:
            source = exp.column(self.ident(column.physical))
            if column.enum_type and self.target.ENUMS == "named_type":
                source = exp.alias_(exp.Cast(this=source, to=exp.DataType.build("text")), self.ident(column.physical))
            columns.append(source)
        select = exp.select(*columns).from_(self.table(entity.table))
        properties = exp.Properties(expressions=[exp.EngineProperty(this=exp.var(self.target.BACKUP_ENGINE))]) if self.target.BACKUP_ENGINE else None
        return exp.Create(this=self.table(BACKUP_PREFIX + entity.table), kind="TABLE", expression=select, properties=properties)

    def enum_types(self) -> None:
        if self.target.ENUMS != "named_type":
            return
        for change in self.of("drop", "enum_type") + self.of("alter", "enum_type"):
            self.main.append(self.statement(exp.Drop(this=self.table(change.before.name), kind="TYPE")))
        for change in self.of("add", "enum_type") + self.of("alter", "enum_type"):
            self.main.append(self.statement(self.after.enum_type(change.after.name, change.after.values)))

    def sequences(self, rebuilt: list[str]) -> None:
        """Identity sequences (DuckDB, Oracle-style) of tables that are new or renamed; an old
        one is kept where its table keeps its name, so numbering goes on where it was."""
        if self.target.IDENTITY != "sequence":
            return
        def names(design: Design) -> set[str]:
            return {sequence_name(e.table, c.physical) for e in design.entities.values() for c in e.columns if c.identity}
        old, new = names(self.old), names(self.new)
        self.new_sequences = new - old
        for name in sorted(new - old):
            self.main.append(self.statement(exp.Create(this=self.table(name), kind="SEQUENCE")))
        self.retired_sequences = sorted(old - new)

    def refill(self, entity: Entity, old: Entity) -> list[str]:
        """INSERT ... SELECT from the copy: each column from its old self, cast where its type
        changed; a new column takes its default."""
        sources = self.column_sources(entity, old)
        columns, values = [], []
        for column in entity.columns:
            before = sources.get(column.name)
            if before is None or column.generated is not None:
                continue
            value: exp.Expression = exp.column(self.ident(before.physical))
            named_enum = column.enum_type and self.target.ENUMS == "named_type"
            if needs_cast(before, column) or named_enum:
                if before.type.kind == "enum" and column.type.kind == "enum":  # by label, not number
                    value = exp.Cast(this=value, to=self.after.data_type(LogicalType("text")))
                value = exp.Cast(this=value, to=self.after.data_type(column.type, column))
            columns.append(self.ident(column.physical))
            values.append(value)
        if not columns:
            return []
        select = exp.select(*values).from_(self.table(BACKUP_PREFIX + old.table))
        target = exp.Schema(this=self.table(entity.table), expressions=columns)
        statements = self.by_level(entity, old, sources, select, target) or [self.statement(exp.insert(select, target))]
        identities = [c for c in entity.columns if c.identity and c.name in sources]
        switch = self.target.SEED_EXPLICIT_IDENTITY
        if identities and switch:
            table = self.target.ident(entity.table)
            statements = [switch[0].format(table=table)] + statements + [switch[1].format(table=table)]
        # A generated identity made again starts over, as does a sequence new under a new name.
        resync = [c for c in identities if self.target.IDENTITY == "generated"
                  or sequence_name(entity.table, c.physical) in self.new_sequences]
        statements += [s for c in resync if (s := self.target.identity_resync(entity.table, c.physical))]
        return statements

    def by_level(self, entity: Entity, old: Entity, sources: dict[str, Column], select: exp.Select, target: exp.Schema) -> list[str]:
        """Where a target checks a self-reference against the rows already there, not the rows
        of the same statement (DuckDB), rows go in level by level of their hierarchy: first
        those that reference no row, then their children, and so on; loudly beyond the limit."""
        levels = self.target.SELF_REFERENCE_LEVELS
        self_refs = [fk for fk in entity.foreign_keys if fk.target == entity.name]
        key = entity.primary_key
        if not (levels and len(self_refs) == 1 and len(key) == 1 and len(self_refs[0].columns) == 1):
            return []
        parent, key_column = sources.get(self_refs[0].columns[0]), sources.get(key[0])
        if parent is None or key_column is None:
            return []
        backup = BACKUP_PREFIX + old.table
        q = lambda name: self.ident(name).sql(self.target.dialect)  # noqa: E731
        depth = f"sf_depth_{old.table}"
        statements = [self.statement(
            f"CREATE TEMP TABLE {q(depth)} AS WITH RECURSIVE walk(k, depth) AS ("
            f"SELECT {q(key_column.physical)}, 0 FROM {q(backup)} WHERE {q(parent.physical)} IS NULL "
            f"UNION ALL SELECT b.{q(key_column.physical)}, walk.depth + 1 FROM {q(backup)} AS b "
            f"JOIN walk ON b.{q(parent.physical)} = walk.k WHERE walk.depth < {levels}) "
            f"SELECT k, max(depth) AS depth FROM walk GROUP BY k"
        )]
        for level in range(levels):
            chosen = select.copy().where(
                f"{q(key_column.physical)} IN (SELECT k FROM {q(depth)} WHERE depth = {level})", dialect=self.target.dialect)
            statements.append(self.statement(exp.insert(chosen, target.copy())))
        statements.append(self.statement(
            f"SELECT error('{entity.table}: a hierarchy deeper than {levels} levels, or a loop; rows were not copied') "
            f"FROM {q(backup)} WHERE {q(key_column.physical)} NOT IN (SELECT k FROM {q(depth)} WHERE depth < {levels})"
        ))
        statements.append(self.statement(exp.Drop(this=self.table(depth), kind="TABLE")))
        return statements

    def column_sources(self, entity: Entity, old: Entity) -> dict[str, Column]:
        """New column name -> the old column its values come from."""
        added = {c.after.name for c in self.changes if c.kind == "column" and c.action == "add" and c.new_entity == entity.name}
        renamed = {c.after.name: c.before for c in self.of("rename", "column") if c.new_entity == entity.name}
        sources = {c.name: old.column(c.name) for c in entity.columns
                   if c.name not in added and any(o.name == c.name for o in old.columns)}
        return sources | renamed
