"""The seed as a `redis-cli --pipe` file: Redis's own protocol (RESP), a command per record and
per index entry, so that values with spaces, newlines or any bytes load as they are.

DuckDB reads each entity's Parquet file once per key family and gives every value already in
its text form (nosql/values.py); Python only frames the commands. Rows come in the Parquet
file's order and families in the model's, so the file is the same for the same seed.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO, Iterator

import duckdb
from sqlglot import exp

from schemaforge.design.model import Design, Entity
from schemaforge.nosql.redis.model import LEX_SEPARATOR, NULL_LEX_BYTES, SEPARATOR, Family, redis_model
from schemaforge.nosql.values import score_sql, seed_connection, text_sql
from schemaforge.seed.sql import ident, read_parquet

BATCH_ROWS = 50_000


def command(*arguments: bytes) -> bytes:
    """One command in RESP: an array of bulk strings."""
    parts = [b"*%d\r\n" % len(arguments)]
    for argument in arguments:
        parts.append(b"$%d\r\n%s\r\n" % (len(argument), argument))
    return b"".join(parts)


def _text(entity: Entity, column: str) -> str:
    return text_sql(entity.column(column).type, ident(entity.physical(column)))


def key_sql(entity: Entity) -> str:
    """The row's key: its primary key's texts joined by ':'."""
    return f" || '{SEPARATOR}' || ".join(_text(entity, c) for c in entity.primary_key)


def _conditions(entity: Entity, family: Family) -> list[str]:
    """Which rows the family indexes: its constants, its NOT NULL columns, rows not soft-deleted,
    and rows whose key columns have values (NULL equals no parameter)."""
    conditions = [f"{ident(entity.physical(c))} = {exp.convert(v).sql('duckdb')}" for c, v in family.constants]
    conditions += [f"{ident(entity.physical(c))} IS NOT NULL" for c in family.present + family.parts]
    if family.hidden:
        conditions.append(f"{ident(entity.physical(family.hidden))} IS NULL")
    return conditions or ["TRUE"]


def _family_select(entity: Entity, family: Family, source: str) -> str:
    """SELECT <index key>, <what it holds>[, <score>] FROM the entity's rows it indexes."""
    key = " || ".join([f"'{family.name}'"] + [f"'{SEPARATOR}' || {_text(entity, c)}" for c in family.parts])
    if family.by == "lex":
        order = _text(entity, family.order)
    elif family.by == "score":
        order = score_sql(entity.column(family.order).type, ident(entity.physical(family.order)))
    else:
        order = "0"
    return f"SELECT {key}, {key_sql(entity)}, {order} FROM {source} WHERE {' AND '.join(_conditions(entity, family))}"


def _batches(con: duckdb.DuckDBPyConnection, sql: str) -> Iterator[list[tuple]]:
    result = con.execute(sql)
    while rows := result.fetchmany(BATCH_ROWS):
        yield rows


def _encode(value) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode()


def records(con, entity: Entity, family: Family, source: str) -> Iterator[list[tuple[bytes, list[bytes]]]]:
    """Batches of (record key, [field, value, field, value, ...]) of the entity's rows, in the
    Parquet file's order; a NULL's field is left out."""
    columns = [c.name for c in entity.columns]
    texts = ", ".join(_text(entity, c) for c in columns)
    fields = [entity.physical(c).encode() for c in columns]
    prefix = (family.name + SEPARATOR).encode()
    for rows in _batches(con, f"SELECT {key_sql(entity)}, {texts} FROM {source}"):
        yield [(prefix + key.encode(),
                [part for name, value in zip(fields, values) if value is not None for part in (name, _encode(value))])
               for key, *values in rows]


def entries(con, entity: Entity, family: Family, source: str) -> Iterator[list[tuple[bytes, bytes, bytes | None]]]:
    """Batches of (index key, member, score) of the rows the family indexes; the score is None
    but in a sorted set (0 where its members are ordered by their bytes)."""
    for rows in _batches(con, _family_select(entity, family, source)):
        batch = []
        for key, held, order in rows:
            held = held.encode()
            if family.by == "lex":  # `<value>\0<key>`; a NULL's value is the byte 0xFF, after all text
                held = (NULL_LEX_BYTES if order is None else order.encode()) + LEX_SEPARATOR.encode() + held
            score = None if family.structure != "zset" else _score(order) if family.by == "score" else b"0"
            batch.append((key.encode(), held, score))
        yield batch


def _write_records(con, entity: Entity, family: Family, source: str, out: BinaryIO) -> int:
    ttl = str(family.ttl_seconds).encode() if family.ttl_seconds else None
    count = 0
    for batch in records(con, entity, family, source):
        chunk = []
        for record, pairs in batch:
            chunk.append(command(b"HSET", record, *pairs))
            if ttl:
                chunk.append(command(b"EXPIRE", record, ttl))
        out.write(b"".join(chunk))
        count += len(batch)
    return count


def _write_family(con, entity: Entity, family: Family, source: str, out: BinaryIO) -> None:
    ttl = str(family.ttl_seconds).encode() if family.ttl_seconds else None
    for batch in entries(con, entity, family, source):
        chunk = []
        for key, member, score in batch:
            if family.structure == "string":
                chunk.append(command(b"SET", key, member) + (command(b"EXPIRE", key, ttl) if ttl else b""))
            elif family.structure == "set":
                chunk.append(command(b"SADD", key, member))
            else:
                chunk.append(command(b"ZADD", key, score, member))
        out.write(b"".join(chunk))


def _score(score: float) -> bytes:
    if score == float("inf"):
        return b"+inf"
    return (b"%d" % score) if float(score).is_integer() else repr(float(score)).encode()


def write_redis_seed(design: Design, seed_dir: Path, path: Path) -> dict[str, int]:
    """The seed of `design` from its Parquet files in `seed_dir` as a pipe file at `path`;
    returns the records written per entity."""
    model = redis_model(design)
    counts = {}
    con = seed_connection()
    try:
        with open(path, "wb") as out:
            for name, entity in design.entities.items():
                source = read_parquet(seed_dir.resolve(), entity)
                counts[name] = _write_records(con, entity, model.records[name], source, out)
                for family in model.families:
                    if family.entity == name:
                        _write_family(con, entity, family, source, out)
    finally:
        con.close()
    return counts
