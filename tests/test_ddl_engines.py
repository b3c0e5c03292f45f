"""The generated DDL runs on real engines, and its constraints really hold there."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass

import duckdb
import pytest

from conftest import EXAMPLES, load_example
from schemaforge.ddl.render import render_ddl
from schemaforge.design.loader import load_design_text


def ddl(design_or_name, target: str) -> str:
    design = load_example(design_or_name) if isinstance(design_or_name, str) else design_or_name
    return render_ddl(design, target).sql


def sqlite_db(sql: str) -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.executescript(sql)
    return conn


def table_count_pg(conn) -> int:
    return conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0]


@pytest.mark.parametrize("example", EXAMPLES)
def test_example_applies_on_postgres(example, pg_database):
    design = load_example(example)
    pg_database.execute(ddl(design, "postgres"))
    assert table_count_pg(pg_database) == len(design.entities)


@pytest.mark.parametrize("example", EXAMPLES)
def test_example_applies_on_sqlite(example):
    design = load_example(example)
    conn = sqlite_db(ddl(design, "sqlite"))
    tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
    assert tables == len(design.entities)
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


@pytest.mark.parametrize("example", EXAMPLES)
def test_example_applies_on_duckdb(example):
    design = load_example(example)
    conn = duckdb.connect()
    conn.execute(ddl(design, "duckdb"))
    assert conn.execute("SELECT count(*) FROM duckdb_tables()").fetchone()[0] == len(design.entities)


SHOP_ROWS = [
    "INSERT INTO category (id, name) VALUES (1, 'tools')",
    "INSERT INTO product (id, sku, name, price, category_id) VALUES (1, 'SKU-1', 'hammer', 9.50, 1)",
]


@dataclass(frozen=True)
class BadRow:
    """A row one constraint must reject, its good twin (the same row with that value fixed), which
    must be accepted, and per engine what the engine's error must say: the constraint at work."""

    name: str
    bad: str
    good: str
    rejected_by: dict[str, str]  # engine -> regex over its error message


def _product(id_: int, sku: str, name: str, price: str, category: int, stock: str | None = None) -> str:
    columns = "id, sku, name, price, category_id" + (", stock" if stock is not None else "")
    values = f"{id_}, '{sku}', {name}, {price}, {category}" + (f", {stock}" if stock is not None else "")
    return f"INSERT INTO product ({columns}) VALUES ({values})"


def _customer(email: str, tier: str | None = None) -> str:
    if tier is None:
        return f"INSERT INTO customer (email, full_name) VALUES ('{email}', 'A')"
    return f"INSERT INTO customer (email, full_name, tier) VALUES ('{email}', 'A', '{tier}')"


BAD_SHOP_ROWS = [
    BadRow("money check", _product(2, "SKU-2", "'x'", "-1", 1), _product(2, "SKU-2", "'x'", "1", 1), {
        "postgres": r"domain money_domain violates check constraint \"money_check\"", "sqlite": "ck_product_price_money", "duckdb": r"CHECK\(\(price >= 0\)\)",
        "mysql": "ck_product_price_money", "clickhouse": "ck_product_price_money"}),
    BadRow("unique sku", _product(3, "SKU-1", "'x'", "1", 1), _product(3, "SKU-3", "'x'", "1", 1), {
        "postgres": "uq_product_sku", "sqlite": r"UNIQUE constraint failed: product\.sku",
        "duckdb": r"Duplicate key \"sku: SKU-1\"", "mysql": "uq_product_sku"}),
    BadRow("foreign key", _product(4, "SKU-4", "'x'", "1", 99), _product(4, "SKU-4", "'x'", "1", 1), {
        "postgres": "fk_product_category", "sqlite": "FOREIGN KEY constraint failed",
        "duckdb": r"foreign key constraint because key \"id: 99\"", "mysql": "fk_product_category"}),
    BadRow("not null", _product(5, "SKU-5", "NULL", "1", 1), _product(5, "SKU-5", "'x'", "1", 1), {
        "postgres": r"column \"name\" .*not-null", "sqlite": r"NOT NULL constraint failed: product\.name",
        "duckdb": r"NOT NULL constraint failed: product\.name", "mysql": "Column 'name' cannot be null"}),
    BadRow("field check", _product(6, "SKU-6", "'x'", "1", 1, "-3"), _product(6, "SKU-6", "'x'", "1", 1, "3"), {
        "postgres": "ck_product_stock", "sqlite": "ck_product_stock", "duckdb": r"CHECK\(\(stock >= 0\)\)",
        "mysql": "ck_product_stock", "clickhouse": "ck_product_stock"}),
    BadRow("string length", "INSERT INTO tag (id, label) VALUES (1, '" + "x" * 41 + "')",
           "INSERT INTO tag (id, label) VALUES (1, '" + "x" * 40 + "')", {
        "postgres": r"too long for type character varying\(40\)", "sqlite": "ck_tag_label_length",
        "duckdb": r"length\(\"label\"\) <= 40", "mysql": "Data too long for column 'label'",
        "clickhouse": "ck_tag_label_length"}),
    BadRow("enum", _customer("e@b.co", "diamond"), _customer("e@b.co", "platinum"), {
        "postgres": r"invalid input value for enum customer_tier: \"diamond\"", "sqlite": "ck_customer_tier_enum",
        "duckdb": "Could not convert string 'diamond'", "mysql": "Data truncated for column 'tier'",
        "clickhouse": "Unknown element 'diamond' for enum"}),
    BadRow("email format", _customer("not an email"), _customer("ok@b.co"), {
        "postgres": r"domain email violates check constraint \"email_format\"", "duckdb": r"CHECK\(regexp_matches\(email",
        "mysql": "ck_customer_email_format", "clickhouse": "ck_customer_email_format"}),
]


def assert_rejected_for_their_reason(execute, engine: str, cases=BAD_SHOP_ROWS) -> None:
    """Each bad row the engine checks is refused by the constraint it breaks, and its good twin is
    accepted (so the refusal was for that value, not for a mistake in the statement)."""
    checked = [case for case in cases if engine in case.rejected_by]
    assert checked, engine
    for case in checked:
        with pytest.raises(Exception) as refused:
            execute(case.bad)
        assert re.search(case.rejected_by[engine], str(refused.value)), (case.name, str(refused.value)[:300])
        execute(case.good)


def test_shop_constraints_hold_on_postgres(pg_database):
    pg_database.execute(ddl("shop", "postgres"))
    for row in SHOP_ROWS:
        pg_database.execute(row)
    assert_rejected_for_their_reason(pg_database.execute, "postgres")


def test_shop_constraints_hold_on_sqlite():
    conn = sqlite_db(ddl("shop", "sqlite"))
    for row in SHOP_ROWS:
        conn.execute(row)
    assert_rejected_for_their_reason(conn.execute, "sqlite")


def test_shop_constraints_hold_on_duckdb():
    conn = duckdb.connect()
    conn.execute(ddl("shop", "duckdb"))
    for row in SHOP_ROWS:
        conn.execute(row)
    assert_rejected_for_their_reason(conn.execute, "duckdb")


def test_identity_uuid_and_now_defaults_fill_in(pg_database):
    pg_database.execute(ddl("shop", "postgres"))
    pg_database.execute("INSERT INTO category (name) VALUES ('a'), ('b')")
    assert [r[0] for r in pg_database.execute("SELECT id FROM category ORDER BY id")] == [1, 2]
    row = pg_database.execute(
        "INSERT INTO customer (email, full_name) VALUES ('x@y.io', 'X') RETURNING id::text, tier::text, created_at IS NOT NULL"
    ).fetchone()
    assert len(row[0]) == 36 and row[1] == "bronze" and row[2] is True


def test_sqlite_uuid_default_is_a_version_4_uuid():
    import uuid

    conn = sqlite_db(ddl("shop", "sqlite"))
    conn.execute("INSERT INTO customer (email, full_name) VALUES ('x@y.io', 'X')")
    value = conn.execute("SELECT id FROM customer").fetchone()[0]
    assert uuid.UUID(value).version == 4


def test_updated_at_is_maintained_on_postgres_and_sqlite(pg_database):
    pg_database.execute(ddl("shop", "postgres"))
    pg_database.execute("INSERT INTO tag (id, label, updated_at) VALUES (1, 'a', '2000-01-01')")
    pg_database.execute("UPDATE tag SET label = 'b' WHERE id = 1")
    assert pg_database.execute("SELECT updated_at > '2001-01-01' FROM tag").fetchone()[0] is True

    conn = sqlite_db(ddl("shop", "sqlite"))
    conn.execute("INSERT INTO tag (id, label, updated_at) VALUES (1, 'a', '2000-01-01')")
    conn.execute("UPDATE tag SET label = 'b' WHERE id = 1")
    assert conn.execute("SELECT updated_at > '2001' FROM tag").fetchone()[0] == 1


CYCLE = """
design: cycle
version: 1.0.0
description: two entities that refer to each other
entities:
  department:
    fields:
      id: {type: integer, pk: true}
      head: {ref: person, nullable: true}
  person:
    fields:
      id: {type: integer, pk: true}
      department: {ref: department}
"""


def test_nullable_cycle_is_created_then_closed_by_alter_on_postgres(pg_database):
    design = load_design_text(CYCLE, "designs/cycle.yaml", "cycle")
    sql = ddl(design, "postgres")
    assert "ALTER TABLE department ADD CONSTRAINT fk_department_head" in sql
    pg_database.execute(sql)
    fks = pg_database.execute("SELECT count(*) FROM pg_constraint WHERE contype = 'f'").fetchone()[0]
    assert fks == 2


def test_soft_delete_uniques_ignore_deleted_rows(pg_database):
    pg_database.execute(ddl("clinic", "postgres"))
    insert = "INSERT INTO patients (mrn, full_name, birth_date, deleted_at) VALUES ('M1', 'A', '1990-01-01', {})"
    pg_database.execute(insert.format("now()"))
    pg_database.execute(insert.format("NULL"))  # same MRN: the first one is deleted
    with pytest.raises(Exception, match="uq_patient_mrn"):
        pg_database.execute(insert.format("NULL"))


def test_generated_column_computes_on_postgres(pg_database):
    pg_database.execute(ddl("clinic", "postgres"))
    pg_database.execute("INSERT INTO users (login) VALUES ('a@b.co')")
    pg_database.execute("INSERT INTO departments (id, code, name) VALUES (1, 'CARD', 'Cardiology')")
    pg_database.execute("INSERT INTO practitioners (id, department_id, full_name, licence_no) VALUES (1, 1, 'D', 'L1')")
    pg_database.execute("INSERT INTO patients (id, mrn, full_name, birth_date) VALUES (1, 'M', 'P', '1990-01-01')")
    pg_database.execute("INSERT INTO appointments (id, patient_id, practitioner_id, starts_at) VALUES (1, 1, 1, now())")
    pg_database.execute("INSERT INTO medications (code, name) VALUES ('ASP', 'Aspirin')")
    pg_database.execute(
        "INSERT INTO prescriptions (appointment_id, medication_code, dose_mg, days) VALUES (1, 'ASP', 2.5, 4)"
    )
    assert pg_database.execute("SELECT total_mg FROM prescriptions").fetchone()[0] == 10
    with pytest.raises(Exception, match="domain code violates check constraint \"code_check\""):
        pg_database.execute("INSERT INTO medications (code, name) VALUES ('lower', 'x')")


ENUM_NAMED_LIKE_A_TABLE = """
design: clash
version: 1.0.0
description: an enum whose default type name is a table's name
entities:
  order:
    fields:
      id: {type: integer, pk: true}
      status: {type: enum(open, closed)}
  order_status:
    fields:
      id: {type: integer, pk: true}
"""


def test_an_enum_type_never_takes_a_table_name(pg_database):
    design = load_design_text(ENUM_NAMED_LIKE_A_TABLE, "designs/clash.yaml", "clash")
    assert design.entities["order"].column("status").enum_type == "order_status_enum"
    pg_database.execute(ddl(design, "postgres"))  # PostgreSQL's row type `order_status` is left alone
    assert table_count_pg(pg_database) == 2
