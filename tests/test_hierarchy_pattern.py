"""The hierarchy pattern (issue 16), taxonomy's two trees: categories keep a closure table by
triggers, pages keep their references alone. After random inserts, moves and deletes
(hypothesis), on PostgreSQL, MariaDB and SQLite, the closure rows equal those recomputed from
the references, and each strategy's ancestor, descendant and depth queries return what the
other's return and what a walk in Python returns. The seed's closure rows follow from its tree;
SQL Server's and Oracle's triggers hold statements that parse."""

from __future__ import annotations

import sqlite3

import duckdb
import pytest
import sqlglot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT, mariadb_rows, pg_rows, psql_file
from schemaforge.ddl.render import render_ddl
from schemaforge.design.loader import load_design, load_design_text
from schemaforge.findings import DesignErrors
from schemaforge.queries.render import render_queries

TAXONOMY = ROOT / "tests" / "designs" / "taxonomy.yaml"
SHOWN = "tests/designs/taxonomy.yaml"
DESIGN = load_design(TAXONOMY, shown_as=SHOWN)

# An operation: ("insert", parent pick), ("move", node pick, parent pick), ("delete", node pick);
# a pick is a fraction of the nodes there are then (None: no parent, a root).
# Mostly under a node (a root one time in four); moves as often as inserts, deletes rarer.
FRACTION = st.floats(0, 0.999)
PICK = st.one_of(st.none(), FRACTION, FRACTION, FRACTION)
OPERATIONS = st.lists(st.one_of(
    st.tuples(st.just("insert"), PICK),
    st.tuples(st.just("move"), FRACTION, PICK),
    st.tuples(st.just("insert"), PICK),
    st.tuples(st.just("move"), FRACTION, PICK),
    st.tuples(st.just("delete"), FRACTION),
), min_size=8, max_size=40)


class Forest:
    """The tree in Python: node -> parent. `cascade_limit`: deletes of a subtree deeper than it
    are not made (InnoDB cascades 15 levels at most, and refuses a deeper delete)."""

    def __init__(self, cascade_limit: int | None = None):
        self.parent: dict[int, int | None] = {}
        self.next_id = 1
        self.cascade_limit = cascade_limit

    def height(self, node: int) -> int:
        return max(_distances(self, node).values())

    def pick(self, fraction):
        nodes = sorted(self.parent)
        return None if fraction is None or not nodes else nodes[int(fraction * len(nodes))]

    def subtree(self, node: int) -> set[int]:
        found, todo = {node}, [node]
        while todo:
            here = todo.pop()
            for child, parent in self.parent.items():
                if parent == here and child not in found:
                    found.add(child)
                    todo.append(child)
        return found

    def ancestors(self, node: int) -> list[tuple[int, int]]:
        found, here, depth = [], self.parent[node], 1
        while here is not None:
            found.append((here, depth))
            here, depth = self.parent[here], depth + 1
        return found

    def closure(self) -> set[tuple[int, int, int]]:
        return {(a, n, d) for n in self.parent for a, d in [(n, 0)] + self.ancestors(n)}

    def statements(self, operation) -> list[str]:
        """The SQL of one operation on both trees, and the operation applied here; none when it
        changes nothing (no node to move, a move to where it is)."""
        kind = operation[0]
        if kind == "insert":
            node, parent = self.next_id, self.pick(operation[1])
            self.next_id += 1
            self.parent[node] = parent
            value = "NULL" if parent is None else parent
            return [f"INSERT INTO category (id, name, parent_id) VALUES ({node}, 'c{node}', {value})",
                    f"INSERT INTO page (id, title, parent_id) VALUES ({node}, 'p{node}', {value})"]
        node = self.pick(operation[1])
        if node is None:
            return []
        if kind == "move":  # under a node outside its own subtree (or to a root)
            outside = sorted(set(self.parent) - self.subtree(node))
            parent = None if operation[2] is None or not outside else outside[int(operation[2] * len(outside))]
            if parent == self.parent[node]:
                return []
            self.parent[node] = parent
            value = "NULL" if parent is None else parent
            return [f"UPDATE {table} SET parent_id = {value} WHERE id = {node}" for table in ("category", "page")]
        if self.cascade_limit is not None and self.height(node) >= self.cascade_limit:
            return []
        for gone in self.subtree(node):
            del self.parent[gone]
        return [f"DELETE FROM {table} WHERE id = {node}" for table in ("category", "page")]


def queries(target: str) -> dict[str, str]:
    return {q.name: q.sql for q in render_queries(DESIGN, target)}


def check_against_the_model(forest: Forest, execute, target: str) -> None:
    assert set(map(tuple, execute("SELECT ancestor_id, descendant_id, depth FROM category_closure"))) == forest.closure()
    sql = queries(target)
    for node in sorted(forest.parent):
        ancestors = forest.ancestors(node)
        descendants = sorted(((d, dist) for d, dist in _distances(forest, node).items() if d != node),
                             key=lambda pair: (pair[1], pair[0]))
        for strategy in ("category", "page"):
            assert [tuple(r) for r in execute(sql[f"{strategy}_ancestors"], {"node": node})] == ancestors, (strategy, node)
            assert [tuple(r) for r in execute(sql[f"{strategy}_descendants"], {"node": node})] == descendants, (strategy, node)
            assert int(execute(sql[f"{strategy}_depth"], {"node": node})[0][0] or 0) == len(ancestors), (strategy, node)


def _distances(forest: Forest, node: int) -> dict[int, int]:
    found, level, depth = {node: 0}, [node], 0
    while level:
        depth += 1
        level = [c for c, p in forest.parent.items() if p in level]
        found.update({c: depth for c in level})
    return found


def run(operations, execute, reset, target: str, cascade_limit: int | None = None) -> None:
    reset()
    forest = Forest(cascade_limit)
    for operation in operations:
        for statement in forest.statements(operation):
            execute(statement)
    check_against_the_model(forest, execute, target)


SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(OPERATIONS)
def test_on_postgresql_the_closure_follows_the_tree(pg_database, operations):
    if not pg_database.execute("SELECT to_regclass('category')").fetchone()[0]:
        pg_database.execute(render_ddl(DESIGN, "postgres").sql)

    execute = pg_rows(pg_database)
    run(operations, execute, lambda: execute("DELETE FROM category; DELETE FROM page"), "postgres")


@SETTINGS
@given(OPERATIONS)
def test_on_mariadb_the_closure_follows_the_tree(mariadb_database, operations):
    execute = mariadb_rows(mariadb_database)
    if not execute("SHOW TABLES LIKE 'category'"):
        mariadb_database.run(render_ddl(DESIGN, "mysql").sql)
    def reset():
        mariadb_database.run("SET FOREIGN_KEY_CHECKS = 0; DELETE FROM category_closure; DELETE FROM category; "
                             "DELETE FROM page; SET FOREIGN_KEY_CHECKS = 1")
    run(operations, execute, reset, "mysql", cascade_limit=15)


@SETTINGS
@given(OPERATIONS)
def test_on_sqlite_the_closure_follows_the_tree(operations):
    lite = sqlite3.connect(":memory:", isolation_level=None)
    lite.executescript(render_ddl(DESIGN, "sqlite").sql)
    lite.execute("PRAGMA foreign_keys = ON")
    run(operations, lambda sql, params=(): lite.execute(sql, params or ()).fetchall(), lambda: None, "sqlite")


def test_a_move_under_its_own_subtree_is_refused_by_the_closure(pg_database):
    psycopg = pytest.importorskip("psycopg")
    pg_database.execute(render_ddl(DESIGN, "postgres").sql)
    pg_database.execute("INSERT INTO category (id, name, parent_id) VALUES (1, 'a', NULL), (2, 'b', 1), (3, 'c', 2)")
    with pytest.raises(psycopg.errors.UniqueViolation):
        pg_database.execute("UPDATE category SET parent_id = 3 WHERE id = 1")
    pg_database.execute("UPDATE category SET parent_id = NULL WHERE id = 2")  # the twin: a move out
    assert pg_database.execute("SELECT count(*) FROM category_closure WHERE ancestor_id = 1").fetchone() == (1,)


def test_the_seed_writes_the_closure_its_tree_implies_and_postgresql_loads_it_through_the_triggers(tmp_path, pg_database):
    from schemaforge.deliverables.seed import build_seed

    assert build_seed(DESIGN, tmp_path).problems == []
    seed = tmp_path / "seed"
    [(missing, extra)] = duckdb.sql(
        f"WITH RECURSIVE paths (a, d, depth) AS (SELECT id, id, 0 FROM read_parquet('{seed}/category.parquet') UNION ALL "
        f"SELECT p.a, c.id, p.depth + 1 FROM paths p JOIN read_parquet('{seed}/category.parquet') c ON c.parent_id = p.d), "
        f"closure AS (SELECT ancestor_id AS a, descendant_id AS d, depth FROM read_parquet('{seed}/category_closure.parquet')) "
        "SELECT (SELECT count(*) FROM (SELECT * FROM paths EXCEPT SELECT * FROM closure)), "
        "(SELECT count(*) FROM (SELECT * FROM closure EXCEPT SELECT * FROM paths))").fetchall()
    assert missing == extra == 0
    assert duckdb.sql(f"SELECT max(depth) FROM read_parquet('{seed}/category_closure.parquet')").fetchone()[0] >= 3
    pg_database.execute(render_ddl(DESIGN, "postgres").sql)
    psql_file(pg_database, seed / "postgres.sql")
    [(rows,)] = duckdb.sql(f"SELECT count(*) FROM read_parquet('{seed}/category_closure.parquet')").fetchall()
    assert pg_database.execute("SELECT count(*) FROM category_closure").fetchone() == (rows,)


@pytest.mark.parametrize("target,dialect", [("sqlserver", "tsql"), ("oracle", "oracle")])
def test_the_sql_server_and_oracle_closure_triggers_hold_statements_that_parse(target, dialect):
    import re

    sql = render_ddl(DESIGN, target).sql
    triggers = re.findall(r"CREATE OR (?:ALTER|REPLACE) TRIGGER (category_closure_\w+)(.*?)\nEND;", sql, re.S)
    assert sorted(name for name, _ in triggers) == ["category_closure_insert", "category_closure_move"]
    for _, body in triggers:
        for statement in re.findall(r"((?:INSERT|DELETE) .*?);\n", body):
            tree = sqlglot.parse_one(re.sub(r":(NEW|OLD)\.", r"\1_.", statement), read=dialect)
            assert {t.name for t in tree.find_all(sqlglot.exp.Table)} >= {"category_closure"}


@pytest.mark.parametrize(("old", "new", "where"), [
    ("      parent: {ref: category, nullable: true, on_delete: cascade}\n", "", "{pattern: hierarchy, strategy: closure_table}"),
    ("      parent: {ref: category, nullable: true, on_delete: cascade}\n",
     "      parent: {ref: category, on_delete: cascade}\n", "parent: {ref: category, on_delete: cascade}"),
    ("{pattern: hierarchy, field: parent}", "{pattern: hierarchy, field: title}", "field: title"),
])
def test_a_tree_it_cannot_make_is_a_located_error(old, new, where):
    text = TAXONOMY.read_text()
    assert old in text
    text = text.replace(old, new, 1)
    with pytest.raises(DesignErrors) as raised:
        load_design_text(text, SHOWN, "taxonomy")
    found = [f for f in raised.value.findings if f.code == "SP105"]
    assert found and found[0].location.line == next(i for i, line in enumerate(text.splitlines(), 1) if where in line)


def test_a_strategy_still_to_come_is_a_located_warning_and_the_tree_is_walked_by_its_references():
    from schemaforge.lint.rules import lint_design

    text = TAXONOMY.read_text().replace("strategy: closure_table", "strategy: nested_set")
    design = load_design_text(text, SHOWN, "taxonomy")
    [finding] = [f for f in lint_design(design) if f.code == "GN101" and "nested_set" in f.message]
    assert finding.location.line == next(i for i, line in enumerate(text.splitlines(), 1) if "nested_set" in line)
    assert "category_closure" not in design.entities and "WITH RECURSIVE" in design.queries["category_ancestors"].sql.sql()
    assert not [f for f in lint_design(DESIGN) if f.code == "GN101"]  # the twin: closure_table is built
