"""The seed as BatchWriteItem requests (`seed/dynamodb.json`): a JSON array of request inputs,
one a line, each of at most 25 PutRequests (DynamoDB's limit), in the Parquet files' order.

`aws dynamodb batch-write-item --request-items "$(jq -c '.[N].RequestItems' dynamodb.json)"`
sends one; nosql/dynamodb/run.py's `load_seed` sends them all, retrying unprocessed items.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

from schemaforge.design.model import Design, Entity
from schemaforge.nosql.dynamodb.items import item
from schemaforge.nosql.dynamodb.model import DynamoModel, dynamodb_model
from schemaforge.nosql.values import score_sql, seed_connection, text_of, text_sql
from schemaforge.seed.sql import ident, read_parquet

BATCH_ITEMS = 25
FETCH_ROWS = 50_000
SEP_KEY = "#"  # between the values of a composite key


def entity_items(con, model: DynamoModel, entity: Entity, source: str) -> Iterator[dict]:
    """The entity's rows as items, in the Parquet file's order."""
    table, indexes = model.items[entity.name], model.indexes[entity.name]
    names = [c.name for c in entity.columns]
    ordered = sorted({k.order for k in [table, *indexes] if k.by == "score"})
    constants = {c: text_of(entity.column(c).type, v) for k in indexes for c, v in k.constants}
    selected = [text_sql(entity.column(c).type, ident(entity.physical(c))) for c in names]
    selected += [score_sql(entity.column(c).type, ident(entity.physical(c))) for c in ordered]
    result = con.execute(f"SELECT {', '.join(selected)} FROM {source}")
    while rows := result.fetchmany(FETCH_ROWS):
        for row in rows:
            texts = dict(zip(names, row))
            scores = dict(zip(ordered, row[len(names):]))
            key_text = SEP_KEY.join(texts[c] for c in entity.primary_key)
            yield item(entity, texts, scores, key_text, table, indexes, constants)


def design_items(design: Design, seed_dir: Path) -> Iterator[dict]:
    model = dynamodb_model(design)
    con = seed_connection()
    try:
        for entity in design.entities.values():
            yield from entity_items(con, model, entity, read_parquet(seed_dir.resolve(), entity))
    finally:
        con.close()


def write_dynamodb_seed(design: Design, seed_dir: Path, path: Path) -> int:
    """The seed's items as BatchWriteItem inputs at `path`; returns the items written."""
    table = dynamodb_model(design).table
    count = 0
    with open(path, "w") as out:
        out.write("[")
        batch: list[dict] = []
        for one in design_items(design, seed_dir):
            batch.append({"PutRequest": {"Item": one}})
            if len(batch) == BATCH_ITEMS:
                out.write(("\n" if count == 0 else ",\n") + json.dumps({"RequestItems": {table: batch}}, ensure_ascii=False))
                count, batch = count + len(batch), []
        if batch:
            out.write(("\n" if count == 0 else ",\n") + json.dumps({"RequestItems": {table: batch}}, ensure_ascii=False))
            count += len(batch)
        out.write("\n]\n")
    return count
