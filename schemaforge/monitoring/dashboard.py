"""The Grafana dashboard of a design (`monitoring/grafana/dashboard.json`), built with Grafana's
own Foundation SDK rather than written as JSON by hand.

A row for the declared queries (per query: its mean latency against its p95 target drawn as a
threshold, and its calls per second against its declared rate), a row for the large tables (rows
and dead rows, whole-table reads against reads through an index), and a row for the database.
The data source is a variable, so the dashboard imports into any Grafana with a Prometheus.
"""

from __future__ import annotations

import json

from grafana_foundation_sdk.builders import dashboard, prometheus, timeseries
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.dashboard import DataSourceRef, Threshold, ThresholdsMode

from schemaforge.design.model import Design
from schemaforge.monitoring.exporter import tag_value
from schemaforge.monitoring.rules import WINDOW
from schemaforge.seed.plan import row_counts

DATASOURCE = DataSourceRef(type_val="prometheus", uid="${datasource}")
LARGE_TABLES = 12  # the tables with the most rows at the seed's counts get a panel each
WIDTH, HEIGHT = 12, 8


def _panel(title: str, unit: str, queries: list[tuple[str, str]], limit: float | None = None) -> timeseries.Panel:
    panel = timeseries.Panel().title(title).unit(unit).datasource(DATASOURCE).height(HEIGHT).span(WIDTH)
    for ref, (expr, legend) in zip("ABCDEFGH", queries):
        panel = panel.with_target(prometheus.Dataquery().expr(expr).legend_format(legend).ref_id(ref))
    if limit is not None:  # the promise, drawn as a red line
        steps = [Threshold(color="green", value=None), Threshold(color="red", value=limit)]
        panel = panel.thresholds(dashboard.ThresholdsConfig().mode(ThresholdsMode.ABSOLUTE).steps(steps))
    return panel


def build_dashboard(design: Design) -> dict:
    d = f'design="{design.name}"'
    slo = design.doc.monitoring.slo
    board = (dashboard.Dashboard(f"schemaforge: {design.name}").uid(f"schemaforge-{design.name}"[:40])
             .tags(["schemaforge", design.name]).refresh("1m").time("now-6h", "now")
             .with_variable(dashboard.DatasourceVariable("datasource").label("Prometheus").type("prometheus")))
    board = board.with_row(dashboard.Row("Declared queries"))
    for name, pattern in design.queries.items():
        query = f'{d},query="{tag_value(name)}"'
        p95 = pattern.p95_ms or (slo.p95_ms if slo else None)
        board = board.with_panel(_panel(f"{name}: mean latency", "s",
                                        [(f"schemaforge:query_mean_seconds:rate{WINDOW}{{{query}}}", "mean")],
                                        p95 / 1000 if p95 else None))
        board = board.with_panel(_panel(f"{name}: calls", "reqps",
                                        [(f"schemaforge:query_calls:rate{WINDOW}{{{query}}}", "calls/s")], pattern.rate))
    counts = row_counts(design)
    large = sorted(design.entities.values(), key=lambda e: (-counts.get(e.name, 0), e.name))[:LARGE_TABLES]
    board = board.with_row(dashboard.Row("Large tables"))
    for entity in large:
        table = f'{d},table="{entity.table}"'
        board = board.with_panel(_panel(f"{entity.table}: rows", "short",
                                        [(f"schemaforge_table_rows{{{table}}}", "live"),
                                         (f"schemaforge_table_dead_rows{{{table}}}", "dead")]))
        board = board.with_panel(_panel(f"{entity.table}: reads", "ops",
                                        [(f"rate(schemaforge_table_seq_scans{{{table}}}[$__rate_interval])", "whole table"),
                                         (f"rate(schemaforge_table_index_scans{{{table}}}[$__rate_interval])", "through an index")]))
    board = board.with_row(dashboard.Row("Database"))
    board = board.with_panel(_panel("Connections", "short", [(f"schemaforge_database_connections{{{d}}}", "in use"),
                                                             (f"schemaforge_database_max_connections{{{d}}}", "max")]))
    board = board.with_panel(_panel("Lock waits and deadlocks", "short",
                                    [(f"schemaforge_database_lock_waits{{{d}}}", "waiting"),
                                     (f"increase(schemaforge_database_deadlocks{{{d}}}[$__rate_interval])", "deadlocks")]))
    return json.loads(JSONEncoder(sort_keys=True, indent=2).encode(board.build()))
