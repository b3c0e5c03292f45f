"""The hierarchy pattern (issue 16), taxonomy's four trees, one per strategy: categories keep a
closure table by triggers, pages keep their references alone, folders a materialized path and
topics nested-set bounds. After the same random inserts, moves and deletes on all four
(hypothesis), on PostgreSQL, MariaDB and SQLite, the closure rows and the paths equal those
recomputed from the model, the bounds nest exactly as the model's ancestors do, and each
strategy's ancestor, descendant and depth queries return what a walk in Python returns. The
seed's closure, paths and bounds follow from its trees; SQL Server's and Oracle's closure
triggers hold statements that parse."""

from __future__ import annotations

import re
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


TREES = {"category": "name", "page": "title", "folder": "name", "topic": "name"}  # table: its text column
# MySQL moves a node of these by a procedure (a trigger may not change its own table).
MOVED_BY_CALL = {"folder": "folder_path_move", "topic": "topic_bounds_move"}


class Forest:
    """The tree in Python: node -> parent. `cascade_limit`: deletes of a subtree deeper than it
    are not made (InnoDB cascades 15 levels at most, and refuses a deeper delete). `calls`:
    moves of a folder or a topic are procedure calls (MySQL)."""

    def __init__(self, cascade_limit: int | None = None, calls: bool = False):
        self.parent: dict[int, int | None] = {}
        self.next_id = 1
        self.cascade_limit = cascade_limit
        self.calls = calls

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

    def paths(self) -> dict[int, str]:
        return {n: ".".join(str(a) for a, _ in reversed([(n, 0)] + self.ancestors(n))) for n in self.parent}

    def move(self, table: str, node: int, value) -> str:
        if self.calls and table in MOVED_BY_CALL:
            return f"CALL {MOVED_BY_CALL[table]}({node}, {value})"
        return f"UPDATE {table} SET parent_id = {value} WHERE id = {node}"

    def statements(self, operation) -> list[str]:
        """The SQL of one operation on both trees, and the operation applied here; none when it
        changes nothing (no node to move, a move to where it is)."""
        kind = operation[0]
        if kind == "insert":
            node, parent = self.next_id, self.pick(operation[1])
            self.next_id += 1
            self.parent[node] = parent
            value = "NULL" if parent is None else parent
            placed = [f"CALL topic_bounds_place({node})"] if self.calls else []  # inserted without bounds
            return [f"INSERT INTO {table} (id, {text}, parent_id) VALUES ({node}, '{table[0]}{node}', {value})"
                    for table, text in TREES.items()] + placed
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
            return [self.move(table, node, value) for table in TREES]
        if self.cascade_limit is not None and self.height(node) >= self.cascade_limit:
            return []
        for gone in self.subtree(node):
            del self.parent[gone]
        return [f"DELETE FROM {table} WHERE id = {node}" for table in TREES]


def queries(target: str) -> dict[str, str]:
    return {q.name: q.sql for q in render_queries(DESIGN, target)}


def check_against_the_model(forest: Forest, execute, target: str) -> None:
    assert set(map(tuple, execute("SELECT ancestor_id, descendant_id, depth FROM category_closure"))) == forest.closure()
    assert {node: str(path) for node, path in execute("SELECT id, path FROM folder")} == forest.paths()
    check_the_bounds(forest, {node: (left, right) for node, left, right in execute("SELECT id, lft, rgt FROM topic")})
    sql = queries(target)
    for node in sorted(forest.parent):
        ancestors = forest.ancestors(node)
        descendants = sorted(((d, dist) for d, dist in _distances(forest, node).items() if d != node),
                             key=lambda pair: (pair[1], pair[0]))
        for strategy in TREES:
            assert [tuple(r) for r in execute(sql[f"{strategy}_ancestors"], {"node": node})] == ancestors, (strategy, node)
            assert [tuple(r) for r in execute(sql[f"{strategy}_descendants"], {"node": node})] == descendants, (strategy, node)
            assert int(execute(sql[f"{strategy}_depth"], {"node": node})[0][0] or 0) == len(ancestors), (strategy, node)


def check_the_bounds(forest: Forest, bounds: dict[int, tuple[int, int]]) -> None:
    """Every node has two bounds of its own, and one node's lie inside another's exactly when
    the model says it descends from it (a delete may leave gaps: nesting does not mind)."""
    assert set(bounds) == set(forest.parent)
    values = [b for pair in bounds.values() for b in pair]
    assert None not in values and len(set(values)) == len(values)
    assert all(left < right for left, right in bounds.values())
    for node in forest.parent:
        inside = {other for other, (left, right) in bounds.items()
                  if left < bounds[node][0] and bounds[node][1] < right}
        assert inside == {a for a, _ in forest.ancestors(node)}, node


def _distances(forest: Forest, node: int) -> dict[int, int]:
    found, level, depth = {node: 0}, [node], 0
    while level:
        depth += 1
        level = [c for c, p in forest.parent.items() if p in level]
        found.update({c: depth for c in level})
    return found


def run(operations, execute, reset, target: str, cascade_limit: int | None = None) -> None:
    reset()
    forest = Forest(cascade_limit, calls=target == "mysql")
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
    run(operations, execute, lambda: execute("DELETE FROM category; DELETE FROM page; DELETE FROM folder; DELETE FROM topic"),
        "postgres")


@SETTINGS
@given(OPERATIONS)
def test_on_mariadb_the_closure_follows_the_tree(mariadb_database, operations):
    execute = mariadb_rows(mariadb_database)
    if not execute("SHOW TABLES LIKE 'category'"):
        mariadb_database.run(render_ddl(DESIGN, "mysql").sql)
    def reset():
        mariadb_database.run("SET FOREIGN_KEY_CHECKS = 0; DELETE FROM category_closure; DELETE FROM category; "
                             "DELETE FROM page; DELETE FROM folder; DELETE FROM topic; SET FOREIGN_KEY_CHECKS = 1")
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


A_CHAIN = ("INSERT INTO {table} (id, name, parent_id) VALUES (1, 'a', NULL); INSERT INTO {table} (id, name, parent_id) "
           "VALUES (2, 'b', 1); INSERT INTO {table} (id, name, parent_id) VALUES (3, 'c', 2)")


def _chain_then_moves(execute, target: str, table: str, move, placed: bool = True) -> None:
    """1 <- 2 <- 3: a move of 1 under 3 is refused and changes nothing; its twin, 2 to a root, is
    made and the subtree follows."""
    for statement in A_CHAIN.format(table=table).split("; "):
        execute(statement)
        if not placed:  # MySQL: a nested-set row inserted without bounds is placed by a call
            execute(f"CALL topic_bounds_place({statement.split('VALUES (')[1].split(',')[0]})")
    before = execute(f"SELECT * FROM {table} ORDER BY id")
    with pytest.raises(Exception, match="under its own subtree|outside_its_subtree"):
        move(1, 3)
    assert execute(f"SELECT * FROM {table} ORDER BY id") == before
    move(2, "NULL")
    assert [tuple(r) for r in execute(queries(target)[f"{table}_ancestors"], {"node": 3})] == [(2, 1)]


@pytest.mark.parametrize("table", ["folder", "topic"])
def test_a_move_under_its_own_subtree_is_refused_by_each_engine(table, pg_database, mariadb_database):
    pg_database.execute(render_ddl(DESIGN, "postgres").sql)
    pg = pg_rows(pg_database)
    _chain_then_moves(pg, "postgres", table, lambda node, parent: pg(f"UPDATE {table} SET parent_id = {parent} WHERE id = {node}"))

    lite = sqlite3.connect(":memory:", isolation_level=None)
    lite.executescript(render_ddl(DESIGN, "sqlite").sql)
    def on_sqlite(sql, params=()):
        return lite.execute(sql, params or ()).fetchall()
    _chain_then_moves(on_sqlite, "sqlite", table, lambda node, parent: on_sqlite(f"UPDATE {table} SET parent_id = {parent} WHERE id = {node}"))

    mariadb_database.run(render_ddl(DESIGN, "mysql").sql)
    maria = mariadb_rows(mariadb_database)
    _chain_then_moves(maria, "mysql", table, lambda node, parent: maria(f"CALL {MOVED_BY_CALL[table]}({node}, {parent})"),
                      placed=table != "topic")


@pytest.mark.parametrize("table", ["folder", "topic"])
def test_on_mariadb_a_move_that_does_not_call_the_procedure_is_refused(table, mariadb_database):
    pymysql = pytest.importorskip("pymysql")
    mariadb_database.run(render_ddl(DESIGN, "mysql").sql)
    execute = mariadb_rows(mariadb_database)
    execute(f"INSERT INTO {table} (id, name, parent_id) VALUES (1, 'a', NULL), (2, 'b', NULL)")
    if table == "topic":
        execute("CALL topic_bounds_place(1)")
        execute("CALL topic_bounds_place(2)")
    with pytest.raises(pymysql.err.OperationalError, match=f"{table}_moves_by_call"):
        execute(f"UPDATE {table} SET parent_id = 1 WHERE id = 2")
    execute(f"UPDATE {table} SET name = 'renamed' WHERE id = 2")  # a change of anything else is taken
    execute(f"CALL {MOVED_BY_CALL[table]}(2, 1)")  # the twin: the call moves it
    assert execute(f"SELECT parent_id FROM {table} WHERE id = 2") == [(1,)]
    assert [tuple(r) for r in execute(queries("mysql")[f"{table}_depth"], {"node": 2})] == [(1,)]


def test_postgresql_keeps_the_path_as_an_ltree_under_a_gist_index_that_the_descendants_query_uses(pg_database):
    pg_database.execute(render_ddl(DESIGN, "postgres").sql)
    assert pg_database.execute("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = "
                               "'folder'::regclass AND attname = 'path'").fetchone() == ("ltree",)
    [(definition,)] = pg_database.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'folder' "
                                          "AND indexdef LIKE '%(path)%'").fetchall()
    assert "USING gist (path)" in definition
    pg_database.execute("INSERT INTO folder (id, name, parent_id) SELECT g, 'f', CASE WHEN g > 1 THEN g / 2 END "
                        "FROM generate_series(1, 5000) g")
    pg_database.execute("ANALYZE folder")
    sql = queries("postgres")["folder_descendants"].replace("%(node)s", "2")
    plan = "\n".join(r[0] for r in pg_database.execute(f"EXPLAIN {sql}").fetchall())
    assert "ix_folder_path" in plan, plan
    assert pg_database.execute("SELECT path::text FROM folder WHERE id = 4999").fetchone() == ("1.2.4.9.19.39.78.156.312.624.1249.2499.4999",)


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


def _seeded_forest(seed, table: str) -> Forest:
    forest = Forest()
    forest.parent = dict(duckdb.sql(f"SELECT id, parent_id FROM read_parquet('{seed}/{table}.parquet')").fetchall())
    return forest


def test_the_seeds_paths_and_bounds_follow_its_trees_and_each_engine_keeps_them_as_it_loads(tmp_path, pg_database,
                                                                                                mariadb_database):
    """The seed's paths equal the model's, its bounds nest as the model's ancestors; loaded on
    PostgreSQL, MariaDB and SQLite (their triggers on), the rows are those of the seed."""
    from schemaforge.deliverables.seed import build_seed

    assert build_seed(DESIGN, tmp_path).problems == []
    seed = tmp_path / "seed"
    folders, topics = _seeded_forest(seed, "folder"), _seeded_forest(seed, "topic")
    paths = dict(duckdb.sql(f"SELECT id, path FROM read_parquet('{seed}/folder.parquet')").fetchall())
    assert paths == folders.paths() and max(p.count(".") for p in paths.values()) >= 3
    bounds = {n: (l, r) for n, l, r in duckdb.sql(f"SELECT id, lft, rgt FROM read_parquet('{seed}/topic.parquet')").fetchall()}
    check_the_bounds(topics, bounds)
    assert sorted(b for pair in bounds.values() for b in pair) == list(range(1, 2 * len(bounds) + 1))  # no gap

    def same_rows(execute) -> None:
        assert {n: str(p) for n, p in execute("SELECT id, path FROM folder")} == paths
        assert {n: (l, r) for n, l, r in execute("SELECT id, lft, rgt FROM topic")} == bounds

    pg_database.execute(render_ddl(DESIGN, "postgres").sql)
    psql_file(pg_database, seed / "postgres.sql")
    same_rows(pg_rows(pg_database))
    mariadb_database.run(render_ddl(DESIGN, "mysql").sql)
    mariadb_database.run((seed / "mysql.sql").read_text())
    same_rows(mariadb_rows(mariadb_database))
    lite = sqlite3.connect(":memory:", isolation_level=None)
    lite.executescript(render_ddl(DESIGN, "sqlite").sql)
    lite.executescript((seed / "sqlite.sql").read_text())
    same_rows(lambda sql: lite.execute(sql).fetchall())


@pytest.mark.parametrize("target,dialect", [("sqlserver", "tsql"), ("oracle", "oracle")])
def test_the_sql_server_and_oracle_closure_triggers_hold_statements_that_parse(target, dialect):

    sql = render_ddl(DESIGN, target).sql
    triggers = re.findall(r"CREATE OR (?:ALTER|REPLACE) TRIGGER (category_closure_\w+)(.*?)\nEND;", sql, re.S)
    assert sorted(name for name, _ in triggers) == ["category_closure_insert", "category_closure_move"]
    for _, body in triggers:
        for statement in re.findall(r"((?:INSERT|DELETE) .*?);\n", body):
            tree = sqlglot.parse_one(re.sub(r":(NEW|OLD)\.", r"\1_.", statement), read=dialect)
            assert {t.name for t in tree.find_all(sqlglot.exp.Table)} >= {"category_closure"}


@pytest.mark.parametrize("target,dialect", [("sqlserver", "tsql"), ("oracle", "oracle")])
def test_the_sql_server_and_oracle_path_and_bounds_triggers_hold_statements_that_parse(target, dialect):
    """Each statement a path or bounds trigger runs per row parses in the target's dialect
    and reads the tree's table (variables as columns: sqlglot reads neither @x nor PL/SQL's)."""

    sql = render_ddl(DESIGN, target).sql
    triggers = dict(re.findall(r"CREATE OR (?:ALTER|REPLACE) TRIGGER ((?:folder_path|topic_bounds)_\w+)(.*?)\nEND", sql, re.S))
    assert sorted(triggers) == ["folder_path_insert", "folder_path_move", "topic_bounds_insert", "topic_bounds_move"]
    for name, body in triggers.items():
        if target == "sqlserver":  # every variable read or set is one the trigger declares
            declared = set(re.findall(r"@(\w+) \w+", re.search(r"DECLARE (@.*?);", body).group(1)))
            assert set(re.findall(r"(?<![@\w])@(\w+)", body)) == declared, name
            assert "@@" not in body.replace("@@FETCH_STATUS", ""), name
        statements = re.findall(r"^ +((?:SELECT|UPDATE|DECLARE each_row CURSOR LOCAL FAST_FORWARD FOR) .*?);$", body, re.M)
        assert len(statements) >= 2 if name.endswith("move") else len(statements) >= 1, name
        for statement in statements:
            statement = re.sub(r"^DECLARE each_row CURSOR LOCAL FAST_FORWARD FOR ", "", statement)
            statement = re.sub(r" INTO [\w, ]+ FROM", " FROM", statement)  # PL/SQL's SELECT ... INTO
            tree = sqlglot.parse_one(statement.replace("@", "var_"), read=dialect)
            assert {t.name for t in tree.find_all(sqlglot.exp.Table)} & {"folder", "topic", "inserted"}, statement


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


@pytest.mark.parametrize(("entity", "old", "new", "where"), [
    ("folder", "id: {type: bigint, pk: true}", "id: {type: uuid, pk: true}", "strategy: materialized_path"),
    ("topic", 'name: "string(80)"', "lft: integer", "lft: integer"),
    ("folder", 'name: "string(80)"', "path: text", "path: text"),
])
def test_a_strategy_that_cannot_keep_its_columns_is_a_located_error(entity, old, new, where):
    """A materialized path is a chain of integer keys; a strategy's own columns must not meet a
    field. Each twin (the design as it stands) loads."""
    text = TAXONOMY.read_text()
    head, block = text.split(f"  {entity}:\n")
    text = head + f"  {entity}:\n" + block.replace(old, new, 1)
    with pytest.raises(DesignErrors) as raised:
        load_design_text(text, SHOWN, "taxonomy")
    [found] = [f for f in raised.value.findings if f.code == "SP105"]
    assert found.location.line == next(i for i, line in enumerate(text.splitlines(), 1) if where in line
                                       and i > len(head.splitlines()))
    assert set(DESIGN.entities) >= {"folder", "topic"}


def test_every_strategy_is_built_and_a_target_without_triggers_says_what_goes_stale():
    from schemaforge.lint.rules import lint_design

    findings = lint_design(DESIGN)
    assert not [f for f in findings if f.code == "GN101"]
    stale = {(f.message.split("'")[1], f.message.split(" has")[0]) for f in findings if f.code == "TG119"}
    assert stale == {(entity, title) for entity in ("category", "folder", "topic") for title in ("DuckDB", "ClickHouse")}
    assert {f.message.split("'")[1] for f in findings if f.code == "TG120"} == {"folder", "topic"}  # MySQL's calls


def tree_releases():
    """1.0.0 keeps all four trees by their references alone; 1.1.0 turns each strategy on."""
    text = TAXONOMY.read_text()
    older = text
    for strategy in ("closure_table", "materialized_path", "nested_set"):
        older = older.replace(f"{{pattern: hierarchy, strategy: {strategy}}}", "{pattern: hierarchy}")
    newer = text.replace("version: 1.0.0", "version: 1.1.0")
    return load_design_text(older, SHOWN, "taxonomy"), load_design_text(newer, SHOWN, "taxonomy")


def tree_migration(target: str) -> tuple[str, object]:
    from schemaforge.ddl.targets import SQL_TARGETS
    from schemaforge.migrate.render import render_migration, target_changes

    older, newer = tree_releases()
    return render_migration(older, newer, target, target_changes(older, newer, SQL_TARGETS[target]())), older


# A forest already in the tables when the release comes: two roots, five levels, keys out of walk order.
PLANTED = {1: None, 2: None, 7: 1, 3: 7, 9: 3, 4: 9, 5: 1, 8: 2, 6: 8, 10: 4, 11: 5}
LATER = [("move", 0.05, 0.95), ("insert", 0.5), ("move", 0.6, None), ("delete", 0.3), ("insert", None), ("move", 0.9, 0.1)]


def _planted_then_migrated(execute, up, target: str, run_script) -> None:
    forest = Forest(calls=target == "mysql")
    for node, parent in PLANTED.items():
        forest.parent[node] = parent
        for table, text in TREES.items():
            execute(f"INSERT INTO {table} (id, {text}, parent_id) VALUES ({node}, 'x', {'NULL' if parent is None else parent})")
    forest.next_id = max(PLANTED) + 1
    run_script(up)
    check_against_the_model(forest, execute, target)  # the release filled the closure, paths and bounds
    for operation in LATER:  # and its triggers keep them from then on
        for statement in forest.statements(operation):
            execute(statement)
    check_against_the_model(forest, execute, target)


def test_a_release_that_turns_a_strategy_on_fills_it_for_the_rows_already_there(tmp_path, pg_database, mariadb_database):
    up, older = tree_migration("postgres")
    assert "CREATE EXTENSION IF NOT EXISTS ltree" in up.split("ALTER TABLE")[0]  # before a column takes the type
    pg_database.execute(render_ddl(older, "postgres").sql)
    script = tmp_path / "up.sql"

    def with_psql(sql):  # as a user runs it (its CREATE INDEX CONCURRENTLY cannot run in a transaction)
        script.write_text(sql)
        psql_file(pg_database, script)
    _planted_then_migrated(pg_rows(pg_database), up, "postgres", with_psql)

    up, older = tree_migration("mysql")
    mariadb_database.run(render_ddl(older, "mysql").sql)
    _planted_then_migrated(mariadb_rows(mariadb_database), up, "mysql", mariadb_database.run)

    up, older = tree_migration("sqlite")
    lite = sqlite3.connect(":memory:", isolation_level=None)
    lite.executescript(render_ddl(older, "sqlite").sql)
    lite.execute("PRAGMA foreign_keys = ON")
    _planted_then_migrated(lambda sql, params=(): lite.execute(sql, params or ()).fetchall(), up, "sqlite", lite.executescript)


@pytest.mark.parametrize("target,dialect", [("sqlserver", "tsql"), ("oracle", "oracle")])
def test_the_sql_server_and_oracle_fills_of_a_release_parse(target, dialect):
    up, _ = tree_migration(target)
    fills = [s for s in re.split(r";\n(?:GO\n)?", up) if "numbered (node, parent, num)" in s]
    assert len(fills) == 3  # the closure, the paths, the bounds
    for statement in fills:
        tree = sqlglot.parse_one(statement.strip(), read=dialect)
        assert {t.name for t in tree.find_all(sqlglot.exp.Table)} >= {"numbered", "walk"}, statement


def test_a_long_table_name_gives_object_names_that_fit_each_target(pg_database, mariadb_database):
    """`<table>_moves_outside_its_subtree` and the like are shortened as constraint names are:
    the DDL applies on PostgreSQL (63 characters) and MariaDB (64), and a move still works."""
    table = "folders_of_the_shared_drive_of_each_department"
    text = TAXONOMY.read_text().replace("  folder:\n", f"  folder:\n    table: {table}\n")
    design = load_design_text(text, SHOWN, "taxonomy")
    pg_database.execute(render_ddl(design, "postgres").sql)
    mariadb_database.run(render_ddl(design, "mysql").sql)
    maria = mariadb_rows(mariadb_database)
    names = [n for (n,) in maria("SELECT routine_name FROM information_schema.routines WHERE routine_schema = DATABASE() "
                                 "UNION ALL SELECT constraint_name FROM information_schema.check_constraints "
                                 "WHERE constraint_schema = DATABASE()") if n.startswith("folders_of")]
    assert len(names) == 3 and all(len(n) <= 64 for n in names)  # the move, and the guard's two checks
    for execute in (pg_rows(pg_database), maria):
        execute(f"INSERT INTO {table} (id, name, parent_id) VALUES (1, 'a', NULL)")
        execute(f"INSERT INTO {table} (id, name, parent_id) VALUES (2, 'b', NULL)")
    pg_rows(pg_database)(f"UPDATE {table} SET parent_id = 1 WHERE id = 2")
    [move] = [n for n in names if "move" in n and "moves" not in n]
    maria(f"CALL {move}(2, 1)")
    for execute in (pg_rows(pg_database), maria):
        assert [tuple(r) for r in execute(f"SELECT id, path FROM {table} ORDER BY id")] == [(1, "1"), (2, "1.2")]
