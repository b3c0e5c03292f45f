"""Golden DDL, Validator style: a design fragment in, the expected SQL per dialect out.

Each tests/golden/<case>.yaml is a small design; tests/golden/<case>/<target>.sql is what it
must render to, byte for byte. The examples in designs/ are pinned the same way. After an intended
change, SCHEMAFORGE_UPDATE_GOLDEN=1 rewrites the expected files; review the diff before committing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import DESIGNS, EXAMPLES, IN_CI
from schemaforge.ddl.render import render_ddl
from schemaforge.ddl.targets import SQL_TARGETS
from schemaforge.design.loader import load_design

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p.stem for p in GOLDEN.glob("*.yaml"))
UPDATE = os.environ.get("SCHEMAFORGE_UPDATE_GOLDEN") == "1"


def refuse_update_in_ci(update: bool, ci: bool) -> None:
    """Rewriting the expected files in CI would make every golden test pass whatever changed."""
    if update and ci:
        raise pytest.UsageError("SCHEMAFORGE_UPDATE_GOLDEN=1 rewrites the expected files; it is refused under CI=true")


refuse_update_in_ci(UPDATE, IN_CI)


def _compare(design_path: Path, shown: str, expected_dir: Path, target: str) -> None:
    design = load_design(design_path, shown_as=shown)
    actual = render_ddl(design, target).sql
    expected_file = expected_dir / f"{target}.sql"
    if UPDATE:
        expected_file.parent.mkdir(parents=True, exist_ok=True)
        expected_file.write_text(actual)
    assert expected_file.exists(), f"no golden file {expected_file}; run with SCHEMAFORGE_UPDATE_GOLDEN=1"
    assert actual == expected_file.read_text()


@pytest.mark.parametrize("target", sorted(SQL_TARGETS))
@pytest.mark.parametrize("case", CASES)
def test_fragment_renders_to_golden_sql(case, target):
    _compare(GOLDEN / f"{case}.yaml", f"designs/{case}.yaml", GOLDEN / case, target)


@pytest.mark.parametrize("target", sorted(SQL_TARGETS))
@pytest.mark.parametrize("example", EXAMPLES)
def test_example_renders_to_golden_sql(example, target):
    _compare(DESIGNS / f"{example}.yaml", f"designs/{example}.yaml", GOLDEN / "examples" / example, target)


def test_golden_cases_apply_on_the_embedded_engines():
    import sqlite3

    import duckdb

    for case in CASES:
        conn = sqlite3.connect(":memory:")
        conn.executescript((GOLDEN / case / "sqlite.sql").read_text())
        duckdb.connect().execute((GOLDEN / case / "duckdb.sql").read_text())


def test_golden_cases_apply_on_postgres(pg_database):
    for case in CASES:
        pg_database.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        pg_database.execute((GOLDEN / case / "postgres.sql").read_text())


def test_the_feature_matrix_in_the_docs_is_in_step_with_the_targets():
    from schemaforge.ddl.matrix import feature_matrix

    doc = Path(__file__).parent.parent / "docs" / "targets.md"
    if UPDATE:
        doc.write_text(feature_matrix())
    assert doc.read_text() == feature_matrix(), "docs/targets.md is stale; run with SCHEMAFORGE_UPDATE_GOLDEN=1"
    assert all(title in doc.read_text() for title in ("PostgreSQL", "MySQL", "SQLite", "SQL Server", "Oracle", "DuckDB", "ClickHouse"))


def test_updating_the_golden_files_is_refused_in_ci():
    with pytest.raises(pytest.UsageError, match="refused under CI=true"):
        refuse_update_in_ci(update=True, ci=True)
    refuse_update_in_ci(update=True, ci=False)  # a developer may update them
    refuse_update_in_ci(update=False, ci=True)
