"""Polyglot and microservice designs (`stores:`): each store renders by its own target, a reference
across stores is an application-level reference (no foreign key) that lint says how to keep
consistent, each service with a SQL store gets an outbox, each event it publishes a JSON Schema,
and the ERD draws a box per store."""

from __future__ import annotations

import json
import re
import uuid

import jsonschema
import pytest

from conftest import load_example, psql_file
from schemaforge.architecture.stores import architecture_artifacts, event_payload
from schemaforge.deliverables.generate import ddl_artifacts
from schemaforge.deliverables.seed import build_seed
from schemaforge.design.loader import load_design_text
from schemaforge.design.stores import nosql_part, sql_part, store_parts
from schemaforge.erd.picture import render_d2
from schemaforge.findings import DesignErrors
from schemaforge.lint.rules import lint_design
from schemaforge.nosql.values import seed_connection, text_sql
from schemaforge.seed.sql import ident, read_parquet


def test_each_target_renders_the_entities_of_its_stores_only():
    design = load_example("bazaar")
    parts = {p.targets: sorted(p.entities) for p in store_parts(design)}
    assert parts == {("postgres",): ["customer", "product", "purchase", "purchase_line"],
                     ("redis",): ["session"], ("mongodb",): ["product_page"]}
    assert sorted(nosql_part(design, "redis").queries) == ["sessions_of_customer"]
    ddl = ddl_artifacts(sql_part(design), "postgres")[0].content.decode()
    assert "CREATE TABLE session" not in ddl and "CREATE TABLE product_page" not in ddl


def test_a_reference_across_stores_is_a_plain_column_and_one_within_a_store_a_foreign_key():
    design = load_example("courier")
    part = sql_part(design)
    invoice, parcel = part.entities["invoice"], part.entities["parcel"]
    assert invoice.foreign_keys == [] and str(invoice.column("parcel_id").type) == "bigint"
    assert [fk.target for fk in parcel.foreign_keys] == ["sender"]  # the same store: a foreign key
    ddl = ddl_artifacts(part, "postgres")[0].content.decode()
    assert "REFERENCES sender" in ddl and "REFERENCES parcel" not in ddl


@pytest.mark.parametrize("name", ["bazaar", "courier"])
def test_the_sql_stores_and_their_seed_apply_on_postgres_and_cross_store_keys_point_at_real_rows(
        name, pg_database, tmp_path):
    design = load_example(name)
    build_seed(design, tmp_path)
    part = sql_part(design)
    pg_database.execute(ddl_artifacts(part, "postgres")[0].content.decode())
    psql_file(pg_database, tmp_path / "seed" / "postgres.sql")
    counts = {e.table: pg_database.execute(f"SELECT count(*) FROM {e.table}").fetchone()[0]
              for e in part.entities.values()}
    assert all(counts[e.table] == design.doc.seed.rows.get(e.name, 0) for e in part.entities.values()), counts
    # The seed is made for the whole design: a key kept across stores is a key of the other store.
    con = seed_connection()
    for entity in design.entities.values():
        for fk in entity.foreign_keys:
            child, parent = read_parquet(tmp_path / "seed", entity), read_parquet(tmp_path / "seed", design.entities[fk.target])
            column, key = ident(entity.physical(fk.columns[0])), ident(design.entities[fk.target].physical(fk.target_columns[0]))
            orphans = con.execute(f"SELECT count(*) FROM {child} c WHERE c.{column} IS NOT NULL AND NOT EXISTS "
                                  f"(SELECT 1 FROM {parent} p WHERE p.{key} = c.{column})").fetchone()[0]
            assert orphans == 0, (entity.name, fk.field)


def test_each_nosql_seed_file_holds_its_stores_entities_only(tmp_path):
    design = load_example("bazaar")
    build_seed(design, tmp_path)
    inserted = set(re.findall(r'"insert": "(\w+)"', (tmp_path / "seed" / "mongodb.jsonl").read_text()))
    assert inserted == {"product_page"}
    keys = set(re.findall(r"^bazaar:(\w+):", (tmp_path / "seed" / "redis.redis").read_text(), flags=re.M))
    assert keys == {"session"}


STORES = """\
design: shop
version: 1.0.0
description: A shop
database: polyglot
stores:
  core: {database: postgres, entities: [customer, purchase]}
  cache: {database: redis, entities: [visit]}
entities:
  customer:
    description: a buyer
    fields:
      id: {type: bigint, pk: true}
  purchase:
    description: an order
    fields:
      id: {type: bigint, pk: true}
      customer: {ref: customer}
  visit:
    description: a visit
    fields:
      id: {type: bigint, pk: true}
      customer: {ref: customer, nullable: true}
"""


def _lint(text: str):
    return [(f.code, f.location.line) for f in lint_design(load_design_text(text, "designs/shop.yaml", "shop"))]


def test_lint_says_how_each_reference_across_stores_is_kept_and_not_of_one_within_a_store():
    line = STORES.splitlines().index("      customer: {ref: customer, nullable: true}") + 1
    assert ("ST101", line) in _lint(STORES)
    within = STORES.replace("core: {database: postgres, entities: [customer, purchase]}",
                            "core: {database: postgres, entities: [customer, purchase, visit]}").replace(
        "  cache: {database: redis, entities: [visit]}\n", "")
    assert [c for c, _ in _lint(within) if c == "ST101"] == []


@pytest.mark.parametrize("code, bad, good", [
    ("SP204", STORES.replace("entities: [customer, purchase]}", "entities: [customer]}"), STORES),
    ("ST102", STORES.replace("cache: {database: redis", "cache: {database: mysql"), STORES),
])
def test_a_store_mistake_is_a_located_error_and_its_twin_loads(code, bad, good):
    with pytest.raises(DesignErrors) as raised:
        load_design_text(bad, "designs/shop.yaml", "shop")
    assert code in {f.code for f in raised.value.findings}
    assert all(f.location.line > 1 for f in raised.value.findings if f.code == code)
    load_design_text(good, "designs/shop.yaml", "shop")


def test_each_service_with_a_sql_store_gets_an_outbox_in_that_store():
    design = load_example("courier")
    stores = {name: store.entities for name, store in design.doc.stores.items()}
    assert "orders_outbox" in stores["bookings"] and "billing_outbox" in stores["ledger"]
    assert all("outbox" not in e for e in stores["scans"])  # tracking has no SQL store: its change feed publishes
    outbox = design.entities["orders_outbox"]
    assert [c.name for c in outbox.columns] == ["id", "aggregate", "aggregate_id", "event_type", "payload",
                                                "occurred_at", "published_at"]


def _events(design, seed_dir, service: str, entity_name: str) -> list[dict]:
    entity = design.entities[entity_name]
    con = seed_connection()
    texts = ", ".join(text_sql(c.type, ident(c.physical)) for c in entity.columns)
    rows = con.execute(f"SELECT {texts} FROM {read_parquet(seed_dir, entity)} LIMIT 200").fetchall()
    names = [c.physical for c in entity.columns]
    return [{"event_id": str(uuid.uuid4()), "event_type": "created", "aggregate": entity_name,
             "aggregate_id": str(row[names.index(entity.physical(entity.primary_key[0]))]),
             "occurred_at": "2026-12-07T10:00:00.000000Z", "data": event_payload(entity, dict(zip(names, row)))}
            for row in rows]


def test_every_seed_row_as_an_event_passes_its_schema_and_a_corrupted_one_fails(tmp_path):
    design = load_example("courier")
    build_seed(design, tmp_path)
    schemas = {a.path: json.loads(a.content) for a in architecture_artifacts(design) if a.path.endswith(".json")}
    assert sorted(schemas) == ["architecture/events/billing/invoice.json", "architecture/events/orders/parcel.json",
                               "architecture/events/orders/sender.json"]
    checker = jsonschema.FormatChecker()
    for path, schema in schemas.items():
        service, entity = path.split("/")[-2], path.split("/")[-1][:-5]
        validator = jsonschema.Draft202012Validator(schema, format_checker=checker)
        events = _events(design, tmp_path / "seed", service, entity)
        assert events and all(not list(validator.iter_errors(e)) for e in events), path
    invoice = jsonschema.Draft202012Validator(schemas["architecture/events/billing/invoice.json"], format_checker=checker)
    good = _events(design, tmp_path / "seed", "billing", "invoice")[0]
    for corrupt in (lambda e: e.update(event_type="changed"), lambda e: e["data"].update(amount="12.345"),
                    lambda e: e["data"].update(currency="EUR"), lambda e: e["data"].pop("issued_on"),
                    lambda e: e.update(aggregate="parcel")):
        bad = json.loads(json.dumps(good))
        corrupt(bad)
        assert list(invoice.iter_errors(bad)), bad


def test_the_erd_draws_a_box_per_store_and_references_across_stores_dashed():
    source = render_d2(load_example("bazaar"))
    assert re.search(r'^s0: "core \(postgres\)"', source, flags=re.M)
    assert re.search(r'^s1: "sessions \(redis\)"', source, flags=re.M)
    assert source.count('label: "across stores"') == 2 and source.count("stroke-dash: 5") == 2
    courier = render_d2(load_example("courier"))
    assert 's1: "ledger (postgres, service billing)"' in courier
