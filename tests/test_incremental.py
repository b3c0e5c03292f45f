"""Rebuild only what a change affects: with nothing changed a materialize (or `schemaforge build`)
regenerates nothing, and after each kind of edit exactly the deliverables that read it are
regenerated. Proved three ways: the engine's own counts of what it really built, the files'
modification times, and the set of assets the CI command (`schemaforge-materialize`) selects."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from conftest import shop_project
from schemaforge.cli import main as schemaforge
from schemaforge.ddl.targets import SQL_TARGETS
from schemaforge.deliverables import records

DDL = {f"ddl_{t}" for t in SQL_TARGETS}
MIGRATIONS = {f"migrations_{t}" for t in SQL_TARGETS}
QUERIES = {f"queries_{t}" for t in SQL_TARGETS}
# The index plan, the monitoring config and the performance report read the queries and the seed's row counts.
MEASURED = {"indexes", "monitoring", "performance"}
# The security policy per target with roles (SQLite and DuckDB have none), and the checklist.
SECURITY = {f"security_{t}" for t in SQL_TARGETS if t not in ("sqlite", "duckdb")} | {"security_checklist"}
EVERYTHING = {"history", "lint", "spec", "erd", "seed", "manifest"} | MEASURED | DDL | MIGRATIONS | QUERIES | SECURITY
# What reads the whole design file (its text's hash): any edit at all regenerates these.
WHOLE_FILE = {"spec", "lint", "history", "manifest"}

# Each kind of edit, with exactly the deliverables that must regenerate after it.
EDITS = {
    "description": ("description: A label for grouping products", "description: A label for products",
                    WHOLE_FILE | DDL | MIGRATIONS),
    "seed rows": ("rows: {customer: 1000,", "rows: {customer: 1200,", WHOLE_FILE | {"seed"} | MEASURED),
    "a field": ("      label: {type: string(40)", "      note: {type: string(20), nullable: true}\n"
                "      label: {type: string(40)", EVERYTHING),
    "a query": ("    limit: 20\n", "    limit: 25\n", WHOLE_FILE | QUERIES | MEASURED),
    "the version": ("version: 1.1.0", "version: 1.2.0", WHOLE_FILE | MIGRATIONS),
}


@pytest.fixture
def project(tmp_path, monkeypatch):
    return shop_project(tmp_path, monkeypatch)


def definitions() -> dg.Definitions:
    from definitions import build_definitions

    return build_definitions()


def materialize_all(instance) -> dg.ExecuteInProcessResult:
    return definitions().resolve_implicit_global_asset_job_def().execute_in_process(instance=instance)


def stamps(build: Path) -> dict[str, int]:
    """Every file of the build, records included, with its modification time."""
    return {p.relative_to(build).as_posix(): p.stat().st_mtime_ns for p in sorted(build.rglob("*")) if p.is_file()}


def counting():
    records.built_counts.clear()
    records.checked_counts.clear()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def test_with_nothing_changed_a_materialize_regenerates_nothing(project):
    _, build = project
    instance = dg.DagsterInstance.ephemeral()
    counting()
    assert materialize_all(instance).success
    assert set(records.built_counts) == EVERYTHING
    assert "seed.expectations" in records.checked_counts
    before = stamps(build)

    counting()
    result = materialize_all(instance)
    assert result.success
    assert not records.built_counts, "a no-op materialize regenerated deliverables"
    # Every check's result is reused but the manifest's, which reads the whole folder.
    assert set(records.checked_counts) == {"manifest.matches_files"}
    assert stamps(build) == before, "a no-op materialize rewrote files"
    materializations = [e.step_materialization_data.materialization for e in result.get_asset_materialization_events()]
    regenerated = {m.asset_key.path[-1]: m.metadata["regenerated"].value for m in materializations}
    assert set(regenerated) == EVERYTHING and not any(regenerated.values())
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert all(checks.values()) and "expectations_customer" in checks


@pytest.mark.parametrize("kind", EDITS)
def test_after_an_edit_exactly_what_reads_it_regenerates(project, kind):
    from assets.materialize import stale_assets

    designs, build = project
    old, new, expected = EDITS[kind]
    instance = dg.DagsterInstance.ephemeral()
    assert materialize_all(instance).success
    assert stale_assets(definitions(), instance) == []
    edit(designs / "shop.yaml", old, new)
    # What the CI command would launch: the assets whose code version moved, and what depends on them.
    selected = {k.path[-1] for k in stale_assets(definitions(), instance)}
    assert selected == expected | {"manifest"}
    before = stamps(build)
    counting()
    assert materialize_all(instance).success
    assert set(records.built_counts) == expected
    rewritten = {path for path, mtime in stamps(build).items() if before.get(path) != mtime}
    if "erd" not in expected:
        assert not {p for p in rewritten if p.startswith("erd/")}
    if "seed" not in expected:
        assert not {p for p in rewritten if p.startswith("seed/") and not p.startswith("seed/expectations/")}
    assert stale_assets(definitions(), instance) == []


def test_the_ci_command_launches_nothing_when_nothing_is_stale_and_rebuilds_a_deleted_folder(project, tmp_path, monkeypatch, capsys):
    from assets.materialize import main as materialize

    _, build = project
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    (tmp_path / "dagster_home").mkdir()
    counting()
    assert materialize([]) == 0
    assert set(records.built_counts) == EVERYTHING
    capsys.readouterr()

    counting()
    assert materialize([]) == 0
    assert "nothing is stale: no run launched" in capsys.readouterr().out
    assert not records.built_counts and not records.checked_counts

    # Files deleted or edited by hand: the instance still holds them fresh, the disk says otherwise.
    (build / "shop" / "ddl" / "oracle.sql").unlink()
    (build / "shop" / "erd" / "erd.mmd").write_text("erDiagram\n")
    counting()
    assert materialize(["--dry-run"]) == 0
    assert capsys.readouterr().out == "2 stale: shop/ddl_oracle, shop/erd\n"
    assert materialize([]) == 0
    assert set(records.built_counts) == {"ddl_oracle", "erd"}  # the manifest's inputs came back unchanged
    assert (build / "shop" / "erd" / "erd.mmd").read_text() != "erDiagram\n"


def test_the_ci_command_needs_a_dagster_home(monkeypatch, capsys):
    from assets.materialize import main as materialize

    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    assert materialize([]) == 2
    assert "set DAGSTER_HOME" in capsys.readouterr().err


def test_schemaforge_build_is_incremental_and_prunes_what_is_no_longer_made(project, capsys):
    designs, build = project
    counting()
    assert schemaforge(["build"]) == 0
    assert set(records.built_counts) == EVERYTHING
    before = stamps(build)

    counting()
    assert schemaforge(["build"]) == 0
    assert not records.built_counts
    assert stamps(build) == before

    edit(designs / "shop.yaml", "targets: [postgres, mysql, sqlite, sqlserver, oracle, duckdb, clickhouse]",
         "targets: [postgres, mysql, sqlite, sqlserver, duckdb, clickhouse]")
    counting()
    assert schemaforge(["build"]) == 0
    # The seed's load scripts, the migrations and the monitoring SQL follow the targets (the
    # performance report measures on the seed); the other targets' DDL does not.
    assert set(records.built_counts) == WHOLE_FILE | {"seed"} | MEASURED | {m for m in MIGRATIONS if m != "migrations_oracle"}
    assert not (build / "shop" / "queries" / "oracle.sql").exists()
    assert not (build / "shop" / "monitoring" / "queries" / "oracle.sql").exists()
    assert not (build / "shop" / "ddl" / "oracle.sql").exists()
    assert not (build / "shop" / "migrations" / "oracle").exists() or not any((build / "shop" / "migrations" / "oracle").iterdir())
    assert (build / "shop" / "ddl" / "postgres.sql").stat().st_mtime_ns == before["shop/ddl/postgres.sql"]

    counting()
    assert schemaforge(["build", "--rebuild"]) == 0
    assert set(records.built_counts) == {name for name in EVERYTHING if not name.endswith("oracle")}


def test_schemaforge_build_draws_the_erd_beside_the_next_deliverables_and_waits_for_it(project, monkeypatch, capsys):
    """The ERD spends its time in D2's processes, so the CLI draws it while the seed is built
    (the seed starts before the ERD is done) and the manifest, which lists the ERD, waits for it."""
    import threading

    from schemaforge.deliverables import registry, seed

    designs, build = project
    seed_started, erd_done, order = threading.Event(), threading.Event(), []
    draw, build_seed, manifest = registry.erd_artifacts, seed.build_seed, registry.manifest_from_disk

    def slow_erd(design):
        order.append(("erd waits for the seed", seed_started.wait(60)))
        drawn = draw(design)
        erd_done.set()
        return drawn

    def seed_beside(*args, **kwargs):
        seed_started.set()
        order.append(("seed starts; erd done", erd_done.is_set()))
        return build_seed(*args, **kwargs)

    def manifest_after(*args, **kwargs):
        order.append(("manifest; erd done", erd_done.is_set()))
        return manifest(*args, **kwargs)

    monkeypatch.setattr(registry, "erd_artifacts", slow_erd)
    monkeypatch.setattr(seed, "build_seed", seed_beside)
    monkeypatch.setattr(registry, "manifest_from_disk", manifest_after)
    assert schemaforge(["build", "--rebuild"]) == 0
    assert sorted(order) == [("erd waits for the seed", True), ("manifest; erd done", True),
                             ("seed starts; erd done", False)]
    assert (build / "shop" / "erd" / "erd.svg").stat().st_size > 0
