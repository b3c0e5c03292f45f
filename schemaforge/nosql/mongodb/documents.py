"""The seed's rows as MongoDB documents, and the seed file (`seed/mongodb.jsonl`).

A row becomes a document as the model says (nosql/mongodb/model.py): its key in `_id`, its
columns by name with BSON's types (a decimal a Decimal128, a date a date at midnight UTC, a time
and an interval their text, json an object), a NULL left out, and its embedded children as an
array. The file holds one MongoDB `insert` command per line, of up to 1,000 documents, in
Extended JSON (relaxed): `mongosh` runs each line with `db.runCommand(EJSON.parse(line))`.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator

from schemaforge.design.model import Design, Entity
from schemaforge.design.types import LogicalType
from schemaforge.nosql.mongodb.model import MongoModel, mongodb_model
from schemaforge.nosql.values import text_of
from schemaforge.seed.sql import ident, read_parquet

INSERT_BATCH = 1000


def bson_value(typ: LogicalType, value: Any) -> Any:
    """A seed value (as DuckDB gives it) as the BSON value the document holds."""
    from bson import Decimal128

    if value is None:
        return None
    kind = typ.kind
    if kind == "decimal":
        return Decimal128(Decimal(value))
    if kind == "date":
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    if kind in ("time", "interval", "uuid"):
        return text_of(typ, value) if not isinstance(value, timedelta) else str(value)
    if kind == "json":
        return json.loads(value) if isinstance(value, str) else value
    if kind == "array" and typ.item is not None:
        return [bson_value(typ.item, v) for v in value]
    if kind == "timestamptz" and isinstance(value, datetime):
        return value.astimezone(timezone.utc)
    return value


def document(entity: Entity, row: dict[str, Any], embedded: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {}
    key = entity.primary_key
    if not embedded:
        body["_id"] = bson_value(entity.column(key[0]).type, row[key[0]]) if len(key) == 1 else \
            {entity.physical(c): bson_value(entity.column(c).type, row[c]) for c in key}
    for column in entity.columns:
        if (not embedded and column.name in key) or row[column.name] is None:
            continue
        body[column.physical] = bson_value(column.type, row[column.name])
    return body


def _rows(con, entity: Entity, seed_dir: Path) -> Iterator[dict[str, Any]]:
    names = [c.name for c in entity.columns]
    result = con.execute(f"SELECT {', '.join(ident(entity.physical(c)) for c in names)} "
                         f"FROM {read_parquet(seed_dir.resolve(), entity)}")
    while rows := result.fetchmany(50_000):
        for row in rows:
            yield dict(zip(names, row))


def collection_documents(design: Design, model: MongoModel, seed_dir: Path) -> Iterator[tuple[str, dict]]:
    """(collection, document) of every row that has a collection of its own, its embedded
    children inside it, in the Parquet files' order."""
    from schemaforge.nosql.values import seed_connection

    con = seed_connection()
    try:
        children: dict[str, dict[tuple, list[dict]]] = {}
        for child, embedding in model.embedded.items():
            entity = design.entities[child]
            grouped = children.setdefault(child, {})
            for row in _rows(con, entity, seed_dir):
                grouped.setdefault(tuple(row[c] for c in embedding.reference.columns), []).append(
                    document(entity, row, embedded=True))
        for entity in design.entities.values():
            if entity.name in model.embedded:
                continue
            own = model.children_of(entity.name)
            for row in _rows(con, entity, seed_dir):
                body = document(entity, row)
                for embedding in own:
                    parent_key = tuple(row[c] for c in embedding.reference.target_columns)
                    body[embedding.field] = children[embedding.child].get(parent_key, [])
                yield entity.table, body
    finally:
        con.close()


def write_mongodb_seed(design: Design, seed_dir: Path, path: Path) -> int:
    """The seed as `insert` commands in Extended JSON lines at `path`; returns the documents."""
    from bson.json_util import RELAXED_JSON_OPTIONS, dumps

    model = mongodb_model(design)
    count, batch, current = 0, [], None
    with open(path, "w") as out:
        def flush():
            if batch:
                out.write(dumps({"insert": current, "documents": batch}, json_options=RELAXED_JSON_OPTIONS) + "\n")

        for collection, body in collection_documents(design, model, seed_dir):
            if collection != current or len(batch) == INSERT_BATCH:
                flush()
                current, batch = collection, []
            batch.append(body)
            count += 1
        flush()
    return count


def text_of_bson(typ: LogicalType, value: Any) -> str | None:
    """A document's value in the text form of nosql/values.py (to compare with other stores)."""
    from bson import Decimal128

    if value is None:
        return None
    if isinstance(value, Decimal128):
        return str(value.to_decimal())
    if typ.kind == "date" and isinstance(value, datetime):
        return value.date().isoformat()
    if typ.kind in ("timestamp", "timestamptz") and isinstance(value, datetime):
        moment = value.replace(tzinfo=None) if value.tzinfo is None else value.astimezone(timezone.utc).replace(tzinfo=None)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + ("Z" if typ.kind == "timestamptz" else "")
    if isinstance(value, (date, time)) or isinstance(value, str):
        return value if isinstance(value, str) else text_of(typ, value)
    return text_of(typ, value)
