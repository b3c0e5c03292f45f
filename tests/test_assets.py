"""The Dagster layer: the asset graph per design, versions that stale exactly what a change affects,
broken designs that fail alone, and atomic writes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.definitions.data_version import CachingStaleStatusResolver, StaleStatus
from dagster._core.loader import LoadingContextForTest

from conftest import DESIGNS, ROOT, shop_project
from schemaforge.monitoring.render import monitoring_paths
from schemaforge.security.render import WRITERS
from schemaforge.deliverables.files import Artifact, content_hash, write_atomic
from schemaforge.ddl.targets import SQL_TARGETS

K = dg.AssetKey


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A designs/ folder holding shop.yaml, a build/ folder, and a definitions loader."""
    designs, build = shop_project(tmp_path, monkeypatch)

    def definitions() -> dg.Definitions:
        from definitions import build_definitions

        return build_definitions()

    return designs, build, definitions


SECURITY_TARGETS = [t for t in SQL_TARGETS if t in WRITERS]  # SQLite and DuckDB have no roles


def materialize_all(defs: dg.Definitions, instance, raise_on_error=True):
    job = defs.resolve_implicit_global_asset_job_def()
    return job.execute_in_process(instance=instance, raise_on_error=raise_on_error)


def stale_keys(defs: dg.Definitions, instance) -> set[str]:
    # Dagster's own stale-status resolver, the one the UI uses (an internal API, pinned by version).
    resolver = CachingStaleStatusResolver(
        instance=instance, asset_graph=defs.resolve_asset_graph(), loading_context=LoadingContextForTest(instance)
    )
    keys = defs.resolve_asset_graph().get_all_asset_keys()
    return {k.to_user_string() for k in keys if resolver.get_status(k) == StaleStatus.STALE}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_each_design_has_its_assets_in_its_group(project):
    _, _, definitions = project
    graph = definitions().resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert keys == {
        "shop/spec", "shop/erd", "shop/lint", "shop/seed", "shop/manifest", "shop/history",
        *(f"shop/ddl_{t}" for t in SQL_TARGETS), *(f"shop/migrations_{t}" for t in SQL_TARGETS),
        *(f"shop/queries_{t}" for t in SQL_TARGETS), "shop/indexes", "shop/monitoring", "shop/performance",
        *(f"shop/security_{t}" for t in SECURITY_TARGETS), "shop/security_checklist",
    }
    assert {graph.get(k).group_name for k in graph.get_all_asset_keys()} == {"shop"}
    checks = {c.to_user_string() for c in graph.asset_check_keys}
    assert "shop/lint:no_lint_errors" in checks and "shop/ddl_sqlite:applies_to_empty_database" in checks
    assert {"shop/monitoring:rules_pass_promtool", "shop/performance:queries_use_their_indexes",
            "shop/performance:queries_meet_p95", "shop/security_postgres:policy_holds_on_postgres"} <= checks
    # One expectation suite per entity, each a check on the seed asset.
    suites = {c for c in checks if c.startswith("shop/seed:")}
    assert suites == {f"shop/seed:expectations_{e}" for e in (
        "customer", "category", "product", "order", "order_line", "payment", "review", "tag", "product_tag")}


def test_materializing_writes_every_artifact_with_a_content_hash_version(project):
    _, build, definitions = project
    instance = dg.DagsterInstance.ephemeral()
    result = materialize_all(definitions(), instance)
    assert result.success
    root = build / "shop"
    manifest = json.loads((root / "manifest.json").read_text())
    paths = {a["path"] for a in manifest["artifacts"]}
    seed = {f"seed/{e}.parquet" for e in ("customer", "category", "product", "order", "order_line", "payment", "review", "tag", "product_tag")}
    seed |= {f"seed/{t}.sql" for t in SQL_TARGETS} | {"seed/report.json"}
    ddl = {f"ddl/{t}.sql" for t in SQL_TARGETS}
    queries = {f"queries/{t}.sql" for t in SQL_TARGETS} | {f"indexes/{t}.sql" for t in SQL_TARGETS}
    queries |= {"indexes/plan.json", "indexes/plan.md"}
    migrations = {f"migrations/{t}/1.0.0__1.1.0.{d}.sql" for t in SQL_TARGETS for d in ("up", "down")}
    measured = set(monitoring_paths(list(SQL_TARGETS))) | {"performance/report.md", "performance/report.json",
                                                           "performance/pgbouncer.ini"}
    security = {f"security/{t}.sql" for t in SECURITY_TARGETS} | {"security/checklist.md", "security/postgresql.conf",
                                                                  "security/pg_hba.conf"}
    assert paths == ({"design.json", "erd/erd.mmd", "erd/erd.svg", "lint.json"} | ddl | seed | migrations | queries
                     | measured | security)
    for entry in manifest["artifacts"]:
        assert Artifact(entry["path"], (root / entry["path"]).read_bytes()).sha256 == entry["sha256"]
    assert manifest["design_version"] == "1.1.0" and len(manifest["design_sha256"]) == 64
    event = instance.get_latest_materialization_event(K(["shop", "ddl_postgres"]))
    ddl = Artifact("ddl/postgres.sql", (root / "ddl/postgres.sql").read_bytes())
    assert event.asset_materialization.tags["dagster/data_version"] == content_hash([ddl])
    erd = instance.get_latest_materialization_event(K(["shop", "erd"])).asset_materialization
    assert erd.metadata["mermaid"].value.startswith("```mermaid\nerDiagram")
    checks = {e.check_name: e.passed
              for e in result.get_asset_check_evaluations()}
    assert checks == {"no_lint_errors": True, "applies_to_empty_database": True, "matches_files": True,
                      "rules_pass_promtool": True, "queries_use_their_indexes": True, "queries_meet_p95": True,
                      "policy_holds_on_postgres": True} | {
        name: True for name in checks if name.startswith("expectations_")}
    assert len(checks) == 7 + 9


def test_a_description_change_stales_only_what_reads_descriptions(project):
    designs, _, definitions = project
    instance = dg.DagsterInstance.ephemeral()
    materialize_all(definitions(), instance)
    assert stale_keys(definitions(), instance) == set()
    edit(designs / "shop.yaml", "description: A label for grouping products", "description: A label for products")
    # The DDL carries descriptions as comments; the ERD does not. The manifest records the design's
    # sha256, so it reads everything.
    # The current release's snapshot is the design file: its migrations carry the comment too.
    assert stale_keys(definitions(), instance) == {
        "shop/spec", "shop/lint", "shop/manifest", "shop/history",
        *(f"shop/ddl_{t}" for t in SQL_TARGETS), *(f"shop/migrations_{t}" for t in SQL_TARGETS),
    }


def test_a_seed_change_leaves_ddl_and_erd_fresh(project):
    designs, _, definitions = project
    instance = dg.DagsterInstance.ephemeral()
    materialize_all(definitions(), instance)
    edit(designs / "shop.yaml", "rows: {customer: 1000,", "rows: {customer: 2000,")
    assert stale_keys(definitions(), instance) == {"shop/spec", "shop/lint", "shop/seed", "shop/manifest", "shop/history",
                                                   "shop/indexes", "shop/monitoring", "shop/performance"}
    # the seed's row counts size the indexes and pick the dashboard's large tables; the
    # performance report measures on the seed


def test_rematerializing_stale_assets_propagates_only_real_changes(project):
    designs, _, definitions = project
    instance = dg.DagsterInstance.ephemeral()
    materialize_all(definitions(), instance)
    edit(designs / "shop.yaml", "rows: {customer: 1000,", "rows: {customer: 2000,")
    defs = definitions()
    defs.resolve_implicit_global_asset_job_def().execute_in_process(
        instance=instance, asset_selection=[K(["shop", "spec"]), K(["shop", "lint"])]
    )
    # design.json holds no seed settings and lint found nothing new: their data versions did not
    # move, so nothing downstream went stale; the seed (whose code version moved) and the manifest
    # (which records the design hash) are, and the index plan, which sizes each index by the rows,
    # the monitoring config, whose dashboard shows the largest tables, and the performance report.
    assert stale_keys(definitions(), instance) == {"shop/seed", "shop/manifest", "shop/history", "shop/indexes",
                                                   "shop/monitoring", "shop/performance"}


def test_sensor_requests_only_the_assets_a_change_affects(project):
    from assets.automation import changed_assets
    from assets.design_assets import design_plan, planned_code_versions

    designs, _, definitions = project
    instance = dg.DagsterInstance.ephemeral()

    def planned():
        return planned_code_versions(design_plan(designs / "shop.yaml"))

    materialize_all(definitions(), instance)
    assert changed_assets(instance, planned()) == []
    edit(designs / "shop.yaml", "max: 20}", "max: 30}")  # a seed setting
    changed = changed_assets(instance, planned())
    assert {k.to_user_string() for k in changed} == {"shop/spec", "shop/lint", "shop/seed", "shop/manifest", "shop/history",
                                                     "shop/performance"}  # it measures on the seed


def test_migrations_go_stale_only_when_the_version_or_the_history_moves(project):
    designs, _, definitions = project
    instance = dg.DagsterInstance.ephemeral()
    materialize_all(definitions(), instance)
    assert (designs / "shop.history" / "1.1.0.yaml").read_bytes() == (designs / "shop.yaml").read_bytes()
    edit(designs / "shop.yaml", "max: 20}", "max: 30}")  # a seed setting: no migration reads it
    assert not {k for k in stale_keys(definitions(), instance) if "migrations" in k}
    materialize_all(definitions(), instance)
    edit(designs / "shop.history" / "1.0.0.yaml", "label: {type: string(40)", "label: {type: string(30)")
    assert {k for k in stale_keys(definitions(), instance) if "migrations" in k} == {f"shop/migrations_{t}" for t in SQL_TARGETS}
    materialize_all(definitions(), instance)
    edit(designs / "shop.yaml", "version: 1.1.0", "version: 1.2.0")
    assert {f"shop/migrations_{t}" for t in SQL_TARGETS} <= stale_keys(definitions(), instance)


def test_a_destructive_release_fails_its_migrations_listing_what_is_lost(project):
    designs, build, definitions = project
    edit(designs / "shop.yaml", "      reference: {type: string(100), unique: true}\n", "")
    result = materialize_all(definitions(), dg.DagsterInstance.ephemeral(), raise_on_error=False)
    failures = {e.step_key: e.event_specific_data.error.message for e in result.all_events if e.is_step_failure}
    # The lint reports the loss too (MG101, an error), so its blocking check fails with them.
    assert set(failures) == {f"shop__migrations_{t}" for t in SQL_TARGETS} | {"shop__lint_no_lint_errors"}
    assert "drop column payment.reference" in failures["shop__migrations_postgres"]
    assert "allow_destructive: true" in failures["shop__migrations_postgres"]
    assert not (build / "shop" / "migrations").exists()
    edit(designs / "shop.yaml", "allow_destructive: false", "allow_destructive: true")
    assert materialize_all(definitions(), dg.DagsterInstance.ephemeral()).success
    down = (build / "shop" / "migrations" / "postgres" / "1.0.0__1.1.0.down.sql").read_text()
    assert "ADD COLUMN reference VARCHAR(100) NOT NULL" in down


def test_a_broken_design_fails_alone_with_located_errors(project):
    designs, build, definitions = project
    (designs / "bad.yaml").write_text("design: bad\nversion: 1.0.0\ndescription: d\nentities:\n  a: {fields: {id: {type: hugeint, pk: true}}}\n")
    defs = definitions()
    assert K(["bad", "spec"]) in defs.resolve_asset_graph().get_all_asset_keys()
    result = materialize_all(defs, dg.DagsterInstance.ephemeral(), raise_on_error=False)
    failures = [e for e in result.all_events if e.is_step_failure]
    assert [e.step_key for e in failures] == ["bad__spec"]
    assert "bad.yaml:5:27: unknown type 'hugeint'; did you mean 'bigint'?" in failures[0].event_specific_data.error.message
    assert (build / "shop" / "manifest.json").exists() and not (build / "bad").exists()


def test_definitions_use_the_in_process_executor(project):
    _, _, definitions = project
    assert definitions().resolve_implicit_global_asset_job_def().executor_def.name == "in_process"


def test_atomic_write_leaves_the_old_file_when_interrupted(tmp_path, monkeypatch):
    target = tmp_path / "ddl" / "postgres.sql"
    write_atomic(target, b"old complete content")

    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, b"new content")
    assert target.read_bytes() == b"old complete content"
    assert [p.name for p in target.parent.iterdir()] == ["postgres.sql"]


def test_the_engine_never_imports_dagster():
    offenders = [
        str(p.relative_to(ROOT)) for p in (ROOT / "schemaforge").rglob("*.py")
        if any(line.strip().startswith(("import dagster", "from dagster")) for line in p.read_text().splitlines())
    ]
    assert offenders == []
    code = (
        "import pkgutil, importlib, sys, schemaforge\n"
        "for m in pkgutil.walk_packages(schemaforge.__path__, 'schemaforge.'):\n"
        "    if not m.name.endswith('__main__'): importlib.import_module(m.name)\n"
        "print(sorted(n for n in sys.modules if n.split('.')[0] in ('dagster', 'dagster_webserver')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


# Designs written for domains shop and clinic do not cover, for the NoSQL targets (Redis,
# DynamoDB, MongoDB, Cassandra, Firestore), and with stores (polyglot, microservices).
NEW_DOMAINS = ("ledger", "social", "saas", "arcade", "orderdesk", "chirp", "telemetry", "pocket", "bazaar", "courier")


def test_the_domain_designs_build_clean_with_every_check_green(tmp_path, monkeypatch):
    designs, build = tmp_path / "designs", tmp_path / "build"
    designs.mkdir()
    for name in NEW_DOMAINS:
        shutil.copy(DESIGNS / f"{name}.yaml", designs / f"{name}.yaml")
    monkeypatch.setenv("SCHEMAFORGE_DESIGNS", str(designs))
    monkeypatch.setenv("SCHEMAFORGE_BUILD", str(build))
    from definitions import build_definitions

    result = materialize_all(build_definitions(), dg.DagsterInstance.ephemeral())
    assert result.success
    checks = result.get_asset_check_evaluations()
    assert {e.asset_key.path[0] for e in checks} == set(NEW_DOMAINS)
    assert [(e.asset_key.to_user_string(), e.check_name) for e in checks if not e.passed] == []
    assert (build / "arcade" / "ddl" / "redis.json").exists() and (build / "arcade" / "seed" / "redis.redis").exists()
    assert json.loads((build / "orderdesk" / "ddl" / "dynamodb.json").read_text())["TableName"] == "orderdesk"
    assert (build / "chirp" / "ddl" / "mongodb.js").exists() and (build / "chirp" / "seed" / "mongodb.jsonl").exists()
    assert "CREATE TABLE IF NOT EXISTS telemetry.readings_of_device_on_day" in (
        build / "telemetry" / "ddl" / "cassandra.cql").read_text()
    assert (build / "telemetry" / "seed" / "cassandra.cql").stat().st_size > 0
    assert "match /board/{boardId}" in (build / "pocket" / "ddl" / "firestore.rules").read_text()
    assert json.loads((build / "pocket" / "ddl" / "firestore.indexes.json").read_text())["indexes"]
    assert (build / "courier" / "architecture" / "events" / "orders" / "parcel.json").exists()
    assert "CREATE TABLE session" not in (build / "bazaar" / "ddl" / "postgres.sql").read_text()
    for name in NEW_DOMAINS:
        lint = json.loads((build / name / "lint.json").read_text())
        assert lint["counts"]["error"] == 0 and (build / name / "manifest.json").exists()
        assert json.loads((build / name / "seed" / "report.json").read_text())["problems"] == []


def test_a_large_seed_reports_its_estimate_and_progress_in_the_run_log(project, monkeypatch):
    """What `schemaforge build` prints of a large seed reaches Dagster's event log too."""
    designs, _, definitions = project
    monkeypatch.setattr("schemaforge.deliverables.seed.LARGE_SEED_ROWS", 1000)
    monkeypatch.setattr("schemaforge.seed.generate.LARGE_SEED_ROWS", 1000)
    instance = dg.DagsterInstance.ephemeral()
    job = definitions().resolve_implicit_global_asset_job_def()
    result = job.execute_in_process(instance=instance, asset_selection=[K(["shop", "seed"])])
    messages = [e.user_message for e in instance.all_logs(result.run_id)]
    assert any(m.startswith("shop: seed of 34,550 rows: about ") for m in messages)
    assert "shop: seed: order_line, 0 of 20,000 rows" in messages
    assert "shop: seed: the postgres load script" in messages
