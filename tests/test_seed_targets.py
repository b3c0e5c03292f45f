"""The seed's load scripts for MySQL, ClickHouse, SQL Server and Oracle: MySQL's runs on MariaDB
in strict mode with foreign keys on and ClickHouse's on chdb, with every row counted; SQL Server's
and Oracle's parse statement by statement in their dialects (no server here)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp

from conftest import DESIGNS, SQL_EXAMPLES, load_example
from schemaforge.deliverables.seed import build_seed
from schemaforge.ddl.render import render_ddl
from schemaforge.seed.plan import row_counts
from schemaforge.design.loader import load_design
from test_ddl_targets import statements


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    built: dict[str, Path] = {}

    def build(name: str) -> Path:
        if name not in built:
            built[name] = tmp_path_factory.mktemp(name)
            assert build_seed(load_example(name), built[name]).problems == []
        return built[name]
    return build


def counts(query, design) -> dict[str, int]:
    return {name: query(entity.table) for name, entity in design.entities.items()}


@pytest.mark.parametrize("example", SQL_EXAMPLES)
def test_seed_loads_into_mariadb_with_constraints_on(example, seeded, mariadb_database):
    design, root = load_example(example), seeded(example)
    mariadb_database.run(render_ddl(design, "mysql").sql)
    mariadb_database.run((root / "seed/mysql.sql").read_text())
    assert mariadb_database.query("SELECT @@foreign_key_checks")[0][0] == 1
    loaded = counts(lambda t: mariadb_database.query(f"SELECT count(*) FROM `{t}`")[0][0], design)
    assert loaded == row_counts(design)
    # AUTO_INCREMENT continues above the loaded keys.
    if example == "shop":
        mariadb_database.run("INSERT INTO tag (label) VALUES ('brand new')")
        assert mariadb_database.query("SELECT id FROM tag WHERE label = 'brand new'")[0][0] == loaded["tag"] + 1


@pytest.mark.parametrize("example", SQL_EXAMPLES)
def test_seed_loads_into_clickhouse(example, seeded, clickhouse_database):
    design, root = load_example(example), seeded(example)
    clickhouse_database.run(render_ddl(design, "clickhouse").sql)
    clickhouse_database.run((root / "seed/clickhouse.sql").read_text())
    loaded = counts(lambda t: clickhouse_database.query(f'SELECT count() FROM "{t}"')[0][0], design)
    assert loaded == row_counts(design)


def test_mysql_and_clickhouse_keep_backslashes_and_quotes(tmp_path, mariadb_database, clickhouse_database):
    """Both read backslash escapes in string literals: the scripts escape them."""
    text = (DESIGNS / "shop.yaml").read_text()
    text = text.replace("    customer.email: {generator: email}\n",
                        "    customer.email: {generator: email}\n    tag.label: {values: ['a\\b', \"it's\", 'c\\n']}\n")
    text = re.sub(r"rows: \{[^}]*\}", "rows: {customer: 10, category: 3, product: 5, order: 10, order_line: 10, payment: 5, review: 5, tag: 3, product_tag: 5}", text)
    (tmp_path / "shop.yaml").write_text(text)
    design = load_design(tmp_path / "shop.yaml")
    assert build_seed(design, tmp_path / "out").problems == []
    mariadb_database.run(render_ddl(design, "mysql").sql)
    mariadb_database.run((tmp_path / "out/seed/mysql.sql").read_text())
    clickhouse_database.run(render_ddl(design, "clickhouse").sql)
    clickhouse_database.run((tmp_path / "out/seed/clickhouse.sql").read_text())
    expected = sorted(["a\\b", "it's", "c\\n"])
    assert sorted(r[0] for r in mariadb_database.query("SELECT label FROM tag")) == expected
    assert sorted(r[0] for r in clickhouse_database.query("SELECT label FROM tag")) == expected


def small_example(tmp_path: Path, example: str):
    """The example with a few rows per entity, so that parsing its scripts stays quick."""
    text = re.sub(r"\n  rows: \{[^}]*\}", "\n  scale: 0.02", (DESIGNS / f"{example}.yaml").read_text())
    (tmp_path / f"{example}.yaml").write_text(text)
    return load_design(tmp_path / f"{example}.yaml")


@pytest.mark.parametrize("target,dialect", [("sqlserver", "tsql"), ("oracle", "oracle")])
@pytest.mark.parametrize("example", SQL_EXAMPLES)
def test_seed_script_parses_in_its_dialect(example, target, dialect, tmp_path):
    design = small_example(tmp_path, example)
    assert build_seed(design, tmp_path / "out").problems == []
    script = (tmp_path / "out/seed" / f"{target}.sql").read_text()
    inserted: dict[str, int] = {}
    for statement in statements(script):
        if statement.startswith(("SET IDENTITY_INSERT", "ALTER TABLE")):
            continue  # SQL Server's switch and Oracle's identity reset: sqlglot keeps them as text
        tree = sqlglot.parse_one(statement, read=dialect)
        assert not isinstance(tree, exp.Command), statement[:200]
        if isinstance(tree, exp.Insert):
            rows = tree.expression
            n = len(rows.expressions) if isinstance(rows, exp.Values) else len(list(rows.find_all(exp.Select)))
            inserted[tree.this.this.name] = inserted.get(tree.this.this.name, 0) + n
    assert inserted == {e.table: n for e, n in ((design.entities[k], v) for k, v in row_counts(design).items())}
