"""The graph pattern (issue 16): `patterns: [graph]` on an entity makes `<node>_edge`, its typed
and directed edges (no duplicates, no self loops unless asked, indexed both ways), and three
traversal queries. On every engine that runs here the queries return what a breadth-first search
in Python over the seed's edges returns; SQL Server's and Oracle's parse in their dialects."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections import deque

import duckdb
import pyarrow.parquet as pq
import pytest
import sqlglot
from sqlglot import exp

from conftest import ROOT, psql_file
from schemaforge.ddl.render import render_ddl
from schemaforge.design.loader import load_design, load_design_text
from schemaforge.findings import DesignErrors
from schemaforge.queries.render import render_queries

NETWORK = ROOT / "tests" / "designs" / "network.yaml"
HOPS = 3


@pytest.fixture(scope="module")
def network(tmp_path_factory):
    """(design, seed folder, adjacency: node -> [(target, kind)])."""
    from schemaforge.deliverables.seed import build_seed

    design = load_design(NETWORK, shown_as="tests/designs/network.yaml")
    folder = tmp_path_factory.mktemp("network")
    assert build_seed(design, folder).problems == []
    adjacency: dict[int, list[tuple[int, str]]] = {}
    for edge in pq.read_table(folder / "seed" / "person_edge.parquet").to_pylist():
        adjacency.setdefault(edge["source_id"], []).append((edge["target_id"], edge["kind"]))
    return design, folder / "seed", adjacency


def walks(adjacency, origin: int, limit: int) -> dict[int, int]:
    """The fewest edges of a walk of one edge or more from `origin` to each node, up to `limit`."""
    found: dict[int, int] = {}
    queue = deque((target, 1) for target, _ in adjacency.get(origin, []))
    while queue:
        node, hops = queue.popleft()
        if node in found or hops > limit:
            continue
        found[node] = hops
        queue.extend((target, hops + 1) for target, _ in adjacency.get(node, []))
    return found


def cases(adjacency) -> list[tuple[str, dict, list[tuple]]]:
    """(query, parameters, the model's rows): for the busiest node, and a destination at each
    distance the walks reach, one too far for the limit, and one never reached."""
    start = max(sorted(adjacency), key=lambda n: len(adjacency[n]))
    reach = walks(adjacency, start, HOPS)
    everyone = {n for n in adjacency} | {t for targets in adjacency.values() for t, _ in targets}
    found = [("person_neighbours", {"node": start}, sorted(adjacency[start])),
             ("person_within_hops", {"node": start, "hops": HOPS},
              sorted(((n, h) for n, h in reach.items() if n != start), key=lambda r: (r[1], r[0])))]
    far = walks(adjacency, start, 99)
    for hops in sorted(set(far.values())):
        destination = min(n for n, h in far.items() if h == hops)
        found.append(("person_hops_between", {"origin": start, "destination": destination, "max_hops": HOPS},
                      [(hops,)] if hops <= HOPS else []))
    unreached = sorted(everyone - set(far))
    if unreached:
        found.append(("person_hops_between", {"origin": start, "destination": unreached[0], "max_hops": HOPS}, []))
    return found


def test_the_cases_compare_something(network):
    design, _, adjacency = network
    found = cases(adjacency)
    assert len(found[1][2]) > 5  # the walks reach well past the neighbours
    # The key's kind is drawn from three values: the seed keeps (source, target, kind) unique by
    # drawing the targets distinct per source (every engine below loads it with the key on).
    assert {"follows", "blocks", "mentors"} <= {kind for targets in adjacency.values() for _, kind in targets}
    assert {name for name, _, _ in found} == set(design.queries)
    assert any(rows == [] for name, _, rows in found if name == "person_hops_between")  # one too far


def check_engine(design, adjacency, target: str, execute) -> None:
    queries = {q.name: q for q in render_queries(design, target)}
    for name, parameters, expected in cases(adjacency):
        rows = [tuple(row) for row in execute(queries[name].sql, parameters)]
        assert rows == expected, (target, name, parameters)


def test_postgresql_walks_the_graph_as_the_model_does(network, pg_database):
    design, seed, adjacency = network
    pg_database.execute(render_ddl(design, "postgres").sql)
    psql_file(pg_database, seed / "postgres.sql")
    check_engine(design, adjacency, "postgres", lambda sql, p: pg_database.execute(sql, p).fetchall())


def test_mariadb_walks_the_graph_as_the_model_does(network, mariadb_database):
    design, seed, adjacency = network
    mariadb_database.run(render_ddl(design, "mysql").sql)
    mariadb_database.run((seed / "mysql.sql").read_text())

    def execute(sql: str, values: dict) -> list:
        with mariadb_database.conn.cursor() as cursor:
            cursor.execute(sql, values)
            return [tuple(int(v) if v is not None and not isinstance(v, str) else v for v in row)
                    for row in cursor.fetchall()]
    check_engine(design, adjacency, "mysql", execute)


def test_sqlite_and_duckdb_walk_the_graph_as_the_model_does(network):
    design, seed, adjacency = network
    lite = sqlite3.connect(":memory:")
    lite.executescript(render_ddl(design, "sqlite").sql)
    lite.executescript((seed / "sqlite.sql").read_text())
    check_engine(design, adjacency, "sqlite", lambda sql, p: lite.execute(sql, p).fetchall())
    duck = duckdb.connect()
    duck.execute(render_ddl(design, "duckdb").sql)
    duck.execute((seed / "duckdb.sql").read_text())
    check_engine(design, adjacency, "duckdb", lambda sql, p: duck.execute(sql, p).fetchall())


def test_clickhouse_walks_the_graph_as_the_model_does(network, clickhouse_database):
    design, seed, adjacency = network
    clickhouse_database.run(render_ddl(design, "clickhouse").sql)
    clickhouse_database.run((seed / "clickhouse.sql").read_text())

    def execute(sql: str, values: dict) -> list:
        clickhouse_database.session.query(f"USE {clickhouse_database.name}")
        text = clickhouse_database.session.query(sql, "JSONCompact", params=values).bytes()
        return [tuple(int(v) if isinstance(v, str) and v.isdigit() else v for v in row)
                for row in json.loads(text)["data"]] if text else []
    check_engine(design, adjacency, "clickhouse", execute)


@pytest.mark.parametrize("target,dialect", [("sqlserver", "tsql"), ("oracle", "oracle")])
def test_the_walks_parse_in_sql_server_and_oracle(network, target, dialect):
    """Both refuse RECURSIVE and a recursive UNION: the walks are WITH ... UNION ALL there."""
    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    design, _, _ = network
    for query in render_queries(design, target):
        [tree] = sqlglot.parse(query.sql, read=dialect)
        assert not isinstance(tree, exp.Command), query.sql
        if "reach" in query.sql:
            assert "RECURSIVE" not in query.sql and "UNION ALL" in query.sql, query.sql


def test_the_edges_hold_no_duplicate_no_self_loop_and_are_indexed_both_ways(network, pg_database):
    design, _, _ = network
    edge = design.entities["person_edge"]
    assert edge.primary_key == ("source_id", "target_id", "kind")
    assert any(c.name == "ck_person_edge_no_self_loop" for c in edge.checks)
    assert any(i.columns == ("target_id", "source_id") for i in edge.indexes)
    pg_database.execute(render_ddl(design, "postgres").sql)
    pg_database.execute("INSERT INTO person (id, handle) VALUES (1, 'a'), (2, 'b')")
    pg_database.execute("INSERT INTO person_edge (source_id, target_id, kind) VALUES (1, 2, 'follows')")
    psycopg = pytest.importorskip("psycopg")
    with pytest.raises(psycopg.errors.UniqueViolation):
        pg_database.execute("INSERT INTO person_edge (source_id, target_id, kind) VALUES (1, 2, 'follows')")
    with pytest.raises(psycopg.errors.CheckViolation):
        pg_database.execute("INSERT INTO person_edge (source_id, target_id, kind) VALUES (1, 1, 'follows')")
    pg_database.execute("INSERT INTO person_edge (source_id, target_id, kind) VALUES (1, 2, 'mentors')")  # another kind


def test_self_loops_true_lets_an_edge_join_a_node_to_itself():
    text = NETWORK.read_text().replace("patterns: [graph]", "patterns: [{pattern: graph, self_loops: true}]")
    design = load_design_text(text, "designs/network.yaml", "network")
    assert not design.entities["person_edge"].checks


def _errors(text: str) -> list:
    with pytest.raises(DesignErrors) as raised:
        load_design_text(text, "designs/network.yaml", "network")
    return raised.value.findings


def _line(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.mark.parametrize(("edit", "code", "where"), [
    (lambda t: t.replace("      id: {type: bigint, pk: true}\n      handle: {type: \"string(40)\", unique: true}",
                         "      id: bigint\n      handle: {type: \"string(40)\", unique: true}\n    primary_key: [id, handle]"),
     "SP105", "patterns: [graph]"),
    (lambda t: t + "\n  person_edge:\n    description: taken\n    fields:\n      id: {type: bigint, pk: true}\n",
     "SP202", "patterns: [graph]"),
    (lambda t: t.replace("patterns: [graph]", "patterns: [graph, {pattern: timestamps, self_loops: true}]"),
     "SP105", "self_loops"),
])
def test_a_graph_pattern_it_cannot_make_is_a_located_error(edit, code, where):
    text = NETWORK.read_text()
    if "person_edge:\n    description: taken" in edit(""):
        text = text.replace("\nseed:", "\n  person_edge:\n    description: taken\n    fields:\n      id: {type: bigint, pk: true}\n\nseed:")
        text = text.replace("    person_edge.kind: {values: [follows, blocks, mentors]}\n", "")
        text = text.replace("rows: {person: 60, person_edge: 180}", "rows: {person: 60}")
    else:
        text = edit(text)
    found = [f for f in _errors(text) if f.code == code]
    assert found, _errors(text)
    assert found[0].location.line == _line(text, where)
    assert load_design(NETWORK, shown_as="x")  # the twin: the design as written loads
