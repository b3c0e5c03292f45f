"""Every pattern at once, on tables and columns named with reserved words (tests/designs/
reserved.yaml): the DDL applies and the seed loads on PostgreSQL, MariaDB and SQLite, an update
of every order is audited and versioned there, and the shared tree's closure is the seed's. The
same design with the tree owned by the tenant: its closure rows carry the tenant key."""

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
    return design, root / "seed", closure


def check(execute, closure: int, update: str) -> None:
    execute(update)  # every order: a bytes column among them
    assert execute("SELECT operation, count(*) FROM audit_log GROUP BY operation ORDER BY 1") == [("insert", 50), ("update", 50)]
    assert execute("SELECT count(*) FROM order_history")[0][0] == 50
    assert execute("SELECT count(*) FROM group_closure")[0][0] == closure


def test_on_postgresql(reserved, pg_database):
    design, seed, closure = reserved
    pg_database.execute(render_ddl(design, "postgres").sql)
    psql_file(pg_database, seed / "postgres.sql")  # COPY of bytes: the hex form's backslash doubled
    execute = pg_rows(pg_database)
    check(execute, closure, 'UPDATE "order" SET "check" = "check" + 1')
    if design.entities["group_closure"].tenant_key:  # the owned tree: its paths stay in the tenant
        assert execute('SELECT count(*) FROM group_closure c JOIN "group" g ON g.id = c.descendant_id '
                       "WHERE g.user_id <> c.user_id")[0][0] == 0


def test_on_mariadb(reserved, mariadb_database):
    design, seed, closure = reserved
    mariadb_database.run(render_ddl(design, "mysql").sql)
    mariadb_database.run((seed / "mysql.sql").read_text())
    check(lambda sql: [tuple(r) for r in mariadb_rows(mariadb_database)(sql)], closure,
          "UPDATE `order` SET `check` = `check` + 1")  # JSON of a bytes column: as hex


def test_on_sqlite(reserved):
    design, seed, closure = reserved
    lite = sqlite3.connect(":memory:", isolation_level=None)
    lite.executescript(render_ddl(design, "sqlite").sql)
    lite.executescript((seed / "sqlite.sql").read_text())
    check(lambda sql: lite.execute(sql).fetchall(), closure, 'UPDATE "order" SET "check" = "check" + 1')
