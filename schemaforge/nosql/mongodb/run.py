"""MongoDB by its files: load the seed (seed/mongodb.jsonl) into a database and answer an access
pattern by running its pipeline (queries/mongodb.json) with the parameters put in. `database` is
a pymongo database, or mongomock's (the tests: no MongoDB server can be installed here)."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from schemaforge.design.types import LogicalType
from schemaforge.nosql.answers import Row, logical_type, parameter_types
from schemaforge.nosql.mongodb.documents import bson_value, text_of_bson
from schemaforge.nosql.values import milliseconds_up, parse_text


def load_seed(database, path: Path) -> int:
    """Run every `insert` command of the seed file; returns the documents inserted."""
    from bson.json_util import loads

    inserted = 0
    with open(path) as lines:
        for line in lines:
            command = loads(line)
            database[command["insert"]].insert_many(command["documents"], ordered=True)
            inserted += len(command["documents"])
    return inserted


def parameter_value(typ: LogicalType, value: Any) -> Any:
    """A parameter as the BSON value a document's field holds (text is read first)."""
    if isinstance(value, str) and typ.kind in ("date", "timestamp", "timestamptz", "decimal", "boolean"):
        value = parse_text(typ.kind, value)
    if isinstance(value, datetime) and typ.kind in ("timestamp", "timestamptz"):
        value = milliseconds_up(value)
    if isinstance(value, datetime) and typ.kind == "timestamp":
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value
    if isinstance(value, date) and not isinstance(value, datetime) or typ.kind == "decimal":
        return bson_value(typ, Decimal(str(value)) if typ.kind == "decimal" else value)
    return bson_value(typ, value)


def _filled(node: Any, parameters: dict[str, Any], types: dict[str, LogicalType]) -> Any:
    if isinstance(node, dict):
        if "$parameter" in node:
            name = node["$parameter"]
            if node.get("as") == "prefix":
                return "^" + re.escape(str(parameters[name]))
            value = parameters[name]
            if isinstance(value, (list, tuple)):
                return [parameter_value(types[name], v) for v in value]
            return parameter_value(types[name], value)
        if set(node) == {"$numberDecimal"}:
            from bson import Decimal128

            return Decimal128(node["$numberDecimal"])
        return {k: _filled(v, parameters, types) for k, v in node.items()}
    if isinstance(node, list):
        return [_filled(v, parameters, types) for v in node]
    return node


def pipeline(request: dict, parameters: dict[str, Any]) -> list[dict]:
    return _filled(request["pipeline"], parameters, parameter_types(request))


def answer(database, request: dict, parameters: dict[str, Any]) -> list[Row]:
    """The pattern's rows: {field: text or None}, in the pattern's order."""
    types = {field: logical_type(text) for field, text in request["field_types"].items()}
    documents = database[request["collection"]].aggregate(pipeline(request, parameters))
    return [{f: text_of_bson(types[f], document.get(f)) for f in request["fields"]} for document in documents]
