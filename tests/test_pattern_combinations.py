"""Every pattern at once, on tables and columns named with reserved words (tests/designs/
reserved.yaml): the DDL applies and the seed loads on PostgreSQL, MariaDB and SQLite, an update
of every order is audited and versioned there, and the shared tree's closure is the seed's. The
same design with the tree owned by the tenant: its closure rows carry the tenant key. The owned
trees `index` (a path of keys) and `key` (nested-set bounds) load with the seed's paths and
bounds, which follow the tree, and keep them when a subtree moves."""

from __future__ import annotations

import sqlite3

import duckdb
import pytest

from conftest import ROOT, mariadb_rows, pg_rows, psql_file
from schemaforge.ddl.render import render_ddl
from schemaforge.design.loader import load_design_text

RESERVED = ROOT / "tests" / "designs" / "reserved.yaml"
SHARED_TREE = "patterns: [{pattern: multi_tenant, shared: [group]}, timestamps]"


@pytest.fixture(scope="module", params=["shared tree", "owned tree"])
def reserved(request, tmp_path_factory):
    from schemaforge.deliverables.seed import build_seed

    text = RESERVED.read_text()
    if request.param == "owned tree":
        text = text.replace(SHARED_TREE, "patterns: [multi_tenant, timestamps]")
    design = load_design_text(text, "tests/designs/reserved.yaml", "reserved")
    root = tmp_path_factory.mktemp("reserved")
    assert build_seed(design, root).problems == []
    [(closure,)] = duckdb.sql(f"SELECT count(*) FROM read_parquet('{root}/seed/group_closure.parquet')").fetchall()
    [(versions,)] = duckdb.sql(f"SELECT count(*) FROM read_parquet('{root}/seed/order.history.parquet')").fetchall()
    return design, root / "seed", (closure, versions)


def check(execute, counts: tuple[int, int], update: str, quote: str = '"', move=None) -> None:
    closure, versions = counts  # the seed's closure rows and earlier versions of orders
    execute(update)  # every order: a bytes column among them
    assert execute("SELECT operation, count(*) FROM audit_log GROUP BY operation ORDER BY 1") == [("insert", 50), ("update", 50)]
    assert execute("SELECT count(*) FROM order_history")[0][0] == versions + 50 and versions > 0
    assert execute("SELECT count(*) FROM group_closure")[0][0] == closure
    trees_follow(execute, quote)
    # In each tree a root with children moves under another root of its tenant.
    for table in ("index", "key"):
        t = f"{quote}{table}{quote}"
        [(node, to)] = execute(f"SELECT a.id, b.id FROM {t} a JOIN {t} b ON b.user_id = a.user_id AND b.parent_id IS NULL "
                               f"AND b.id <> a.id WHERE a.parent_id IS NULL AND EXISTS (SELECT 1 FROM {t} c WHERE "
                               "c.parent_id = a.id) ORDER BY a.id, b.id LIMIT 1")
        if move:
            move(table, node, to)
        else:
            execute(f"UPDATE {t} SET parent_id = {to} WHERE id = {node}")
    trees_follow(execute, quote)


def trees_follow(execute, quote: str) -> None:
    """Each `index` row's path is its ancestors' keys and its own; each `key` row's bounds lie
    inside exactly its ancestors' (the seed gave both trees the same keys under other parents)."""
    for table in ("index", "key"):
        parent = dict(execute(f"SELECT id, parent_id FROM {quote}{table}{quote}"))

        def chain(node):
            return ([] if parent[node] is None else chain(parent[node])) + [node]
        if table == "index":
            assert {n: str(p) for n, p in execute(f"SELECT id, path FROM {quote}index{quote}")} == \
                {n: ".".join(map(str, chain(n))) for n in parent}
        else:
            bounds = {n: (l, r) for n, l, r in execute(f"SELECT id, lft, rgt FROM {quote}key{quote}")}
            for node, (left, right) in bounds.items():
                inside = {o for o, (l, r) in bounds.items() if l < left and right < r}
                assert inside == set(chain(node)[:-1]), node


def test_on_postgresql(reserved, pg_database):
    design, seed, counts = reserved
    pg_database.execute(render_ddl(design, "postgres").sql)
    psql_file(pg_database, seed / "postgres.sql")  # COPY of bytes: the hex form's backslash doubled
    execute = pg_rows(pg_database)
    check(execute, counts, 'UPDATE "order" SET "check" = "check" + 1')
    if design.entities["group_closure"].tenant_key:  # the owned tree: its paths stay in the tenant
        assert execute('SELECT count(*) FROM group_closure c JOIN "group" g ON g.id = c.descendant_id '
                       "WHERE g.user_id <> c.user_id")[0][0] == 0


def test_on_mariadb(reserved, mariadb_database):
    design, seed, counts = reserved
    mariadb_database.run(render_ddl(design, "mysql").sql)
    mariadb_database.run((seed / "mysql.sql").read_text())
    execute = mariadb_rows(mariadb_database)
    check(lambda sql: [tuple(r) for r in execute(sql)], counts, "UPDATE `order` SET `check` = `check` + 1",  # JSON of bytes: hex
          quote="`", move=lambda table, node, to: execute(f"CALL `{table}_{'path' if table == 'index' else 'bounds'}_move`({node}, {to})"))


def test_on_sqlite(reserved):
    design, seed, counts = reserved
    lite = sqlite3.connect(":memory:", isolation_level=None)
    lite.executescript(render_ddl(design, "sqlite").sql)
    lite.executescript((seed / "sqlite.sql").read_text())
    check(lambda sql: lite.execute(sql).fetchall(), counts, 'UPDATE "order" SET "check" = "check" + 1')
