"""Prometheus recording and alert rules for a design, with their unit tests.

`monitoring/prometheus/rules.yml` holds recording rules over the exporter's metrics
(exporter.py) and the alerts: one per declared query for its latency (its own `p95_ms`, else
the SLO's when `slow_queries` is asked for) and for calls above its declared `rate`, one for each
planned index that goes missing, then the design-wide alerts `monitoring.alerts` names.

pg_stat_statements keeps sums, not percentiles, so a query's latency is watched as its mean over
a minute: a mean above the p95 target means most calls miss it. `rules.test.yml` gives every
alert two cases for `promtool test rules`: series that fire it and series, just on the other
side of its threshold, that do not (grouped by rule name: one test fires every alert of the name).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from schemaforge.design.model import Design
from schemaforge.indexes.render import index_plan
from schemaforge.monitoring.exporter import tag_value

WINDOW = "1m"  # the rate window: four samples at a 15 s scrape
SCRAPE = "15s"


@dataclass
class Alert:
    name: str
    expr: str
    duration: str
    severity: str
    summary: str
    labels: dict[str, str]  # the labels the alert carries from its series (for the test)
    firing: dict[str, str]  # series (promtool's notation, {n} for the samples to reach the test's time) that fire it
    quiet: dict[str, str]  # series on the other side of the threshold
    warmup: int = 2  # minutes of samples the expression needs before it can hold
    extra: dict[str, str] = field(default_factory=dict)  # labels the rule adds

    @property
    def test_minutes(self) -> int:
        """When the test looks: past the warm-up and the `for` duration, with two minutes spare."""
        return self.warmup + int(self.duration.rstrip("m")) + 2


def _selector(metric: str, **labels: str) -> str:
    inner = ",".join(f'{k}="{v}"' for k, v in labels.items())
    return f"{metric}{{{inner}}}"


def _counter(per_minute: float) -> str:
    return f"0+{per_minute / 4:g}x{{n}}"  # a sample every 15 s


def _query_alerts(design: Design) -> list[Alert]:
    slo = design.doc.monitoring.slo
    default_p95 = slo.p95_ms if slo and "slow_queries" in design.doc.monitoring.alerts else None
    alerts = []
    for name, pattern in design.queries.items():
        query = tag_value(name)
        series = dict(design=design.name, query=query)
        calls, seconds = _selector("schemaforge_query_calls", **series), _selector("schemaforge_query_exec_seconds", **series)
        p95 = pattern.p95_ms or default_p95
        if p95:
            limit = p95 / 1000
            alerts.append(Alert(
                "SchemaforgeQuerySlow", f'schemaforge:query_mean_seconds:rate{WINDOW}{{design="{design.name}",query="{query}"}} > {limit:g}',
                "1m", "warning", f"{design.name}: query {name} averages over its p95 target of {p95:g} ms",
                series, {calls: _counter(150), seconds: _counter(150 * limit * 2)},
                {calls: _counter(150), seconds: _counter(150 * limit * 0.5)}, extra={"query": query}))
        if pattern.rate:
            alerts.append(Alert(
                "SchemaforgeQueryAboveDeclaredRate", f'schemaforge:query_calls:rate{WINDOW}{{design="{design.name}",query="{query}"}} > {pattern.rate:g}',
                "10m", "info", f"{design.name}: query {name} runs more often than the {pattern.rate:g} calls/s the design plans for",
                series, {calls: _counter(pattern.rate * 60 * 2)}, {calls: _counter(pattern.rate * 60 * 0.5)},
                extra={"query": query}))
    return alerts


def _index_alerts(design: Design) -> list[Alert]:
    alerts = []
    for index in index_plan(design).indexes:
        present = _selector("schemaforge_index_present", design=design.name, index=index.name)
        alerts.append(Alert(
            "SchemaforgePlannedIndexMissing", f'{present} == 0', "1m", "critical",
            f"{design.name}: the planned index {index.name} on {index.entity} is missing",
            dict(design=design.name, index=index.name), {present: "1 1 1 0x{n}"}, {present: "1x{n}"},
            extra={"index": index.name}))
    return alerts


def _design_alerts(design: Design) -> list[Alert]:
    d = design.name
    on = {"design": d}
    table = next(iter(design.entities.values())).table
    rows, dead = (_selector(m, design=d, table=table) for m in ("schemaforge_table_rows", "schemaforge_table_dead_rows"))
    db = lambda metric: _selector(f"schemaforge_database_{metric}", design=d)  # noqa: E731
    slo = design.doc.monitoring.slo
    catalogue = {
        "table_bloat": Alert("SchemaforgeTableBloat", f'schemaforge:table_dead_ratio{{design="{d}"}} > 0.2 and on(design, table) '
                             f'schemaforge_table_dead_rows{{design="{d}"}} > 10000', "30m", "warning",
                             f"{d}: a table is more than 20% dead rows; vacuum is not keeping up",
                             {**on, "table": table}, {rows: "100000x{n}", dead: "50000x{n}"}, {rows: "100000x{n}", dead: "5000x{n}"}),
        "row_growth": Alert("SchemaforgeRowGrowth", f'schemaforge:table_rows_growth:ratio1h{{design="{d}"}} > 0.5', "15m", "info",
                            f"{d}: a table grew by more than half in an hour", {**on, "table": table},
                            {rows: "100000+500x{n}"}, {rows: "100000+50x{n}"}, warmup=61),
        "lock_waits": Alert("SchemaforgeLockWaits", f'{db("lock_waits")} > 0', "2m", "warning",
                            f"{d}: sessions have waited on locks for two minutes", on,
                            {db("lock_waits"): "3x{n}"}, {db("lock_waits"): "0x{n}"}),
        "connection_saturation": Alert("SchemaforgeConnectionSaturation",
                                       f'{db("connections")} / on(design) {db("max_connections")} > 0.8', "5m", "warning",
                                       f"{d}: over 80% of max_connections are in use; pool them (performance/pgbouncer.ini)",
                                       on, {db("connections"): "90x{n}", db("max_connections"): "100x{n}"},
                                       {db("connections"): "50x{n}", db("max_connections"): "100x{n}"}),
        "replication_lag": Alert("SchemaforgeReplicationLag", f'{db("replication_lag_seconds")} > 30', "2m", "warning",
                                 f"{d}: replicas replay more than 30 s behind", on,
                                 {db("replication_lag_seconds"): "60x{n}"}, {db("replication_lag_seconds"): "5x{n}"}),
        "deadlocks": Alert("SchemaforgeDeadlocks", f'increase({db("deadlocks")}[5m]) > 0', "0m", "warning",
                           f"{d}: transactions deadlocked in the last five minutes", on,
                           {db("deadlocks"): "0+1x{n}"}, {db("deadlocks"): "0x{n}"}, warmup=5),
        "cache_hit_ratio": Alert("SchemaforgeCacheHitRatio", f'schemaforge:database_cache_hit:ratio{WINDOW}{{design="{d}"}} < 0.99',
                                 "15m", "warning", f"{d}: under 99% of reads are served from shared buffers", on,
                                 {db("blocks_hit"): _counter(900), db("blocks_read"): _counter(100)},
                                 {db("blocks_hit"): _counter(9995), db("blocks_read"): _counter(5)}),
        "disk_usage": Alert("SchemaforgeDiskFillingUp", f'predict_linear({db("bytes")}[1h], 7 * 86400) > 2 * {db("bytes")}',
                            "30m", "warning", f"{d}: at this hour's growth the database doubles within a week", on,
                            {db("bytes"): "1000000000+10000000x{n}"}, {db("bytes"): "1000000000+100x{n}"}, warmup=61),
    }
    alerts = [catalogue[name] for name in design.doc.monitoring.alerts if name in catalogue]
    if slo and slo.error_rate is not None:
        alerts.append(Alert("SchemaforgeErrorRate", f'schemaforge:database_rollback:ratio{WINDOW}{{design="{d}"}} > {slo.error_rate:g}',
                            "5m", "warning", f"{d}: more than {slo.error_rate:g} of transactions roll back (the SLO's error rate)",
                            on, {db("commits"): _counter(1000), db("rollbacks"): _counter(1000 * slo.error_rate * 3)},
                            {db("commits"): _counter(1000), db("rollbacks"): _counter(1000 * slo.error_rate * 0.3)}))
    return alerts


def alerts(design: Design) -> list[Alert]:
    return _query_alerts(design) + _index_alerts(design) + _design_alerts(design)


def _recording(design: Design) -> list[dict]:
    d = f'design="{design.name}"'
    rate = lambda metric: f"rate({metric}{{{d}}}[{WINDOW}])"  # noqa: E731
    return [
        {"record": f"schemaforge:query_calls:rate{WINDOW}", "expr": rate("schemaforge_query_calls")},
        {"record": f"schemaforge:query_mean_seconds:rate{WINDOW}",
         "expr": f'{rate("schemaforge_query_exec_seconds")} / {rate("schemaforge_query_calls")}'},
        {"record": f"schemaforge:query_rows_per_call:rate{WINDOW}",
         "expr": f'{rate("schemaforge_query_rows")} / {rate("schemaforge_query_calls")}'},
        {"record": "schemaforge:table_dead_ratio",
         "expr": f"schemaforge_table_dead_rows{{{d}}} / clamp_min(schemaforge_table_rows{{{d}}} + schemaforge_table_dead_rows{{{d}}}, 1)"},
        {"record": "schemaforge:table_rows_growth:ratio1h",
         "expr": f"delta(schemaforge_table_rows{{{d}}}[1h]) / clamp_min(schemaforge_table_rows{{{d}}} offset 1h, 1)"},
        {"record": f"schemaforge:database_cache_hit:ratio{WINDOW}",
         "expr": f'{rate("schemaforge_database_blocks_hit")} / clamp_min({rate("schemaforge_database_blocks_hit")} + '
                 f'{rate("schemaforge_database_blocks_read")}, 1e-9)'},
        {"record": f"schemaforge:database_rollback:ratio{WINDOW}",
         "expr": f'{rate("schemaforge_database_rollbacks")} / clamp_min({rate("schemaforge_database_commits")} + '
                 f'{rate("schemaforge_database_rollbacks")}, 1e-9)'},
    ]


def _rule(alert: Alert) -> dict:
    return {"alert": alert.name, "expr": alert.expr, "for": alert.duration,
            "labels": {"severity": alert.severity, **alert.extra}, "annotations": {"summary": alert.summary}}


def rules(design: Design) -> dict:
    """The rules file's content."""
    return {"groups": [
        {"name": f"schemaforge_{design.name}_recording", "interval": SCRAPE, "rules": _recording(design)},
        {"name": f"schemaforge_{design.name}_alerts", "interval": SCRAPE, "rules": [_rule(a) for a in alerts(design)]},
    ]}


def _case(alerts_of_a_kind: list[Alert], fires: bool) -> dict:
    """One test of every alert of one rule name: their series together (their labels tell them
    apart), expected to fire them all, or none with the quiet twins' series."""
    first = alerts_of_a_kind[0]
    samples = first.test_minutes * 4 + 4
    series = {s: v for a in alerts_of_a_kind for s, v in (a.firing if fires else a.quiet).items()}
    expected = [{"exp_labels": {**a.labels, "severity": a.severity, **a.extra}, "exp_annotations": {"summary": a.summary}}
                for a in alerts_of_a_kind] if fires else []
    return {"interval": SCRAPE,
            "input_series": [{"series": s, "values": v.replace("{n}", str(samples))} for s, v in series.items()],
            "alert_rule_test": [{"eval_time": f"{first.test_minutes}m", "alertname": first.name, "exp_alerts": expected}]}


def rule_tests(design: Design, rules_file: str = "rules.yml") -> dict:
    """`promtool test rules` cases: for each alert rule name, one test in which its series fire
    every alert of that name, and a twin in which series on the other side of each threshold fire
    none (a test per alert would evaluate every rule once per alert: hours on a large design)."""
    by_name: dict[str, list[Alert]] = {}
    for alert in alerts(design):
        by_name.setdefault(alert.name, []).append(alert)
    tests = [_case(group, fires) for group in by_name.values() for fires in (True, False)]
    return {"rule_files": [rules_file], "evaluation_interval": SCRAPE, "tests": tests}
