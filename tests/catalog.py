"""What a database says its schema is, read from its own catalog, for comparing two databases.

Each reader returns a dict of sorted, hashable facts: columns (type, nullability, default),
keys, uniques, foreign keys, checks and indexes, each with its name. Column order is left out:
ALTER TABLE ADD COLUMN appends, wherever fresh DDL would have put the column.
"""

from __future__ import annotations

import sqlite3


def postgres(conn) -> dict:
    def rows(sql: str) -> list[tuple]:
        return sorted((tuple(r) for r in conn.execute(sql).fetchall()), key=repr)

    return {
        "columns": rows(
            "SELECT table_name, column_name, udt_name, character_maximum_length, numeric_precision, numeric_scale, "
            "is_nullable, column_default, is_identity, is_generated, generation_expression, domain_name "
            "FROM information_schema.columns WHERE table_schema = 'public'"
        ),
        "domains": rows(
            "SELECT t.typname, format_type(t.typbasetype, t.typtypmod), t.typdefault, t.typnotnull, "
            "obj_description(t.oid, 'pg_type'), "
            "(SELECT string_agg(c.conname || ' ' || pg_get_constraintdef(c.oid), '; ' ORDER BY c.conname) "
            " FROM pg_constraint c WHERE c.contypid = t.oid) "
            "FROM pg_type t WHERE t.typtype = 'd' AND t.typnamespace = 'public'::regnamespace"
        ),
        "constraints": rows(
            "SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid), convalidated "
            "FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND conrelid <> 0"
        ),
        "indexes": rows("SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'"),
        "enums": rows(
            # The values' order; ADD VALUE ... AFTER gives the same order by other sort keys.
            "SELECT t.typname, rank() OVER (PARTITION BY t.typname ORDER BY e.enumsortorder), e.enumlabel "
            "FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid"
        ),
        "tables": rows("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"),
        "views": rows("SELECT viewname, definition FROM pg_views WHERE schemaname = 'public' UNION ALL "
                      "SELECT matviewname, 'materialized: ' || definition FROM pg_matviews WHERE schemaname = 'public'"),
        "comments": rows(
            "SELECT c.relname, a.attname, d.description FROM pg_description d JOIN pg_class c ON c.oid = d.objoid "
            "LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid "
            "WHERE c.relnamespace = 'public'::regnamespace"
        ),
        "triggers": rows("SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal"),
    }


def mariadb(db) -> dict:
    schema = "DATABASE()"

    def rows(sql: str) -> list[tuple]:
        return sorted((tuple(r) for r in db.query(sql)), key=repr)

    return {
        "columns": rows(
            "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA, COLUMN_COMMENT "
            f"FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = {schema}"
        ),
        "constraints": rows(
            "SELECT TABLE_NAME, CONSTRAINT_NAME, CONSTRAINT_TYPE FROM information_schema.TABLE_CONSTRAINTS "
            f"WHERE CONSTRAINT_SCHEMA = {schema}"
        ),
        "checks": rows(
            f"SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = {schema}"
        ),
        "foreign_keys": rows(
            "SELECT k.TABLE_NAME, k.CONSTRAINT_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME, "
            "r.UPDATE_RULE, r.DELETE_RULE FROM information_schema.KEY_COLUMN_USAGE k "
            "JOIN information_schema.REFERENTIAL_CONSTRAINTS r ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA "
            f"AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME WHERE k.CONSTRAINT_SCHEMA = {schema}"
        ),
        "indexes": rows(
            "SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, SEQ_IN_INDEX, COLUMN_NAME, INDEX_TYPE "
            f"FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = {schema}"
        ),
        "tables": rows(f"SELECT TABLE_NAME, TABLE_COMMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = {schema}"),
        "views": rows(  # MySQL writes the database's name into the definition
            f"SELECT TABLE_NAME, REPLACE(VIEW_DEFINITION, CONCAT('`', {schema}, '`.'), '') FROM information_schema.VIEWS "
            f"WHERE TABLE_SCHEMA = {schema}"),
    }


def sqlite(conn: sqlite3.Connection) -> dict:
    """SQLite keeps each table's and index's CREATE statement: the strictest comparison."""
    objects = sorted(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").fetchall())
    return {"objects": [(t, n, tbl, " ".join((sql or "").replace('"', "").split())) for t, n, tbl, sql in objects]}


def sqlite_semantic(conn: sqlite3.Connection) -> dict:
    """SQLite's schema by meaning, for schemas written by other hands than the renderer's: the
    columns, keys, indexes and views as SQLite reads them, checks and names from the CREATE
    statements, each expression in one normal form (a default's outer parentheses aside)."""
    import sqlglot
    from sqlglot import exp

    def normal(sql: str | None) -> str | None:
        if sql is None:
            return None
        tree = sqlglot.parse_one(sql, read="sqlite")
        while isinstance(tree, exp.Paren):
            tree = tree.this
        return tree.sql("sqlite")

    facts: dict[str, list] = {"columns": [], "foreign_keys": [], "indexes": [], "constraints": [], "views": [], "triggers": []}
    rows = conn.execute("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").fetchall()
    virtual = {name for kind, name, sql in rows if kind == "table" and (sql or "").upper().startswith("CREATE VIRTUAL")}
    shadows = {f"{v}_{part}" for v in virtual for part in ("data", "idx", "content", "docsize", "config")}
    for kind, name, sql in rows:
        if name in shadows:
            continue  # FTS5's own tables: they follow from the virtual table
        if name in virtual:
            facts["constraints"].append((name, "virtual", " ".join(sql.replace('"', "").split())))
        elif kind == "view":
            facts["views"].append((name, normal(sql)))
        elif kind == "trigger":
            facts["triggers"].append(name)
        elif kind == "table":
            facts["columns"] += [(name, *row[1:3], row[3], normal(row[4]), *row[5:])
                                 for row in conn.execute(f'PRAGMA table_xinfo("{name}")')]
            facts["foreign_keys"] += [(name, *row[2:]) for row in conn.execute(f'PRAGMA foreign_key_list("{name}")')]
            for index, unique, origin, partial in [r[1:] for r in conn.execute(f'PRAGMA index_list("{name}")')]:
                columns = tuple(r[2] for r in conn.execute(f'PRAGMA index_info("{index}")'))
                index_sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (index,)).fetchone()[0]
                facts["indexes"].append((name, index if origin == "c" else origin, unique, partial, columns,
                                         normal(index_sql) if index_sql else None))
            create = sqlglot.parse_one(sql, read="sqlite")
            for item in create.this.expressions:
                if isinstance(item, exp.Constraint):
                    facts["constraints"] += [(name, item.name, part.sql("sqlite")) for part in item.expressions]
                elif isinstance(item, exp.ColumnDef):
                    facts["constraints"] += [(name, c.name, c.kind.sql("sqlite")) for c in item.constraints
                                             if c.name and c.kind is not None]
    return {key: sorted(values, key=repr) for key, values in facts.items()}


def duckdb(conn) -> dict:
    def rows(sql: str) -> list[tuple]:
        return sorted((tuple(r) for r in conn.execute(sql).fetchall()), key=repr)

    return {
        "columns": rows("SELECT table_name, column_name, data_type, is_nullable, column_default FROM duckdb_columns() WHERE NOT internal"),
        "constraints": rows(
            "SELECT table_name, constraint_type, constraint_text, constraint_name FROM duckdb_constraints() "
            "WHERE constraint_type <> 'NOT NULL'"
        ),
        "indexes": rows("SELECT table_name, index_name, is_unique, sql FROM duckdb_indexes()"),
        "types": rows("SELECT type_name, logical_type, labels::VARCHAR FROM duckdb_types() WHERE NOT internal AND logical_type = 'ENUM'"),
        "views": rows("SELECT view_name, sql FROM duckdb_views() WHERE NOT internal"),
    }
