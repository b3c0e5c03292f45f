"""The build contract: deterministic output, the shipped JSON Schema, names and reserved words."""

from __future__ import annotations

import json
import sqlite3

import duckdb
import jsonschema
import pytest
import yaml

from conftest import DESIGNS, EXAMPLES, ROOT, load_example
from schemaforge.deliverables.generate import artifact_paths, performance_paths, seed_paths
from schemaforge.monitoring.render import monitoring_paths
from schemaforge.deliverables.registry import deliverables, plan_design
from schemaforge.cli import main as cli_main
from schemaforge.ddl import reserved
from schemaforge.ddl.targets import SQL_TARGETS
from schemaforge.naming import pluralize, shorten
from schemaforge.design.loader import load_design_text
from schemaforge.design.syntax import design_json_schema

SCHEMA_FILE = ROOT / "schemaforge" / "design" / "design.schema.json"


def built_files(example: str, root) -> dict[str, bytes]:
    """Every file the registry's deliverables write for `example` under `root`, the seed (tested
    for determinism in test_seed), the release snapshot (written beside the design) and the
    performance report (latencies measured on a server differ from run to run) aside."""
    plan = plan_design(DESIGNS / f"{example}.yaml", load_example(example))
    kept = [item for item in deliverables(plan) if item.name not in ("seed", "manifest", "history", "performance")]
    seed = [item for item in deliverables(plan) if item.name == "seed" and any("seed" in k.deps for k in kept)]
    for item in seed + kept:  # the seed first where a deliverable reads it (a NoSQL schema sized from it)
        item.build(root)
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not (seed and p.relative_to(root).parts[0] == "seed")}


@pytest.mark.parametrize("example", EXAMPLES)
def test_the_same_design_gives_byte_identical_artifacts(example, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache_first"))  # D2 renders both pictures
    first = built_files(example, tmp_path / "first")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache_second"))
    second = built_files(example, tmp_path / "second")
    assert list((tmp_path / "cache_second").rglob("*.svg"))
    assert first == second
    design = load_example(example)
    assert set(first) == set(artifact_paths(design, plan_design(DESIGNS / f"{example}.yaml", design).history)) - set(
        seed_paths(design)) - set(performance_paths(design))


def test_cli_build_writes_the_layout_of_spec_section_11(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert cli_main(["build", "--build", str(tmp_path), "designs/shop.yaml"]) == 0
    files = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    files.remove(".shop.lock")  # the lock that keeps two builds of shop apart, beside its folder
    records = [f for f in files if f.startswith("shop/.built/")]  # what the next build may reuse
    assert sorted(records) == sorted(f"shop/.built/{d.name}.json" for d in deliverables(
        plan_design(DESIGNS / "shop.yaml", load_example("shop"))))
    files = [f for f in files if f not in records]
    entities = ("category", "customer", "order", "order_line", "payment", "product", "product_tag", "review", "tag")
    assert files == sorted(
        ["shop/design.json", "shop/erd/erd.mmd", "shop/erd/erd.svg", "shop/lint.json", "shop/manifest.json",
         "shop/seed/report.json"]
        + [f"shop/{kind}/{t}.sql" for kind in ("ddl", "indexes", "queries", "seed") for t in SQL_TARGETS]
        + ["shop/indexes/plan.json", "shop/indexes/plan.md"]
        + [f"shop/{path}" for path in monitoring_paths(list(SQL_TARGETS))]
        + ["shop/performance/report.md", "shop/performance/report.json", "shop/performance/pgbouncer.ini"]
        + [f"shop/security/{t}.sql" for t in SQL_TARGETS if t not in ("sqlite", "duckdb")]  # those have no roles
        + ["shop/security/checklist.md", "shop/security/postgresql.conf", "shop/security/pg_hba.conf"]
        + [f"shop/seed/{e}.parquet" for e in entities]
        + [f"shop/migrations/{t}/1.0.0__1.1.0.{d}.sql" for t in SQL_TARGETS for d in ("up", "down")]
    )
    svg = (tmp_path / "shop/erd/erd.svg").read_text()
    assert svg.startswith("<?xml") and "order_line" in svg


def test_cli_check_fails_with_located_errors(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("design: bad\nversion: 1.0.0\ndescription: d\nentities:\n  a:\n    fields:\n      id: {type: integr, pk: true}\n")
    assert cli_main(["check", str(bad)]) == 1
    assert "bad.yaml:7:18: unknown type 'integr'; did you mean 'integer'? [SP301]" in capsys.readouterr().err


def test_shipped_json_schema_is_generated_from_the_model():
    assert json.loads(SCHEMA_FILE.read_text()) == json.loads(json.dumps(design_json_schema()))


@pytest.mark.parametrize("example", EXAMPLES)
def test_examples_validate_against_the_json_schema_and_carry_the_modeline(example):
    text = (DESIGNS / f"{example}.yaml").read_text()
    assert text.startswith("# yaml-language-server: $schema=../schemaforge/design/design.schema.json\n")
    # What an editor does: a standard YAML parser, then the shipped JSON Schema.
    jsonschema.validate(yaml.safe_load(text), json.loads(SCHEMA_FILE.read_text()))


def test_json_schema_rejects_an_unknown_key():
    schema = json.loads(SCHEMA_FILE.read_text())
    text = (DESIGNS / "shop.yaml").read_text()
    jsonschema.validate(yaml.safe_load(text), schema)  # the unedited file passes, so the edit is what fails
    data = yaml.safe_load(text.replace("complexity:", "complexty:"))
    with pytest.raises(jsonschema.ValidationError, match="complexty"):
        jsonschema.validate(data, schema)


def test_postgres_reserved_words_match_the_server(pg_database):
    rows = pg_database.execute("SELECT word FROM pg_get_keywords() WHERE catcode IN ('R', 'T')").fetchall()
    assert {r[0] for r in rows} <= reserved.POSTGRES


def test_duckdb_reserved_words_match_the_engine():
    rows = duckdb.connect().execute(
        "SELECT keyword_name FROM duckdb_keywords() WHERE keyword_category IN ('reserved', 'type_function')"
    ).fetchall()
    assert {r[0] for r in rows} <= reserved.DUCKDB


def test_every_word_sqlite_refuses_as_a_bare_name_is_in_its_reserved_list():
    conn = sqlite3.connect(":memory:")
    candidates = reserved.SQLITE | reserved.POSTGRES | reserved.DUCKDB
    refused = set()
    for word in sorted(candidates):
        try:
            conn.execute(f"CREATE TABLE {word} ({word} INTEGER)")
            conn.execute(f"DROP TABLE {word}")
        except sqlite3.Error:
            refused.add(word)
    assert refused <= reserved.SQLITE
    assert refused, "the probe should find reserved words"


def test_mysql_reserved_words_cover_mysql_8_and_what_mariadb_refuses(mariadb_database):
    from sqlglot.generators.mysql import MySQLGenerator

    assert set(MySQLGenerator.RESERVED_KEYWORDS) <= reserved.MYSQL  # MySQL 8.0's list
    refused = set()
    for word in sorted(ALL_WORDS):
        try:
            mariadb_database.run(f"CREATE TABLE {word} ({word} INTEGER); DROP TABLE {word};")
        except Exception:  # pymysql's ProgrammingError: a syntax error at the word
            refused.add(word)
    assert refused and refused <= reserved.MYSQL


def test_clickhouse_reserved_words_cover_what_it_refuses(clickhouse_database):
    refused = set()
    for word in sorted(ALL_WORDS):
        try:
            clickhouse_database.run(
                f"CREATE TABLE {word} (id Int32, {word} Int32, CONSTRAINT ck CHECK {word} >= 0) "
                f"ENGINE = MergeTree ORDER BY ({word}, id);\nDROP TABLE {word};\n")
        except Exception:  # chdb's error: the word does not parse there
            refused.add(word)
    assert refused and refused <= reserved.CLICKHOUSE


ALL_WORDS = sorted(w for w in (reserved.POSTGRES | reserved.DUCKDB | reserved.SQLITE | reserved.MYSQL | reserved.SQLSERVER
                               | reserved.ORACLE | reserved.CLICKHOUSE) if w.isidentifier() and w.islower() and w[0] != "_")


# sqlglot reads `CREATE TABLE "if" (` and `CREATE TABLE "concurrently" (` as its own keywords even
# when quoted; the engines do not. Only the parse check leaves these two table names out.
SQLGLOT_QUOTED_TABLE_LIMITS = {"if", "concurrently"}


def words_design(target: str, tables=ALL_WORDS):
    entities = "\n".join(
        f"  {w}:\n    fields:\n      id: {{type: integer, pk: true}}\n      {w}: {{type: integer, nullable: true, check: \"value >= 0\"}}"
        f"\n      word_{w}: {{type: integer, nullable: true, column: {w}2}}"
        for w in tables if w != "id"
    )
    entities += "\n  words:\n    fields:\n      id: {type: integer, pk: true}\n" + "\n".join(
        f"      {w}: {{type: integer, nullable: true}}" for w in ALL_WORDS if w != "id")
    text = f"design: words\nversion: 1.0.0\ndescription: reserved words\ntargets: [{target}]\ndatabase: {target}\nentities:\n{entities}\n"
    return load_design_text(text, "designs/words.yaml", "words")


@pytest.mark.parametrize("target", sorted(SQL_TARGETS))
def test_every_reserved_word_works_as_a_table_and_column_name(target, request):
    """A design may name things `order`, `select`, `check`...: every target quotes them. The
    engines here run the DDL; SQL Server's and Oracle's parse back in sqlglot."""
    from schemaforge.ddl.render import render_ddl
    from test_ddl_targets import assert_parses_back

    parsed_only = target in ("sqlserver", "oracle")
    tables = [w for w in ALL_WORDS if not (parsed_only and w in SQLGLOT_QUOTED_TABLE_LIMITS)]
    sql = render_ddl(words_design(target, tables), target).sql
    if target == "sqlite":
        sqlite3.connect(":memory:").executescript(sql)
    elif target == "duckdb":
        duckdb.connect().execute(sql)
    elif target == "postgres":
        request.getfixturevalue("pg_database").execute(sql)
    elif target == "mysql":
        request.getfixturevalue("mariadb_database").run(sql)
    elif target == "clickhouse":
        request.getfixturevalue("clickhouse_database").run(sql)
    else:
        assert assert_parses_back(sql, SQL_TARGETS[target].dialect) >= len(tables)


def test_shortened_names_fit_and_never_collide():
    a = "fk_order_line_product_warehouse_location_reference_alpha_beta_a"
    b = "fk_order_line_product_warehouse_location_reference_alpha_beta_b"
    assert len(shorten(a, 63)) <= 63 and len(shorten(b, 63)) <= 63
    assert shorten(a, 63) != shorten(b, 63)
    assert shorten(a, 63) == shorten(a, 63)
    assert shorten("short", 63) == "short"


def test_plural_table_names():
    assert [pluralize(w) for w in ("order", "category", "box", "order_status", "key")] == [
        "orders", "categories", "boxes", "order_statuses", "keys",
    ]


def test_readme_commands_are_what_ci_runs():
    readme = (ROOT / "README.md").read_text()
    ci = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if line.strip() and not line.startswith("#")]
    assert ci[-1].strip() in readme


def test_an_unchanged_erd_is_taken_from_the_cache(tmp_path, monkeypatch):
    """D2 runs once per distinct picture: the same source again is read from the cache, and a
    changed source (or no writable cache) renders anew."""
    from schemaforge.erd import picture

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    source = picture.render_d2(load_example("ledger"))
    first = picture.render_svg(source)
    renders = []
    monkeypatch.setattr(picture, "_render", lambda text, args: renders.append(text) or b"<svg/>")
    assert picture.render_svg(source) == first and renders == []
    assert picture.render_svg(source + "\nextra: {}\n") == b"<svg/>" and len(renders) == 1
    (tmp_path / "cache").chmod(0o500)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache" / "sub"))
    assert picture.render_svg(source) == b"<svg/>" and len(renders) == 2
