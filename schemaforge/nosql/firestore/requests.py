"""Each access pattern as the Firestore query that answers it (queries/firestore.json): a
`structuredQuery` as the REST API's runQuery takes it, run under `parent`, the documents root
(`""`) or, for a subcollection read by its owner, the owner's document (`post/{post_id}`, the
owner's key text in the braces). A value a parameter gives is `{"$parameter": name}` in place of
a Firestore Value (of the list, for `in`); a prefix is the range from the prefix to
`<column>_prefix_end`, the smallest text after every text that starts with it (`derived`).
`types` is each field's logical type; `then` what the application does after reading.
"""

from __future__ import annotations

from typing import Any

from schemaforge.design.model import Design
from schemaforge.nosql.firestore.model import FirestoreModel, Lookup, firestore_model
from schemaforge.nosql.values import null_flag
from schemaforge.nosql.firestore.values import value_of
from schemaforge.nosql.requests import request_parameters, then_of


def _filter(field: str, op: str, value: Any) -> dict:
    return {"fieldFilter": {"field": {"fieldPath": field}, "op": op, "value": value}}


def _parameter(name: str) -> dict:
    return {"$parameter": name}


def structured_query(lookup: Lookup) -> tuple[dict, dict]:
    """The structuredQuery, and the markers the application derives."""
    read, collection = lookup.read, lookup.collection
    entity = read.entity
    owner = set(collection.owner.columns) if collection.owner and not lookup.group else set()
    filters, derived = [], {}
    for column, parameter in read.equal:
        if column not in owner:
            filters.append(_filter(entity.physical(column), "EQUAL", _parameter(parameter)))
    for column, parameter in read.listed:
        filters.append(_filter(entity.physical(column), "IN", _parameter(parameter)))
    for column, value in read.constants:
        filters.append(_filter(entity.physical(column), "EQUAL", value_of(entity.column(column).type, value)))
    for column in read.present:
        filters.append(_filter(null_flag(entity, column), "EQUAL", {"booleanValue": False}))
    if read.hidden:
        filters.append(_filter(entity.physical(read.hidden), "EQUAL", {"nullValue": None}))
    ranged = read.range or read.prefix
    if read.range:
        filters += [_filter(entity.physical(ranged), "GREATER_THAN_OR_EQUAL", _parameter(f"{ranged}_from")),
                    _filter(entity.physical(ranged), "LESS_THAN", _parameter(f"{ranged}_to"))]
    elif read.prefix:
        end = f"{ranged}_prefix_end"
        filters += [_filter(entity.physical(ranged), "GREATER_THAN_OR_EQUAL", _parameter(f"{ranged}_prefix")),
                    _filter(entity.physical(ranged), "LESS_THAN", _parameter(end))]
        derived[end] = {"after_every_text_starting_with": f"{ranged}_prefix"}
    query: dict[str, Any] = {"from": [{"collectionId": collection.name, "allDescendants": lookup.group}]}
    if len(filters) == 1:
        query["where"] = filters[0]
    elif filters:
        query["where"] = {"compositeFilter": {"op": "AND", "filters": filters}}
    if lookup.orders:
        query["orderBy"] = [{"field": {"fieldPath": o.field}, "direction": "DESCENDING" if o.descending else "ASCENDING"}
                            for o in lookup.orders]
    if read.limit is not None and not lookup.client_sort:
        query["limit"] = read.limit
    return query, derived


def _parent(design: Design, lookup: Lookup) -> str:
    collection = lookup.collection
    if collection.owner is None or lookup.group:
        return ""
    parent = design.entities[collection.parent]
    by_column = dict(lookup.read.equal)
    keys = "#".join(f"{{{by_column[c]}}}" for c in collection.owner.columns)
    return f"{parent.table}/{keys}"


def lookup_request(design: Design, model: FirestoreModel, lookup: Lookup) -> dict[str, Any]:
    read = lookup.read
    entity = read.entity
    query, derived = structured_query(lookup)
    request: dict[str, Any] = {
        "query": read.name, "entity": entity.name, "parent": _parent(design, lookup), "structuredQuery": query,
        "parameters": request_parameters(read), "fields": [entity.physical(c) for c in read.select],
        "types": {c.physical: str(c.type) for c in entity.columns},
    }
    if derived:
        request["derived"] = derived
    request["then"] = then_of(read, False, lookup.client_sort, ())
    return request


def requests(design: Design) -> dict[str, Any]:
    model = firestore_model(design)
    return {"design": design.name,
            "queries": {lookup.read.name: lookup_request(design, model, lookup) for lookup in model.lookups}}
