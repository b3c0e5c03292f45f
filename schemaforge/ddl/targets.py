"""What differs between SQL targets, as class-level tables.

This is how sqlglot writes its own dialects: a base class holds the common tables and each target
overrides entries (`TYPE_MAPPING = {**SqlTarget.TYPE_MAPPING, ...}`). The renderer reads these
tables and never asks which target it is rendering for.
"""

from __future__ import annotations

import re
from typing import ClassVar, Literal

from sqlglot import exp

from schemaforge.ddl import reserved

_PLAIN_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
ALL_FK_ACTIONS = frozenset({"cascade", "restrict", "set_null", "set_default", "no_action"})


class SqlTarget:
    name: ClassVar[str]
    title: ClassVar[str]
    dialect: ClassVar[str]  # the sqlglot dialect that renders it
    RESERVED: ClassVar[frozenset[str]] = frozenset()
    MAX_IDENTIFIER_LENGTH: ClassVar[int | None] = None

    # Logical type -> SQL type, formatted with the type's length/precision/scale/item.
    TYPE_MAPPING: ClassVar[dict[str, str]] = {
        "boolean": "BOOLEAN",
        "smallint": "SMALLINT",
        "integer": "INTEGER",
        "bigint": "BIGINT",
        "decimal": "DECIMAL({precision}, {scale})",
        "real": "REAL",
        "double": "DOUBLE PRECISION",
        "string": "VARCHAR({length})",
        "text": "TEXT",
        "uuid": "UUID",
        "date": "DATE",
        "time": "TIME",
        "timestamp": "TIMESTAMP",
        "timestamptz": "TIMESTAMPTZ",
        "interval": "INTERVAL",
        "json": "JSON",
        "bytes": "BLOB",
        "enum": "TEXT",
        "array": "{item}[]",
    }
    # Default expressions in the target's own SQL.
    DEFAULTS: ClassVar[dict[str, str]] = {
        "now": "CURRENT_TIMESTAMP",
        "today": "CURRENT_DATE",
        "uuid": "gen_random_uuid()",
    }
    TIME_NOW: ClassVar[str] = "CURRENT_TIME"
    ENUMS: ClassVar[Literal["named_type", "check"]] = "check"
    IDENTITY: ClassVar[Literal["generated", "rowid", "sequence"]] = "generated"
    ENFORCES_LENGTH: ClassVar[bool] = True  # does VARCHAR(n) reject longer strings?
    BOOLEAN_IS_INTEGER: ClassVar[bool] = False
    JSON_VALID_FUNCTION: ClassVar[str | None] = None  # CHECK that text holds JSON
    ARRAY_AS_JSON: ClassVar[bool] = False
    FK_ACTIONS: ClassVar[frozenset[str]] = ALL_FK_ACTIONS
    DEFERRED_FOREIGN_KEYS: ClassVar[Literal["alter", "inline", "none"]] = "alter"
    COMMENTS: ClassVar[bool] = True
    # Expression nodes the target cannot evaluate inside DDL (CHECK, GENERATED, index WHERE).
    UNSUPPORTED_EXPRESSIONS: ClassVar[tuple[type[exp.Expression], ...]] = ()
    PARTIAL_INDEXES: ClassVar[bool] = True
    INDEX_METHODS: ClassVar[frozenset[str]] = frozenset()
    UNIQUE_INDEX_METHODS: ClassVar[frozenset[str]] = frozenset()  # methods that can enforce UNIQUE
    INCLUDE_COLUMNS: ClassVar[bool] = False
    STORED_GENERATED: ClassVar[bool] = False  # GENERATED ... STORED (else virtual)
    NOT_NULL_ON_GENERATED: ClassVar[bool] = True
    # Trigger that keeps updated_at current; {table}, {column}, {trigger}, {function} filled in.
    UPDATED_AT_FUNCTION: ClassVar[str | None] = None
    UPDATED_AT_TRIGGER: ClassVar[str | None] = None

    # Seed load scripts: a SQL literal of each family of logical types, as a DuckDB expression
    # over the Parquet value {v} (the caller writes NULL for a missing value). For arrays,
    # {items} is the items, each already a literal, and {item_type} the SQL type of one.
    SEED_LITERALS: ClassVar[dict[str, str]] = {
        "text": "'''' || replace(CAST({v} AS VARCHAR), '''', '''''') || ''''",
        "number": "CAST({v} AS VARCHAR)",
        "boolean": "CASE WHEN {v} THEN 'TRUE' ELSE 'FALSE' END",
        "date": "'''' || strftime({v}, '%Y-%m-%d') || ''''",
        "time": "'''' || CAST({v} AS VARCHAR) || ''''",
        "timestamp": "'''' || strftime({v}, '%Y-%m-%d %H:%M:%S.%f') || ''''",
        "timestamptz": "'''' || strftime({v}, '%Y-%m-%d %H:%M:%S.%f') || '+00'''",
        "bytes": r"'''\x' || lower(hex({v})) || ''''",
        "array": "'ARRAY[' || {items} || ']::{item_type}[]'",
    }
    SEED_PROLOGUE: ClassVar[tuple[str, ...]] = ("BEGIN;",)
    SEED_EPILOGUE: ClassVar[tuple[str, ...]] = ("COMMIT;",)
    # After explicit key values are loaded, the identity must continue above them. Filled with
    # {table}, {column} (quoted identifiers), {table_text}, {column_text}, {sequence_text} (literals).
    IDENTITY_RESYNC: ClassVar[str | None] = None

    def quote_needed(self, name: str) -> bool:
        return name.lower() in self.RESERVED or not _PLAIN_IDENTIFIER.match(name)


def sequence_name(table: str, column: str) -> str:
    """The sequence behind an identity column, on targets that use one."""
    return f"{table}_{column}_seq"


class Postgres(SqlTarget):
    name, title, dialect = "postgres", "PostgreSQL", "postgres"
    RESERVED = reserved.POSTGRES
    MAX_IDENTIFIER_LENGTH = 63
    TYPE_MAPPING = {
        **SqlTarget.TYPE_MAPPING,
        "decimal": "NUMERIC({precision}, {scale})",
        "json": "JSONB",
        "bytes": "BYTEA",
    }
    ENUMS = "named_type"
    TIME_NOW = "LOCALTIME"  # CURRENT_TIME is a timetz
    INDEX_METHODS = frozenset({"btree", "hash", "gin", "gist", "brin"})
    UNIQUE_INDEX_METHODS = frozenset({"btree"})
    INCLUDE_COLUMNS = True
    STORED_GENERATED = True
    UPDATED_AT_FUNCTION = (
        "CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN\n  NEW.{column} := CURRENT_TIMESTAMP;\n  RETURN NEW;\nEND;\n$$"
    )
    UPDATED_AT_TRIGGER = (
        "CREATE TRIGGER {trigger} BEFORE UPDATE ON {table}\n"
        "  FOR EACH ROW EXECUTE FUNCTION {function}()"
    )
    IDENTITY_RESYNC = (
        "SELECT setval(pg_get_serial_sequence({table_text}, {column_text}), "
        "(SELECT coalesce(max({column}), 0) + 1 FROM {table}), false);"
    )


class Sqlite(SqlTarget):
    name, title, dialect = "sqlite", "SQLite", "sqlite"
    RESERVED = reserved.SQLITE
    TYPE_MAPPING = {
        **SqlTarget.TYPE_MAPPING,
        "boolean": "INTEGER",
        "smallint": "INTEGER",
        "bigint": "INTEGER",
        "decimal": "NUMERIC({precision}, {scale})",
        "double": "REAL",
        "string": "VARCHAR({length})",
        "uuid": "TEXT",
        "date": "TEXT",
        "time": "TEXT",
        "timestamp": "TEXT",
        "timestamptz": "TEXT",
        "interval": "TEXT",
        "json": "TEXT",
        "array": "TEXT",
    }
    DEFAULTS = {
        **SqlTarget.DEFAULTS,
        # A version 4 UUID from randomblob: SQLite has no uuid function.
        "uuid": (
            "lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || "
            "substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || "
            "substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))"
        ),
    }
    IDENTITY = "rowid"
    ENFORCES_LENGTH = False
    BOOLEAN_IS_INTEGER = True
    JSON_VALID_FUNCTION = "json_valid"
    ARRAY_AS_JSON = True
    DEFERRED_FOREIGN_KEYS = "inline"  # SQLite resolves a REFERENCES target when rows arrive
    COMMENTS = False
    SEED_LITERALS = {
        **SqlTarget.SEED_LITERALS,
        "boolean": "CASE WHEN {v} THEN '1' ELSE '0' END",
        "bytes": "'X''' || hex({v}) || ''''",
        "array": "'''' || replace(CAST(to_json({v}) AS VARCHAR), '''', '''''') || ''''",  # JSON text
    }
    SEED_PROLOGUE = ("PRAGMA foreign_keys = ON;", "BEGIN;")  # the pragma is a no-op inside a transaction
    # REGEXP needs an application-defined function; dates are TEXT, so no interval arithmetic.
    UNSUPPORTED_EXPRESSIONS = (exp.RegexpLike, exp.RegexpILike, exp.Interval)
    UPDATED_AT_TRIGGER = (
        "CREATE TRIGGER {trigger} AFTER UPDATE ON {table}\n"
        "  FOR EACH ROW WHEN NEW.{column} IS OLD.{column}\n"
        "BEGIN\n  UPDATE {table} SET {column} = CURRENT_TIMESTAMP WHERE rowid = NEW.rowid;\nEND"
    )


class DuckDB(SqlTarget):
    name, title, dialect = "duckdb", "DuckDB", "duckdb"
    RESERVED = reserved.DUCKDB
    TYPE_MAPPING = {
        **SqlTarget.TYPE_MAPPING,
        "double": "DOUBLE",
        "string": "VARCHAR({length})",
        "text": "VARCHAR",
    }
    ENUMS = "named_type"
    IDENTITY = "sequence"
    ENFORCES_LENGTH = False  # DuckDB accepts VARCHAR(n) but does not enforce n
    FK_ACTIONS = frozenset({"restrict", "no_action"})
    DEFERRED_FOREIGN_KEYS = "none"  # no ALTER TABLE ... ADD FOREIGN KEY
    PARTIAL_INDEXES = False
    NOT_NULL_ON_GENERATED = False  # "Constraints on generated columns are not supported yet"
    SEED_LITERALS = {
        **SqlTarget.SEED_LITERALS,
        "bytes": "'unhex(''' || hex({v}) || ''')'",
        "array": "'[' || {items} || ']'",
    }
    # DuckDB has no setval: draw the sequence up to the largest loaded key.
    IDENTITY_RESYNC = "SELECT max(nextval({sequence_text})) FROM range((SELECT coalesce(max({column}), 0) FROM {table}));"


SQL_TARGETS: dict[str, type[SqlTarget]] = {t.name: t for t in (Postgres, Sqlite, DuckDB)}
