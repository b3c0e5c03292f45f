"""The architecture of a design with stores: `architecture/stores.md` (each store with its
database, service and entities; each reference across stores with how it is kept consistent;
each service's outbox) and, for microservices, a JSON Schema per event a service publishes
(`architecture/events/<service>/<entity>.json`).

An event is the envelope a service's outbox relay publishes for a change of one of its rows:
`event_id` (the outbox row's), `event_type` (created, updated or deleted), `aggregate` (the
entity), `aggregate_id` (the row's key as text, composite keys joined by `#`), `occurred_at` and
`data`, the row's columns as JSON (a decimal as its text, which keeps its scale; a time as ISO
8601; JSON as itself). `event_payload` makes `data` from a row's text forms (nosql/values.py).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from schemaforge.deliverables.files import Artifact
from schemaforge.design.model import Column, Design, Entity
from schemaforge.design.stores import cross_references, has_stores, outbox_name, services, store_of
from schemaforge.design.syntax import SQL_TARGETS
from schemaforge.design.types import LogicalType

STORES_MD = "architecture/stores.md"
JSON_SCHEMA = "https://json-schema.org/draft/2020-12/schema"


def _published(design: Design) -> list[tuple[str, Entity]]:
    """(service, entity) of every entity a service with an outbox publishes events of (the
    outbox aside). A service without a SQL store has no outbox: its store's change feed
    (Cassandra CDC, DynamoDB Streams, MongoDB change streams) is where it publishes from."""
    if design.database != "microservices":
        return []
    where, owners = store_of(design), services(design)
    with_outbox = {store.service for store in design.doc.stores.values() if store.service and store.database in SQL_TARGETS}
    outboxes = {outbox_name(service) for service in with_outbox}
    return [(owners[where[name]], entity) for name, entity in design.entities.items()
            if name in where and owners[where[name]] in with_outbox and name not in outboxes]


def event_path(service: str, entity: Entity) -> str:
    return f"architecture/events/{service}/{entity.name}.json"


def architecture_paths(design: Design) -> list[str]:
    if not has_stores(design):
        return []
    return [STORES_MD] + [event_path(service, entity) for service, entity in _published(design)]


def _value_schema(typ: LogicalType) -> dict[str, Any]:
    kind = typ.kind
    if kind == "boolean":
        return {"type": "boolean"}
    if kind in ("smallint", "integer", "bigint"):
        bits = {"smallint": 15, "integer": 31, "bigint": 63}[kind]
        return {"type": "integer", "minimum": -(2 ** bits), "maximum": 2 ** bits - 1}
    if kind == "decimal":
        whole = typ.precision - typ.scale
        fraction = rf"(\.[0-9]{{1,{typ.scale}}})?" if typ.scale else ""
        return {"type": "string", "pattern": rf"^-?[0-9]{{1,{whole}}}{fraction}$"}
    if kind in ("real", "double"):
        return {"type": "number"}
    if kind == "string":
        return {"type": "string", "maxLength": typ.length}
    if kind == "enum":
        return {"enum": list(typ.values)}
    if kind == "uuid":
        return {"type": "string", "format": "uuid"}
    if kind == "date":
        return {"type": "string", "format": "date"}
    if kind == "timestamptz":
        return {"type": "string", "format": "date-time"}
    if kind == "timestamp":  # no zone: RFC 3339's date-time without its offset
        return {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$"}
    if kind == "array":
        return {"type": "array", "items": _value_schema(typ.item)}
    if kind == "bytes":
        return {"type": "string", "contentEncoding": "base64"}
    if kind == "json":
        return {}
    return {"type": "string"}


def _column_schema(column: Column) -> dict[str, Any]:
    schema = _value_schema(column.type)
    if column.description:
        schema = {"description": column.description, **schema}
    if not column.nullable:
        return schema
    if "enum" in schema:
        return {**schema, "enum": [*schema["enum"], None]}
    if "type" in schema:
        return {**schema, "type": [schema["type"], "null"]}
    return schema  # JSON: null is JSON already


def event_schema(design: Design, service: str, entity: Entity) -> dict[str, Any]:
    columns = {c.physical: _column_schema(c) for c in entity.columns}
    return {
        "$schema": JSON_SCHEMA,
        "$id": f"urn:schemaforge:{design.name}:{service}:{entity.name}",
        "title": f"{entity.name} changed",
        "description": f"A change of one {entity.name} row, published by {service} through {outbox_name(service)}",
        "type": "object",
        "required": ["event_id", "event_type", "aggregate", "aggregate_id", "occurred_at", "data"],
        "additionalProperties": False,
        "properties": {
            "event_id": {"type": "string", "format": "uuid"},
            "event_type": {"enum": ["created", "updated", "deleted"]},
            "aggregate": {"const": entity.name},
            "aggregate_id": {"type": "string", "minLength": 1},
            "occurred_at": {"type": "string", "format": "date-time"},
            "data": {"type": "object", "required": list(columns), "additionalProperties": False,
                     "properties": columns},
        },
    }


def event_payload(entity: Entity, texts: dict[str, Any]) -> dict[str, Any]:
    """An event's `data` from a row's text forms, by physical column name."""
    data = {}
    for column in entity.columns:
        text = texts[column.physical]
        kind = column.type.kind
        if text is None or kind in ("decimal", "string", "text", "enum", "uuid", "date", "time", "timestamp",
                                    "timestamptz", "interval"):
            data[column.physical] = text
        elif kind in ("json", "array", "boolean", "smallint", "integer", "bigint", "real", "double"):
            data[column.physical] = json.loads(text)
        else:  # bytes
            data[column.physical] = base64.b64encode(text).decode()
    return data


def _stores_markdown(design: Design) -> str:
    owners = services(design)
    lines = [f"# The stores of {design.name}", "", f"`database: {design.database}`: each store renders by its own "
             "target; a reference across stores is an application-level reference (no foreign key).", "",
             "| store | database | service | entities |", "| --- | --- | --- | --- |"]
    for name, store in design.doc.stores.items():
        lines.append(f"| {name} | {store.database} | {store.service or ''} | {', '.join(store.entities)} |")
    references = cross_references(design)
    lines += ["", "## References across stores", ""]
    if not references:
        lines.append("None: every reference stays within its store.")
    for reference in references:
        lines.append(f"- `{reference.entity}.{reference.field}` -> `{reference.target}` (store {reference.from_store} "
                     f"-> {reference.to_store}): kept consistent "
                     f"{reference.consistency(design.database == 'microservices', owners)}.")
    published = _published(design)
    if published:
        lines += ["", "## Outboxes and events", "",
                  "Each service writes an event to its outbox table in the transaction that changes a row; a relay "
                  "publishes the outbox's unpublished rows in order and sets `published_at`. Consumers deduplicate "
                  "by `event_id`. Each event's JSON Schema is under `architecture/events/`.", ""]
        for service in dict.fromkeys(s for s, _ in published):
            entities = ", ".join(e.name for s, e in published if s == service)
            lines.append(f"- {service}: `{outbox_name(service)}` publishes {entities}")
    return "\n".join(lines) + "\n"


def architecture_artifacts(design: Design) -> list[Artifact]:
    artifacts = [Artifact(STORES_MD, _stores_markdown(design).encode())]
    for service, entity in _published(design):
        body = json.dumps(event_schema(design, service, entity), indent=2, ensure_ascii=False) + "\n"
        artifacts.append(Artifact(event_path(service, entity), body.encode()))
    return artifacts
