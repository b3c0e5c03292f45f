"""The seed as CQL (`seed/cassandra.cql`): an `INSERT INTO <table> JSON '...'` statement per row of
every table, a line each, in the Parquet files' order (`cqlsh -f` runs it).

Each table gets the rows it holds (its constants, NOT NULL conditions and soft delete) and the
columns it keeps. Values are in the JSON forms Cassandra's INSERT JSON reads: a decimal as its
text (its scale kept), a timestamp as `yyyy-mm-dd HH:MM:SS.fffZ`, a time as its text, a blob as
`0x` and its hex digits; JSON and an interval as their text. A nullable clustering column
holds its type's zero value and its flag is true where the row has NULL.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from schemaforge.design.model import Design, Entity
from schemaforge.design.types import LogicalType
from schemaforge.nosql.cassandra.cql import quote
from schemaforge.nosql.cassandra.model import BUCKET, Table, cassandra_model
from schemaforge.nosql.values import null_flag, seed_connection, text_sql
from schemaforge.seed.sql import ident, literal, read_parquet

FETCH_ROWS = 50_000
_ZERO = {"boolean": "false", "date": "DATE '1970-01-01'", "time": "TIME '00:00:00'",
         "timestamp": "TIMESTAMP '1970-01-01'", "timestamptz": "TIMESTAMPTZ '1970-01-01 00:00:00+00'",
         "uuid": "UUID '00000000-0000-0000-0000-000000000000'"}


def json_sql(typ: LogicalType, expression: str) -> str:
    """DuckDB SQL for the value of `expression` as INSERT JSON reads it (a JSON value's SQL)."""
    kind = typ.kind
    if kind in ("timestamp", "timestamptz"):
        moment = f"CAST({expression} AS TIMESTAMP)" if kind == "timestamptz" else expression
        return f"strftime({moment}, '%Y-%m-%d %H:%M:%S.%gZ')"
    if kind == "bytes":
        return f"'0x' || lower(hex({expression}))"
    if kind in ("boolean", "smallint", "integer", "bigint", "real", "double", "array"):
        return expression
    return text_sql(typ, expression)  # decimals, dates, times, uuids, text and JSON as their text


def _zero(typ: LogicalType) -> str:
    return _ZERO.get(typ.kind, "0" if typ.kind in ("smallint", "integer", "bigint", "decimal", "real", "double")
                     else "''")


def _where(entity: Entity, table: Table) -> str:
    conditions = ["TRUE"]
    for column, value in table.constants:
        conditions.append(f"{ident(entity.physical(column))} = {literal(value)}")
    conditions += [f"{ident(entity.physical(c))} IS NOT NULL" for c in table.present]
    if table.hidden:
        conditions.append(f"{ident(entity.physical(table.hidden))} IS NULL")
    return " AND ".join(conditions)


def table_rows_sql(entity: Entity, table: Table, source: str) -> str:
    """DuckDB SQL giving each row the table holds as its JSON text."""
    fields = [] if table.partition else [f"{BUCKET} := 0"]
    for name in table.columns(entity):
        column = entity.column(name)
        value = ident(column.physical)
        if name in table.nullable:
            fields.append(f"{ident(null_flag(entity, name))} := {value} IS NULL")
            value = f"coalesce({value}, {_zero(column.type)})"
        fields.append(f"{ident(column.physical)} := {json_sql(column.type, value)}")
    return f"SELECT CAST(to_json(struct_pack({', '.join(fields)})) AS VARCHAR) FROM {source} WHERE {_where(entity, table)}"


def statements(design: Design, seed_dir: Path) -> Iterator[str]:
    model = cassandra_model(design)
    con = seed_connection()
    try:
        for table in model.tables:
            entity = design.entities[table.entity]
            into = f"INSERT INTO {quote(model.keyspace)}.{quote(table.name)} JSON '"
            result = con.execute(table_rows_sql(entity, table, read_parquet(seed_dir.resolve(), entity)))
            while rows := result.fetchmany(FETCH_ROWS):
                for (body,) in rows:
                    yield into + body.replace("'", "''") + "';"
    finally:
        con.close()


def write_cassandra_seed(design: Design, seed_dir: Path, path: Path) -> int:
    """The seed's INSERT statements at `path`; returns how many."""
    count = 0
    with open(path, "w") as out:
        for line in statements(design, seed_dir):
            out.write(line + "\n")
            count += 1
    return count
