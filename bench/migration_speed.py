"""Migration speed: planning and rendering per target, and applying shop 1.0.0 -> 1.1.0 with its
full seed data, side by side with sqlite-utils' `transform` (the tool a SQLite user would pick,
which rebuilds a table the same way).

    .venv/bin/python bench/migration_speed.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from schemaforge.deliverables.seed import build_seed  # noqa: E402
from schemaforge.ddl.render import render_ddl  # noqa: E402
from schemaforge.ddl.targets import SQL_TARGETS  # noqa: E402
from schemaforge.migrate.history import read_history  # noqa: E402
from schemaforge.migrate.plan import Migration, migrations  # noqa: E402
from schemaforge.design.loader import load_design  # noqa: E402


def timed(action, repeat: int = 1) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        action()
    return (time.perf_counter() - start) / repeat


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    path = ROOT / "designs" / "shop.yaml"
    design = load_design(path, shown_as="designs/shop.yaml")
    (plan,) = migrations(read_history(path, design), "shop")
    print(f"shop {plan.name}: {len(plan.changes)} changes\n")
    print("| target | up + down rendered |")
    print("| --- | --- |")
    for target in SQL_TARGETS:
        plan.sql(target)  # warm sqlglot's caches
        # A new Migration each time: the plan keeps each target's SQL once rendered, so timing
        # `plan.sql` again would only read that back (it printed 0 ms).
        rendering = timed(lambda: Migration(plan.old, plan.new).sql(target), args.repeat)
        print(f"| {target} | {rendering * 1000:.0f} ms |")

    with tempfile.TemporaryDirectory() as folder:
        build_seed(plan.old, Path(folder))
        seed = Path(folder) / "seed"
        print("\n| engine | rows in the database | up migration | rows per second |")
        print("| --- | --- | --- | --- |")
        for engine, connect, run in (
            ("SQLite (rebuild)", lambda: sqlite3.connect(":memory:", isolation_level=None), lambda c, s: c.executescript(s)),
            ("DuckDB (rebuild)", lambda: duckdb.connect(), lambda c, s: c.execute(s)),
        ):
            target = "sqlite" if engine.startswith("SQLite") else "duckdb"
            conn = connect()
            run(conn, render_ddl(plan.old, target).sql)
            run(conn, (seed / f"{target}.sql").read_text())
            rows = sum(conn.execute(f'SELECT count(*) FROM "{e.table}"').fetchone()[0] for e in plan.old.entities.values())
            seconds = timed(lambda: run(conn, plan.sql(target)[0]))
            print(f"| {engine} | {rows:,} | {seconds:.2f} s | {rows / seconds:,.0f} |")
        sqlite_utils_side_by_side(plan, seed)


def sqlite_utils_side_by_side(plan, seed: Path) -> None:
    """The same column changes on `customer` with sqlite-utils (rename name, add phone)."""
    try:
        import sqlite_utils
    except ImportError:
        print("\n(sqlite-utils not installed: pip install -e '.[bench]')")
        return
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.executescript(render_ddl(plan.old, "sqlite").sql)
    conn.executescript((seed / "sqlite.sql").read_text())
    table = sqlite_utils.Database(conn)["customer"]
    rows = table.count

    def transform():
        table.transform(rename={"name": "full_name"})
        table.add_column("phone", str)

    seconds = timed(transform)
    print(f"| SQLite, sqlite-utils transform of customer only | {rows:,} | {seconds:.2f} s | {rows / seconds:,.0f} |")


if __name__ == "__main__":
    main()
