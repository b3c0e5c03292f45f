"""A row as a DynamoDB item, and the key values of the table and the GSIs.

A column is an attribute named as the column: numbers are N, a boolean BOOL, bytes B, anything
else S in its text form (nosql/values.py); a NULL is no attribute. The item also carries `_entity`
(its entity's name), `PK` and `SK`, and the key attributes of every GSI of its entity whose
conditions it passes.
"""

from __future__ import annotations

import base64
from typing import Any

from schemaforge.design.model import Entity
from schemaforge.nosql.dynamodb.model import NULL_TEXT_ORDER, ORDER_SEP, SEP, IndexKeys
from schemaforge.nosql.values import sortable_score

NUMBER_KINDS = ("smallint", "integer", "bigint", "decimal", "real", "double")
ENTITY_ATTRIBUTE = "_entity"


def attribute_type(entity: Entity, column: str) -> str:
    kind = entity.column(column).type.kind
    return "N" if kind in NUMBER_KINDS else "BOOL" if kind == "boolean" else "B" if kind == "bytes" else "S"


def attribute(kind: str, text) -> dict[str, Any]:
    """A DynamoDB attribute value, as JSON (bytes in base64) from a value's text form."""
    if kind == "BOOL":
        return {"BOOL": text == "true"}
    if kind == "B":
        return {"B": base64.b64encode(text).decode()}
    return {kind: text}


def partition_value(keys: IndexKeys, texts: dict[str, str]) -> str:
    return keys.partition_prefix + "".join(SEP + texts[c] for c in keys.partition_columns)


def order_value(keys: IndexKeys, text: str | None, score: float | None) -> str:
    """The order column's part of a sort key: its score in sortable hex, or its text."""
    if keys.by == "score":
        return sortable_score(score)
    return NULL_TEXT_ORDER if text is None else text


def sort_value(keys: IndexKeys, key_text: str, order: str | None) -> str:
    value = keys.sort_prefix
    if keys.order is not None:
        value += order + ORDER_SEP
    return value + (key_text if keys.with_key else "")


def passes(keys: IndexKeys, texts: dict[str, str | None], constants: dict[str, str]) -> bool:
    """Whether a row belongs in a (sparse) index: its constants, NOT NULL columns and soft
    delete, and a value for every column of its partition key."""
    return all(texts[c] == constants[c] for c, _ in keys.constants) \
        and all(texts[c] is not None for c in keys.present + keys.partition_columns) \
        and (keys.hidden is None or texts[keys.hidden] is None)


def item(entity: Entity, texts: dict[str, Any], scores: dict[str, float], key_text: str,
         table: IndexKeys, indexes: list[IndexKeys], constants: dict[str, str]) -> dict[str, Any]:
    body = {entity.physical(c.name): attribute(attribute_type(entity, c.name), texts[c.name])
            for c in entity.columns if texts[c.name] is not None}
    body[ENTITY_ATTRIBUTE] = {"S": entity.name}
    for keys in [table, *indexes]:
        if keys.index is not None and not passes(keys, texts, constants):
            continue
        order = order_value(keys, texts.get(keys.order), scores.get(keys.order)) if keys.order else None
        body[keys.partition_attribute] = {"S": partition_value(keys, texts)}
        body[keys.sort_attribute] = {"S": sort_value(keys, key_text, order)}
    return body
