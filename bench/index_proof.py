"""The index plan's proof at a million rows, timed: the library design of tests/library_design.py
with 1,000,000 loans, on the PostgreSQL at SCHEMAFORGE_TEST_PG (default 127.0.0.1:5432, user
postgres).

Run: .venv/bin/python bench/index_proof.py

Prints each query's p50 and p95 without the plan's indexes and with them, as the application
sees them and (p95) as the server executes the query, the indexes each plan reads, and the time
of each step of the proof: the seed generated and its load script written,
loaded with psql, measured without the plan, the plan's indexes built, measured with them.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from conftest import _fresh_pg_database, psql_file  # noqa: E402
from schemaforge.ddl.render import render_ddl  # noqa: E402
from schemaforge.design.loader import load_design  # noqa: E402
from schemaforge.indexes.render import plan_sql  # noqa: E402
from schemaforge.performance.measure import measure  # noqa: E402
from schemaforge.queries.render import render_queries  # noqa: E402
from schemaforge.seed.generate import generate_seed  # noqa: E402
from schemaforge.seed.load import write_load_script  # noqa: E402
from test_index_proof import ROWS, parameters  # noqa: E402
from library_design import LIBRARY  # noqa: E402


def main() -> None:
    steps: dict[str, float] = {}
    folder = Path(tempfile.mkdtemp())
    (folder / "library.yaml").write_text(LIBRARY.replace("rows: {member: 200, book: 300, loan: 2000}", ROWS))
    design = load_design(folder / "library.yaml")
    seed = folder / "seed"
    started = time.perf_counter()
    generate_seed(design, seed)
    write_load_script(design, "postgres", seed, seed / "postgres.sql")
    steps["seed generated, postgres.sql written"] = time.perf_counter() - started
    p = parameters(seed)
    databases = _fresh_pg_database()
    pg = next(databases)
    try:
        pg.execute(render_ddl(design, "postgres").sql)
        started = time.perf_counter()
        psql_file(pg, seed / "postgres.sql")
        pg.execute("ANALYZE")
        steps["loaded with psql, analyzed"] = time.perf_counter() - started
        queries = render_queries(design, "postgres")
        args = {q.name: {k.name: p[k.name] for k in q.parameters} for q in queries}
        started = time.perf_counter()
        without = {q.name: measure(pg, q.sql, args[q.name], runs=15) for q in queries}
        steps["measured without the plan (15 runs each)"] = time.perf_counter() - started
        started = time.perf_counter()
        pg.execute(plan_sql(design, "postgres")[0])
        pg.execute("ANALYZE")
        steps["the plan's indexes built"] = time.perf_counter() - started
        started = time.perf_counter()
        with_plan = {q.name: measure(pg, q.sql, args[q.name], runs=30) for q in queries}
        steps["measured with the plan (30 runs each)"] = time.perf_counter() - started
    finally:
        databases.close()
    print(f"{'query':26}{'rows':>6}{'p50 / p95 without (ms)':>26}{'p50 / p95 with (ms)':>24}{'p95 x':>8}"
          f"{'server p95 without / with':>30}{'x':>7}  index read")
    for name, before in without.items():
        after = with_plan[name]
        print(f"{name:26}{after.rows:>6}{before.p50_ms:>14.2f} / {before.p95_ms:<9.2f}{after.p50_ms:>12.3f} / {after.p95_ms:<9.3f}"
              f"{before.p95_ms / after.p95_ms:>7.0f}x{before.server_p95_ms:>19.3f} / {after.server_p95_ms:<8.3f}"
              f"{before.server_p95_ms / after.server_p95_ms:>6.0f}x  {', '.join(sorted(after.indexes))}")
    for step, seconds in steps.items():
        print(f"{step:44}{seconds:7.1f} s")


if __name__ == "__main__":
    main()
