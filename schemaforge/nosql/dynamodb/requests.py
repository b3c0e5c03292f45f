"""Each access pattern as the DynamoDB request that answers it (queries/dynamodb.json).

A request is GetItem or Query input as the AWS API takes it, with `{parameter}` where a
parameter's text goes and `{parameter:sortable}` where its score goes in sortable hex (a bound
on a sort key of numbers or times). `then` says what the application does after (a check of an
item read by its key, a sort, a limit); with a list parameter, one request per value, merged by
sort key.
"""

from __future__ import annotations

from typing import Any

from schemaforge.design.model import Design
from schemaforge.nosql.dynamodb.model import NULL_TEXT_ORDER, ORDER_SEP, DynamoModel, Lookup
from schemaforge.nosql.requests import request_parameters, then_of


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
    parameters = request_parameters(read)
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
    then = then_of(read, lookup.client_checks, lookup.client_sort, keys.partition_columns)
    request["then"] = then
    return request


def requests(design: Design, model: DynamoModel) -> dict[str, Any]:
    return {"design": design.name, "table": model.table, "null_text_order": NULL_TEXT_ORDER,
            "order_separator": ORDER_SEP,
            "queries": {lookup.read.name: lookup_request(design, model, lookup) for lookup in model.lookups}}
