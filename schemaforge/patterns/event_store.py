"""The event_sourcing pattern's store: `<entity>_event` takes rows and never gives them up.

The resolver makes the entity (stream, version, event_type, payload, metadata, recorded_at; one
version per stream). Here, per target, the triggers that refuse an UPDATE or a DELETE of an
event (and a TRUNCATE on PostgreSQL); the grants give no role more than SELECT and INSERT on it
(security/grants.py). DuckDB and ClickHouse have no triggers (TG118).
"""

from __future__ import annotations

from typing import ClassVar

from schemaforge.design.model import Design, Entity
from schemaforge.patterns.triggers import Statement

PATTERN = "event_sourcing"

WITHOUT_TRIGGERS = {
    "duckdb": "write events with INSERT only from the application; DuckDB has neither triggers nor grants",
    "clickhouse": "grant INSERT and SELECT only (no ALTER UPDATE or ALTER DELETE) on the events table",
}


def event_stores(design: Design) -> list[Entity]:
    return [e for e in design.entities.values() if e.append_only]


class AppendOnly:
    """One target's refusal of a change to an event."""

    target: ClassVar[str]

    def __init__(self, renderer):
        self.renderer = renderer
        self.dialect = renderer.target.dialect

    def message(self, entity: Entity) -> str:
        return f"{entity.table} is append-only: an event is never updated or deleted"

    def name(self, entity: Entity, what: str) -> str:
        return self.renderer.ident(f"{entity.table}_{what}").sql(self.dialect)

    def trigger(self, entity: Entity, what: str, sql: str, procedural: bool = True) -> Statement:
        return Statement(sql, procedural, object=("trigger", self.name(entity, what), self.table(entity)))

    def table(self, entity: Entity) -> str:
        return self.renderer.table(entity).sql(self.dialect)

    def functions(self) -> list[Statement]:
        return []

    def triggers(self, entity: Entity) -> list[Statement]:
        raise NotImplementedError


class PostgresAppendOnly(AppendOnly):
    target = "postgres"

    def functions(self) -> list[Statement]:
        return [Statement("CREATE OR REPLACE FUNCTION refuse_event_change() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                          "BEGIN\n  RAISE EXCEPTION '% is append-only: an event is never updated or deleted', "
                          "TG_TABLE_NAME USING ERRCODE = 'restrict_violation';\nEND\n$$", procedural=True,
                          object=("function", "refuse_event_change()", None))]

    def triggers(self, entity: Entity) -> list[Statement]:
        table = self.table(entity)
        return [self.trigger(entity, "append_only", f"CREATE TRIGGER {self.name(entity, 'append_only')} BEFORE UPDATE OR "
                             f"DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION refuse_event_change()"),
                self.trigger(entity, "no_truncate", f"CREATE TRIGGER {self.name(entity, 'no_truncate')} BEFORE TRUNCATE "
                             f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION refuse_event_change()")]


class MySQLAppendOnly(AppendOnly):
    target = "mysql"

    def triggers(self, entity: Entity) -> list[Statement]:
        return [self.trigger(entity, "no_" + operation, f"CREATE TRIGGER {self.name(entity, 'no_' + operation)} BEFORE "
                             f"{operation.upper()} ON {self.table(entity)} FOR EACH ROW SIGNAL SQLSTATE '45000' SET "
                             f"MESSAGE_TEXT = '{self.message(entity)}'", procedural=False) for operation in ("update", "delete")]


class SqliteAppendOnly(AppendOnly):
    target = "sqlite"

    def triggers(self, entity: Entity) -> list[Statement]:
        return [self.trigger(entity, "no_" + operation, f"CREATE TRIGGER {self.name(entity, 'no_' + operation)} BEFORE "
                             f"{operation.upper()} ON {self.table(entity)}\nBEGIN\n  SELECT RAISE(ABORT, "
                             f"'{self.message(entity)}');\nEND") for operation in ("update", "delete")]


class SqlServerAppendOnly(AppendOnly):
    target = "sqlserver"

    def triggers(self, entity: Entity) -> list[Statement]:
        return [self.trigger(entity, "append_only", f"CREATE OR ALTER TRIGGER {self.name(entity, 'append_only')} ON "
                             f"{self.table(entity)} INSTEAD OF UPDATE, DELETE AS\nBEGIN\n  THROW 50002, "
                             f"N'{self.message(entity)}', 1;\nEND")]


class OracleAppendOnly(AppendOnly):
    target = "oracle"

    def triggers(self, entity: Entity) -> list[Statement]:
        return [self.trigger(entity, "append_only", f"CREATE OR REPLACE TRIGGER {self.name(entity, 'append_only')} BEFORE "
                             f"UPDATE OR DELETE ON {self.table(entity)} FOR EACH ROW\nBEGIN\n  "
                             f"RAISE_APPLICATION_ERROR(-20002, '{self.message(entity)}');\nEND;")]


APPEND_ONLY: dict[str, type[AppendOnly]] = {
    cls.target: cls for cls in (PostgresAppendOnly, MySQLAppendOnly, SqliteAppendOnly, SqlServerAppendOnly,
                                OracleAppendOnly)
}
