"""The performance analysis as files: `performance/report.md`, `report.json` and `pgbouncer.ini`.

The design's own part (recommendations, caching, pooling, scaling, write costs) is there for
every design; the measured part (each query's plan, index, rows read against rows returned,
latency against its target, pg_qualstats' advice) when a PostgreSQL measured it.
"""

from __future__ import annotations

import json
from typing import Any

from schemaforge.deliverables.files import Artifact
from schemaforge.design.model import Design
from schemaforge.performance.advice import caching, pgbouncer_ini, pool, recommendations, scaling, write_costs
from schemaforge.performance.analyze import Analysis, QueryMeasurement
from schemaforge.performance.measure import plan_nodes

REPORT_MD, REPORT_JSON, PGBOUNCER = "performance/report.md", "performance/report.json", "performance/pgbouncer.ini"
_SCANS = ("Seq Scan", "Index Scan", "Index Only Scan", "Bitmap Heap Scan")


def rows_read(plan: dict) -> int:
    """Rows the scans touched: those they passed on and those their filters removed."""
    return int(sum((n.get("Actual Rows", 0) + n.get("Rows Removed by Filter", 0)) * n.get("Actual Loops", 1)
                   for n in plan_nodes(plan["Plan"]) if n.get("Node Type") in _SCANS))


def _plan_text(node: dict, depth: int = 0) -> list[str]:
    label = node["Node Type"] + (f" using {node['Index Name']}" if "Index Name" in node else "") + \
        (f" on {node['Relation Name']}" if "Relation Name" in node else "")
    line = f"{'  ' * depth}{label} (rows {node.get('Actual Rows', '?')}, loops {node.get('Actual Loops', 1)})"
    return [line] + [text for child in node.get("Plans", ()) for text in _plan_text(child, depth + 1)]


def _measured(result: QueryMeasurement, p95_ms: float | None) -> dict[str, Any]:
    plan = result.with_plan.plan
    return {
        "planned_index": result.planned_index, "indexes_used": sorted(result.with_plan.indexes),
        "uses_planned_index": result.uses_planned_index,
        "rows_returned": result.with_plan.rows, "rows_read": rows_read(plan),
        "server_p50_ms": round(result.with_plan.server_p50_ms, 3), "server_p95_ms": round(result.with_plan.server_p95_ms, 3),
        "client_p95_ms": round(result.with_plan.p95_ms, 3), "p95_target_ms": p95_ms,
        "meets_p95": None if p95_ms is None else result.with_plan.server_p95_ms <= p95_ms,
        "without_plan_server_p95_ms": round(result.without_plan.server_p95_ms, 3),
        "plan": _plan_text(plan["Plan"]),
    }


def seconds_per_call(analysis: Analysis | None) -> dict[str, float]:
    """How long each measured query holds a connection: its p95 as the application saw it."""
    return {r.name: r.with_plan.p95_ms / 1000 for r in analysis.queries} if analysis else {}


def report(design: Design, analysis: Analysis | None, not_measured_because: str = "") -> dict[str, Any]:
    measured = {r.name: r for r in analysis.queries} if analysis else {}
    sized = pool(design, seconds_per_call(analysis))
    queries = {}
    for name, pattern in design.queries.items():
        entry: dict[str, Any] = {"rate": pattern.rate, "p95_ms": pattern.p95_ms}
        if name in measured:
            entry |= _measured(measured[name], pattern.p95_ms)
        elif analysis and name in analysis.not_measured:
            entry["not_measured"] = analysis.not_measured[name]
        queries[name] = entry
    found = recommendations(design) + (analysis.findings if analysis else [])
    return {
        "design": design.name,
        "measured": analysis is not None,
        "not_measured_because": not_measured_because or None,
        "measured_with": analysis.extensions if analysis else [],
        "measured_on": analysis.server if analysis else None,
        "runs_per_query": analysis.runs if analysis else None,
        "queries": queries,
        "recommendations": [f.as_json() for f in found],
        "advisor": [{"suggested": a.statement, "served_by": a.served_by, "reason": a.reason or None}
                    for a in (analysis.advice if analysis else [])],
        "caching": [{"query": c.query, "key": c.key, "ttl_seconds": c.ttl_seconds, "rate": c.rate} for c in caching(design)],
        "pooling": {"pool_size": sized.size, "max_client_conn": sized.max_client_connections, "arithmetic": sized.lines},
        "scaling": scaling(design),
        "write_cost_indexes_per_table": write_costs(design),
    }


def _markdown(data: dict[str, Any]) -> str:
    lines = [f"# Performance of design '{data['design']}'", ""]
    if data["measured"]:
        lines += [f"Measured on {data['measured_on']} at the seed's row counts (with "
                  f"{', '.join(data['measured_with']) or 'no extensions'}); latencies as the server executes them, "
                  f"over {data['runs_per_query']} runs of each query.", ""]
        lines += ["| query | index used | rows read / returned | p95 ms (target) | without the plan |",
                  "| --- | --- | --- | --- | --- |"]
        for name, q in data["queries"].items():
            if "rows_read" in q:
                target = f"{q['p95_target_ms']:g}" if q["p95_target_ms"] is not None else "none"
                used = ", ".join(q["indexes_used"]) or "none (reads the table)"
                lines.append(f"| {name} | {used} | {q['rows_read']} / {q['rows_returned']} | {q['server_p95_ms']} "
                             f"({target}) | {q['without_plan_server_p95_ms']} |")
        for name, q in data["queries"].items():
            if "plan" in q:
                lines += ["", f"## {name}", "", "```", *q["plan"], "```"]
    else:
        lines += [f"Not measured: {data['not_measured_because']}", ""]
    lines += ["", "## Recommendations", ""]
    lines += [f"- {r['file']}:{r['line']}:{r['column']}: {r['message']}"
              + (f" (fix: {r['fix']})" if r["fix"] else "") + f" [{r['code']}]" for r in data["recommendations"]] or ["none"]
    if data["advisor"]:
        lines += ["", "## pg_qualstats' advisor", ""]
        lines += [f"- `{a['suggested']}`: " + (f"served by {a['served_by']}" + (f" ({a['reason']})" if a["reason"] else "")
                                               if a["served_by"] else "**not served by the plan**") for a in data["advisor"]]
    lines += ["", "## Caching", ""]
    lines += [f"- {c['query']} ({c['rate']:g}/s): cache-aside under `{c['key']}`, TTL {c['ttl_seconds']} s, "
              "invalidated on the row's write" for c in data["caching"]] or ["No query is a key lookup called often enough."]
    lines += ["", "## Connection pooling (performance/pgbouncer.ini)", "", *[f"- {line}" for line in data["pooling"]["arithmetic"]]]
    lines += ["", "## Scaling", "", *[f"- {line}" for line in data["scaling"]]]
    lines += ["", "## Indexes each write keeps up", "",
              *[f"- {table}: {n}" for table, n in data["write_cost_indexes_per_table"].items()], ""]
    return "\n".join(lines)


def performance_artifacts(design: Design, analysis: Analysis | None, not_measured_because: str = "") -> list[Artifact]:
    data = report(design, analysis, not_measured_because)
    return [Artifact(REPORT_MD, _markdown(data).encode()),
            Artifact(REPORT_JSON, (json.dumps(data, indent=2, sort_keys=True, default=str) + "\n").encode()),
            Artifact(PGBOUNCER, pgbouncer_ini(design, pool(design, seconds_per_call(analysis))).encode())]
