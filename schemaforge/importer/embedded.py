"""A DuckDB database file, read from DuckDB's own catalog functions (duckdb_tables(), ...).

DuckDB keeps less than the other engines: a VARCHAR's length, a constraint's own name and an enum
type's name are not in its catalog, so a design read from it says `text`, takes the names the
build makes, and writes enums inline."""

from __future__ import annotations

import re
from pathlib import Path

from schemaforge.importer.catalog import (
    SourceColumn, SourceForeignKey, SourceIndex, SourceSchema, SourceTable, SourceView, Unsupported,
)

_SEQUENCE = re.compile(r"^nextval\('(.+)'\)$")
_ENUM = re.compile(r"^ENUM\((.*)\)$")


def read_duckdb_file(path: Path) -> SourceSchema:
    import duckdb

    conn = duckdb.connect(str(path), read_only=True)
    try:
        return read_duckdb(conn)
    finally:
        conn.close()


def read_duckdb(conn) -> SourceSchema:
    source = SourceSchema("duckdb")
    tables = {name: SourceTable(name, comment=comment) for name, comment in conn.execute(
        "SELECT table_name, comment FROM duckdb_tables() WHERE NOT internal AND schema_name = 'main' "
        "ORDER BY table_oid").fetchall()}
    for table, name, data_type, nullable, default, comment in conn.execute(
            "SELECT table_name, column_name, data_type, is_nullable, column_default, comment FROM duckdb_columns() "
            "WHERE NOT internal AND schema_name = 'main' ORDER BY table_oid, column_index").fetchall():
        if table not in tables:
            continue
        sequence = _SEQUENCE.match(default or "")
        enum = _ENUM.match(data_type)
        tables[table].columns.append(SourceColumn(
            name, data_type.lower() if not enum else "text", bool(nullable),
            default=None if sequence and sequence.group(1) == f"{table}_{name}_seq" else default,
            identity=bool(sequence and sequence.group(1) == f"{table}_{name}_seq"), comment=comment,
            enum_values=tuple(v.strip().strip("'") for v in enum.group(1).split(",")) if enum else None))
    for table, kind, _, columns, expression, target, target_columns in conn.execute(
            "SELECT table_name, constraint_type, constraint_name, constraint_column_names, expression, referenced_table, "
            "referenced_column_names FROM duckdb_constraints() WHERE schema_name = 'main' ORDER BY table_oid, "
            "constraint_index").fetchall():
        found = tables.get(table)
        if found is None:
            continue
        # DuckDB names every constraint itself (`t_name_key`): no name of the schema's own to keep
        if kind == "PRIMARY KEY":
            found.primary_key = tuple(columns)
        elif kind == "UNIQUE":
            found.uniques.append((None, tuple(columns)))
        elif kind == "CHECK":
            found.checks.append((None, expression))
        elif kind == "FOREIGN KEY":
            found.foreign_keys.append(SourceForeignKey(None, tuple(columns), target, tuple(target_columns)))
    for name, table, unique, expressions in conn.execute(
            "SELECT index_name, table_name, is_unique, expressions FROM duckdb_indexes() WHERE schema_name = 'main'").fetchall():
        columns = [c.strip().strip('"') for c in expressions.strip("[]").split(",")]
        if table in tables and all(re.match(r"^\w+$", c) for c in columns):
            tables[table].indexes.append(SourceIndex(name, tuple(columns), bool(unique)))
        else:
            source.unsupported.append(Unsupported("expression index", name, table, expressions))
    source.tables = list(tables.values())
    source.views = [SourceView(name, re.sub(r"(?is)^CREATE\s+VIEW\s+\S+\s+AS\s+", "", sql).rstrip().rstrip(";"))
                    for name, sql in conn.execute("SELECT view_name, sql FROM duckdb_views() WHERE NOT internal "
                                                  "AND schema_name = 'main'").fetchall()]
    known = {f"{t.name}_{c.name}_seq" for t in source.tables for c in t.columns if c.identity}
    source.unsupported += [Unsupported("sequence", name) for (name,) in conn.execute(
        "SELECT sequence_name FROM duckdb_sequences() WHERE schema_name = 'main'").fetchall() if name not in known]
    return source
