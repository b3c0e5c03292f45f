"""Seed load scripts: how fast they are written, and how fast PostgreSQL loads them.

Run: .venv/bin/python bench/seed_load.py [--rows 1000000] [--design shop]

The design's seed is generated at --rows rows (all entities together). Then, side by side:

- generating the Parquet files, writing each target's load script from them alone (rows/s), and
  all of them side by side as the build does;
- loading PostgreSQL (a fresh database, the DDL applied first) with `psql -f`:
  the INSERT form (1,000-row INSERTs, foreign keys checked as rows arrive) and the COPY form
  (COPY FROM STDIN, foreign keys added back after the data). Both end with the same rows and
  every constraint in place and validated, which the bench checks.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from schemaforge.ddl.render import render_ddl  # noqa: E402
from schemaforge.deliverables.generate import sql_targets  # noqa: E402
from schemaforge.design.loader import load_design  # noqa: E402
from schemaforge.seed.generate import generate_seed  # noqa: E402
from schemaforge.seed.load import write_load_script, write_load_scripts  # noqa: E402
from schemaforge.seed.plan import row_counts  # noqa: E402

PG = os.environ.get("SCHEMAFORGE_TEST_PG", "host=127.0.0.1 port=5432 user=postgres")


def psql(database: str, *args: str) -> str:
    result = subprocess.run(["psql", f"{PG} dbname={database}", "-X", "-q", "-t", "-v", "ON_ERROR_STOP=1", *args],
                            capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"psql failed: {result.stderr[-2000:]}")
    return result.stdout


def load_postgres(design, ddl: Path, script: Path) -> tuple[float, int]:
    """(seconds to load `script`, rows loaded) in a fresh database; checks every key is valid."""
    database = f"sf_bench_{uuid.uuid4().hex[:8]}"
    psql("postgres", "-c", f"CREATE DATABASE {database}")
    try:
        psql(database, "-f", str(ddl))
        started = time.perf_counter()
        psql(database, "-f", str(script))
        elapsed = time.perf_counter() - started
        invalid = psql(database, "-c", "SELECT count(*) FROM pg_constraint WHERE NOT convalidated "
                       "AND connamespace = 'public'::regnamespace").strip()
        assert invalid == "0", f"{invalid} constraints not validated"
        rows = sum(int(psql(database, "-c", f'SELECT count(*) FROM "{e.table}"').strip()) for e in design.entities.values())
        return elapsed, rows
    finally:
        psql("postgres", "-c", f"DROP DATABASE {database}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--design", default="shop")
    args = parser.parse_args()
    design = load_design(ROOT / "designs" / f"{args.design}.yaml")
    scale = args.rows / sum(row_counts(design).values())
    with tempfile.TemporaryDirectory(prefix="schemaforge-load-") as tmp:
        out = Path(tmp)
        started = time.perf_counter()
        result = generate_seed(design, out, scale)
        generation = time.perf_counter() - started
        rows = sum(result.rows.values())
        print(f"{args.design}: {rows:,} rows")
        print(f"generate the Parquet files           {generation:7.1f} s  {rows / generation:12,.0f} rows/s")
        for target in sql_targets(design):
            started = time.perf_counter()
            write_load_script(design, target, out, out / f"{target}.sql")
            elapsed = time.perf_counter() - started
            size = (out / f"{target}.sql").stat().st_size / 2**20
            print(f"write the {target:10} load script      {elapsed:7.1f} s  {rows / elapsed:12,.0f} rows/s  {size:8.0f} MiB")
        started = time.perf_counter()
        write_load_scripts(design, sql_targets(design), out)
        elapsed = time.perf_counter() - started
        print(f"write all {len(sql_targets(design))} scripts side by side (the build) {elapsed:7.1f} s  "
              f"{rows * len(sql_targets(design)) / elapsed:12,.0f} script rows/s")
        write_load_script(design, "postgres", out, out / "postgres_inserts.sql", bulk="insert")
        ddl = out / "postgres_ddl.sql"
        ddl.write_text(render_ddl(design, "postgres").sql)
        inserts, loaded = load_postgres(design, ddl, out / "postgres_inserts.sql")
        assert loaded == rows, (loaded, rows)
        copy, loaded = load_postgres(design, ddl, out / "postgres.sql")
        assert loaded == rows, (loaded, rows)
        print(f"PostgreSQL, psql -f of INSERTs       {inserts:7.1f} s  {rows / inserts:12,.0f} rows/s")
        print(f"PostgreSQL, psql -f of COPY blocks   {copy:7.1f} s  {rows / copy:12,.0f} rows/s  {inserts / copy:.1f}x")


if __name__ == "__main__":
    main()
