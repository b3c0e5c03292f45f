"""A column's value as a Firestore Value (the REST API's typed JSON), from and back to the text
form of nosql/values.py.

| kind | Firestore value |
| --- | --- |
| boolean | `booleanValue` |
| integers | `integerValue` |
| decimal(p,s), p <= 18 | `integerValue` of its minor units (12.50 in decimal(10,2) is 1250): exact and ordered |
| wider decimals | `stringValue` (exact, not ordered as numbers) |
| real, double | `doubleValue` |
| timestamp, timestamptz | `timestampValue` (RFC 3339, UTC, microseconds) |
| array | `arrayValue` of its items |
| bytes | `bytesValue` (base64) |
| the rest (text, dates, times, UUIDs, JSON) | `stringValue` of its text (a date's text sorts as the date) |

A NULL is `nullValue`.
"""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from typing import Any

from schemaforge.design.types import LogicalType
from schemaforge.nosql.values import text_of

MINOR_UNITS_PRECISION = 18  # the widest decimal whose minor units fit an integerValue (int64)


def minor_units(typ: LogicalType) -> bool:
    return typ.kind == "decimal" and typ.precision <= MINOR_UNITS_PRECISION


def value_of_text(typ: LogicalType, text: Any) -> dict:
    """The Firestore Value of a column's text form (bytes for a bytes column; None for NULL)."""
    kind = typ.kind
    if text is None:
        return {"nullValue": None}
    if kind == "boolean":
        return {"booleanValue": text == "true"}
    if kind in ("smallint", "integer", "bigint"):
        return {"integerValue": text}
    if minor_units(typ):
        return {"integerValue": str(int(Decimal(text).scaleb(typ.scale)))}
    if kind in ("real", "double"):
        return {"doubleValue": float(text)}
    if kind in ("timestamp", "timestamptz"):
        return {"timestampValue": text if text.endswith("Z") else text + "Z"}
    if kind == "array":
        return {"arrayValue": {"values": [value_of(typ.item, item) for item in json.loads(text)]}}
    if kind == "bytes":
        return {"bytesValue": base64.b64encode(text if isinstance(text, bytes) else text.encode()).decode()}
    return {"stringValue": text}


def value_of(typ: LogicalType, value: Any) -> dict:
    """The Firestore Value of a Python value (a parameter, an array's item)."""
    if value is None:
        return {"nullValue": None}
    if typ.kind == "bytes":
        return value_of_text(typ, bytes(value))
    return value_of_text(typ, text_of(typ, value))


def text_of_value(typ: LogicalType, value: dict) -> Any:
    """A Firestore Value back in the text form (to compare with DuckDB's)."""
    (key, inner), = value.items()
    if key == "nullValue":
        return None
    if key == "booleanValue":
        return "true" if inner else "false"
    if key == "integerValue" and minor_units(typ):
        return f"{Decimal(inner).scaleb(-typ.scale):.{typ.scale}f}"
    if key == "doubleValue":
        return repr(float(inner))
    if key == "timestampValue":
        return inner if typ.kind == "timestamptz" else inner.rstrip("Z")
    if key == "arrayValue":
        items = [python_of(typ.item, v) for v in inner.get("values", [])]
        return json.dumps(items, separators=(",", ":"), ensure_ascii=False)
    if key == "bytesValue":
        return base64.b64decode(inner)
    return str(inner)


def python_of(typ: LogicalType, value: dict) -> Any:
    """An array item's Firestore Value as the JSON value DuckDB writes for it."""
    text = text_of_value(typ, value)
    if text is None or typ.kind in ("string", "text", "enum", "uuid", "date", "time", "timestamp", "timestamptz"):
        return text
    return json.loads(text) if typ.kind in ("boolean", "smallint", "integer", "bigint", "real", "double") else text
