"""What the patterns cost on PostgreSQL, side by side with what a user would do without them:

- a tree of N nodes inserted into taxonomy's `category` (closure table kept by triggers), `folder`
  (materialized path, an ltree), `topic` (nested set: its bounds given, as the seed's load gives
  them; a smaller tree placed by the trigger row by row) and `page` (references alone), rows per
  second; then the subtree of the root read by each, and moves of nodes, one statement each;
- N updates of helpdesk's `ticket` (audit + temporal + event store + a rule trigger) against the
  same updates with those patterns off;
- the read models: SQLMesh plan and apply (in its own process) against the same aggregates by
  DuckDB directly over the seed.

Run: .venv/bin/python bench/patterns.py [--nodes N] [--url postgresql://...]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import duckdb  # noqa: E402

from schemaforge.ddl.render import render_ddl  # noqa: E402
from schemaforge.deliverables.files import write_artifacts  # noqa: E402
from schemaforge.deliverables.seed import build_seed  # noqa: E402
from schemaforge.design.loader import load_design, load_design_text  # noqa: E402
from schemaforge.performance.analyze import run_psql_file  # noqa: E402
from schemaforge.performance.server import scratch_database  # noqa: E402
from schemaforge.queries.render import render_queries  # noqa: E402
from schemaforge.read_models.project import read_model_artifacts, read_models  # noqa: E402
from schemaforge.read_models.run import run_read_models  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def seconds(run) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def trees(url: str, nodes: int) -> dict[str, float]:
    design = load_design(ROOT / "tests" / "designs" / "taxonomy.yaml")
    queries = {q.name: q.sql for q in render_queries(design, "postgres")}
    # Each node under one of the nodes before it, spread over them: a tree about ln(n) deep.
    values = ", ".join(f"({i}, 'n{i}', {'NULL' if i == 1 else 1 + (i * 7919) % (i - 1)})" for i in range(1, nodes + 1))
    figures = {}
    with scratch_database(url, "bench_trees") as db:
        db.execute(render_ddl(design, "postgres").sql)
        figures["closure_table: nodes inserted per second"] = nodes / seconds(
            lambda: db.execute(f"INSERT INTO category (id, name, parent_id) VALUES {values}"))
        figures["adjacency: nodes inserted per second"] = nodes / seconds(
            lambda: db.execute(f"INSERT INTO page (id, title, parent_id) VALUES {values}"))
        figures["materialized_path: nodes inserted per second"] = nodes / seconds(
            lambda: db.execute(f"INSERT INTO folder (id, name, parent_id) VALUES {values}"))
        bounded = ", ".join(f"({i}, 'n{i}', {'NULL' if parent is None else parent}, {left}, {right})"
                            for i, parent, left, right in nested_bounds(nodes))
        figures["nested_set: nodes inserted per second, bounds given"] = nodes / seconds(
            lambda: db.execute(f"INSERT INTO topic (id, name, parent_id, lft, rgt) VALUES {bounded}"))
        db.execute("ANALYZE")
        for strategy, table in (("closure_table", "category"), ("materialized_path", "folder"),
                                ("nested_set", "topic"), ("adjacency", "page")):
            figures[f"{strategy}: the root's subtree read (ms)"] = 1000 * seconds(
                lambda: db.execute(queries[f"{table}_descendants"], {"node": 1}).fetchall())
        moved = min(nodes, 2000)
        # Leaves and small subtrees mostly, as most moves are: under an earlier node (never its own subtree).
        for strategy, table, count in (("closure_table", "category", moved), ("materialized_path", "folder", moved),
                                       ("nested_set", "topic", moved // 10)):
            figures[f"{strategy}: moves per second ({count})"] = count / seconds(lambda: [
                db.execute(f"UPDATE {table} SET parent_id = {1 + (i * 31) % (i - 1)} WHERE id = {i}")
                for i in range(nodes - count + 1, nodes + 1)])
        figures["closure_table: closure rows"] = db.execute("SELECT count(*) FROM category_closure").fetchone()[0]
        # A node inserted without bounds shifts every bound to its right: a statement each, as an
        # application adds nodes (one statement of many rows keeps every shifted row's old version
        # until it ends, and slows down as the square of its rows).
        placed = min(nodes, 500)
        db.execute("DELETE FROM topic")
        db.execute("VACUUM topic")  # the moves' old row versions gone, as autovacuum would between them
        figures[f"nested_set: nodes placed by the trigger per second ({placed}, one statement each)"] = placed / seconds(
            lambda: [db.execute(f"INSERT INTO topic (id, name, parent_id) VALUES ({i}, 'n{i}', "
                                f"{'NULL' if i == 1 else 1 + (i * 7919) % (i - 1)})") for i in range(1, placed + 1)])
    return figures


def nested_bounds(nodes: int) -> list[tuple[int, int | None, int, int]]:
    """(node, parent, left, right) of the bench's tree, numbered by a walk in key order."""
    children: dict[int, list[int]] = {}
    parents = {i: None if i == 1 else 1 + (i * 7919) % (i - 1) for i in range(1, nodes + 1)}
    for node, parent in parents.items():
        children.setdefault(parent, []).append(node)
    bounds, counter, stack = {}, 0, [(1, False)]
    while stack:
        node, leaving = stack.pop()
        counter += 1
        if leaving:
            bounds[node] = (bounds[node][0], counter)
            continue
        bounds[node] = (counter, None)
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(children.get(node, [])))
    return [(node, parents[node], *bounds[node]) for node in parents]


def helpdesk(patterns: str, rule: str) -> object:
    """helpdesk with `ticket`'s patterns and its rule's enforce as given."""
    text = (ROOT / "tests" / "designs" / "helpdesk.yaml").read_text()
    text = text.replace("    patterns: [audit, temporal, event_sourcing]\n", f"    patterns: [{patterns}]\n" if patterns else "")
    if "event_sourcing" not in patterns:
        text = text.replace(", ticket_event: 4000}", "}")
    return load_design_text(text.replace("    enforce: trigger", f"    enforce: {rule}"), "helpdesk.yaml", "helpdesk")


VARIANTS = {
    "without the patterns": ("", "expectation"),
    "audit": ("audit", "expectation"),
    "temporal": ("temporal", "expectation"),
    "the rule as a deferred trigger": ("", "trigger"),
    "audit + temporal + event store + rule trigger": ("audit, temporal, event_sourcing", "trigger"),
}


def updates(url: str, root: Path, rows: int) -> dict[str, float]:
    """One UPDATE of `rows` tickets in a transaction, per variant of helpdesk."""
    figures = {}
    for label, (patterns, rule) in VARIANTS.items():
        design = helpdesk(patterns, rule)
        folder = root / label.replace(" ", "_")
        build_seed(design, folder)
        with scratch_database(url, "bench_updates") as db:
            db.execute(render_ddl(design, "postgres").sql)
            run_psql_file(db, folder / "seed" / "postgres.sql")
            [(count,)] = db.execute("SELECT count(*) FROM ticket").fetchall()
            n = min(rows, count)
            with db.transaction():
                spent = seconds(lambda: db.execute(f"UPDATE ticket SET subject = subject || '.' WHERE id <= {n}"))
            figures[f"{label}: ticket updates per second"] = n / spent
    return figures


def read_model_run(root: Path) -> dict[str, float]:
    design = load_design(ROOT / "tests" / "designs" / "helpdesk.yaml")
    build_seed(design, root)
    write_artifacts(root, read_model_artifacts(design))
    figures = {"SQLMesh plan + apply + audit, its own process (s)": seconds(lambda: run_read_models(design, root))}
    figures["DuckDB, the same aggregates directly (s)"] = seconds(lambda: [
        duckdb.sql(m.select(f"read_parquet('{root}/seed/{m.entity.name}.parquet')")).fetchall() for m in read_models(design)])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nodes", type=int, default=20000)
    parser.add_argument("--url", default=DEFAULT_URL)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    try:
        figures = trees(args.url, args.nodes) | updates(args.url, folder, args.nodes) | read_model_run(folder / "read")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    width = max(map(len, figures))
    for name, value in figures.items():
        print(f"{name:<{width}}  {value:,.1f}")


if __name__ == "__main__":
    main()
