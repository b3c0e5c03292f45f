"""The index plan and the queries of a 510-table design with about 1,100 access patterns.

Run: .venv/bin/python bench/index_plan.py [--tables 510] [--repeat 5]

Prints, for the design `tests/wide_design.py` generates with its access patterns, the median of
`--repeat` runs of: planning the indexes, writing the plan's files for the seven SQL targets
(plan.json, plan.md and each target's index DDL), and writing every query for the seven targets;
and beside them, as the reference a user knows, the DDL of the seven targets of the same design
in the same run. Each run starts from a freshly loaded design (the plan is kept per design).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from schemaforge.ddl import render  # noqa: E402
from schemaforge.ddl.targets import sql_targets  # noqa: E402
from schemaforge.design.loader import load_design  # noqa: E402
from schemaforge.indexes.plan import plan_indexes  # noqa: E402
from schemaforge.indexes.render import index_artifacts  # noqa: E402
from schemaforge.queries.render import queries_sql  # noqa: E402
from wide_design import wide_design  # noqa: E402


def timed(path: Path, work) -> float:
    design = load_design(path)
    started = time.perf_counter()
    work(design)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tables", type=int, default=510)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    path = Path(tempfile.mkdtemp()) / "wide.yaml"
    path.write_text(wide_design(args.tables, queries=True))
    design = load_design(path)
    phases = {
        "plan the indexes": lambda d: plan_indexes(d),
        "plan + index files, 7 targets": lambda d: index_artifacts(d, sql_targets(d)),
        "queries, 7 targets": lambda d: [queries_sql(d, t) for t in sql_targets(d)],
        "DDL, 7 targets (reference)": lambda d: render.render_ddls(d, sql_targets(d)),
    }
    print(f"{len(design.entities)} tables, {len(design.queries)} access patterns, "
          f"{len(plan_indexes(design).indexes)} planned indexes; median of {args.repeat}")
    for name, work in phases.items():
        runs = [timed(path, work) for _ in range(args.repeat)]
        print(f"{name:34}{statistics.median(runs):8.2f} s   ({min(runs):.2f}-{max(runs):.2f})")


if __name__ == "__main__":
    main()
