"""Each access pattern as the aggregation pipeline that answers it (queries/mongodb.json).

A parameter stands in the pipeline as `{"$parameter": name}` (`"as": "prefix"` for a prefix,
which becomes an anchored, escaped `$regex`); the application puts the value there, typed as the
field's `bsonType` (a time rounded up to BSON's milliseconds). A pattern over a collection of its own is `$match`, `$sort`, `$limit` and a
`$project` that names the fields as the columns; over an embedded child it first finds the
parent by `_id`, then `$unwind`s and `$replaceRoot`s the array. A nullable sort field gets a
helper field first, so that NULLs sort as the design says (last ascending, first descending:
MongoDB's own order puts them first ascending).
"""

from __future__ import annotations

from typing import Any

from schemaforge.design.model import Design, Entity
from schemaforge.nosql.mongodb.model import MongoModel, document_field
from schemaforge.nosql.reads import Read
from schemaforge.nosql.requests import request_parameters


def _constant(entity: Entity, column: str, value: Any) -> Any:
    kind = entity.column(column).type.kind
    if kind in ("decimal",):
        return {"$numberDecimal": str(value)}
    return value


def _conditions(read: Read, field_of) -> dict[str, Any]:
    entity, match = read.entity, {}

    def add(column: str, condition: Any) -> None:
        field = field_of(column)
        if isinstance(condition, dict) and isinstance(match.get(field), dict):
            match[field].update(condition)
        else:
            match[field] = condition

    for column, parameter in read.equal:
        add(column, {"$parameter": parameter})
    for column, parameter in read.listed:
        add(column, {"$in": {"$parameter": parameter}})
    for column, value in read.constants:
        add(column, _constant(entity, column, value))
    for column in read.present:
        add(column, {"$ne": None})
    if read.hidden:
        add(read.hidden, None)
    if read.range:
        add(read.range, {"$gte": {"$parameter": f"{read.range}_from"}, "$lt": {"$parameter": f"{read.range}_to"}})
    if read.prefix:
        add(read.prefix, {"$regex": {"$parameter": f"{read.prefix}_prefix", "as": "prefix"}})
    return match


def _tail(read: Read, field_of) -> list[dict[str, Any]]:
    """Sort (NULLs as the design orders them), limit, and the columns' names."""
    entity, stages = read.entity, []
    nullable = [c for c, _ in read.order if entity.column(c).nullable]
    if nullable:
        stages.append({"$addFields": {f"__null_{entity.physical(c)}": {
            "$cond": [{"$eq": [{"$ifNull": [f"${field_of(c)}", None]}, None]}, 1, 0]} for c in nullable}})
    if read.order:
        sort: dict[str, int] = {}
        for column, descending in read.order:
            if column in nullable:
                sort[f"__null_{entity.physical(column)}"] = -1 if descending else 1
            sort[field_of(column)] = -1 if descending else 1
        stages.append({"$sort": sort})
    if read.limit is not None:
        stages.append({"$limit": read.limit})
    stages.append({"$project": {"_id": 0, **{entity.physical(c): f"${field_of(c)}" for c in read.select}}})
    return stages


def read_request(design: Design, model: MongoModel, read: Read) -> dict[str, Any]:
    entity = read.entity
    embedding = model.embedded.get(entity.name)
    if embedding is None:
        def field_of(column: str) -> str:
            return document_field(entity, column)

        pipeline = [{"$match": _conditions(read, field_of)}] + _tail(read, field_of)
    else:
        parent = design.entities[embedding.parent]
        by_column = dict(read.equal)
        found = {document_field(parent, target): {"$parameter": by_column[own]}
                 for own, target in zip(embedding.reference.columns, embedding.reference.target_columns)}
        rest = Read(read.name, read.path, entity, (), (), read.constants, read.present, read.hidden, read.range,
                    read.prefix, read.order, read.select, read.limit, read.rate)
        stages = [{"$match": found}, {"$unwind": f"${embedding.field}"}, {"$replaceRoot": {"newRoot": f"${embedding.field}"}}]
        conditions = _conditions(rest, entity.physical)
        pipeline = stages + ([{"$match": conditions}] if conditions else []) + _tail(rest, entity.physical)
    return {
        "query": read.name, "entity": entity.name, "collection": model.collections[entity.name],
        "parameters": request_parameters(read), "pipeline": pipeline,
        "fields": [entity.physical(c) for c in read.select],
        "field_types": {c.physical: str(c.type) for c in entity.columns},
        "embedded_in": embedding.parent if embedding else None, "then": {},
    }


def requests(design: Design, model: MongoModel) -> dict[str, Any]:
    return {"design": design.name, "queries": {read.name: read_request(design, model, read) for read in model.reads}}
