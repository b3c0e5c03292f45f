"""Running an access pattern on a live PostgreSQL: its plan and its latency.

`measure` asks PostgreSQL for the query's executed plan (`EXPLAIN (ANALYZE, BUFFERS, FORMAT
JSON)`), reads which indexes it went through, then times the query over repeated runs and gives
the median and the 95th percentile twice: as the application sees it (the round trip and the
driver included), and as the server executes it (what an index changes, without the fixed cost
of a round trip, which would cap the ratio of two fast queries). The index plan's proof and the
performance report read it.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, Iterator


@dataclass(frozen=True)
class Measured:
    plan: dict[str, Any]  # PostgreSQL's executed plan, as its JSON gives it
    indexes: frozenset[str]  # the indexes the plan reads
    p50_ms: float  # as the application sees it: the round trip included
    p95_ms: float
    rows: int
    server_p50_ms: float  # the server's own execution time (EXPLAIN ANALYZE without per-node timing)
    server_p95_ms: float


def plan_nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every node of an executed plan (its JSON), the root first."""
    yield node
    for child in node.get("Plans", ()):
        yield from plan_nodes(child)


def indexes_used(plan: dict[str, Any]) -> frozenset[str]:
    return frozenset(n["Index Name"] for n in plan_nodes(plan["Plan"]) if "Index Name" in n)


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile: the smallest value at least `fraction` of the values reach."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def measure(connection, sql: str, parameters: dict[str, Any], runs: int = 30) -> Measured:
    """`sql` with `parameters` on a psycopg connection: its executed plan, then `runs` timed runs
    (after one that warms the cache)."""
    explained = connection.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, parameters).fetchone()[0]
    plan = explained[0] if isinstance(explained, list) else explained
    rows = len(connection.execute(sql, parameters).fetchall())
    times, server = [], []
    for _ in range(runs):
        started = time.perf_counter()
        connection.execute(sql, parameters).fetchall()
        times.append((time.perf_counter() - started) * 1000)
    for _ in range(runs):
        timed = connection.execute("EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) " + sql, parameters).fetchone()[0]
        server.append((timed[0] if isinstance(timed, list) else timed)["Execution Time"])
    return Measured(plan, indexes_used(plan), percentile(times, 0.5), percentile(times, 0.95), rows,
                    percentile(server, 0.5), percentile(server, 0.95))
