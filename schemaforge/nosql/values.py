"""A column's value as a key-value store holds it: text for a field or a key, a number for a score.

A store like Redis keeps strings, so every logical type gets one text form, the same in the seed
(made by DuckDB over the Parquet files, `text_sql`) and in a request's parameters (made in
Python, `text_of`):

| kind | text |
| --- | --- |
| boolean | `true` / `false` |
| integers, decimal | the number as written (`12.50` keeps its scale) |
| real, double | the shortest text that reads back as the same double |
| date | `2024-05-01` |
| time | `13:45:00.000000` |
| timestamp | `2024-05-01T13:45:00.000000` |
| timestamptz | `2024-05-01T13:45:00.000000Z` (UTC) |
| json, array | compact JSON |
| bytes | the bytes themselves |
| the rest | the text itself |

A NULL is no text at all: the field is left out of the record.

An ordered read needs a number to sort by (a sorted set's score). Scores keep the order of the
values and are exact for every value a double holds exactly: numbers as themselves, a timestamp
as its microseconds since 1970-01-01 UTC (exact until the year 2255), a date as its days, a time
as its microseconds since midnight, a boolean as 0 or 1. Text has no score; it is ordered by its
bytes instead (`lex`).
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

from schemaforge.design.model import Column, Entity
from schemaforge.design.types import INTEGER_KINDS, LogicalType

SCORED_KINDS = INTEGER_KINDS + ("decimal", "real", "double", "date", "time", "timestamp", "timestamptz", "boolean")
LEX_KINDS = ("string", "text", "uuid", "enum")
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def ordering_of(column: Column) -> str | None:
    """How a key orders by `column`: "score", "lex", or None when it cannot (json, bytes, ...)."""
    if column.type.kind in SCORED_KINDS:
        return "score"
    if column.type.kind in LEX_KINDS:
        return "lex"
    return None


def text_sql(typ: LogicalType, expression: str) -> str:
    """DuckDB SQL giving the text form of `expression` (NULL stays NULL); bytes stay bytes."""
    kind = typ.kind
    if kind == "boolean":
        return f"CASE WHEN {expression} THEN 'true' WHEN NOT {expression} THEN 'false' END"
    if kind == "real":
        return f"CAST(CAST({expression} AS DOUBLE) AS VARCHAR)"
    if kind == "time":
        return f"strftime(DATE '2000-01-01' + {expression}, '%H:%M:%S.%f')"
    if kind == "timestamp":
        return f"strftime({expression}, '%Y-%m-%dT%H:%M:%S.%f')"
    if kind == "timestamptz":  # the connection's time zone is UTC (seed_reader)
        return f"strftime(CAST({expression} AS TIMESTAMP), '%Y-%m-%dT%H:%M:%S.%fZ')"
    if kind == "array":
        return f"CAST(to_json({expression}) AS VARCHAR)"
    if kind == "json":
        return f"CAST(json({expression}) AS VARCHAR)"
    if kind == "bytes":
        return expression
    return f"CAST({expression} AS VARCHAR)"


def score_sql(typ: LogicalType, expression: str) -> str:
    """DuckDB SQL giving the score of `expression`; a NULL scores +inf, after every value, as
    the design's order puts NULLs (PostgreSQL's: NULL is the largest)."""
    kind = typ.kind
    if kind in ("timestamp", "timestamptz"):
        value = f"epoch_us({expression})"
    elif kind == "date":
        value = f"(CAST({expression} AS DATE) - DATE '1970-01-01')"
    elif kind == "time":
        value = f"epoch_us(DATE '1970-01-01' + {expression})"
    elif kind == "boolean":
        value = f"CAST({expression} AS INTEGER)"
    else:
        value = expression
    return f"coalesce(CAST({value} AS DOUBLE), 'inf'::DOUBLE)"


def text_of(typ: LogicalType, value: Any) -> str:
    """The text form of a parameter's value (a Python value, or text already in that form)."""
    if isinstance(value, str) and typ.kind not in ("json",):
        return value
    kind = typ.kind
    if kind == "boolean":
        return "true" if value else "false"
    if kind in ("real", "double"):
        return repr(float(value))
    if kind == "timestamptz":
        moment = value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
        return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if kind == "timestamp":
        return value.strftime("%Y-%m-%dT%H:%M:%S.%f")
    if kind == "time":
        return value.strftime("%H:%M:%S.%f")
    if kind in ("json", "array"):
        return json.dumps(value, separators=(",", ":"), default=str)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def score_of(typ: LogicalType, value: Any) -> float:
    """The score of a parameter's value, as `score_sql` scores the seed's."""
    kind = typ.kind
    if value is None:
        return float("inf")
    if isinstance(value, str):
        value = parse_text(kind, value)
    if kind in ("timestamp", "timestamptz"):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
        delta = moment - _EPOCH
        return float(delta.days * 86_400_000_000 + delta.seconds * 1_000_000 + delta.microseconds)
    if kind == "date":
        return float((value - date(1970, 1, 1)).days)
    if kind == "time":
        return float(((value.hour * 60 + value.minute) * 60 + value.second) * 1_000_000 + value.microsecond)
    if kind == "boolean":
        return 1.0 if value else 0.0
    return float(value)


def parse_text(kind: str, text: str) -> Any:
    """A value from its text form (of the kinds a score or a parameter reads)."""
    if kind in ("timestamp", "timestamptz"):
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    if kind == "date":
        return date.fromisoformat(text)
    if kind == "time":
        return time.fromisoformat(text)
    if kind == "boolean":
        return text == "true"
    return Decimal(text)


def score_text(score: float) -> str:
    """A score as Redis reads it in a command (`inf` for +inf, integers without a fraction)."""
    if score == float("inf"):
        return "+inf"
    return str(int(score)) if score.is_integer() else repr(score)


def sortable_score(score: float) -> str:
    """A score as 16 hex digits whose byte order is the numbers' order (IEEE 754's bits, the
    sign bit flipped for a positive number and every bit for a negative one): a sort key for a
    store that sorts strings, DynamoDB's. +inf is `fff0000000000000`, after every number."""
    import struct

    bits = struct.unpack(">Q", struct.pack(">d", score))[0]
    bits = bits ^ 0xFFFF_FFFF_FFFF_FFFF if bits >> 63 else bits | (1 << 63)
    return f"{bits:016x}"


def seed_connection():
    """A DuckDB connection to read the seed's Parquet files in these forms: its time zone is UTC,
    so a timestamptz's text is in UTC."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    return con


def milliseconds_up(moment: datetime) -> datetime:
    """A time rounded up to milliseconds (BSON's, Cassandra's): for a field of milliseconds,
    `>= t` and `< t` mean the same as with `t` rounded up, where rounding down would take in one more."""
    extra = moment.microsecond % 1000
    return moment + timedelta(microseconds=1000 - extra) if extra else moment


def after_prefix(prefix: str) -> str:
    """The smallest text after every text that starts with `prefix` (a prefix read as a range)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1) if prefix else "\U0010ffff"


def null_flag(entity: Entity, column: str) -> str:
    """The field that marks a NULL in a column a store sorts by (true where the row has NULL)."""
    return f"{entity.physical(column)}_null"
