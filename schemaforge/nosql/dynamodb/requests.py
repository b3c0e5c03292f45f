"""Each access pattern as the DynamoDB request that answers it (queries/dynamodb.json).

A request is GetItem or Query input as the AWS API takes it, with `{parameter}` where a
parameter's text goes and `{parameter:sortable}` where its score goes in sortable hex (a bound
on a sort key of numbers or times). `then` says what the application does after (a check of an
item read by its key, a sort, a limit); with a list parameter, one request per value, merged by
sort key.
"""

from __future__ import annotations

from typing import Any

from schemaforge.design.model import Design, Entity
from schemaforge.nosql.dynamodb.model import NULL_TEXT_ORDER, ORDER_SEP, DynamoModel, Lookup
from schemaforge.nosql.values import text_of


def _parameter(entity: Entity, name: str, column: str, kind: str, note: str = "") -> dict[str, Any]:
    typed = entity.column(column)
    return {"name": name, "column": typed.physical, "type": str(typed.type), "kind": kind,
            **({"note": note} if note else {})}


def _partition(lookup: Lookup) -> str:
    keys, read = lookup.keys, lookup.read
    by_column = {c: p for c, p in read.equal + read.listed}
    return keys.partition_prefix + "".join(f"#{{{by_column[c]}}}" for c in keys.partition_columns)


def _bound(lookup: Lookup, parameter: str) -> str:
    keys = lookup.keys
    return keys.sort_prefix + (f"{{{parameter}:sortable}}" if keys.by == "score" else f"{{{parameter}}}")


def _key_condition(lookup: Lookup) -> tuple[str, dict[str, Any]]:
    keys, read = lookup.keys, lookup.read
    condition, values = "#pk = :pk", {":pk": {"S": _partition(lookup)}}
    if read.range and keys.order == read.range:  # [from, to): every sort key of `to` continues past it
        condition += " AND #sk BETWEEN :from AND :to"
        values |= {":from": {"S": _bound(lookup, f"{read.range}_from")},
                   ":to": {"S": _bound(lookup, f"{read.range}_to")}}
    elif read.prefix and keys.order == read.prefix:
        condition += " AND begins_with(#sk, :prefix)"
        values[":prefix"] = {"S": _bound(lookup, f"{read.prefix}_prefix")}
    elif keys.sort_prefix:  # the entity's items of its parent's collection
        condition += " AND begins_with(#sk, :entity)"
        values[":entity"] = {"S": keys.sort_prefix}
    return condition, values


def lookup_request(design: Design, model: DynamoModel, lookup: Lookup) -> dict[str, Any]:
    read, keys = lookup.read, lookup.keys
    entity = read.entity
    parameters = [_parameter(entity, p, c, "value") for c, p in read.equal]
    parameters += [_parameter(entity, p, c, "list") for c, p in read.listed]
    if read.range:
        parameters += [_parameter(entity, f"{read.range}_from", read.range, "value", "inclusive"),
                       _parameter(entity, f"{read.range}_to", read.range, "value", "exclusive")]
    if read.prefix:
        parameters.append(_parameter(entity, f"{read.prefix}_prefix", read.prefix, "prefix"))
    request: dict[str, Any] = {"query": read.name, "entity": entity.name, "operation": lookup.operation,
                               "parameters": parameters, "fields": [entity.physical(c) for c in read.select]}
    if lookup.operation == "GetItem":
        request["request"] = {"TableName": model.table, "Key": {
            "PK": {"S": _partition(lookup)}, "SK": {"S": keys.sort_prefix}}}
    else:
        condition, values = _key_condition(lookup)
        body: dict[str, Any] = {
            "TableName": model.table, "KeyConditionExpression": condition,
            "ExpressionAttributeNames": {"#pk": keys.partition_attribute} | (
                {"#sk": keys.sort_attribute} if "#sk" in condition else {}),
            "ExpressionAttributeValues": values,
        }
        if keys.index is not None:
            body["IndexName"] = keys.index
        if read.order and not lookup.client_sort and read.order[0][1]:
            body["ScanIndexForward"] = False
        if read.limit is not None and not lookup.client_sort:
            body["Limit"] = read.limit
        request["request"] = body
    then: dict[str, Any] = {}
    if lookup.client_checks:
        then["check"] = {
            "equal": {entity.physical(c): text_of(entity.column(c).type, v) for c, v in read.constants},
            "present": [entity.physical(c) for c in read.present],
            "absent": [entity.physical(read.hidden)] if read.hidden else [],
            "match": {entity.physical(c): p for c, p in read.equal + read.listed if c not in keys.partition_columns},
        }
    if lookup.client_sort:
        then["sort"] = [{"field": entity.physical(c), "type": str(entity.column(c).type), "desc": d}
                        for c, d in read.order]
        then["limit"] = read.limit
    request["then"] = then
    return request


def requests(design: Design, model: DynamoModel) -> dict[str, Any]:
    return {"design": design.name, "table": model.table, "null_text_order": NULL_TEXT_ORDER,
            "order_separator": ORDER_SEP,
            "queries": {lookup.read.name: lookup_request(design, model, lookup) for lookup in model.lookups}}
