"""A SQLite database, read from its own catalog (sqlite_master and the table PRAGMAs); CHECK
constraints and comments-free, it keeps them only in each table's CREATE statement, parsed here."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import sqlglot
from sqlglot import exp

from schemaforge.importer.catalog import (
    SourceColumn, SourceForeignKey, SourceIndex, SourceSchema, SourceSearch, SourceTable, SourceView, Unsupported,
)

_ACTIONS = {"CASCADE": "cascade", "RESTRICT": "restrict", "SET NULL": "set_null", "SET DEFAULT": "set_default",
            "NO ACTION": None}


def read_sqlite_file(path: Path) -> SourceSchema:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return read_sqlite(conn)
    finally:
        conn.close()


def read_sqlite(conn: sqlite3.Connection) -> SourceSchema:
    source = SourceSchema("sqlite")
    objects = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' "
                           "ORDER BY rowid").fetchall()
    searches = {name: _fts5(sql) for kind, name, _, sql in objects
                if kind == "table" and sql and sql.upper().startswith("CREATE VIRTUAL")}
    shadows = {f"{v}_{part}" for v in searches for part in ("data", "idx", "content", "docsize", "config")}
    for kind, name, table, sql in objects:
        if name in shadows:
            continue  # FTS5's own tables behind a virtual table
        if kind == "table" and name in searches:
            if searches[name] is None:
                source.unsupported.append(Unsupported("virtual table", name, None, sql))
        elif kind == "trigger" and any(name in (f"{s}_insert", f"{s}_delete", f"{s}_update") for s in searches if searches[s]):
            continue  # what keeps a search's FTS5 table in step: made again with it
        elif kind == "table":
            source.tables.append(_table(conn, name, sql))
        elif kind == "view":
            query = sqlglot.parse_one(sql, read="sqlite").expression
            source.views.append(SourceView(name, query.sql("sqlite")))
        elif kind == "trigger":
            source.unsupported.append(Unsupported("trigger", name, table, sql))
    by_name = {t.name: t for t in source.tables}
    for name, (content, columns, language) in ((n, found) for n, found in searches.items() if found):
        if content in by_name and by_name[content].search is None:
            by_name[content].search = SourceSearch(name, columns, language)
    for table in source.tables:
        for _, name, unique, origin, partial in conn.execute(f'PRAGMA index_list("{table.name}")').fetchall():
            if origin != "c":
                continue  # made by a PRIMARY KEY or UNIQUE constraint
            columns = tuple(r[2] for r in conn.execute(f'PRAGMA index_info("{name}")').fetchall())
            sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (name,)).fetchone()[0]
            where = None
            if partial:
                found = sqlglot.parse_one(sql, read="sqlite").find(exp.Where)
                where = found.this.sql("sqlite") if found is not None else None
            if any(c is None for c in columns):
                source.unsupported.append(Unsupported("expression index", name, table.name, sql))
                continue
            table.indexes.append(SourceIndex(name, columns, bool(unique), where))
    return source


_FTS5 = re.compile(r"USING\s+fts5\s*\((.*)\)\s*$", re.I | re.S)


def _fts5(sql: str) -> tuple[str, tuple[str, ...], str] | None:
    """(its content table, columns, language) of an external-content FTS5 table: a `search:`."""
    match = _FTS5.search(sql)
    if match is None:
        return None
    parts = [p.strip() for p in match.group(1).split(",")]
    options = dict(p.split("=", 1) for p in parts if "=" in p)
    options = {k.strip().lower(): v.strip().strip("'\"") for k, v in options.items()}
    columns = tuple(p.strip('"') for p in parts if "=" not in p)
    if "content" not in options or not columns:
        return None
    return options["content"], columns, "english" if "porter" in options.get("tokenize", "") else "simple"


def _table(conn: sqlite3.Connection, name: str, sql: str) -> SourceTable:
    table = SourceTable(name)
    info = conn.execute(f'PRAGMA table_xinfo("{name}")').fetchall()
    keys = sorted((pk, column) for _, column, _, _, _, pk, _ in info if pk)
    table.primary_key = tuple(c for _, c in keys)
    create = sqlglot.parse_one(sql, read="sqlite")
    definitions = {d.name: d for d in create.this.expressions if isinstance(d, exp.ColumnDef)}
    for _, column, declared, not_null, default, pk, hidden in info:
        rowid = len(keys) == 1 and pk and declared.upper() == "INTEGER"
        generated = None
        if hidden in (2, 3):
            computed = definitions[column].find(exp.ComputedColumnConstraint)
            generated = computed.this.sql("sqlite") if computed is not None else None
        table.columns.append(SourceColumn(column, declared.lower(), not not_null and not pk, default=default,
                                          identity=bool(rowid), generated=generated))
    for definition in definitions.values():  # a column's own constraints: its key's name, its checks
        for constraint in definition.constraints:
            if isinstance(constraint.kind, exp.PrimaryKeyColumnConstraint) and constraint.name:
                table.primary_key_name = constraint.name
            elif isinstance(constraint.kind, exp.CheckColumnConstraint):
                table.checks.append((constraint.name or f"{name}_{definition.name}_check", constraint.kind.this.sql("sqlite")))
            elif isinstance(constraint.kind, exp.UniqueColumnConstraint):
                table.uniques.append((constraint.name or f"{name}_{definition.name}_key", (definition.name,)))
    for constraint in create.this.expressions:
        if not isinstance(constraint, exp.Constraint):
            continue
        constraint_name = constraint.name
        for kind in constraint.expressions:
            if isinstance(kind, exp.PrimaryKey):
                table.primary_key_name = constraint_name
            elif isinstance(kind, exp.UniqueColumnConstraint):
                columns = tuple(c.name for c in kind.this.expressions) if kind.this else ()
                table.uniques.append((constraint_name, columns))
            elif isinstance(kind, exp.CheckColumnConstraint):
                table.checks.append((constraint_name, kind.this.sql("sqlite")))
            elif isinstance(kind, exp.ForeignKey):
                reference = kind.args["reference"]
                options = " ".join(reference.args.get("options") or [])
                fk = SourceForeignKey(constraint_name, tuple(c.name for c in kind.expressions), reference.this.this.name,
                                      tuple(c.name for c in reference.this.expressions),
                                      _action(options, "DELETE"), _action(options, "UPDATE"),
                                      "DEFERRABLE INITIALLY DEFERRED" in options.upper())
                table.foreign_keys.append(fk)
    return table


def _action(options: str, event: str) -> str | None:
    text = options.upper()
    marker = f"ON {event} "
    if marker not in text:
        return None
    rest = text.split(marker, 1)[1]
    return next((v for k, v in _ACTIONS.items() if rest.startswith(k)), None)
