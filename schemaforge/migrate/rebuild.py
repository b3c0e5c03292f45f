"""Migrate by rebuilding a changed table (SQLite, DuckDB, SQL Server, Oracle, ClickHouse): copy it
aside, create it anew from the fresh DDL, refill it column by column (renamed columns from their
old names), with the tables that reference it, since a referenced table cannot be dropped. This
is SQLite's own procedure for what its ALTER cannot do."""

from __future__ import annotations

from sqlglot import exp

from schemaforge.ddl.targets import sequence_name
from schemaforge.migrate.changes import Change
from schemaforge.migrate.writer import BACKUP_PREFIX, Writer, needs_cast
from schemaforge.design.model import Column, Design, Entity
from schemaforge.design.order import creation_order
from schemaforge.design.types import LogicalType


class RebuildWriter(Writer):
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
                self.main.append(self.drop_index(self.before.constraint_name(change.before.name, entity.path).this, entity.table))
        for entity in old_tables:
            self.main.append(self.statement(self.backup(entity)))
        self.main += self.drop_tables(set(old_of.values()) | {c.old_entity for c in self.of("drop", "table")})
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
                self.main += self.add_index(entity, change.after)
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
        q = lambda name: self.target.generate(self.ident(name))  # noqa: E731
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
