"""The document and wide-column targets on a design nobody wrote for them: tests/designs/reserved.yaml
(tables and columns named user, group, order, select, table, check, index, key; a bytes column;
multi-tenant, audited, temporal and event-sourced entities), with queries that sort by a reserved
name, filter a bytes column, and take a prefix within a tenant. Every query's answer from the
Cassandra tables and the Firestore documents equals DuckDB's over the same seed."""

from __future__ import annotations

import json

import pytest

from conftest import ROOT
from nosql_answers import Reference, check_pattern
from schemaforge.deliverables.generate import nosql_queries_artifacts, nosql_schema_artifacts
from schemaforge.deliverables.seed import build_seed
from schemaforge.design.loader import load_design_text

QUERIES = """
queries:
  orders_of_group:
    entity: order
    filter: {group: eq}
    order_by: [check desc]
    limit: 10
  folders_under:
    entity: index
    filter: {parent: eq}
  orders_with_blob:
    entity: order
    filter: {blob: not_null}
    order_by: [table]
  orders_by_table_prefix:
    entity: order
    filter: {table: prefix}
    order_by: [table]
"""


def _design(target: str):
    text = (ROOT / "tests" / "designs" / "reserved.yaml").read_text()
    text = text.replace("database: postgres\ntargets: [postgres, mysql, sqlite, sqlserver, oracle, duckdb, clickhouse]",
                        f"database: {target}")
    return load_design_text(text + QUERIES, "tests/designs/reserved.yaml", "reserved")


def _cassandra(design, seed_dir):
    from schemaforge.nosql.cassandra.model import cassandra_model
    from schemaforge.nosql.cassandra.run import answer, load_seed, parse_schema

    tables = parse_schema(nosql_schema_artifacts(design, "cassandra", None)[0].content.decode())
    load_seed(tables, seed_dir / "cassandra.cql")
    return [lookup.read for lookup in cassandra_model(design).lookups], lambda request, p: answer(tables, request, p)


def _firestore(design, seed_dir):
    from schemaforge.nosql.firestore.model import firestore_model
    from schemaforge.nosql.firestore.run import Store, answer

    files = {a.path: a.content for a in nosql_schema_artifacts(design, "firestore", None)}
    indexes, store = json.loads(files["ddl/firestore.indexes.json"]), Store()
    store.load(seed_dir / "firestore.json")
    return [lookup.read for lookup in firestore_model(design).lookups], lambda request, p: answer(store, indexes, request, p)


@pytest.mark.parametrize("target, load", [("cassandra", _cassandra), ("firestore", _firestore)])
def test_every_query_of_the_reserved_words_design_answers_as_duckdb_does(target, load, tmp_path):
    design = _design(target)
    build_seed(design, tmp_path, scale=0.5)
    requests = json.loads(nosql_queries_artifacts(design, target)[0].content)["queries"]
    reads, answer = load(design, tmp_path / "seed")
    assert sorted(r.name for r in reads) == sorted(["orders_of_group", "folders_under", "orders_with_blob",
                                                    "orders_by_table_prefix"])
    reference = Reference(design, tmp_path / "seed")
    for read in reads:
        check_pattern(reference, read, requests[read.name], answer)
