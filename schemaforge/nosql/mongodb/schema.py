"""Each collection's `$jsonSchema` validator, in the keywords MongoDB supports, and a faithful
validator to check documents against it without a server.

A field's `bsonType` follows its logical type: integers `int` (`int` or `long` for a bigint: a
driver sends a small one as an int), decimals `decimal`, real and double `double`, booleans
`bool`, dates and timestamps `date`, json `object` or `array`, arrays `array` with their items'
type, bytes `binData`, everything else `string`. A required column is `required`; a NULL is a
missing field. An enum is `enum`, a `string(n)` `maxLength`, a format or a regex check `pattern`,
a single-column bound `minimum` / `maximum` (`exclusiveMinimum` / `exclusiveMaximum` when
strict). No other field is allowed (`additionalProperties: false`). An embedded child is an
array of its documents' schema.

MongoDB's `$jsonSchema` is draft 4 with `bsonType` and without `$ref`, `$schema`, `default`,
`definitions`, `format` and `id`; `validate` checks with jsonschema's draft 4 validator plus
`bsonType`, and refuses a schema that uses a keyword MongoDB does not support.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from schemaforge.design.formats import FORMAT_PATTERNS
from schemaforge.design.model import Design, Entity
from schemaforge.design.types import LogicalType
from schemaforge.nosql.mongodb.model import MongoModel
from schemaforge.seed.domains import column_domains

# The keywords of MongoDB's $jsonSchema (its manual: "$jsonSchema", available keywords).
SUPPORTED_KEYWORDS = frozenset({
    "bsonType", "type", "required", "properties", "additionalProperties", "patternProperties", "enum", "minimum",
    "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "pattern", "items",
    "additionalItems", "minItems", "maxItems", "uniqueItems", "minProperties", "maxProperties", "dependencies",
    "allOf", "anyOf", "oneOf", "not", "title", "description",
})
_BSON = {"smallint": "int", "integer": "int", "bigint": ["int", "long"], "decimal": "decimal", "real": "double",
         "double": "double", "boolean": "bool", "date": "date", "timestamp": "date", "timestamptz": "date",
         "json": ["object", "array"], "bytes": "binData"}


def bson_type(typ: LogicalType):
    if typ.kind == "array":
        return "array"
    return _BSON.get(typ.kind, "string")


def _field_schema(entity: Entity, column: str, domains) -> dict[str, Any]:
    typed = entity.column(column)
    typ = typed.type
    schema: dict[str, Any] = {"bsonType": bson_type(typ)}
    if typ.kind == "enum":
        schema["enum"] = list(typ.values)
    if typ.kind == "string" and typ.length:
        schema["maxLength"] = typ.length
    if typ.kind == "array" and typ.item is not None:
        schema["items"] = {"bsonType": bson_type(typ.item)}
    if typed.format in FORMAT_PATTERNS and typ.kind in ("string", "text"):
        schema["pattern"] = FORMAT_PATTERNS[typed.format]
    domain = domains.get(column)
    if domain is not None and typ.kind in ("smallint", "integer", "bigint", "decimal", "real", "double"):
        if domain.low is not None:
            schema["minimum"] = domain.low
            if domain.low_open:
                schema["exclusiveMinimum"] = True
        if domain.high is not None:
            schema["maximum"] = domain.high
            if domain.high_open:
                schema["exclusiveMaximum"] = True
    if domain is not None and domain.patterns and typ.kind in ("string", "text") and "pattern" not in schema:
        schema["pattern"] = domain.patterns[0][0]
    if typed.description:
        schema["description"] = typed.description
    return schema


def document_schema(design: Design, model: MongoModel, entity: Entity, embedded: bool = False) -> dict[str, Any]:
    domains = column_domains(entity)
    properties: dict[str, Any] = {}
    required: list[str] = []
    key = entity.primary_key
    if not embedded:
        if len(key) == 1:
            properties["_id"] = _field_schema(entity, key[0], domains)
        else:
            properties["_id"] = {"bsonType": "object", "required": [entity.physical(c) for c in key],
                                 "additionalProperties": False,
                                 "properties": {entity.physical(c): _field_schema(entity, c, domains) for c in key}}
        required.append("_id")
    for column in entity.columns:
        if not embedded and column.name in key:
            continue
        properties[column.physical] = _field_schema(entity, column.name, domains)
        if not column.nullable and column.generated is None:
            required.append(column.physical)
    for child in model.children_of(entity.name):
        properties[child.field] = {"bsonType": "array",
                                   "items": document_schema(design, model, design.entities[child.child], True)}
    body = {"bsonType": "object", "required": required, "additionalProperties": False, "properties": properties}
    if entity.description and not embedded:
        body["description"] = entity.description
    return body


def unsupported_keywords(schema: Any, path: str = "$") -> list[str]:
    """Where `schema` uses a keyword MongoDB's $jsonSchema does not support."""
    found = []
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key not in SUPPORTED_KEYWORDS:
                found.append(f"{path}.{key}")
            if key == "properties":
                for name, child in value.items():
                    found += unsupported_keywords(child, f"{path}.properties.{name}")
            elif key in ("items", "not", "additionalProperties") and isinstance(value, dict):
                found += unsupported_keywords(value, f"{path}.{key}")
            elif key in ("allOf", "anyOf", "oneOf"):
                for i, child in enumerate(value):
                    found += unsupported_keywords(child, f"{path}.{key}[{i}]")
    return found


def _is_bson(value: Any, name: str) -> bool:
    from bson import Binary, Decimal128, Int64, ObjectId

    if name == "int":
        return type(value) is int and -(1 << 31) <= value < (1 << 31)
    if name == "long":
        return isinstance(value, Int64) or (type(value) is int and -(1 << 63) <= value < (1 << 63))
    checks = {
        "double": lambda v: type(v) is float, "decimal": lambda v: isinstance(v, Decimal128),
        "bool": lambda v: type(v) is bool, "date": lambda v: isinstance(v, datetime.datetime),
        "string": lambda v: isinstance(v, str), "object": lambda v: isinstance(v, dict),
        "array": lambda v: isinstance(v, list), "binData": lambda v: isinstance(v, (bytes, Binary)),
        "objectId": lambda v: isinstance(v, ObjectId), "null": lambda v: v is None,
    }
    return checks[name](value)


def _number(value: Any) -> Decimal | None:
    from bson import Decimal128

    if isinstance(value, Decimal128):
        return value.to_decimal()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Decimal(str(value))
    return None


@lru_cache(maxsize=1)
def _validator_class():
    """jsonschema's draft 4 validator with `bsonType`, and bounds that read BSON decimals."""
    from jsonschema import Draft4Validator, ValidationError, validators

    def bson_type_keyword(validator, types, instance, schema):
        names = types if isinstance(types, list) else [types]
        if not any(_is_bson(instance, name) for name in names):
            yield ValidationError(f"{instance!r} is not of bsonType {types}")

    def bound(high: bool):
        keyword, strict = ("maximum", "exclusiveMaximum") if high else ("minimum", "exclusiveMinimum")

        def check(validator, limit, instance, schema):
            number = _number(instance)
            if number is None:
                return
            exclusive = schema.get(strict, False)
            limit_ = Decimal(str(limit))
            failed = (number > limit_ or (exclusive and number == limit_)) if high else \
                (number < limit_ or (exclusive and number == limit_))
            if failed:
                yield ValidationError(f"{instance} is outside its {keyword} {limit}")
        return check

    return validators.extend(Draft4Validator, {"bsonType": bson_type_keyword, "minimum": bound(False),
                                               "maximum": bound(True)})


def validate(schema: dict[str, Any], document: dict[str, Any]) -> list[str]:
    """What is wrong with `document` under `schema` (the `$jsonSchema` body), as MongoDB would
    refuse it; a schema with a keyword MongoDB does not support is refused itself."""
    unsupported = unsupported_keywords(schema)
    if unsupported:
        raise ValueError(f"keywords MongoDB's $jsonSchema does not support: {', '.join(unsupported)}")
    return [f"{'/'.join(map(str, e.absolute_path)) or '$'}: {e.message}"
            for e in _validator_class()(schema).iter_errors(document)]
