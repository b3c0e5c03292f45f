"""MySQL and ClickHouse DDL run on real engines (MariaDB in strict mode, chdb); SQL Server and
Oracle, which have no server here, are checked by parsing: every statement parses back through
sqlglot in that dialect to the same tree, and golden files pin the text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp

from conftest import DESIGNS, EXAMPLES, ROOT, load_example
from test_ddl_engines import SHOP_ROWS, assert_rejected_for_their_reason
from schemaforge.ddl.render import render_ddl
from schemaforge.design.loader import load_design

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p.stem for p in GOLDEN.glob("*.yaml"))
# Statements sqlglot keeps as text (no tree): procedural bodies and Oracle's identity reset.
PROCEDURAL = re.compile(r"^(CREATE (OR (REPLACE|ALTER) )?(TRIGGER|FUNCTION)|ALTER TABLE \S+ MODIFY)", re.I)
BLOCK = re.compile(r"^CREATE (OR (REPLACE|ALTER) )?(TRIGGER|FUNCTION)", re.I)  # bodies hold ';' themselves


_QUOTE = re.compile(r"\\.")  # a backslash escape (MySQL's \') is not a quote of its own


def statements(script: str) -> list[str]:
    """A generated script's statements, without comments, terminators or batch separators."""
    parts, current = [], []
    for line in script.splitlines():
        if line.startswith("--") or line.strip() in ("GO", "/"):
            continue
        current.append(line)
        text = "\n".join(current).strip()
        if not BLOCK.match(text):  # a line ending in ';' inside a string literal does not end it
            ends = line.endswith(";") and _QUOTE.sub("", text).count("'") % 2 == 0
        elif "$$" in text:  # a dollar-quoted body (PostgreSQL) ends at its closing $$
            ends = line.endswith("$$;")
        else:
            ends = line in ("END;", "END")
        if ends:
            parts.append(text.rstrip(";"))
            current = []
    rest = "\n".join(current).strip()
    return parts + ([rest] if rest else [])


def assert_parses_back(sql: str, dialect: str) -> int:
    """Each statement parses in `dialect`, and what sqlglot writes back parses to the same tree."""
    count = 0
    for statement in statements(sql):
        if PROCEDURAL.match(statement):
            continue
        tree = sqlglot.parse_one(statement, read=dialect)
        assert not isinstance(tree, exp.Command), f"sqlglot does not understand: {statement[:200]}"
        assert sqlglot.parse_one(tree.sql(dialect), read=dialect) == tree, statement[:200]
        count += 1
    return count


def all_designs():
    yield from ((f"designs/{e}.yaml", DESIGNS / f"{e}.yaml") for e in EXAMPLES)
    yield from ((f"designs/{c}.yaml", GOLDEN / f"{c}.yaml") for c in CASES)
    # The pattern designs (graph, multi_tenant, the security policy's carenet).
    yield from ((f"tests/designs/{p.name}", p) for p in sorted((ROOT / "tests" / "designs").glob("*.yaml")))


@pytest.mark.parametrize("target,dialect", [("sqlserver", "tsql"), ("oracle", "oracle")])
def test_every_design_parses_back_in_its_dialect(target, dialect):
    for shown, path in all_designs():
        design = load_design(path, shown_as=shown)
        sql = render_ddl(design, target).sql
        assert assert_parses_back(sql, dialect) >= len(design.entities), shown


@pytest.mark.parametrize("example", EXAMPLES)
def test_example_applies_on_mariadb(example, mariadb_database):
    design = load_example(example)
    mariadb_database.run(render_ddl(design, "mysql").sql)
    tables = mariadb_database.query("SELECT count(*) FROM information_schema.tables WHERE table_schema = DATABASE()")
    assert tables[0][0] == len(design.entities)
    checks = mariadb_database.query("SELECT count(*) FROM information_schema.check_constraints WHERE constraint_schema = DATABASE()")
    assert checks[0][0] > 0


@pytest.mark.parametrize("case", CASES)
def test_golden_case_applies_on_mariadb_and_clickhouse(case, mariadb_database, clickhouse_database):
    mariadb_database.run((GOLDEN / case / "mysql.sql").read_text())
    clickhouse_database.run((GOLDEN / case / "clickhouse.sql").read_text())


@pytest.mark.parametrize("example", EXAMPLES)
def test_example_applies_on_clickhouse(example, clickhouse_database):
    design = load_example(example)
    clickhouse_database.run(render_ddl(design, "clickhouse").sql)
    tables = clickhouse_database.query("SELECT count() FROM system.tables WHERE database = currentDatabase()")
    assert tables[0][0] == len(design.entities)
    engines = clickhouse_database.query("SELECT DISTINCT engine FROM system.tables WHERE database = currentDatabase()")
    assert engines == [["MergeTree"]]


def test_shop_constraints_hold_on_mariadb(mariadb_database):
    mariadb_database.run(render_ddl(load_example("shop"), "mysql").sql)
    for row in SHOP_ROWS:
        mariadb_database.run(row)
    assert_rejected_for_their_reason(mariadb_database.run, "mysql")
    # The identity, uuid and now defaults fill in; updated_at follows updates.
    mariadb_database.run("INSERT INTO category (name) VALUES ('b')")
    mariadb_database.run("INSERT INTO customer (email, full_name) VALUES ('x@y.io', 'X')")
    row = mariadb_database.query("SELECT id, tier, created_at FROM customer WHERE email = 'x@y.io'")[0]
    assert len(row[0]) == 36 and row[1] == "bronze" and row[2] is not None
    mariadb_database.run("UPDATE tag SET label = label WHERE id = 0")  # no rows: nothing to maintain
    mariadb_database.run("INSERT INTO tag (id, label, updated_at) VALUES (2, 'a', '2000-01-01')")
    mariadb_database.run("UPDATE tag SET label = 'b' WHERE id = 2")
    assert mariadb_database.query("SELECT updated_at > '2001-01-01' FROM tag WHERE id = 2")[0][0] == 1


def test_shop_checks_hold_on_clickhouse(clickhouse_database):
    """ClickHouse enforces CHECKs (and types); keys, uniques and references are documentation."""
    clickhouse_database.run(render_ddl(load_example("shop"), "clickhouse").sql)
    for row in SHOP_ROWS:
        clickhouse_database.run(row)
    assert_rejected_for_their_reason(clickhouse_database.run, "clickhouse")
    clickhouse_database.run("INSERT INTO \"order\" (id, customer_id, total, shipped_at) VALUES (1, generateUUIDv4(), 1, NULL)")
    shipped_before_placed = ("INSERT INTO \"order\" (id, customer_id, total, placed_at, shipped_at) "
                             "VALUES (2, generateUUIDv4(), 1, '2024-02-01 00:00:00', '2024-01-01 00:00:00')")
    with pytest.raises(Exception, match="ck_order_shipped_after_placed"):
        clickhouse_database.run(shipped_before_placed)
    clickhouse_database.run(shipped_before_placed.replace("'2024-01-01 00:00:00'", "'2024-03-01 00:00:00'"))


def test_clickhouse_sorting_key_leads_with_the_busiest_query():
    sql = render_ddl(load_example("shop"), "clickhouse").sql
    assert 'ENGINE=MergeTree ORDER BY (customer_id, placed_at, id)' in sql  # recent_orders_of_customer
    sql = render_ddl(load_example("clinic"), "clickhouse").sql
    # upcoming_for_practitioner: the constant status filter, then equality, then the range, then the key.
    assert "ORDER BY (status, practitioner_id, starts_at, id)" in sql
