"""Migrate by ALTER statements (PostgreSQL, MySQL), ordered so each finds what it needs: drops
of constraints first, then renames, new tables, new and changed columns, new constraints. On
PostgreSQL the slow parts leave the transaction for the forms that do not block traffic (the
ones Squawk asks for): indexes built and dropped CONCURRENTLY, foreign keys and checks added NOT
VALID and validated after the commit, all under a lock_timeout."""

from __future__ import annotations

from sqlglot import exp

from schemaforge.ddl.render import DdlRenderer
from schemaforge.migrate.changes import Change
from schemaforge.migrate.writer import Writer, needs_cast
from schemaforge.design.model import Column, Design, Entity


class AlterWriter(Writer):
    """ALTER statements, in an order where each one finds what it needs."""

    def build(self) -> None:
        online = self.target.ONLINE_DDL
        self.enum_additions()
        self.drop_constraints()
        self.renames()
        self.enum_recreations()
        self.domain_definitions()
        self.main += self.drop_tables({c.old_entity for c in self.of("drop", "table")})
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
        self.drop_domains()
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
        return self.drop_index(name, table)

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
            online = self.target.ONLINE_DDL
            (self.pre if online else self.main).append(self.drop_index(name, table, online))
            return
        style = self.target.DROP_CONSTRAINT[change.kind]
        kind = {"constraint": "CONSTRAINT", "index": "INDEX", "foreign_key": "FOREIGN KEY", "primary_key": "PRIMARY KEY"}[style]
        self.main.append(self.alter(table, exp.Drop(this=self.table(name), kind=kind)))

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
            comment = self.target.generate(exp.Literal.string(entity.description or ""))
            return [self.alter_text(entity.table, f"COMMENT = {comment}")]
        return []

    def alter_column(self, change: Change) -> None:
        entity, before, after = self.new.entities[change.new_entity], change.before, change.after
        table = entity.table
        aspects = set(change.aspects)
        if "identity" in aspects and "generated" not in aspects and self.target.IDENTITY_CHANGE is not None:
            self.main += self.identity_change(table, after)  # in place: the keys stay
            aspects.discard("identity")
        in_place = self.target.COLUMN_CHANGE == "modify" and "generated" not in aspects  # MySQL restates it
        if "generated" in aspects or ("identity" in aspects and not in_place):  # derived values: make it again
            self.main.append(self.alter(table, self.drop_column(after)))
            self.add_column(Change("add", "column", change.old_entity, change.new_entity, None, after))
            return
        if "on_update_now" in aspects and self.target.UPDATED_AT == "trigger":
            self.updated_at_trigger_change(entity, change.old_entity, after)
        if self.target.COLUMN_CHANGE == "modify":  # MySQL restates the whole column
            definition = self.after.sql(self.after.column_def(entity, after, inline_pk=False))
            self.main.append(self.alter_text(table, f"MODIFY COLUMN {definition}"))
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
            self.main.append(self.alter_text(table, f"ALTER COLUMN {self.target.generate(column)} {keyword} NOT NULL"))
        if "description" in aspects:
            self.main += self.column_comment(entity, after, removing=True)

    def updated_at_trigger_change(self, entity: Entity, old_name: str, after: Column) -> None:
        """A column that every UPDATE sets now, or no longer: its trigger made, or dropped."""
        if after.on_update_now:
            self.main += self.updated_at_function()
            self.main += self.after.captured(self.after.updated_at_trigger, entity)
        elif self.target.DROP_TRIGGER:
            self.main.append(self.template(self.target.DROP_TRIGGER, trigger=f"trg_{old_name}_updated_at",
                                           table=entity.table))

    def identity_change(self, table: str, column: Column) -> list[str]:
        """The identity added (and moved past the keys the column holds) or dropped, in place."""
        add, drop = self.target.IDENTITY_CHANGE
        names = {"table": self.target.ident(table), "column": self.target.ident(column.physical)}
        if not column.identity:
            return [self.statement(drop.format(**names))]
        resync = self.target.identity_resync(table, column.physical)
        return [self.statement(add.format(**names))] + ([self.statement(resync)] if resync else [])

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
                name = self.target.generate(self.ident(change.after.name))
                literal = lambda v: self.target.generate(exp.Literal.string(v))  # noqa: E731
                place = f"AFTER {literal(values[i - 1])}" if i else f"BEFORE {literal(values[1])}"
                self.pre.append(self.statement(f"ALTER TYPE {name} ADD VALUE {literal(value)} {place}"))

    def enum_recreations(self) -> None:
        """New enum types, and changed ones made again under their name (the old one aside)."""
        if self.target.ENUMS != "named_type":
            return
        appended = self.appended_enums()
        for change in self.of("alter", "enum_type"):
            if change not in appended:
                name = self.target.generate(self.ident(change.before.name))
                aside = self.target.generate(self.ident(f"{change.before.name}__old"))
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

    # -- domains (PostgreSQL) ----------------------------------------------------------------
    def domain_name(self, renderer, domain) -> str:
        return self.target.generate(self.ident(renderer.domain_type_name(domain)))

    def domain_definitions(self) -> None:
        """New domains; changed ones altered in place, or made again (the old one aside until
        its columns have moved) where the type under them changes."""
        for change in self.of("alter", "domain"):
            before, after = change.before, change.after
            name = self.domain_name(self.after, after)
            if str(before.type) != str(after.type):
                aside = self.target.generate(self.ident(f"{self.before.domain_type_name(before)}__old"))
                self.main.append(self.statement(f"ALTER DOMAIN {self.domain_name(self.before, before)} RENAME TO {aside}"))
                self.main += self.after.captured(self.created_domain, after)
                continue
            if before.default != after.default:
                default = after.default and self.after.sql(self.after.default_value(after.default, after.type))
                self.main.append(self.statement(f"ALTER DOMAIN {name} " + (f"SET DEFAULT {default}" if default else "DROP DEFAULT")))
            old_checks, new_checks = self.before.domain_checks(before), self.after.domain_checks(after)
            if [(n, c.sql()) for n, c in old_checks] != [(n, c.sql()) for n, c in new_checks]:
                for check_name, _ in old_checks:
                    self.main.append(self.statement(f"ALTER DOMAIN {name} DROP CONSTRAINT IF EXISTS {self.target.generate(self.ident(check_name))}"))
                for check_name, condition in new_checks:
                    self.main.append(self.statement(f"ALTER DOMAIN {name} ADD CONSTRAINT {self.target.generate(self.ident(check_name))} "
                                                    f"CHECK ({self.after.sql(condition)})"))
            if before.description != after.description:
                comment = self.after.sql(exp.Literal.string(after.description)) if after.description else "NULL"
                self.main.append(self.statement(f"COMMENT ON DOMAIN {name} IS {comment}"))
        for change in self.of("add", "domain"):
            self.main += self.after.captured(self.created_domain, change.after)

    def created_domain(self, domain) -> None:
        self.after.emit(self.after.create_domain(domain))
        self.after.domain_comment(domain)

    def drop_domains(self) -> None:
        """Dropped domains, and those set aside, once no column is declared with them."""
        aside = [f"{self.before.domain_type_name(c.before)}__old" for c in self.of("alter", "domain")
                 if str(c.before.type) != str(c.after.type)]
        dropped = [self.before.domain_type_name(c.before) for c in self.of("drop", "domain")]
        for name in aside + dropped:
            self.main.append(self.statement(f"DROP DOMAIN {self.target.generate(self.ident(name))}"))

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
            name = self.target.generate(constraint.this)
            self.post.append(self.alter_text(table, f"VALIDATE CONSTRAINT {name}"))

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
        name = self.target.generate(constraint.this)
        columns = ", ".join(self.target.generate(c) for c in self.after.columns(entity, unique.columns))
        table = self.target.generate(self.table(entity.table))
        self.post.append(self.statement(f"CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} ({columns})"))
        self.post.append(self.alter_text(entity.table, f"ADD CONSTRAINT {name} UNIQUE USING INDEX {name}"))

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
                dropped.append(self.drop_index(name, entity.table))
        return added, dropped
