"""The Cassandra target, checked without a server (none can be installed here: not in Debian, and
cassandra-all is not served by the Maven mirror this machine reaches). So:
- every statement of ddl/cassandra.cql, seed/cassandra.cql and queries/cassandra.json parses with
  cqlsh's own CQL grammar (cqlshlib; the queries with their markers' values put in, as cqlsh
  reads no markers);
- the model is proven the way Cassandra would run it: the seed's INSERT JSON rows are stored as
  the tables declared in the CQL store them (a partition per key, rows in clustering order), and
  each pattern's SELECT is answered from them under Cassandra's rules for a query without ALLOW
  FILTERING (nosql/cassandra/run.py refuses one that breaks them); the answer equals DuckDB's
  answer to the design's own query over the same seed (tests/nosql_answers.py).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import EXAMPLES, require_module
from nosql_answers import Reference, check_pattern, design_for, example_loader
from schemaforge.deliverables.generate import nosql_queries_artifacts, nosql_schema_artifacts
from schemaforge.design.loader import load_design_text
from schemaforge.nosql.cassandra.model import cassandra_model
from schemaforge.nosql.cassandra.run import CqlRefused, answer, bound_values, execute, load_seed, parse_schema

SEED_ROWS = 12_000  # each design's seed scaled to about this many rows


class Built:
    def __init__(self, design, root: Path):
        self.design, self.root = design, root
        self.cql = nosql_schema_artifacts(design, "cassandra", None)[0].content.decode()
        self.requests = json.loads(nosql_queries_artifacts(design, "cassandra")[0].content)["queries"]
        self.reference = Reference(design, root / "seed")
        self.tables = parse_schema(self.cql)
        self.rows = load_seed(self.tables, root / "seed" / "cassandra.cql")


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    return example_loader(tmp_path_factory, "cassandra", SEED_ROWS, Built)


def _cases():
    for name in EXAMPLES:
        for lookup in cassandra_model(design_for(name, "cassandra")).lookups:
            yield name, lookup.read.name


@pytest.mark.parametrize("design_name, query", list(_cases()))
def test_each_access_pattern_answers_from_its_table_as_duckdb_does_over_the_same_seed(loaded, design_name, query):
    built = loaded(design_name)
    read = next(lookup.read for lookup in cassandra_model(built.design).lookups if lookup.read.name == query)
    check_pattern(built.reference, read, built.requests[query], lambda request, p: answer(built.tables, request, p))


def _cqlsh_parses(statement: str) -> bool:
    cql3handling = require_module("cqlshlib.cql3handling")
    rules = cql3handling.CqlRuleSet
    statements, _ = rules.cql_split_statements(statement)
    return len([s for s in statements if s]) == 1 and rules.cql_whole_parse_tokens(statements[0]) is not None


def _statements(text: str) -> list[str]:
    """The statements of a CQL file, its comment lines left out."""
    body = "\n".join(line for line in text.splitlines() if not line.startswith("--"))
    return [s.strip().rstrip(";") + ";" for s in body.split(";\n") if s.strip().rstrip(";")]


@pytest.mark.parametrize("design_name", EXAMPLES)
def test_every_statement_parses_with_cqlshs_grammar(loaded, design_name):
    built = loaded(design_name)
    schema = _statements(built.cql)
    assert len(schema) == 1 + len(built.tables)  # the keyspace and every table
    seed = (built.root / "seed" / "cassandra.cql").read_text().splitlines()
    assert len(seed) == built.rows > 0
    queries = []
    for name, request in built.requests.items():
        values = bound_values(request, built.reference.parameters(name))
        queries.append(re.sub(r":(\w+)", lambda m: _cql_literal(values[m.group(1)]), request["cql"]) + ";")
    refused = [s for s in schema + seed[:: max(1, len(seed) // 500)] + queries if not _cqlsh_parses(s)]
    assert not refused, refused[:3]


def _cql_literal(value) -> str:
    if isinstance(value, list):
        return "(" + ", ".join(_cql_literal(v) for v in value) + ")"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def test_cqlshs_grammar_refuses_a_broken_statement_and_takes_its_twin():
    assert _cqlsh_parses("SELECT id FROM ks.t WHERE a = 1 LIMIT 5;")
    assert not _cqlsh_parses("SELECT id FROM ks.t WHERE a = 1 LIMIT;")
    assert _cqlsh_parses("CREATE TABLE ks.t (a int, b int, c int, PRIMARY KEY ((a, b), c)) "
                         "WITH CLUSTERING ORDER BY (c DESC);")
    assert not _cqlsh_parses("CREATE TABLE ks.t (a int, b int, PRIMARY KEY ((a, b), c) "
                             "WITH CLUSTERING ORDER BY (c DESC);")


def test_every_seed_row_is_in_each_table_that_holds_it(loaded):
    """The own table holds every row of its entity; a sparse table only those that pass."""
    built = loaded("chirp")
    posts = built.reference.duck.execute("SELECT count(*), count(*) FILTER (WHERE visibility = 'public'), "
                                         "count(edited_at) FROM post").fetchone()
    stored = {name: sum(len(rows) for rows in table.partitions.values()) for name, table in built.tables.items()}
    assert (stored["post"], stored["public_posts_of_person"], stored["edited_posts"]) == posts


# Statements Cassandra refuses without ALLOW FILTERING, each with a twin it takes.
RULES = [
    ("a partition key column unrestricted", "SELECT id FROM chirp.posts_of_person WHERE posted_at >= :posted_at_from",
     "SELECT id FROM chirp.posts_of_person WHERE author_id = :author_id AND posted_at >= :posted_at_from"),
    ("a range on the partition key", "SELECT id FROM chirp.posts_of_person WHERE author_id >= :author_id",
     "SELECT id FROM chirp.posts_of_person WHERE author_id = :author_id"),
    ("a clustering column skipped", "SELECT id FROM chirp.posts_of_person WHERE author_id = :author_id AND id = 1",
     "SELECT id FROM chirp.posts_of_person WHERE author_id = :author_id AND posted_at >= :posted_at_from"),
    ("a regular column restricted", "SELECT id FROM chirp.posts_of_person WHERE author_id = :author_id AND body = 1",
     "SELECT id FROM chirp.posts_of_person WHERE author_id = :author_id"),
    ("ALLOW FILTERING", "SELECT id FROM chirp.posts_of_person WHERE author_id = :author_id ALLOW FILTERING",
     "SELECT id FROM chirp.posts_of_person WHERE author_id = :author_id"),
    ("an undefined column", "SELECT nickname FROM chirp.posts_of_person WHERE author_id = :author_id",
     "SELECT body FROM chirp.posts_of_person WHERE author_id = :author_id"),
]


@pytest.mark.parametrize("rule, bad, good", RULES, ids=[r[0] for r in RULES])
def test_a_select_that_breaks_a_rule_is_refused_and_its_twin_answered(loaded, rule, bad, good):
    built = loaded("chirp")
    request = built.requests["posts_of_person"]
    values = bound_values(request, built.reference.parameters("posts_of_person"))
    assert execute(built.tables, good, values)
    with pytest.raises(CqlRefused):
        execute(built.tables, bad, values)


def test_a_pattern_gets_a_table_keyed_and_clustered_for_it(loaded):
    built = loaded("chirp")
    table = built.tables["public_posts_of_person"]
    assert (table.partition, table.clustering) == (["author_id"], [("posted_at", True), ("id", False)])
    assert built.tables["edited_posts"].partition == ["bucket"]  # compares nothing: one partition
    assert "ALLOW FILTERING" not in json.dumps(built.requests)


BIG = """\
design: sensors
version: 1.0.0
description: Readings of a few sensors
database: cassandra
entities:
  sensor:
    fields:
      id: {type: bigint, pk: true}
      kind: {type: "enum(heat, flow)"}
  reading:
    fields:
      id: {type: bigint, pk: true}
      sensor: {ref: sensor}
      taken_at: {type: timestamptz}
      value: {type: double}
queries:
  readings_of_sensor:
    entity: reading
    filter: {sensor: eq, taken_at: range}
    order_by: [taken_at desc]
    limit: 100
seed:
  rows: {sensor: 10, reading: 10000000}
"""


def test_a_partition_over_the_usual_limits_is_a_finding_at_its_query_and_fewer_rows_are_not():
    design = load_design_text(BIG, "designs/sensors.yaml", "sensors")
    found = [(f.code, f.location.line) for f in cassandra_model(design).findings]
    assert found == [("CQ102", BIG.splitlines().index("  readings_of_sensor:") + 2)]  # the pattern's first line
    twin = load_design_text(BIG.replace("reading: 10000000", "reading: 100000"), "designs/sensors.yaml", "sensors")
    assert [f.code for f in cassandra_model(twin).findings] == []


def test_the_replication_factor_comes_from_the_read_replicas_and_is_not_said_to_be_still_to_come():
    from schemaforge.lint.rules import lint_design

    design = load_design_text(BIG + "scaling:\n  replicas: {read: 4}\n", "designs/sensors.yaml", "sensors")
    assert cassandra_model(design).replication == 5
    assert "'datacenter1': 5}" in nosql_schema_artifacts(design, "cassandra", None)[0].content.decode()
    assert [f for f in lint_design(design) if f.code == "GN101"] == []
    sql = load_design_text(BIG.replace("database: cassandra", "database: postgres") + "scaling:\n  replicas: {read: 2}\n",
                           "designs/sensors.yaml", "sensors")
    assert [f.code for f in lint_design(sql) if f.code == "GN101"] == ["GN101"]  # its twin: nothing reads it there
    assert cassandra_model(load_design_text(BIG, "designs/sensors.yaml", "sensors")).replication == 3  # the default
