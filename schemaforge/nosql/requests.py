"""The parts of a NoSQL request that every store's has alike: its parameters (named as in
queries/<target>.sql) and `then`, what the application does after reading (the checks of a row
read by its key, a sort the store's order does not give, the limit). nosql/answers.py follows
them."""

from __future__ import annotations

from typing import Any

from schemaforge.design.model import Entity
from schemaforge.nosql.reads import Read
from schemaforge.nosql.values import text_of


def _parameter(entity: Entity, name: str, column: str, kind: str, note: str = "") -> dict[str, Any]:
    typed = entity.column(column)
    return {"name": name, "column": typed.physical, "type": str(typed.type), "kind": kind,
            **({"note": note} if note else {})}


def request_parameters(read: Read) -> list[dict[str, Any]]:
    entity = read.entity
    parameters = [_parameter(entity, p, c, "value") for c, p in read.equal]
    parameters += [_parameter(entity, p, c, "list") for c, p in read.listed]
    if read.range:
        parameters += [_parameter(entity, f"{read.range}_from", read.range, "value", "inclusive"),
                       _parameter(entity, f"{read.range}_to", read.range, "value", "exclusive")]
    if read.prefix:
        parameters.append(_parameter(entity, f"{read.prefix}_prefix", read.prefix, "prefix"))
    return parameters


def then_of(read: Read, checks: bool, client_sort: bool, keyed: tuple[str, ...]) -> dict[str, Any]:
    """What the application does after reading. `checks`: the rows were read by their key, so
    the pattern's constants, NOT NULL conditions, soft delete and the compared columns the key
    was not made of (`keyed`) are checked on them."""
    entity = read.entity
    then: dict[str, Any] = {}
    if checks:
        then["check"] = {
            "equal": {entity.physical(c): text_of(entity.column(c).type, v) for c, v in read.constants},
            "present": [entity.physical(c) for c in read.present],
            "absent": [entity.physical(read.hidden)] if read.hidden else [],
            "match": {entity.physical(c): p for c, p in read.equal + read.listed if c not in keyed},
        }
    if client_sort:
        then["sort"] = [{"field": entity.physical(c), "type": str(entity.column(c).type), "desc": d}
                        for c, d in read.order]
        then["limit"] = read.limit
    return then
