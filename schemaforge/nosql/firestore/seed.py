"""The seed as Firestore commit requests (`seed/firestore.json`): a JSON array of the REST API's
`commit` bodies, one a line, each of at most 500 writes (Firestore's limit), in the Parquet
files' order. A write's document name starts `projects/{project}/databases/(default)/documents/`:
the loader puts the project in. A parent's documents come before their subcollections'.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator
from urllib.parse import quote

from schemaforge.design.model import Design, Entity
from schemaforge.nosql.firestore.model import Collection, FirestoreModel, firestore_model
from schemaforge.nosql.firestore.values import value_of_text
from schemaforge.nosql.values import null_flag, seed_connection, text_sql
from schemaforge.seed.sql import ident, read_parquet

COMMIT_WRITES = 500
FETCH_ROWS = 50_000
DOCUMENTS = "projects/{project}/databases/(default)/documents/"


def document_id(texts: list[str]) -> str:
    """A document ID from a key's texts: each URL-quoted (no `/` in an ID), joined by `#`."""
    return "#".join(quote(text, safe="") for text in texts)


def document_path(design: Design, collection: Collection, texts: dict[str, str]) -> str:
    entity = design.entities[collection.entity]
    own = f"{collection.name}/{document_id([texts[c] for c in entity.primary_key])}"
    if collection.owner is None:
        return own
    parent = design.entities[collection.parent]
    by_target = dict(zip(collection.owner.target_columns, collection.owner.columns))
    return f"{parent.table}/{document_id([texts[by_target[c]] for c in parent.primary_key])}/{own}"


def _documents(design: Design, model: FirestoreModel, con, entity: Entity, source: str) -> Iterator[dict]:
    names = [c.name for c in entity.columns]
    flags = model.flags.get(entity.name, ())
    result = con.execute(f"SELECT {', '.join(text_sql(c.type, ident(c.physical)) for c in entity.columns)} FROM {source}")
    collection = model.collections[entity.name]
    while rows := result.fetchmany(FETCH_ROWS):
        for row in rows:
            texts = dict(zip(names, row))
            fields = {entity.physical(n): value_of_text(entity.column(n).type, texts[n]) for n in names}
            fields |= {null_flag(entity, c): {"booleanValue": texts[c] is None} for c in flags}
            yield {"update": {"name": DOCUMENTS + document_path(design, collection, texts), "fields": fields}}


def design_writes(design: Design, seed_dir: Path) -> Iterator[dict]:
    model = firestore_model(design)
    ordered = sorted(design.entities.values(), key=lambda e: model.collections[e.name].owner is not None)
    con = seed_connection()
    try:
        for entity in ordered:
            yield from _documents(design, model, con, entity, read_parquet(seed_dir.resolve(), entity))
    finally:
        con.close()


def write_firestore_seed(design: Design, seed_dir: Path, path: Path) -> int:
    """The seed's documents as commit bodies at `path`; returns the documents written."""
    count, batch = 0, []
    with open(path, "w") as out:
        out.write("[")

        def flush(first: bool) -> None:
            out.write(("\n" if first else ",\n") + json.dumps({"writes": batch}, ensure_ascii=False))

        for write in design_writes(design, seed_dir):
            batch.append(write)
            if len(batch) == COMMIT_WRITES:
                flush(count == 0)
                count, batch = count + len(batch), []
        if batch:
            flush(count == 0)
            count += len(batch)
        out.write("\n]\n")
    return count
