"""The DynamoDB schema of a design: `ddl/dynamodb.json`, the CreateTable input (`aws dynamodb
create-table --cli-input-json file://dynamodb.json`), and `ddl/dynamodb.md`, every entity's keys
and every pattern's request, with the reasons."""

from __future__ import annotations

import json
from typing import Any

from schemaforge.design.model import Design
from schemaforge.findings import DesignErrors
from schemaforge.nosql.dynamodb.model import DynamoModel, IndexKeys, Lookup, dynamodb_model
from schemaforge.nosql.dynamodb.requests import requests


def create_table_input(model: DynamoModel) -> dict[str, Any]:
    """The table with its GSIs (on demand, every attribute projected into each index)."""
    attributes = ["PK", "SK"] + [a for i in range(1, model.gsi_count + 1) for a in (f"GSI{i}PK", f"GSI{i}SK")]
    body: dict[str, Any] = {
        "TableName": model.table,
        "AttributeDefinitions": [{"AttributeName": a, "AttributeType": "S"} for a in attributes],
        "KeySchema": [{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
        "BillingMode": "PAY_PER_REQUEST",
    }
    if model.gsi_count:
        body["GlobalSecondaryIndexes"] = [
            {"IndexName": f"GSI{i}", "KeySchema": [{"AttributeName": f"GSI{i}PK", "KeyType": "HASH"},
                                                   {"AttributeName": f"GSI{i}SK", "KeyType": "RANGE"}],
             "Projection": {"ProjectionType": "ALL"}}
            for i in range(1, model.gsi_count + 1)]
    return body


def _shape(keys: IndexKeys, design: Design) -> tuple[str, str]:
    entity = design.entities[keys.entity]
    partition = keys.partition_prefix + "".join(f"#<{entity.physical(c)}>" for c in keys.partition_columns)
    sort = keys.sort_prefix + (f"<{keys.order} {'score, hex' if keys.by == 'score' else 'text'}>\\0" if keys.order else "")
    sort += "<key>" if keys.with_key else ""
    return partition, sort


def _reason(lookup: Lookup) -> str:
    keys = lookup.keys
    if lookup.operation == "GetItem":
        return "it gives the item's whole key: GetItem"
    if keys.index is None:
        return f"the entity's items live in their {keys.partition_prefix}'s partition, sorted as it reads them: one Query"
    what = f"sorted by `{keys.order}`" if keys.order else "in key order"
    sparse = "; sparse: only the rows it can return carry its keys" if keys.sparse else ""
    return f"a Query of {keys.index}, partitioned by the fields it compares, {what}{sparse}"


def model_markdown(design: Design, model: DynamoModel) -> str:
    lines = [f"# {design.name}: the DynamoDB model", "",
             f"One table, `{model.table}`, holds every entity (single-table design), on demand, with "
             f"{model.gsi_count} global secondary indexes overloaded across entities (GSI1 serves the first "
             "pattern of each entity that needs one, and so on). Keys are strings; a number, date or time in a "
             "sort key is its score in 16 hex digits that keep its order, text is itself, and `\\0` separates it "
             "from the row's key. Every item carries `_entity`.", "",
             "## Keys", "", "| entity | index | partition key | sort key | queries |", "| --- | --- | --- | --- | --- |"]
    for name in design.entities:
        for keys in [model.items[name], *model.indexes[name]]:
            partition, sort = _shape(keys, design)
            queries = ", ".join(keys.queries) or "-"
            lines.append(f"| {name} | {keys.index or 'table'} | `{partition}` | `{sort}` | {queries} |")
    lines += ["", "## Access patterns", ""]
    request_of = requests(design, model)["queries"]
    for lookup in model.lookups:
        body = json.dumps(request_of[lookup.read.name]["request"], indent=2, ensure_ascii=True)
        lines += [f"### {lookup.read.name}", "", f"{_reason(lookup)}.", ""]
        if lookup.client_sort:
            lines += ["The application sorts the items it reads, then keeps the limit.", ""]
        lines += [f"```json\n{body}\n```", ""]
    if model.findings:
        lines += ["## Not served by a key", "", *[f"- {finding}" for finding in model.findings]]
    return "\n".join(lines).rstrip() + "\n"


def dynamodb_ddl(design: Design) -> tuple[str, str]:
    """(dynamodb.md, dynamodb.json); a design the model refuses (more than 20 GSIs) writes neither."""
    model = dynamodb_model(design)
    errors = [f for f in model.findings if f.severity == "error"]
    if errors:
        raise DesignErrors(errors)
    body = json.dumps(create_table_input(model), indent=2, sort_keys=True) + "\n"
    return model_markdown(design, model), body
