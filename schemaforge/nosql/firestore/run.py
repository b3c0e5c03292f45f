"""Firestore by its files, with no server (the Firestore emulator is a download from Google that
this machine cannot reach): the seed's commit requests stored as documents by path, and each
pattern's structured query run over them as Firestore runs one, after checking that
firestore.indexes.json (or the automatic single-field indexes) serves it, as Firestore refuses a
query that no index serves (QueryRefused).

Firestore's semantics, as its documentation states them: a filter compares values of the same
type order only (null < booleans < numbers < timestamps < strings < bytes < arrays < maps;
integers and doubles are one order, by value; strings by their UTF-8 bytes); `==` null matches
null; a document missing an orderBy field is left out; ties are broken by the document's path,
in the direction of the last orderBy.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from schemaforge.nosql.answers import Row, finish, logical_type, parameter_types
from schemaforge.nosql.firestore.values import text_of_value, value_of
from schemaforge.nosql.values import after_prefix

_TYPE_ORDER = {"nullValue": 0, "booleanValue": 1, "integerValue": 2, "doubleValue": 2, "timestampValue": 3,
               "stringValue": 4, "bytesValue": 5, "referenceValue": 6, "geoPointValue": 7, "arrayValue": 8,
               "mapValue": 9}
_EQUALITY = ("EQUAL", "IN")


class QueryRefused(Exception):
    """A query Firestore refuses (no index serves it, or a malformed query)."""


def value_key(value: dict):
    """A Firestore Value as Firestore orders it."""
    (kind, inner), = value.items()
    rank = _TYPE_ORDER[kind]
    if kind == "nullValue":
        return (rank,)
    if kind in ("integerValue", "doubleValue"):
        return rank, float(inner) if kind == "doubleValue" else int(inner)
    if kind == "timestampValue":
        return rank, datetime.fromisoformat(inner.replace("Z", "+00:00"))
    if kind == "stringValue":
        return rank, inner.encode()
    if kind == "bytesValue":
        return rank, base64.b64decode(inner)
    if kind == "arrayValue":
        return rank, tuple(value_key(v) for v in inner.get("values", []))
    return rank, inner


class Store:
    """Documents by their path under the documents root."""

    def __init__(self):
        self.documents: dict[str, dict[str, dict]] = {}

    def load(self, path: Path, project: str = "demo") -> int:
        prefix = f"projects/{project}/databases/(default)/documents/"
        count = 0
        for commit in json.loads(path.read_text()):
            if len(commit["writes"]) > 500:
                raise QueryRefused("a commit of more than 500 writes")
            for write in commit["writes"]:
                name = write["update"]["name"].replace("{project}", project)
                self.documents[name.removeprefix(prefix)] = write["update"]["fields"]
                count += 1
        return count

    def collection(self, parent: str, collection_id: str, all_descendants: bool) -> list[tuple[str, dict]]:
        found = []
        for path, fields in self.documents.items():
            parts = path.split("/")
            if parts[-2] != collection_id:
                continue
            under = "/".join(parts[:-2])
            if (all_descendants and (not parent or under.startswith(parent + "/") or under == parent)) or under == parent:
                found.append((path, fields))
        return found


def _filters(where: dict | None) -> list[dict]:
    if where is None:
        return []
    if "compositeFilter" in where:
        return [f["fieldFilter"] for f in where["compositeFilter"]["filters"]]
    return [where["fieldFilter"]]


def _matches(fields: dict, condition: dict) -> bool:
    value = fields.get(condition["field"]["fieldPath"])
    if value is None:
        return False
    op, wanted = condition["op"], condition["value"]
    if op == "IN":
        return any(value_key(value) == value_key(v) for v in wanted["arrayValue"].get("values", []))
    key, bound = value_key(value), value_key(wanted)
    if op == "EQUAL":
        return key == bound
    if key[0] != bound[0]:  # a range compares values of the same type order only
        return False
    return {"LESS_THAN": key < bound, "LESS_THAN_OR_EQUAL": key <= bound, "GREATER_THAN": key > bound,
            "GREATER_THAN_OR_EQUAL": key >= bound}[op]


def required_index(query: dict) -> tuple[frozenset[str], tuple[tuple[str, str], ...]] | None:
    """The composite index a query needs: (its equality fields, in any order; then its orderBy
    fields with their directions), None when single-field indexes serve it."""
    filters = _filters(query.get("where"))
    equal = frozenset(f["field"]["fieldPath"] for f in filters if f["op"] in _EQUALITY)
    ranged = {f["field"]["fieldPath"] for f in filters if f["op"] not in _EQUALITY}
    orders = tuple((o["field"]["fieldPath"], o["direction"]) for o in query.get("orderBy", []))
    if len(ranged) > 1:
        raise QueryRefused(f"range filters on several fields: {sorted(ranged)}")
    if ranged and (not orders or orders[0][0] not in ranged):
        raise QueryRefused("the first orderBy must be the range filter's field")
    return (equal, orders) if (equal and orders) or len(orders) > 1 else None


def check_indexed(query: dict, indexes: dict) -> None:
    """Firestore runs a query only when an index serves it (QueryRefused otherwise)."""
    scope = "COLLECTION_GROUP" if query["from"][0]["allDescendants"] else "COLLECTION"
    collection = query["from"][0]["collectionId"]
    needed = required_index(query)
    if needed is None:
        if scope == "COLLECTION_GROUP":
            fields = [f["field"]["fieldPath"] for f in _filters(query.get("where"))] + \
                [o["field"]["fieldPath"] for o in query.get("orderBy", [])]
            for field in set(fields):
                override = next((o for o in indexes.get("fieldOverrides", []) if o["collectionGroup"] == collection
                                 and o["fieldPath"] == field), None)
                if override is None or not any(i.get("queryScope") == scope for i in override["indexes"]):
                    raise QueryRefused(f"no collection group index on {collection}.{field}")
        return
    equal, orders = needed
    for index in indexes.get("indexes", []):
        if index["collectionGroup"] != collection or index["queryScope"] != scope:
            continue
        fields = [(f["fieldPath"], f["order"]) for f in index["fields"]]
        if {f for f, _ in fields[: len(equal)]} == equal and tuple(fields[len(equal):]) == orders:
            return
    raise QueryRefused(f"no composite index on {collection} ({scope}) serves equality on {sorted(equal)} "
                       f"ordered by {list(orders)}")


def run_query(store: Store, parent: str, query: dict, indexes: dict) -> list[dict]:
    check_indexed(query, indexes)
    source = query["from"][0]
    documents = store.collection(parent, source["collectionId"], source["allDescendants"])
    filters = _filters(query.get("where"))
    documents = [(p, d) for p, d in documents if all(_matches(d, f) for f in filters)]
    orders = query.get("orderBy", [])
    documents = [(p, d) for p, d in documents if all(o["field"]["fieldPath"] in d for o in orders)]
    last_descending = bool(orders) and orders[-1]["direction"] == "DESCENDING"
    documents.sort(key=lambda pd: pd[0].encode(), reverse=last_descending)
    for order in reversed(orders):
        documents.sort(key=lambda pd: value_key(pd[1][order["field"]["fieldPath"]]),
                       reverse=order["direction"] == "DESCENDING")
    documents = documents[: query["limit"]] if "limit" in query else documents
    return [d for _, d in documents]


def _filled(node: Any, values: dict[str, dict]) -> Any:
    if isinstance(node, dict):
        if "$parameter" in node:
            return values[node["$parameter"]]
        return {k: _filled(v, values) for k, v in node.items()}
    if isinstance(node, list):
        return [_filled(v, values) for v in node]
    return node


def bound_query(request: dict, parameters: dict[str, Any]) -> tuple[str, dict]:
    """(parent, structuredQuery) with the parameters' values put in."""
    types = parameter_types(request)
    values, texts = {}, {}
    for parameter in request["parameters"]:
        name = parameter["name"]
        value = parameters[name]
        if isinstance(value, (list, tuple)):
            values[name] = {"arrayValue": {"values": [value_of(types[name], v) for v in value]}}
        else:
            values[name] = value_of(types[name], value)
            texts[name] = text_of_value(types[name], values[name])
    for name, rule in request.get("derived", {}).items():
        prefix = texts[rule["after_every_text_starting_with"]]
        values[name] = {"stringValue": after_prefix(prefix)}
    parent = request["parent"]
    for name, text in texts.items():
        parent = parent.replace(f"{{{name}}}", quote(str(text), safe=""))
    return parent, _filled(request["structuredQuery"], values)


def answer(store: Store, indexes: dict, request: dict, parameters: dict[str, Any]) -> list[Row]:
    """The pattern's rows: {field: text or None}, in the pattern's order."""
    parent, query = bound_query(request, parameters)
    types = {f: logical_type(t) for f, t in request["types"].items()}
    rows = [{f: text_of_value(types[f], d[f]) if f in d else None for f in types} for d in run_query(store, parent, query, indexes)]
    return finish(rows, request, parameters, parameter_types(request))
