"""Seed data: loads into every SQL target with constraints on, is deterministic, and its
expectations fail on corrupted data with the offending rows shown."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from conftest import DESIGNS, EXAMPLES, SQL_EXAMPLES, load_example, psql_file
from schemaforge.performance.analyze import PsqlFailed
from schemaforge.deliverables.generate import sql_targets
from schemaforge.deliverables.seed import build_seed
from schemaforge.ddl.render import render_ddl
from schemaforge.expectations.run import run_suite
from schemaforge.expectations.suites import design_suites
from schemaforge.seed.load import write_load_script

_BUILT: dict[str, Path] = {}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """Build each example's seed once per module: name -> build/<design> folder."""
    def build(name: str) -> Path:
        if name not in _BUILT:
            root = tmp_path_factory.mktemp(name)
            result = build_seed(load_example(name), root)
            assert result.problems == [], [p.message for p in result.problems]
            _BUILT[name] = root
        return _BUILT[name]
    return build


def planned_rows(name: str) -> dict[str, int]:
    from schemaforge.seed.plan import row_counts
    return row_counts(load_example(name))


def table_counts(count, design) -> dict[str, int]:
    return {name: count(entity.table) for name, entity in design.entities.items()}


@pytest.mark.parametrize("example", SQL_EXAMPLES)
def test_seed_loads_into_sqlite_with_foreign_keys_on(example, seeded):
    design, root = load_example(example), seeded(example)
    con = sqlite3.connect(":memory:")
    con.executescript(render_ddl(design, "sqlite").sql)
    script = (root / "seed/sqlite.sql").read_text()
    assert script.splitlines()[2] == "PRAGMA foreign_keys = ON;"
    con.executescript(script)
    assert con.execute("PRAGMA foreign_keys").fetchone() == (1,)
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    quote = lambda t: f'"{t}"'
    assert table_counts(lambda t: con.execute(f"SELECT count(*) FROM {quote(t)}").fetchone()[0], design) == planned_rows(example)


@pytest.mark.parametrize("example", SQL_EXAMPLES)
def test_seed_loads_into_duckdb_with_constraints_on(example, seeded):
    design, root = load_example(example), seeded(example)
    con = duckdb.connect()
    con.execute(render_ddl(design, "duckdb").sql)
    con.execute((root / "seed/duckdb.sql").read_text())
    assert table_counts(lambda t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0], design) == planned_rows(example)


@pytest.mark.parametrize("example", SQL_EXAMPLES)
def test_seed_loads_into_postgres_with_constraints_on(example, seeded, pg_database):
    design, root = load_example(example), seeded(example)
    pg_database.execute(render_ddl(design, "postgres").sql)
    constraints = "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), convalidated FROM pg_constraint " \
                  "WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2"
    declared = pg_database.execute(constraints).fetchall()
    script = (root / "seed/postgres.sql").read_text()
    assert "FROM STDIN;" in script and "INSERT INTO" not in script  # COPY blocks, keys added back after the data
    psql_file(pg_database, root / "seed/postgres.sql")
    # Every key the DDL declared is back, defined as the DDL defines it, and checked on every row.
    assert pg_database.execute(constraints).fetchall() == declared
    assert all(validated for *_, validated in declared)
    counts = table_counts(lambda t: pg_database.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0], design)
    assert counts == planned_rows(example)
    # Identities continue above the loaded keys: a plain insert gets a fresh id.
    if example == "shop":
        pg_database.execute("INSERT INTO tag (label) VALUES ('brand new')")
        assert pg_database.execute("SELECT id FROM tag WHERE label = 'brand new'").fetchone()[0] == counts["tag"] + 1


@pytest.mark.parametrize("example", EXAMPLES)
def test_every_expectation_passes_on_the_generated_seed(example, seeded):
    design, root = load_example(example), seeded(example)
    for entity, suite in design_suites(design).items():
        result = run_suite(design, suite, root / "seed")
        assert result.success, (entity, result.failed())
        kinds = {e["expectation"] for e in result.expectations}
        assert "ExpectTableRowCountToEqual" in kinds


def test_the_same_random_seed_gives_byte_identical_files(tmp_path, seeded):
    first, second = seeded("shop") / "seed", tmp_path / "again"
    build_seed(load_example("shop"), second)
    names = sorted(p.name for p in first.iterdir() if p.is_file())
    assert names == sorted(p.name for p in (second / "seed").iterdir())
    for name in names:
        assert (first / name).read_bytes() == (second / "seed" / name).read_bytes(), name


def test_a_load_script_past_a_parquet_row_group_cuts_every_statement_whole(tmp_path):
    """DuckDB writes a script's lines itself, on several threads once a table spans more than one
    of the Parquet file's row groups (122,880 rows). Written with a join, a table's lines came out
    of order there and PostgreSQL met a row outside any INSERT (bench/seed_load.py, 1M rows).
    The script, loaded into SQLite with foreign keys on, must give every generated row."""
    from schemaforge.seed.generate import generate_seed
    from schemaforge.seed.plan import row_counts

    design = load_example("shop")
    result = generate_seed(design, tmp_path, 600_000 / sum(row_counts(design).values()))
    assert max(result.rows.values()) > 2 * 122_880
    write_load_script(design, "sqlite", tmp_path, tmp_path / "sqlite.sql")
    con = sqlite3.connect(":memory:")
    con.executescript(render_ddl(design, "sqlite").sql)
    con.executescript((tmp_path / "sqlite.sql").read_text())
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    quote = lambda t: f'"{t}"'  # noqa: E731
    assert table_counts(lambda t: con.execute(f"SELECT count(*) FROM {quote(t)}").fetchone()[0], design) == result.rows


@pytest.mark.parametrize("example", ["shop", "clinic"])
def test_load_scripts_written_side_by_side_are_those_written_one_at_a_time(example, seeded, tmp_path):
    """build_seed writes the targets' scripts concurrently (one DuckDB thread each); each must be
    byte for byte the script a lone writer with all of DuckDB's threads writes."""
    seed = seeded(example) / "seed"
    design = load_example(example)
    targets = sql_targets(design)
    assert len(targets) > 1 and os.cpu_count() > 1  # so that build_seed really wrote them side by side
    for target in targets:
        write_load_script(design, target, seed, tmp_path / f"{target}.sql")
        assert (tmp_path / f"{target}.sql").read_bytes() == (seed / f"{target}.sql").read_bytes(), target


def shop_variant(tmp_path: Path, old: str, new: str):
    """The shop design with one edit, loaded from tmp_path."""
    from schemaforge.design.loader import load_design

    text = (DESIGNS / "shop.yaml").read_text()
    assert old in text
    (tmp_path / "shop.yaml").write_text(text.replace(old, new, 1))
    return load_design(tmp_path / "shop.yaml")


def shop_with_rule(tmp_path: Path, name: str, query: str):
    rule = f"    enforce: expectation\n  - name: {name}\n    entity: payment\n    assert: \"{query}\"\n"
    return shop_variant(tmp_path, "    enforce: expectation\n", rule)


def test_another_random_seed_gives_other_data(tmp_path, seeded):
    build_seed(shop_variant(tmp_path, "random_seed: 42", "random_seed: 43"), tmp_path / "out")
    other = pq.read_table(tmp_path / "out/seed/customer.parquet").column("email").to_pylist()
    original = pq.read_table(seeded("shop") / "seed/customer.parquet").column("email").to_pylist()
    assert other != original and len(set(other)) == len(other) == len(original)


def test_seed_data_is_realistic(seeded):
    """Skewed references, acyclic hierarchies, past birth dates, plausible emails, boundaries reached."""
    seed = seeded("shop") / "seed"
    con = duckdb.connect()
    read = lambda name: f"read_parquet('{seed / name}.parquet')"
    per_customer = con.execute(f"SELECT max(c), median(c) FROM (SELECT count(*) c FROM {read('order')} GROUP BY customer_id)").fetchone()
    assert per_customer[0] >= 5 * per_customer[1]  # some customers have many orders
    assert con.execute(f"SELECT count(*) FROM {read('category')} WHERE parent_id >= id").fetchone()[0] == 0
    assert con.execute(f"SELECT count(*) FROM {read('category')} WHERE parent_id IS NULL").fetchone()[0] >= 1
    emails = con.execute(f"SELECT email FROM {read('customer')} LIMIT 50").fetchall()
    assert all("@" in e and "." in e.split("@")[1] for (e,) in emails)
    assert con.execute(f"SELECT min(quantity), max(quantity) FROM {read('order_line')}").fetchone() == (1, 20)
    assert con.execute(f"SELECT count(*) FROM {read('order')} WHERE placed_at < '2024-01-01' OR placed_at >= '2026-01-01'").fetchone()[0] == 0
    clinic = seeded("clinic") / "seed"
    assert con.execute(f"SELECT max(birth_date) < DATE '2010-01-01' FROM read_parquet('{clinic}/patient.parquet')").fetchone()[0]
    accounts = con.execute(f"SELECT count(account_id), count(DISTINCT account_id) FROM read_parquet('{clinic}/patient.parquet')").fetchone()
    assert 0 < accounts[0] == accounts[1]  # one-to-one, partly null


# -- negative: corrupted seed data fails the right expectation --------------------------------
def corrupt(seed: Path, entity: str, select: str) -> None:
    """Rewrite seed/<entity>.parquet as `select` over it (`src`)."""
    path = seed / f"{entity}.parquet"
    moved = seed / f"{entity}.orig.parquet"
    shutil.move(path, moved)
    duckdb.execute(f"COPY (SELECT * FROM ({select.format(src=f'read_parquet({chr(39)}{moved}{chr(39)})')})) TO '{path}' (FORMAT parquet)")
    moved.unlink()


CORRUPTIONS = {
    "duplicate key": ("customer", "SELECT * FROM {src} UNION ALL (SELECT * REPLACE ('x' || email AS email) FROM {src} LIMIT 1)", "key_unique:id"),
    "dangling foreign key": (
        "order", "SELECT * REPLACE (CASE WHEN id = 7 THEN '00000000-0000-4000-8000-000000000000' ELSE customer_id END AS customer_id) FROM {src}",
        "foreign_key:fk_order_customer"),
    "broken check": ("order_line", "SELECT * REPLACE (CASE WHEN quantity = 1 THEN 0 ELSE quantity END AS quantity) FROM {src}",
                     "check:ck_order_line_quantity"),
    "unbalanced rule": ("order", "SELECT * REPLACE (CASE WHEN id = 11 THEN total + 1 ELSE total END AS total) FROM {src}",
                        "rule:order_total_matches_lines"),
    "value outside the enum": ("order", "SELECT * REPLACE (CASE WHEN id = 3 THEN 'lost' ELSE status END AS status) FROM {src}", "enum:status"),
    "malformed email": ("customer", "SELECT * REPLACE (CASE WHEN email LIKE 'a%' THEN 'not an email ' || id ELSE email END AS email) FROM {src}", "format:email"),
}


@pytest.mark.parametrize("case", sorted(CORRUPTIONS))
def test_corrupted_seed_fails_the_right_expectation_with_offending_rows(case, seeded, tmp_path):
    entity, select, expected = CORRUPTIONS[case]
    seed = tmp_path / "seed"
    shutil.copytree(seeded("shop") / "seed", seed)
    corrupt(seed, entity, select)
    design = load_example("shop")
    result = run_suite(design, design_suites(design)[entity], seed)
    failed = {f["name"]: f for f in result.failed()}
    assert not result.success and expected in failed, failed
    shown = failed[expected]
    assert "error" not in shown
    assert shown.get("unexpected_rows") or shown.get("unexpected_values")
    if case == "dangling foreign key":
        assert shown["unexpected_rows"] == [{"id": 7, "customer_id": "00000000-0000-4000-8000-000000000000"}]
    if case == "unbalanced rule":
        assert shown["unexpected_rows"] == [{"id": 11}]
    # Nothing else broke: the corruption fails only what it should.
    unrelated = set(failed) - {expected, "row_count"}
    assert unrelated == set()


def test_the_dagster_check_reports_a_failed_expectation(tmp_path, monkeypatch):
    monkeypatch.setenv("SCHEMAFORGE_BUILD", str(tmp_path / "build"))
    from assets.design_assets import design_definitions

    design = load_example("shop")
    build_seed(design, tmp_path / "build" / "shop")
    corrupt(tmp_path / "build/shop/seed", "order", CORRUPTIONS["unbalanced rule"][1])
    _, checks = design_definitions(DESIGNS / "shop.yaml")
    check = next(c for c in checks if any(k.name == "expectations_order" for k in c.check_keys))
    assert all(spec.blocking for spec in check.check_specs)
    # One run of every suite (one Great Expectations context), a result per entity.
    results = {r.check_name: r for r in check()}
    assert set(results) == {f"expectations_{entity}" for entity in design.entities}
    result = results["expectations_order"]
    assert result.passed is False and results["expectations_customer"].passed is True
    assert "rule:order_total_matches_lines" in result.metadata["failed_expectations"].value
    saved = json.loads((tmp_path / "build/shop/seed/expectations/order.json").read_text())
    assert saved["success"] is False
    assert any(e["name"] == "rule:order_total_matches_lines" and e["unexpected_rows"] == [{"id": 11}] for e in saved["expectations"])


def test_a_rule_the_generator_cannot_satisfy_is_named(tmp_path):
    design = shop_with_rule(tmp_path, "no_big_payments", "SELECT p.id FROM payment p WHERE p.amount > 10 AND p.id % 2 = 0")
    result = build_seed(design, tmp_path / "out")
    assert [(p.kind, p.name) for p in result.problems] == [("rule", "no_big_payments")]
    report = json.loads((tmp_path / "out/seed/report.json").read_text())
    assert report["problems"][0]["name"] == "no_big_payments"
    failed = run_suite(design, design_suites(design)["payment"], tmp_path / "out/seed").failed()
    assert [f["name"] for f in failed] == ["rule:no_big_payments"]


def test_an_ordering_rule_along_a_reference_is_made_to_hold(tmp_path):
    design = shop_with_rule(tmp_path, "paid_after_placed",
                            "SELECT p.id FROM payment p JOIN order o ON p.order_id = o.id WHERE p.paid_at < o.placed_at")
    result = build_seed(design, tmp_path / "out")
    assert result.problems == [] and result.repaired_rules == ["order_total_matches_lines", "paid_after_placed"]
    assert run_suite(design, design_suites(design)["payment"], tmp_path / "out/seed").success


def test_a_row_breaking_a_key_fails_the_whole_copy_load(seeded, pg_database, tmp_path):
    """The keys are dropped for the COPY blocks and added back after: a row whose reference
    leads nowhere fails the load when its key comes back, and the transaction leaves nothing."""
    design, root = load_example("shop"), seeded("shop")
    pg_database.execute(render_ddl(design, "postgres").sql)
    script = (root / "seed/postgres.sql").read_text()
    block = script.index("COPY product_tag (product_id, tag_id) FROM STDIN;\n")
    first_row = script.index("\n", block) + 1
    row_end = script.index("\n", first_row)
    broken = script[:first_row] + script[first_row:row_end].split("\t")[0] + "\t999999" + script[row_end:]
    (tmp_path / "broken.sql").write_text(broken)
    with pytest.raises(PsqlFailed, match='violates foreign key constraint "fk_product_tag_tag"'):
        psql_file(pg_database, tmp_path / "broken.sql")
    assert pg_database.execute("SELECT count(*) FROM product_tag").fetchone() == (0,)
    psql_file(pg_database, root / "seed/postgres.sql")  # its good twin: the script as written
    assert pg_database.execute("SELECT count(*) FROM product_tag").fetchone() == (planned_rows("shop")["product_tag"],)
