"""The monitoring config and the performance analysis of a 510-table design, timed: the design of
tests/wide_design.py with its access patterns (1,613 queries).

Run: .venv/bin/python bench/measured_deliverables.py [--tables N]

Prints the seconds to make the monitoring files, for `promtool check rules` and `promtool test
rules` on them, and for each step of the performance analysis on the server measurement_server()
picks (the seed's load, drawing parameters, measuring without the plan, building it, measuring
with it), with the timed runs per query the run budget allowed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from schemaforge.deliverables.files import write_artifacts  # noqa: E402
from schemaforge.deliverables.seed import build_seed  # noqa: E402
from schemaforge.design.loader import load_design  # noqa: E402
from schemaforge.monitoring.render import monitoring_artifacts  # noqa: E402
from schemaforge.performance.analyze import analyze  # noqa: E402
from schemaforge.performance.server import measurement_server  # noqa: E402
from wide_design import wide_design  # noqa: E402


def timed(steps: dict[str, float], name: str, run):
    started = time.perf_counter()
    result = run()
    steps[name] = time.perf_counter() - started
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tables", type=int, default=510)
    tables = parser.parse_args().tables
    folder = Path(tempfile.mkdtemp())
    (folder / "wide.yaml").write_text(wide_design(tables=tables, queries=True))
    design = load_design(folder / "wide.yaml")
    steps: dict[str, float] = {}
    artifacts = timed(steps, "monitoring files", lambda: monitoring_artifacts(design, list(design.targets)))
    write_artifacts(folder, artifacts)
    rules = folder / "monitoring" / "prometheus"
    for command in ("check", "test"):
        result = timed(steps, f"promtool {command} rules", lambda: subprocess.run(
            ["promtool", command, "rules", "rules.yml" if command == "check" else "rules.test.yml"],
            cwd=rules, capture_output=True, text=True))
        assert result.returncode == 0, result.stdout + result.stderr
    timed(steps, "seed built", lambda: build_seed(design, folder))
    started = time.perf_counter()
    with measurement_server() as server:
        steps[f"server ready ({server.origin})"] = time.perf_counter() - started
        analysis = analyze(design, folder / "seed", server)
    steps |= {f"performance: {step}": seconds for step, seconds in analysis.seconds.items()}
    print(f"{tables} tables, {len(design.queries)} queries, {analysis.runs} timed runs per query")
    for step, seconds in steps.items():
        print(f"{step:62}{seconds:7.1f} s")


if __name__ == "__main__":
    main()
