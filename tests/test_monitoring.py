"""The monitoring config: Prometheus rules that promtool accepts and whose unit tests pass (and
fail when a threshold moves), postgres_exporter queries that run on PostgreSQL with labels bounded
by the design, monitoring SQL per target, a Grafana dashboard with a panel per declared query and
per large table, and a live loop on loopback: postgres_exporter scraping a seeded database,
Prometheus evaluating the generated rules, and the slow-query alert firing once a planned index
is dropped."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import time
import urllib.request

import pytest
import sqlglot
import yaml

from conftest import EXAMPLES, fresh_database_on, load_example, unavailable
from schemaforge.design.loader import load_design
from schemaforge.deliverables.files import write_artifacts
from schemaforge.indexes.render import index_plan, plan_sql
from schemaforge.monitoring.catalogs import CATALOGS
from schemaforge.monitoring.dashboard import build_dashboard
from schemaforge.monitoring.exporter import exporter_queries
from schemaforge.monitoring.render import monitoring_artifacts
from schemaforge.performance.server import free_port
from schemaforge.seed.plan import row_counts
from library_design import LIBRARY


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        unavailable(f"{name} is not installed; ./setup.sh installs it (Debian's prometheus packages)")
    return path


def _written(design, folder):
    write_artifacts(folder, monitoring_artifacts(design, list(design.targets)))
    return folder / "monitoring"


def _promtool(*arguments, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([_tool("promtool"), *arguments], cwd=cwd, capture_output=True, text=True)


@pytest.mark.parametrize("example", EXAMPLES)
def test_rules_pass_promtool_check_and_their_unit_tests(example, tmp_path):
    design = load_example(example)
    folder = _written(design, tmp_path) / "prometheus"
    checked = _promtool("check", "rules", "rules.yml", cwd=folder)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = _promtool("test", "rules", "rules.test.yml", cwd=folder)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    tests = yaml.safe_load((folder / "rules.test.yml").read_text())["tests"]
    alerts = [r["alert"] for g in yaml.safe_load((folder / "rules.yml").read_text())["groups"] for r in g["rules"]
              if "alert" in r]
    # Each rule name: a case that fires every alert of the name, a twin that fires none of them.
    assert len(tests) == 2 * len(set(alerts))
    expected = [a for t in tests for check in t["alert_rule_test"] for a in check["exp_alerts"]]
    assert len(expected) == len(alerts)
    assert sum(1 for t in tests if not t["alert_rule_test"][0]["exp_alerts"]) == len(set(alerts))


def test_the_rule_tests_fail_when_a_threshold_moves(tmp_path):
    """The unit tests judge the rules: raise the slow-query threshold tenfold and the case that
    should fire it fails; lower it and its quiet twin fails."""
    design = load_example("shop")
    folder = _written(design, tmp_path) / "prometheus"
    original = (folder / "rules.yml").read_text()
    rules = yaml.safe_load(original)
    slow = next(r for g in rules["groups"] for r in g["rules"] if r.get("alert") == "SchemaforgeQuerySlow")
    limit = float(slow["expr"].rsplit(">", 1)[1])
    for factor in (10, 0.1):
        slow["expr"] = slow["expr"].rsplit(">", 1)[0] + f"> {limit * factor:g}"
        (folder / "rules.yml").write_text(yaml.safe_dump(rules, sort_keys=False))
        tested = _promtool("test", "rules", "rules.test.yml", cwd=folder)
        assert tested.returncode != 0 and "SchemaforgeQuerySlow" in tested.stdout + tested.stderr, factor


def test_alerts_follow_the_design(tmp_path):
    """shop asks for four alerts and has an SLO with an error rate; a query with its own p95 gets
    a latency alert at that p95, a query with a rate an alert above it, every planned index one
    for going missing."""
    design = load_example("shop")
    rules = yaml.safe_load((_written(design, tmp_path) / "prometheus" / "rules.yml").read_text())
    alerts = [r for g in rules["groups"] for r in g["rules"] if "alert" in r]
    names = {r["alert"] for r in alerts}
    assert {"SchemaforgeTableBloat", "SchemaforgeRowGrowth", "SchemaforgeLockWaits", "SchemaforgeErrorRate"} <= names
    assert not names & {"SchemaforgeReplicationLag", "SchemaforgeConnectionSaturation"}  # not asked for
    slow = {r["labels"]["query"]: r["expr"] for r in alerts if r["alert"] == "SchemaforgeQuerySlow"}
    assert slow["recent_orders_of_customer"].endswith("> 0.02")  # its own p95_ms: 20
    assert slow["product_by_sku"].endswith("> 0.05")  # the SLO's p95_ms: 50
    missing = {r["labels"]["index"] for r in alerts if r["alert"] == "SchemaforgePlannedIndexMissing"}
    assert missing == {i.name for i in index_plan(design).indexes}


def test_exporter_queries_run_on_postgres_with_labels_the_design_bounds(instrumented_postgres, library):
    """Each custom query runs on a seeded PostgreSQL with pg_stat_statements; the statements of
    undeclared queries never become a label."""
    from schemaforge.performance.analyze import prepare
    from schemaforge.queries.render import render_queries
    from schemaforge.performance.parameters import draw_parameters

    design, seed = library
    databases = fresh_database_on(instrumented_postgres)
    pg = next(databases)
    try:
        prepare(design, seed, pg)
        pg.execute(plan_sql(design, "postgres")[0])
        pg.execute("SELECT pg_stat_statements_reset()")
        for query in render_queries(design, "postgres"):
            pg.execute(query.sql, draw_parameters(design, query, seed)).fetchall()
        pg.execute("SELECT count(*) FROM loan /*schemaforge_query='not_declared'*/").fetchall()
        results = {name: pg.execute(spec["query"]).fetchall() for name, spec in exporter_queries(design).items()}
    finally:
        databases.close()
    assert {r[1] for r in results["schemaforge_query"]} == set(design.queries)
    assert all(r[2] >= 1 for r in results["schemaforge_query"])  # calls
    assert {r[1] for r in results["schemaforge_table"]} == {e.table for e in design.entities.values()}
    assert {(r[1], r[2]) for r in results["schemaforge_index"]} == {(i.name, 1) for i in index_plan(design).indexes}
    assert len(results["schemaforge_database"]) == 1


def test_monitoring_sql_runs_on_postgres_and_parses_for_each_other_target(instrumented_postgres, library):
    design, seed = library
    databases = fresh_database_on(instrumented_postgres)
    pg = next(databases)
    try:
        pg.execute("CREATE EXTENSION pg_stat_statements")
        pg.execute(__import__("schemaforge.ddl.render", fromlist=["_"]).render_ddl(design, "postgres").sql)
        for statement in _statements(CATALOGS["postgres"]().script(design)):
            pg.execute(statement).fetchall()
    finally:
        databases.close()
    dialects = {"mysql": "mysql", "sqlserver": "tsql", "oracle": "oracle", "clickhouse": "clickhouse"}
    for target, dialect in dialects.items():
        statements = _statements(CATALOGS[target]().script(design))
        assert len(statements) == 5
        for statement in statements:
            assert sqlglot.parse_one(statement, read=dialect) is not None


def test_clickhouse_monitoring_sql_runs_on_chdb(clickhouse_database, library):
    """ClickHouse's system tables, as embedded ClickHouse has them (the query log is written only
    when it is on: the statement still has to be valid there)."""
    design, _ = library
    for statement in _statements(CATALOGS["clickhouse"]().script(design)):
        if "system.replicas" in statement or "system.query_log" in statement:
            continue  # a table chdb has only with replication and the query log configured
        clickhouse_database.query(statement)


def _statements(script: str) -> list[str]:
    bodies = ["\n".join(line for line in part.splitlines() if not line.startswith("--")).strip()
              for part in script.split(";\n")]
    return [b.rstrip(";") for b in bodies if b]


def test_dashboard_has_a_panel_per_declared_query_and_per_large_table():
    design = load_example("shop")
    board = build_dashboard(design)
    titles = [p["title"] for p in board["panels"] if p["type"] == "timeseries"]
    for name in design.queries:
        assert f"{name}: mean latency" in titles and f"{name}: calls" in titles
    counts = row_counts(design)
    largest = max(design.entities.values(), key=lambda e: counts[e.name])
    assert f"{largest.table}: rows" in titles
    latency = next(p for p in board["panels"] if p["title"] == "recent_orders_of_customer: mean latency")
    assert latency["fieldConfig"]["defaults"]["thresholds"]["steps"][1]["value"] == 0.02  # its p95_ms
    assert latency["datasource"]["uid"] == "${datasource}"
    assert [v["name"] for v in board["templating"]["list"]] == ["datasource"]


# --- the live loop -----------------------------------------------------------------------------

LIVE = LIBRARY.replace("rows: {member: 200, book: 300, loan: 2000}", "rows: {member: 2000, book: 3000, loan: 300000}") \
    .replace("    rate: 500\n    p95_ms: 20", "    rate: 500\n    p95_ms: 5") + \
    "monitoring:\n  slo: {p95_ms: 50}\n  alerts: [slow_queries, lock_waits]\n"


def _get(url: str):
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


def _wait(what, predicate, seconds: float):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            found = predicate()
        except OSError:
            found = None
        if found:
            return found
        time.sleep(1)
    pytest.fail(f"waited {seconds:g} s for {what}")


def _alerts(prometheus: str, name: str, state: str) -> list[dict]:
    return [a for a in _get(f"{prometheus}/api/v1/alerts")["data"]["alerts"]
            if a["labels"]["alertname"] == name and a["state"] == state]


def test_live_loop_shows_the_queries_and_fires_the_slow_query_alert_when_an_index_is_dropped(
        instrumented_postgres, tmp_path):
    from schemaforge.performance.analyze import prepare
    from schemaforge.performance.parameters import draw_parameters
    from schemaforge.queries.render import render_queries
    from schemaforge.seed.generate import generate_seed

    exporter_binary, prometheus_binary = _tool("prometheus-postgres-exporter"), _tool("prometheus")
    (tmp_path / "library.yaml").write_text(LIVE)
    design = load_design(tmp_path / "library.yaml")
    seed = tmp_path / "seed"
    assert generate_seed(design, seed).problems == []
    monitoring = _written(design, tmp_path / "build")
    query = next(q for q in render_queries(design, "postgres") if q.name == "loans_of_member")
    arguments = draw_parameters(design, query, seed)
    # Every planned index that can find a member's loans (the sql query, at 150 loans a member,
    # has one of its own): with them gone, the query reads the whole table.
    by_member = sorted(i.name for i in index_plan(design).indexes if i.entity == "loan" and i.columns[0] == "member_id")
    assert len(by_member) == 2

    databases = fresh_database_on(instrumented_postgres)
    pg = next(databases)
    processes, stop = [], threading.Event()
    try:
        prepare(design, seed, pg)
        pg.execute(plan_sql(design, "postgres")[0])
        pg.execute("ANALYZE")
        exporter_port, prometheus_port = free_port(), free_port()
        info = pg.info
        dsn = f"postgresql://{info.user}@{info.host}:{info.port}/{info.dbname}?sslmode=disable"
        processes.append(subprocess.Popen(
            [exporter_binary, f"--extend.query-path={monitoring / 'postgres_exporter.yml'}",
             f"--web.listen-address=127.0.0.1:{exporter_port}", "--disable-default-metrics", "--disable-settings-metrics"],
            env={"DATA_SOURCE_NAME": dsn, "PATH": "/usr/bin:/bin"}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        config = {"global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
                  "rule_files": [str(monitoring / "prometheus" / "rules.yml")],
                  "scrape_configs": [{"job_name": "postgres", "static_configs": [{"targets": [f"127.0.0.1:{exporter_port}"]}]}]}
        (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
        processes.append(subprocess.Popen(
            [prometheus_binary, f"--config.file={tmp_path / 'prometheus.yml'}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
             f"--web.listen-address=127.0.0.1:{prometheus_port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        prometheus = f"http://127.0.0.1:{prometheus_port}"

        def call_in_a_loop():
            import psycopg

            with psycopg.connect(pg.info.dsn, autocommit=True) as application:
                while not stop.is_set():
                    application.execute(query.sql, arguments).fetchall()

        caller = threading.Thread(target=call_in_a_loop, daemon=True)
        caller.start()
        # The declared query's statistics reach Prometheus, through the generated recording rule.
        shown = _wait("the declared query's mean latency in Prometheus", lambda: _get(
            f"{prometheus}/api/v1/query?query=schemaforge:query_mean_seconds:rate1m").get("data", {}).get("result"), 90)
        assert {r["metric"]["query"] for r in shown} == {"loans_of_member"}
        assert float(shown[0]["value"][1]) < 0.005  # through its index: under its p95
        assert not _alerts(prometheus, "SchemaforgeQuerySlow", "firing")
        assert not _alerts(prometheus, "SchemaforgePlannedIndexMissing", "pending")

        for index in by_member:
            pg.execute(f'DROP INDEX "{index}"')
        fired = _wait("SchemaforgeQuerySlow to fire",
                      lambda: _alerts(prometheus, "SchemaforgeQuerySlow", "firing"), 180)
        assert fired[0]["labels"]["query"] == "loans_of_member"
        missing = _alerts(prometheus, "SchemaforgePlannedIndexMissing", "firing")
        assert sorted(a["labels"]["index"] for a in missing) == by_member
    finally:
        stop.set()
        for process in processes:
            process.terminate()
            process.wait(10)
        databases.close()


def test_the_promtool_check_passes_the_generated_rules_and_fails_a_broken_file_or_no_promtool(tmp_path, monkeypatch):
    from conftest import DESIGNS
    from schemaforge.deliverables.registry import deliverables, plan_design

    _tool("promtool")
    item = next(d for d in deliverables(plan_design(DESIGNS / "shop.yaml", load_example("shop"))) if d.name == "monitoring")
    item.build(tmp_path)
    (check,) = item.checks
    assert not check.blocking  # a warning: a machine without promtool still builds the manifest
    assert check.run(tmp_path)["rules_pass_promtool"].passed
    rules = tmp_path / "monitoring/prometheus/rules.yml"
    rules.write_text(rules.read_text().replace("expr: ", "expr: (", 1))  # an expression that does not parse
    broken = check.run(tmp_path)["rules_pass_promtool"]
    assert not broken.passed and "promtool check rules" in broken.shown["promtool"].value
    monkeypatch.setenv("PATH", str(tmp_path))  # no promtool on it
    missing = check.run(tmp_path)["rules_pass_promtool"]
    assert not missing.passed and "promtool is not installed" in missing.shown["error"].value
