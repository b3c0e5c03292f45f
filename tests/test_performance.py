"""The performance analysis: recommendations located at the design line they come from (each
bad shape with a good twin that gets none), the pool sized by Little's law with its arithmetic
shown, and the `performance` deliverable measured on a throwaway PostgreSQL, its checks judging
what it found."""

from __future__ import annotations

import configparser
import json
import math
from pathlib import Path

import pytest

from conftest import DESIGNS, load_example
from schemaforge.design.loader import load_design
from schemaforge.performance.advice import POOL_HEADROOM, caching, pool, recommendations

BASE = """\
design: store
version: 1.0.0
description: A store
targets: [postgres]
entities:
  customer:
    fields:
      id: {type: bigint, pk: true}
      email: {type: string(200), unique: true}
      name: {type: string(200)}
  purchase:
    fields:
      id: {type: bigint, pk: true}
      customer: {ref: customer}
      placed_at: {type: timestamptz}
queries:
"""


def _codes(tmp_path, queries: str) -> list[tuple[str, int]]:
    (tmp_path / "store.yaml").write_text(BASE + queries)
    design = load_design(tmp_path / "store.yaml")
    return [(f.code, f.location.line) for f in recommendations(design)]


@pytest.mark.parametrize("code, bad, good", [
    ("PF201", "SELECT id FROM customer WHERE name LIKE '%son' LIMIT 5", "SELECT id FROM customer WHERE name LIKE 'son%' LIMIT 5"),
    ("PF202", "SELECT id FROM customer WHERE lower(email) = :email", "SELECT id FROM customer WHERE email = :email"),
    ("PF203", "SELECT id FROM purchase ORDER BY id LIMIT 20 OFFSET 40",
     "SELECT id FROM purchase WHERE id > :last_id ORDER BY id LIMIT 20"),
])
def test_each_sql_shape_a_reviewer_would_flag_is_found_at_its_query(tmp_path, code, bad, good):
    line = BASE.count("\n") + 2  # the query's sql: line
    assert _codes(tmp_path, f'  q:\n    sql: "{bad}"\n') == [(code, line)]
    assert _codes(tmp_path, f'  q:\n    sql: "{good}"\n') == []


def test_a_high_rate_query_without_a_limit_is_flagged_unless_it_reads_one_row(tmp_path):
    many = "  q:\n    entity: purchase\n    filter: {customer: eq}\n    rate: 500\n"
    assert _codes(tmp_path, many) == [("PF204", BASE.count("\n") + 2)]
    assert _codes(tmp_path, many.replace("rate: 500", "rate: 500\n    limit: 20")) == []
    assert _codes(tmp_path, many.replace("rate: 500", "rate: 5")) == []  # not called often
    assert _codes(tmp_path, "  q:\n    entity: customer\n    filter: {email: eq}\n    rate: 500\n") == []  # a unique


def test_a_lookup_called_per_row_of_another_query_is_an_n_plus_one(tmp_path):
    queries = ("  purchases:\n    entity: purchase\n    filter: {placed_at: range}\n    limit: 50\n    rate: 20\n"
               "  customer_by_id:\n    entity: customer\n    filter: {id: eq}\n    rate: {rate}\n")
    assert _codes(tmp_path, queries.replace("{rate}", "800")) == [("PF205", BASE.count("\n") + 7)]
    assert _codes(tmp_path, queries.replace("{rate}", "30")) == []  # not per row: about as often


def test_a_key_lookup_called_often_is_a_cache_candidate_keyed_by_its_parameters(tmp_path):
    (tmp_path / "store.yaml").write_text(BASE + "  by_email:\n    entity: customer\n    filter: {email: eq}\n    rate: 900\n"
                                         "  rare:\n    entity: customer\n    filter: {email: eq}\n    rate: 9\n")
    design = load_design(tmp_path / "store.yaml")
    assert [(c.query, c.key) for c in caching(design)] == [("by_email", "store:by_email:{email}")]


def test_the_pool_is_littles_law_with_headroom_and_its_arithmetic_shown():
    design = load_example("saas")
    sized = pool(design)
    busy = sum(q.rate * q.p95_ms / 1000 for q in design.queries.values() if q.rate)
    assert sized.size == max(5, math.ceil(busy * POOL_HEADROOM))
    assert any(line.startswith("active_subscription_of_tenant: 1500 calls/s x 5.000 ms") for line in sized.lines)
    measured = pool(design, {"active_subscription_of_tenant": 0.1, "usage_of_key": 0.1})  # 100 ms each: a slow server
    assert measured.size == math.ceil((1500 + 100) * 0.1 * POOL_HEADROOM)


@pytest.fixture(scope="module")
def built_performance(tmp_path_factory, instrumented_postgres):
    """saas's seed and performance deliverable built, measuring on the test session's server."""
    import os

    from schemaforge.deliverables.registry import deliverables, plan_design

    root = tmp_path_factory.mktemp("perf")
    design = load_example("saas")
    items = {d.name: d for d in deliverables(plan_design(DESIGNS / "saas.yaml", design))}
    items["seed"].build(root)
    previous = os.environ.get("SCHEMAFORGE_POSTGRES_URL")
    os.environ["SCHEMAFORGE_POSTGRES_URL"] = instrumented_postgres
    try:
        built = items["performance"].build(root)
    finally:
        if previous is None:
            del os.environ["SCHEMAFORGE_POSTGRES_URL"]
        else:
            os.environ["SCHEMAFORGE_POSTGRES_URL"] = previous
    return design, root, built, items["performance"]


def test_the_performance_deliverable_measures_every_query_and_passes_its_checks(built_performance):
    design, root, built, item = built_performance
    data = json.loads((root / "performance/report.json").read_text())
    assert data["measured"] and {"hypopg", "pg_qualstats", "pg_stat_statements"} <= set(data["measured_with"])
    for name, query in data["queries"].items():
        assert query["uses_planned_index"], name
        assert query["rows_read"] >= query["rows_returned"] > 0, name
        assert query["plan"] and query["server_p95_ms"] > 0
    assert all(a["served_by"] for a in data["advisor"])  # pg_qualstats wants nothing the plan lacks
    assert [r["code"] for r in data["recommendations"]] == ["PF204"]  # usage_of_key: 100/s, no LIMIT
    outcomes = {name: outcome.passed for check in item.checks for name, outcome in check.run(root).items()}
    assert outcomes == {"queries_use_their_indexes": True, "queries_meet_p95": True}
    assert [c.blocking for c in item.checks] == [True, False]
    ini = configparser.ConfigParser()
    ini.read_string((root / "performance/pgbouncer.ini").read_text())
    assert ini["pgbouncer"]["pool_mode"] == "transaction"
    assert int(ini["pgbouncer"]["default_pool_size"]) == data["pooling"]["pool_size"]
    assert "## pg_qualstats' advisor" in (root / "performance/report.md").read_text()


def test_the_index_check_fails_on_a_query_read_without_its_index(built_performance, tmp_path):
    """The blocking check's twin: a report with PF101 fails it; one not measured fails it too
    (nothing proved), and says why."""
    _, root, _, item = built_performance
    check = item.checks[0]
    data = json.loads((root / "performance/report.json").read_text())
    for broken in ({**data, "recommendations": data["recommendations"] + [
                    {"code": "PF101", "severity": "error", "file": "designs/saas.yaml", "line": 1, "column": 1,
                     "message": "query q does not use its planned index", "fix": None}]},
                   {**data, "measured": False, "not_measured_because": "no PostgreSQL server binaries"}):
        (tmp_path / "performance").mkdir(exist_ok=True)
        (tmp_path / "performance/report.json").write_text(json.dumps(broken))
        outcome = check.run(Path(tmp_path))["queries_use_their_indexes"]
        assert not outcome.passed


def test_a_server_left_by_a_killed_process_is_stopped_and_removed_by_the_next_start():
    """pg_ctl's server outlives a SIGKILLed owner: the next throwaway server's start reaps it."""
    import os
    import signal
    import subprocess
    import sys

    from schemaforge.performance.server import reap_orphans, server_binaries

    require = __import__("conftest").require_module
    require("psycopg")
    owner = subprocess.Popen([sys.executable, "-c", (
        "import time\nfrom schemaforge.performance.server import throwaway_postgres\n"
        "with throwaway_postgres() as url:\n    print(url, flush=True)\n    time.sleep(600)\n")],
        stdout=subprocess.PIPE, text=True)
    url = owner.stdout.readline().strip()
    import psycopg

    psycopg.connect(url).close()  # it runs
    os.kill(owner.pid, signal.SIGKILL)
    owner.wait()
    psycopg.connect(url).close()  # and outlives its owner
    reaped = reap_orphans(server_binaries())
    assert reaped and not any(folder.exists() for folder in reaped)
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url, connect_timeout=3)


def test_the_dagster_resource_says_which_postgres_to_measure_on(tmp_path, monkeypatch):
    """Configured in the run (as in the launchpad), the shared server at 5432, which preloads no
    statistics library, is measured on; left unset, a throwaway server with both."""
    import dagster as dg

    from conftest import PG_DSN, require_module, shop_project

    psycopg = require_module("psycopg")
    try:
        psycopg.connect(f"{PG_DSN} dbname=postgres", connect_timeout=3).close()
    except psycopg.OperationalError as error:
        __import__("conftest").unavailable(f"PostgreSQL not reachable at {PG_DSN}: {error}")
    monkeypatch.delenv("SCHEMAFORGE_POSTGRES_URL", raising=False)
    _, build = shop_project(tmp_path, monkeypatch)
    from definitions import build_definitions

    job = build_definitions().resolve_implicit_global_asset_job_def()
    selection = [dg.AssetKey(["shop", name]) for name in ("seed", "indexes", "performance")]
    for url in (f"{PG_DSN} dbname=postgres", None):
        # A measurement is reused while the design and seed stay the same: forget the last one.
        (build / "shop/.built/performance.json").unlink(missing_ok=True)
        config = {"resources": {"postgres": {"config": {"url": url}}}}
        assert job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), run_config=config,
                                      asset_selection=selection).success
        data = json.loads((build / "shop/performance/report.json").read_text())
        assert data["measured"]
        if url:
            assert data["measured_on"] == "configured" and "pg_qualstats" not in data["measured_with"]
        else:
            assert data["measured_on"].startswith("this machine's PostgreSQL") and "pg_qualstats" in data["measured_with"]


def test_without_a_postgresql_on_the_machine_the_pgserver_wheel_is_measured_on(monkeypatch, tmp_path):
    from schemaforge.deliverables.seed import build_seed
    from schemaforge.performance import server as servers
    from schemaforge.performance.analyze import analyze

    def no_binaries():
        raise servers.NoPostgresServer("no PostgreSQL server binaries (initdb) on this machine")

    monkeypatch.delenv("SCHEMAFORGE_POSTGRES_URL", raising=False)
    monkeypatch.setattr(servers, "server_binaries", no_binaries)
    design = load_example("saas")
    assert build_seed(design, tmp_path).problems == []
    with servers.measurement_server() as server:
        assert server.origin == "pgserver (embedded)"
        analysis = analyze(design, tmp_path / "seed", server, runs=5)
    assert analysis.extensions == []  # its build has neither HypoPG nor the statistics libraries
    assert {q.name for q in analysis.queries} == set(design.queries)
    assert all(q.uses_planned_index and q.with_plan.rows > 0 for q in analysis.queries)
