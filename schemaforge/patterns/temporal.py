"""The temporal pattern: every version of a row, with the time it held.

The entity's table holds the current version and `valid_from`, when it began (set by a trigger
on each update). `<table>_history` gets the version an update or a delete ends, with its
`valid_to`; `<table>_versions` is a view of both (the current version's `valid_to` is NULL), and
the query `<entity>_as_of` (queries/<target>.sql; on PostgreSQL also the function
`<table>_as_of(at)`) returns the versions that held at a moment. The periods are half open:
`valid_from <= at < valid_to`.

One class per target: each keeps the history with its own triggers. DuckDB and ClickHouse have
none (TG117, with what to do instead). The trigger reads the version being ended (OLD), so a row
written before the pattern was turned on gets its history like any other.
"""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from sqlglot import exp

from schemaforge.design.model import Design, Entity
from schemaforge.patterns.triggers import Statement, changed_beyond_maintained

PATTERN = "temporal"
VALID_FROM, VALID_TO = "valid_from", "valid_to"

WITHOUT_TRIGGERS = {
    "duckdb": "write the ended version to a history table from the application, in the same transaction",
    "clickhouse": "keep every version in the table itself (a VersionedCollapsingMergeTree, or a "
                  "ReplacingMergeTree with valid_from as its version) and read it with FINAL or argMax",
}


def temporal_entities(design: Design) -> list[Entity]:
    return [e for e in design.entities.values() if PATTERN in e.patterns]


def history_table(entity: Entity) -> str:
    return f"{entity.table}_history"


def history_entity(entity: Entity) -> Entity:
    """`<table>_history` as an entity of its own, for the seed's ended versions and their load:
    the entity's columns, none generated, kept or defaulted, then valid_to; no key."""
    valid_from = entity.column(VALID_FROM)
    columns = [replace(c, generated=None, identity=False, default=None, nullable=True) for c in entity.columns]
    columns.append(replace(valid_from, name=VALID_TO, physical=VALID_TO, field=VALID_TO, nullable=False, default=None,
                           description="when the version ended"))
    return Entity(name=f"{entity.name}.history", table=history_table(entity), path=entity.path,
                  description=f"the ended versions of {entity.name}", columns=columns)


def versions_view(entity: Entity) -> str:
    return f"{entity.table}_versions"


def as_of_query(entity: Entity) -> str:
    """The `<entity>_as_of` access pattern, over the versions view (PostgreSQL SQL, `:at`)."""
    return (f"SELECT * FROM {versions_view(entity)} WHERE {VALID_FROM} <= :at "
            f"AND ({VALID_TO} IS NULL OR {VALID_TO} > :at)")


class TemporalTables:
    """Writes one target's history table, versions view and triggers, through the DDL renderer
    (for its types and names)."""

    target: ClassVar[str]
    NOW: ClassVar[str]  # the current time, as valid_from and valid_to are written

    def __init__(self, renderer):
        self.renderer = renderer
        self.dialect = renderer.target.dialect

    def q(self, name: str) -> str:
        return self.renderer.ident(name).sql(self.dialect)

    def columns(self, entity: Entity) -> list[str]:
        """Every column of the table, in its order (a generated one is a plain value in history)."""
        return [self.q(c.physical) for c in entity.columns]

    def functions(self) -> list[Statement]:
        """What every temporal table of the design shares (written once, before them)."""
        return []

    def statements(self, entity: Entity) -> list[Statement]:
        return [self.history(entity), self.view(entity)] + self.triggers(entity) + self.as_of(entity)

    def as_of(self, entity: Entity) -> list[Statement]:
        """Where the target has table functions: the versions that held at a moment."""
        return []

    def history(self, entity: Entity) -> Statement:
        """The ended versions: the entity's columns, typed as the table's, and valid_to."""
        definitions = [exp.ColumnDef(this=self.renderer.ident(c.physical), kind=self.renderer.data_type(c.type, c))
                       for c in entity.columns]
        valid_to = entity.column(VALID_FROM)
        definitions.append(exp.ColumnDef(this=self.renderer.ident(VALID_TO), kind=self.renderer.data_type(valid_to.type),
                                         constraints=[exp.ColumnConstraint(kind=exp.NotNullColumnConstraint())]))
        name = self.q(history_table(entity))
        tree = exp.Create(kind="TABLE", this=exp.Schema(this=exp.to_table(name), expressions=definitions))
        return Statement(self.renderer.sql(tree), object=("table", name, None), holds_data=True)

    def view(self, entity: Entity) -> Statement:
        columns = ", ".join(self.columns(entity))
        timestamp = self.renderer.data_type(entity.column(VALID_FROM).type).sql(self.dialect)
        name = self.q(versions_view(entity))
        return Statement(
            f"CREATE VIEW {name} AS SELECT {columns}, CAST(NULL AS {timestamp}) AS {VALID_TO} "
            f"FROM {self.renderer.table(entity).sql(self.dialect)} UNION ALL SELECT {columns}, {VALID_TO} "
            f"FROM {self.q(history_table(entity))}", object=("view", name, None))

    def insert_history(self, entity: Entity, row: str) -> str:
        """The INSERT of the version `row` (OLD, :OLD) ends, into the history."""
        values = ", ".join(f"{row}.{c}" for c in self.columns(entity))
        return (f"INSERT INTO {self.q(history_table(entity))} ({', '.join(self.columns(entity))}, {VALID_TO}) "
                f"VALUES ({values}, {self.NOW})")

    def name(self, entity: Entity, what: str) -> str:
        return self.q(f"{entity.table}_{what}")

    def trigger(self, entity: Entity, what: str, sql: str, procedural: bool = True) -> Statement:
        """The trigger `<table>_<what>` on the entity's table, created by `sql`."""
        return Statement(sql, procedural, object=("trigger", self.name(entity, what), self.renderer.table(entity).sql(self.dialect)))

    def triggers(self, entity: Entity) -> list[Statement]:
        raise NotImplementedError


class PostgresTemporal(TemporalTables):
    target = "postgres"
    NOW = "now()"  # the transaction's time: what one transaction writes shares its moment

    def functions(self) -> list[Statement]:
        return [
            Statement("CREATE OR REPLACE FUNCTION temporal_valid_from() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                      f"BEGIN\n  NEW.{VALID_FROM} := now();\n  RETURN NEW;\nEND\n$$", procedural=True,
                      object=("function", "temporal_valid_from()", None)),
        ]

    def triggers(self, entity: Entity) -> list[Statement]:
        table = self.renderer.table(entity).sql(self.dialect)
        # A function per table with its columns written out: a static INSERT is planned once,
        # where one generic function's dynamic SQL was planned again on every row (5x slower).
        keep = self.name(entity, "keep_history")
        return [
            self.trigger(entity, "valid_from", f"CREATE TRIGGER {self.name(entity, 'valid_from')} BEFORE UPDATE ON "
                         f"{table} FOR EACH ROW EXECUTE FUNCTION temporal_valid_from()"),
            Statement(f"CREATE OR REPLACE FUNCTION {keep}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                      f"BEGIN\n  {self.insert_history(entity, 'OLD')};\n  RETURN NULL;\nEND\n$$", True,
                      object=("function", f"{keep}()", None)),
            self.trigger(entity, "keep_history", f"CREATE TRIGGER {keep} AFTER UPDATE OR DELETE ON {table} "
                         f"FOR EACH ROW EXECUTE FUNCTION {keep}()"),
        ]

    def as_of(self, entity: Entity) -> list[Statement]:
        view = self.q(versions_view(entity))
        function = self.name(entity, "as_of")
        return [Statement(
            f"CREATE OR REPLACE FUNCTION {function}(at timestamptz) RETURNS SETOF {view} "
            f"LANGUAGE sql STABLE AS $$ SELECT * FROM {view} WHERE {VALID_FROM} <= at AND ({VALID_TO} IS NULL OR "
            f"{VALID_TO} > at) $$", procedural=True, object=("function", f"{function}(timestamptz)", None))]


class MySQLTemporal(TemporalTables):
    target = "mysql"
    NOW = "CURRENT_TIMESTAMP(6)"

    def triggers(self, entity: Entity) -> list[Statement]:
        table = self.renderer.table(entity).sql(self.dialect)
        return [
            self.trigger(entity, "valid_from", f"CREATE TRIGGER {self.name(entity, 'valid_from')} BEFORE UPDATE ON "
                         f"{table} FOR EACH ROW SET NEW.{VALID_FROM} = {self.NOW}", procedural=False),
            self.trigger(entity, "history_update", f"CREATE TRIGGER {self.name(entity, 'history_update')} AFTER UPDATE "
                         f"ON {table} FOR EACH ROW " + self.insert_history(entity, "OLD"), procedural=False),
            self.trigger(entity, "history_delete", f"CREATE TRIGGER {self.name(entity, 'history_delete')} AFTER DELETE "
                         f"ON {table} FOR EACH ROW " + self.insert_history(entity, "OLD"), procedural=False),
        ]


class SqliteTemporal(TemporalTables):
    """SQLite cannot change NEW: valid_from is set by a second UPDATE from the AFTER trigger,
    which (changing only columns the patterns keep) records nothing itself."""

    target = "sqlite"
    NOW = "strftime('%Y-%m-%d %H:%M:%f', 'now')"

    def triggers(self, entity: Entity) -> list[Statement]:
        table = self.renderer.table(entity).sql(self.dialect)
        valid_from = self.q(VALID_FROM)
        changed = changed_beyond_maintained(entity, self.q)
        return [
            self.trigger(entity, "history_update", f"CREATE TRIGGER {self.name(entity, 'history_update')} AFTER UPDATE "
                         f"ON {table}\n  WHEN NEW.{valid_from} IS OLD.{valid_from} AND {changed}\n"
                         f"BEGIN\n  {self.insert_history(entity, 'OLD')};\n"
                         f"  UPDATE {table} SET {valid_from} = {self.NOW} WHERE rowid = NEW.rowid;\nEND"),
            self.trigger(entity, "history_delete", f"CREATE TRIGGER {self.name(entity, 'history_delete')} AFTER DELETE "
                         f"ON {table}\nBEGIN\n  {self.insert_history(entity, 'OLD')};\nEND"),
        ]


class SqlServerTemporal(TemporalTables):
    target = "sqlserver"
    NOW = "SYSDATETIMEOFFSET()"

    def triggers(self, entity: Entity) -> list[Statement]:
        table = self.renderer.table(entity).sql(self.dialect)
        columns = ", ".join(self.columns(entity))
        key_join = " AND ".join(f"t.{self.q(entity.physical(c))} = i.{self.q(entity.physical(c))}" for c in entity.primary_key)
        return [self.trigger(
            entity, "keep_history", f"CREATE OR ALTER TRIGGER {self.name(entity, 'keep_history')} ON {table} AFTER UPDATE, DELETE AS\n"
            f"BEGIN\n  SET NOCOUNT ON;\n  INSERT INTO {self.q(history_table(entity))} ({columns}, {VALID_TO}) "
            f"SELECT {columns}, {self.NOW} FROM deleted;\n"
            f"  UPDATE t SET {self.q(VALID_FROM)} = {self.NOW} FROM {table} AS t INNER JOIN inserted AS i ON {key_join};\n"
            "END")]


class OracleTemporal(TemporalTables):
    target = "oracle"
    NOW = "SYSTIMESTAMP"

    def triggers(self, entity: Entity) -> list[Statement]:
        table = self.renderer.table(entity).sql(self.dialect)
        return [
            self.trigger(entity, "valid_from", f"CREATE OR REPLACE TRIGGER {self.name(entity, 'valid_from')} BEFORE "
                         f"UPDATE ON {table} FOR EACH ROW\nBEGIN\n  :NEW.{VALID_FROM} := {self.NOW};\nEND;"),
            self.trigger(entity, "keep_history", f"CREATE OR REPLACE TRIGGER {self.name(entity, 'keep_history')} AFTER "
                         f"UPDATE OR DELETE ON {table} FOR EACH ROW\nBEGIN\n  {self.insert_history(entity, ':OLD')};\nEND;"),
        ]


TEMPORAL_TABLES: dict[str, type[TemporalTables]] = {
    cls.target: cls for cls in (PostgresTemporal, MySQLTemporal, SqliteTemporal, SqlServerTemporal, OracleTemporal)
}


def history_additions(old: Design, new: Design, renderer) -> list[str]:
    """ALTER TABLE ... ADD for each column a temporal entity gained since `old`: its history
    takes the column too (nullable: the versions before it had none)."""
    dialect = renderer.target.dialect
    statements = []
    for entity in temporal_entities(new):
        before = old.entities.get(entity.name)
        if before is None or PATTERN not in before.patterns:
            continue
        had = {c.physical for c in before.columns}
        for column in entity.columns:
            if column.physical not in had:
                definition = exp.ColumnDef(this=renderer.ident(column.physical), kind=renderer.data_type(column.type, column))
                statements.append(renderer.sql(exp.Alter(this=exp.to_table(renderer.ident(history_table(entity)).sql(dialect)),
                                                         kind="TABLE", actions=[definition])))
    return statements
