"""DynamoDB by its requests: create the table (ddl/dynamodb.json), load the seed
(seed/dynamodb.json), and answer an access pattern by following its request
(queries/dynamodb.json). `client` is a boto3 DynamoDB client."""

from __future__ import annotations

import base64
import heapq
import json
import time
from pathlib import Path
from typing import Any

from schemaforge.nosql.answers import Row, checked_fields, fill, finish, key_values, parameter_types
from schemaforge.nosql.values import SCORED_KINDS, score_of, sortable_score, text_of


def create_table(client, create_input: dict, timeout: float = 30) -> None:
    client.create_table(**create_input)
    deadline = time.monotonic() + timeout
    while client.describe_table(TableName=create_input["TableName"])["Table"]["TableStatus"] != "ACTIVE":
        if time.monotonic() > deadline:
            raise TimeoutError(f"table {create_input['TableName']} is not ACTIVE after {timeout} s")
        time.sleep(0.05)


def _binary(value: Any) -> Any:
    """JSON's base64 bytes as the bytes boto3 takes (it encodes them again itself)."""
    if isinstance(value, dict):
        return {k: base64.b64decode(v) if k == "B" else _binary(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_binary(v) for v in value]
    return value


def load_seed(client, path: Path, writers: int = 4) -> int:
    """Send every BatchWriteItem of the seed file, `writers` at a time (boto3's clients are
    thread-safe), again for what DynamoDB leaves unprocessed; returns the items written."""
    from concurrent.futures import ThreadPoolExecutor

    def send(batch: dict) -> int:
        pending = _binary(batch["RequestItems"])
        while pending:
            pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
        return sum(len(items) for items in batch["RequestItems"].values())

    with ThreadPoolExecutor(writers) as pool:
        return sum(pool.map(send, json.loads(path.read_text())))


def _filled(value: Any, texts: dict[str, str], sortable: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: _filled(v, texts, sortable) for k, v in value.items()}
    if isinstance(value, str):
        return fill(fill(value, {f"{k}:sortable": v for k, v in sortable.items()}), texts)
    return value


def _text(attribute: dict | None):
    """An attribute as the text form of its value (N as DynamoDB gives it back)."""
    if attribute is None:
        return None
    kind, value = next(iter(attribute.items()))
    if kind == "BOOL":
        return "true" if value else "false"
    return value


def answer(client, request: dict, parameters: dict[str, Any]) -> list[Row]:
    """The pattern's rows: {field: text, bytes or None}, in the pattern's order."""
    types = parameter_types(request)
    bounds = {p["name"]: text_of(types[p["name"]], parameters[p["name"]])
              for p in request["parameters"] if p["kind"] in ("prefix",) or "note" in p}
    sortable = {p["name"]: sortable_score(score_of(types[p["name"]], parameters[p["name"]]))
                for p in request["parameters"] if "note" in p and types[p["name"]].kind in SCORED_KINDS}
    body = request["request"]
    items: list[dict] = []
    if request["operation"] == "GetItem":
        for values in key_values(request, parameters, types):
            found = client.get_item(**_filled(body, values | bounds, sortable)).get("Item")
            items += [found] if found else []
    else:
        pages = [_query(client, _filled(body, values | bounds, sortable))
                 for values in key_values(request, parameters, types)]
        sort_attribute = body["ExpressionAttributeNames"].get("#sk")
        if len(pages) > 1 and sort_attribute and "Limit" in body:  # merged by sort key, as one partition
            descending = body.get("ScanIndexForward") is False
            merged = heapq.merge(*pages, key=lambda i: i[sort_attribute]["S"], reverse=descending)
            items = list(merged)[: body["Limit"]]
        else:
            items = [i for page in pages for i in page]
    fields = set(request["fields"]) | set(checked_fields(request))
    rows = [{f: _text(i.get(f)) for f in fields} for i in items]
    return finish(rows, request, parameters, types)


def _query(client, body: dict) -> list[dict]:
    """Every item the query gives, page after page, up to its Limit."""
    items, limit = [], body.get("Limit")
    while True:
        page = client.query(**body)
        items += page["Items"]
        start = page.get("LastEvaluatedKey")
        if start is None or (limit is not None and len(items) >= limit):
            return items[:limit] if limit is not None else items
        body = body | {"ExclusiveStartKey": start}
