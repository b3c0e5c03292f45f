"""The index plan's proof at a million rows, timed: the library design of tests/library_design.py
with 1,000,000 loans, measured as the `performance` deliverable measures (performance/analyze.py)
on the server measurement_server() picks: $SCHEMAFORGE_POSTGRES_URL, else a throwaway one from
this machine's PostgreSQL (with HypoPG, pg_qualstats and pg_stat_statements).

Run: .venv/bin/python bench/index_proof.py

Prints each query's p50 and p95 without the plan's indexes and with them, as the application
sees them and (p95) as the server executes the query, the indexes each plan reads, what
pg_qualstats' advisor suggested and what serves it, and the time of each step: the seed generated,
the server started, the schema created and the seed loaded with psql, measured without the plan,
the plan's indexes built, measured with them.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from conftest import fresh_database_on  # noqa: E402
from schemaforge.design.loader import load_design  # noqa: E402
from schemaforge.performance.analyze import measure_plan, prepare  # noqa: E402
from schemaforge.performance.server import measurement_server  # noqa: E402
from schemaforge.seed.generate import generate_seed  # noqa: E402
from test_index_proof import ROWS  # noqa: E402
from library_design import LIBRARY  # noqa: E402

RUNS = 20


def main() -> None:
    steps: dict[str, float] = {}
    folder = Path(tempfile.mkdtemp())
    (folder / "library.yaml").write_text(LIBRARY.replace("rows: {member: 200, book: 300, loan: 2000}", ROWS))
    design = load_design(folder / "library.yaml")
    seed = folder / "seed"
    started = time.perf_counter()
    generate_seed(design, seed)
    steps["seed generated"] = time.perf_counter() - started
    started = time.perf_counter()
    with measurement_server() as server:
        steps[f"server ready ({server.origin})"] = time.perf_counter() - started
        databases = fresh_database_on(server.url)
        pg = next(databases)
        try:
            started = time.perf_counter()
            extensions = prepare(design, seed, pg, server.psql)
            steps["schema created, seed loaded with psql, analyzed"] = time.perf_counter() - started
            analysis = measure_plan(design, seed, pg, extensions, RUNS)
        finally:
            databases.close()
    steps |= {f"{step} ({RUNS} runs each)" if "plan" in step else step: seconds
              for step, seconds in analysis.seconds.items()}
    print(f"{'query':26}{'rows':>6}{'p50 / p95 without (ms)':>26}{'p50 / p95 with (ms)':>24}{'p95 x':>8}"
          f"{'server p95 without / with':>30}{'x':>7}  index read")
    for result in analysis.queries:
        before, after = result.without_plan, result.with_plan
        print(f"{result.name:26}{after.rows:>6}{before.p50_ms:>14.2f} / {before.p95_ms:<9.2f}{after.p50_ms:>12.3f} / "
              f"{after.p95_ms:<9.3f}{before.p95_ms / after.p95_ms:>7.0f}x{before.server_p95_ms:>19.3f} / "
              f"{after.server_p95_ms:<8.3f}{before.server_p95_ms / after.server_p95_ms:>6.0f}x  "
              f"{', '.join(sorted(after.indexes))}")
    print(f"\nwith {', '.join(extensions)}; pg_qualstats' advisor:")
    for advice in analysis.advice:
        print(f"  {advice.statement}: {'served by ' + advice.served_by if advice.served_by else 'NOT SERVED'}")
    print()
    for step, seconds in steps.items():
        print(f"{step:56}{seconds:7.1f} s")


if __name__ == "__main__":
    main()
