"""A source's SQL type, read back as a logical type of the design language."""

from __future__ import annotations

import re
from dataclasses import dataclass

_PARAMS = re.compile(r"^\s*([a-z][a-z0-9 _]*?)\s*(?:\(([^)]*)\))?\s*(unsigned)?\s*(zerofill)?\s*$")

# The plain names each source writes, lower case, without their parameters.
_PLAIN = {
    "boolean": "boolean", "bool": "boolean", "bit": "boolean",
    "smallint": "smallint", "int2": "smallint", "integer": "integer", "int": "integer", "int4": "integer",
    "mediumint": "integer", "bigint": "bigint", "int8": "bigint",
    "real": "real", "float4": "real", "float": "real", "double precision": "double", "double": "double",
    "float8": "double", "binary_double": "double", "binary_float": "real",
    "text": "text", "longtext": "text", "mediumtext": "text", "tinytext": "text", "clob": "text", "ntext": "text",
    "uuid": "uuid", "uniqueidentifier": "uuid", "date": "date", "interval": "interval",
    "json": "json", "jsonb": "json", "bytea": "bytes", "blob": "bytes", "longblob": "bytes", "mediumblob": "bytes",
    "tinyblob": "bytes", "varbinary": "bytes", "binary": "bytes",
    "time without time zone": "time", "time": "time",
    "timestamp without time zone": "timestamp", "datetime": "timestamp", "datetime2": "timestamp",
    "timestamp with time zone": "timestamptz", "timestamptz": "timestamptz", "datetimeoffset": "timestamptz",
}
_STRINGS = {"character varying": "string", "varchar": "string", "nvarchar": "string", "varchar2": "string",
            "nvarchar2": "string", "character": "char", "char": "char", "nchar": "char", "bpchar": "char"}
_DECIMALS = {"numeric", "decimal", "number", "dec"}


@dataclass(frozen=True)
class ReadType:
    """A logical type (its text in the design), with `unsigned` where the source says so."""

    text: str
    unsigned: bool = False


def logical_type(source_type: str, dialect: str) -> ReadType | None:
    """The logical type of `source_type` (None: the language has no type for it, say `inet`)."""
    text = re.sub(r"^(timestamp|time)\s*\(\d+\)", r"\1", source_type.strip().lower())  # TIMESTAMP(6) WITH TIME ZONE
    if text.endswith("[]"):
        item = logical_type(text[:-2], dialect)
        return ReadType(f"array({item.text})") if item and not item.text.startswith("array") else None
    match = _PARAMS.match(text)
    if not match:
        return None
    name, params, unsigned = match.group(1).strip(), match.group(2), bool(match.group(3))
    args = [p.strip() for p in params.split(",")] if params else []
    if dialect == "mysql" and name == "tinyint" and args == ["1"]:
        return ReadType("boolean")
    if name == "tinyint":
        return ReadType("smallint", unsigned)
    if name in ("timestamp", "time") and dialect == "mysql":  # MySQL's TIMESTAMP is held in UTC
        return ReadType("timestamptz" if name == "timestamp" else "time")
    if name in ("timestamp", "datetime", "datetime2"):
        return ReadType("timestamp")
    if name in _PLAIN:
        return ReadType(_PLAIN[name], unsigned)
    if name in _STRINGS:
        # no length: VARCHAR is unbounded (DuckDB, PostgreSQL), CHAR is CHAR(1)
        length = args[0].split()[0] if args else ("1" if _STRINGS[name] == "char" else "max")
        if length in ("max", "") or not length.isdigit():
            return ReadType("text")
        return ReadType(f"{_STRINGS[name]}({length})")
    if name in _DECIMALS:
        if not args:
            return ReadType("decimal(38,0)") if dialect == "oracle" else None  # unbounded: no decimal(p,s) holds it
        precision, scale = args[0], args[1] if len(args) > 1 else "0"
        if dialect == "oracle" and scale == "0":  # NUMBER(5) and the like are Oracle's integers
            return ReadType({"1": "boolean", "5": "smallint", "10": "integer", "19": "bigint"}.get(precision, f"decimal({precision},0)"))
        return ReadType(f"decimal({precision},{scale})", unsigned)
    return None
