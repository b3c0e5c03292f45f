"""The audit log: one table that records every change of the audited tables, kept by triggers.

Each row says who (`actor`: the application's user from a session setting, else the database
user; `login`: the database user), when, which table and row (`row_key`, the key as JSON), the
operation, the row before and after as JSON, and the transaction, so the changes of one
transaction read together. The triggers read the row being changed (OLD), never an earlier
audit row, so a row that existed before auditing began is recorded like any other.

The `audit` pattern puts the log and its triggers in the DDL; `security.audit` (security/)
writes the same log for the entities it names, so a design that asks for both gets one log.
One class per target: the session setting, the JSON functions and the trigger shapes differ.
DuckDB and ClickHouse have no triggers: `WITHOUT_TRIGGERS` says what to do instead.
"""

from __future__ import annotations

from typing import Callable, ClassVar

from schemaforge.design.model import Design, Entity
from schemaforge.patterns.triggers import MAINTAINED, Statement, changed_beyond_maintained

AUDIT_TABLE = "audit_log"
PATTERN = "audit"
OPERATIONS = ("insert", "update", "delete")
# The session setting naming the application's user, per target.
ACTOR_SETTING = "app.actor"

WITHOUT_TRIGGERS = {
    "duckdb": "record changes from the application (an INSERT into a change table in the same transaction), "
              "or audit on a target with triggers",
    "clickhouse": "keep every version of a row instead (a ReplacingMergeTree with a version column, or an "
                  "append-only change table the loader writes)",
}


def pattern_entities(design: Design) -> list[Entity]:
    """The entities whose every change is audited (the `audit` pattern)."""
    return [e for e in design.entities.values() if PATTERN in e.patterns]


class AuditLog:
    """Writes the audit log and the triggers of one target. `quote` quotes an identifier and
    `table` names an entity's table, as the caller's script writes them."""

    target: ClassVar[str]

    def __init__(self, quote: Callable[[str], str], table: Callable[[Entity], str]):
        self.quote = quote
        self.table = table

    @property
    def log(self) -> str:
        return self.quote(AUDIT_TABLE)

    @property
    def log_object(self) -> dict:
        return {"object": ("table", self.log, None), "holds_data": True}

    def trigger_object(self, entity: Entity, name: str) -> dict:
        return {"object": ("trigger", name, self.table(entity))}

    def statements(self, entities: list[Entity], operations: tuple[str, ...] | list[str] = OPERATIONS) -> list[Statement]:
        if not entities or not operations:
            return []
        return self.log_table() + [s for entity in entities for s in self.triggers(entity, tuple(operations))]

    def log_table(self) -> list[Statement]:
        raise NotImplementedError

    def triggers(self, entity: Entity, operations: tuple[str, ...]) -> list[Statement]:
        raise NotImplementedError

    def trigger_name(self, entity: Entity, operation: str | None = None) -> str:
        return self.quote(f"audit_{entity.table}" + (f"_{operation}" if operation else ""))

    # A bytes column as JSON holds it: as hex text where the JSON functions refuse raw bytes.
    BYTES_AS_TEXT: ClassVar[str] = "{value}"

    def value(self, entity: Entity, column, row: str) -> str:
        value = f"{row}.{self.quote(column.physical)}"
        return self.BYTES_AS_TEXT.format(value=value) if column.type.kind == "bytes" else value

    def json_pairs(self, entity: Entity, row: str, names, separator: str = ", ") -> str:
        return ", ".join(f"'{entity.physical(name)}'{separator}{self.value(entity, entity.column(name), row)}"
                         for name in names)


class PostgresAuditLog(AuditLog):
    target = "postgres"
    FUNCTION = ("function", "audit_row()", None)

    def log_table(self) -> list[Statement]:
        log = self.log
        # The function runs as its owner (nobody else may write the log); the actor is app.actor,
        # else the role the session acts as (SET ROLE's), else the login.
        return [
            Statement(f"CREATE TABLE IF NOT EXISTS {log} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
                      "at timestamptz NOT NULL DEFAULT now(), actor text NOT NULL, login text NOT NULL DEFAULT "
                      "session_user, table_name text NOT NULL, operation text NOT NULL, row_key jsonb, row_before "
                      "jsonb, row_after jsonb, transaction_id text NOT NULL DEFAULT txid_current()::text)", **self.log_object),
            Statement(f"REVOKE ALL ON {log} FROM PUBLIC", **self.log_object),
            Statement(f"CREATE INDEX IF NOT EXISTS audit_log_table_at ON {log} (table_name, at)", **self.log_object),
            Statement(
                "CREATE OR REPLACE FUNCTION audit_row() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER "
                "SET search_path FROM CURRENT AS $$\n"
                "DECLARE\n  changed jsonb := to_jsonb(CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END);\n"
                f"BEGIN\n  INSERT INTO {log} (actor, table_name, operation, row_key, row_before, row_after)\n"
                f"  VALUES (COALESCE(NULLIF(current_setting('{ACTOR_SETTING}', true), ''), CASE WHEN "
                "current_setting('role') = 'none' THEN session_user ELSE current_setting('role') END),\n"
                "    TG_TABLE_NAME, lower(TG_OP), (SELECT jsonb_object_agg(k, changed -> k) FROM unnest(TG_ARGV) AS k),\n"
                "    CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END, CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END);\n"
                "  RETURN NULL;\nEND\n$$", procedural=True, object=self.FUNCTION),
            Statement("REVOKE EXECUTE ON FUNCTION audit_row() FROM PUBLIC", object=self.FUNCTION),
        ]

    def triggers(self, entity: Entity, operations: tuple[str, ...]) -> list[Statement]:
        key = ", ".join(f"'{entity.physical(c)}'" for c in entity.primary_key)
        events = " OR ".join(op.upper() for op in operations)
        name = self.trigger_name(entity)
        return [Statement(f"CREATE OR REPLACE TRIGGER {name} AFTER {events} ON {self.table(entity)} "
                          f"FOR EACH ROW EXECUTE FUNCTION audit_row({key})", procedural=True,
                          **self.trigger_object(entity, name))]


class MySQLAuditLog(AuditLog):
    """The actor is the session's @app_actor, else USER(). Neither MySQL nor MariaDB tells a
    trigger its transaction (information_schema.innodb_trx is a cache refreshed at most every
    0.1 s, so it names an earlier transaction), so the transaction is the application's
    @app_transaction, set when it begins one."""

    target = "mysql"
    BYTES_AS_TEXT = "HEX({value})"  # JSON text must be valid UTF-8
    ACTOR = "COALESCE(@app_actor, USER())"
    TRANSACTION = "@app_transaction"

    def log_table(self) -> list[Statement]:
        return [Statement(
            f"CREATE TABLE IF NOT EXISTS {self.log} (id BIGINT AUTO_INCREMENT PRIMARY KEY, at TIMESTAMP(6) NOT NULL "
            "DEFAULT CURRENT_TIMESTAMP(6), actor VARCHAR(288) NOT NULL, login VARCHAR(288) NOT NULL, table_name "
            "VARCHAR(64) NOT NULL, operation VARCHAR(8) NOT NULL, row_key JSON, row_before JSON, row_after JSON, "
            "transaction_id VARCHAR(40), INDEX audit_log_table_at (table_name, at))", **self.log_object)]

    def row_json(self, entity: Entity, row: str, names=None) -> str:
        return f"JSON_OBJECT({self.json_pairs(entity, row, names or [c.name for c in entity.columns])})"

    def triggers(self, entity: Entity, operations: tuple[str, ...]) -> list[Statement]:
        found = []
        for operation in operations:
            row = "OLD" if operation == "delete" else "NEW"
            before = self.row_json(entity, "OLD") if operation != "insert" else "NULL"
            after = self.row_json(entity, "NEW") if operation != "delete" else "NULL"
            name = self.trigger_name(entity, operation)
            found += [Statement(f"DROP TRIGGER IF EXISTS {name}", **self.trigger_object(entity, name)), Statement(
                f"CREATE TRIGGER {name} AFTER {operation.upper()} ON {self.table(entity)} FOR EACH ROW "
                f"INSERT INTO {self.log} (actor, login, table_name, operation, row_key, row_before, row_after, "
                f"transaction_id) VALUES ({self.ACTOR}, USER(), '{entity.table}', '{operation}', "
                f"{self.row_json(entity, row, entity.primary_key)}, {before}, {after}, {self.TRANSACTION})",
                **self.trigger_object(entity, name))]
        return found


class SqliteAuditLog(AuditLog):
    """SQLite has no users and no session settings: the application names its user (and, if it
    likes, its transaction) in the one row of `audit_session` inside its write transaction (one
    writer at a time, so the row is the session's); without it the actor is 'anonymous'. An
    update that changes nothing but updated_at or valid_from is not recorded (the patterns' own)."""

    target = "sqlite"
    SESSION = "audit_session"
    BYTES_AS_TEXT = "hex({value})"  # JSON holds no BLOB

    def log_table(self) -> list[Statement]:
        session = self.quote(self.SESSION)
        return [
            Statement(f"CREATE TABLE IF NOT EXISTS {self.log} (id INTEGER PRIMARY KEY, at TEXT NOT NULL DEFAULT "
                      "(strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), actor TEXT NOT NULL, login TEXT, table_name TEXT NOT "
                      "NULL, operation TEXT NOT NULL, row_key TEXT, row_before TEXT, row_after TEXT, transaction_id TEXT)",
                      **self.log_object),
            Statement(f"CREATE TABLE IF NOT EXISTS {session} (id INTEGER PRIMARY KEY CHECK (id = 1), actor TEXT NOT "
                      "NULL, transaction_id TEXT)", object=("table", session, None)),
        ]


    def row_json(self, entity: Entity, row: str, names=None) -> str:
        return f"json_object({self.json_pairs(entity, row, names or [c.name for c in entity.columns])})"

    def only_maintained(self, entity: Entity) -> str:
        """` WHEN` the update changes more than the columns the patterns keep (their follow-up
        UPDATEs would be a second audit row of each change)."""
        if not MAINTAINED & {c.name for c in entity.columns}:
            return ""
        return f" WHEN {changed_beyond_maintained(entity, self.quote)}"

    def triggers(self, entity: Entity, operations: tuple[str, ...]) -> list[Statement]:
        session = self.quote(self.SESSION)
        found = []
        for operation in operations:
            row = "OLD" if operation == "delete" else "NEW"
            before = self.row_json(entity, "OLD") if operation != "insert" else "NULL"
            after = self.row_json(entity, "NEW") if operation != "delete" else "NULL"
            when = self.only_maintained(entity) if operation == "update" else ""
            name = self.trigger_name(entity, operation)
            found.append(Statement(
                f"CREATE TRIGGER {name} AFTER {operation.upper()} ON {self.table(entity)}"
                f"{when}\n"
                f"BEGIN\n  INSERT INTO {self.log} (actor, table_name, operation, row_key, row_before, row_after, "
                f"transaction_id) VALUES (COALESCE((SELECT actor FROM {session} WHERE id = 1), 'anonymous'), "
                f"'{entity.table}', '{operation}', {self.row_json(entity, row, entity.primary_key)}, {before}, {after}, "
                f"(SELECT transaction_id FROM {session} WHERE id = 1));\nEND", procedural=True,
                **self.trigger_object(entity, name)))
        return found


class SqlServerAuditLog(AuditLog):
    """One trigger per table for the three events; a statement's rows are paired by key (inserted
    and deleted), one audit row each. The actor is SESSION_CONTEXT(N'app.actor'), else the user."""

    target = "sqlserver"

    def log_table(self) -> list[Statement]:
        return [Statement(
            f"IF OBJECT_ID(N'{AUDIT_TABLE}') IS NULL CREATE TABLE {self.log} (id BIGINT IDENTITY PRIMARY KEY, at "
            "DATETIMEOFFSET NOT NULL DEFAULT SYSDATETIMEOFFSET(), actor NVARCHAR(256) NOT NULL, login NVARCHAR(256) "
            "NOT NULL DEFAULT SUSER_SNAME(), table_name NVARCHAR(128) NOT NULL, operation NVARCHAR(8) NOT NULL, "
            "row_key NVARCHAR(MAX), row_before NVARCHAR(MAX), row_after NVARCHAR(MAX), transaction_id NVARCHAR(40))",
            **self.log_object)]

    def triggers(self, entity: Entity, operations: tuple[str, ...]) -> list[Statement]:
        keys = [self.quote(entity.physical(c)) for c in entity.primary_key]
        on = " AND ".join(f"i.{k} = d.{k}" for k in keys)
        match = " AND ".join(f"x.{k} = {{row}}.{k}" for k in keys)
        key_json = ", ".join(f"COALESCE(i.{k}, d.{k}) AS {k}" for k in keys)
        events = ", ".join(op.upper() for op in operations)
        name = self.trigger_name(entity)
        return [Statement(
            f"CREATE OR ALTER TRIGGER {name} ON {self.table(entity)} AFTER {events} AS\n"
            f"BEGIN\n  SET NOCOUNT ON;\n  INSERT INTO {self.log} (actor, table_name, operation, row_key, row_before, "
            "row_after, transaction_id)\n"
            f"  SELECT COALESCE(CAST(SESSION_CONTEXT(N'{ACTOR_SETTING}') AS NVARCHAR(256)), USER_NAME()), "
            f"N'{entity.table}', CASE WHEN d.{keys[0]} IS NULL THEN N'insert' WHEN i.{keys[0]} IS NULL THEN N'delete' "
            f"ELSE N'update' END, (SELECT {key_json} FOR JSON PATH, WITHOUT_ARRAY_WRAPPER), "
            f"(SELECT * FROM deleted AS x WHERE {match.format(row='d')} FOR JSON PATH, WITHOUT_ARRAY_WRAPPER), "
            f"(SELECT * FROM inserted AS x WHERE {match.format(row='i')} FOR JSON PATH, WITHOUT_ARRAY_WRAPPER), "
            "CAST(CURRENT_TRANSACTION_ID() AS NVARCHAR(40))\n"
            f"  FROM inserted AS i FULL OUTER JOIN deleted AS d ON {on};\nEND", procedural=True,
            **self.trigger_object(entity, name))]


class OracleAuditLog(AuditLog):
    """The actor is the CLIENTCONTEXT app_actor (DBMS_SESSION.SET_CONTEXT), else the session user."""

    target = "oracle"
    BYTES_AS_TEXT = "RAWTOHEX({value})"

    def log_table(self) -> list[Statement]:
        return [Statement(
            f"CREATE TABLE {self.log} (id NUMBER GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at TIMESTAMP WITH TIME "
            "ZONE DEFAULT SYSTIMESTAMP NOT NULL, actor VARCHAR2(128) NOT NULL, login VARCHAR2(128) NOT NULL, "
            "table_name VARCHAR2(128) NOT NULL, operation VARCHAR2(8) NOT NULL, row_key CLOB, row_before CLOB, "
            "row_after CLOB, transaction_id VARCHAR2(40))", **self.log_object)]

    def row_json(self, entity: Entity, row: str, names=None) -> str:
        names = names or [c.name for c in entity.columns]
        return f"JSON_OBJECT({self.json_pairs(entity, row, names, separator=' VALUE ')})"

    def triggers(self, entity: Entity, operations: tuple[str, ...]) -> list[Statement]:
        events = " OR ".join(op.upper() for op in operations)
        name = self.trigger_name(entity)
        return [Statement(
            f"CREATE OR REPLACE TRIGGER {name} AFTER {events} ON {self.table(entity)} FOR EACH ROW\n"
            "DECLARE\n  op_name VARCHAR2(8) := CASE WHEN INSERTING THEN 'insert' WHEN UPDATING THEN 'update' "
            "ELSE 'delete' END;\nBEGIN\n"
            f"  INSERT INTO {self.log} (actor, login, table_name, operation, row_key, row_before, row_after, "
            "transaction_id) VALUES (COALESCE(SYS_CONTEXT('CLIENTCONTEXT', 'app_actor'), SYS_CONTEXT('USERENV', "
            f"'SESSION_USER')), SYS_CONTEXT('USERENV', 'SESSION_USER'), '{entity.table}', op_name, "
            f"CASE WHEN op_name = 'delete' THEN {self.row_json(entity, ':OLD', entity.primary_key)} "
            f"ELSE {self.row_json(entity, ':NEW', entity.primary_key)} END, "
            f"CASE WHEN op_name <> 'insert' THEN {self.row_json(entity, ':OLD')} END, "
            f"CASE WHEN op_name <> 'delete' THEN {self.row_json(entity, ':NEW')} END, "
            "DBMS_TRANSACTION.LOCAL_TRANSACTION_ID);\nEND;", procedural=True, **self.trigger_object(entity, name))]


AUDIT_LOGS: dict[str, type[AuditLog]] = {
    cls.target: cls for cls in (PostgresAuditLog, MySQLAuditLog, SqliteAuditLog, SqlServerAuditLog, OracleAuditLog)
}
