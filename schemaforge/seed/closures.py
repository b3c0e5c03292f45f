"""Closure tables follow from their tree: the seed writes `<entity>_closure` from the tree's
seed rows (every node its own ancestor at depth 0, then each ancestor one level further), the
rows the triggers make when the tree is loaded. A target with the triggers loads the tree only
(its load script skips the closure); one without loads these rows."""

from __future__ import annotations

from pathlib import Path

from schemaforge.design.model import Design
from schemaforge.patterns.hierarchy import closure_entity, trees
from schemaforge.seed.sql import duckdb_type, ident, read_parquet, rewrite_parquet


def derive_closures(design: Design, out_dir: Path, con) -> dict[str, int]:
    """Write each closure's rows; returns closure entity -> its row count."""
    counts = {}
    for tree in trees(design):
        name = closure_entity(tree.entity.name)
        if tree.strategy != "closure_table" or name not in design.entities:
            continue
        closure, node = design.entities[name], tree.entity
        key, parent = ident(node.physical(tree.key)), ident(node.physical(tree.parent_column))
        # A tree of a tenant (multi_tenant): each path carries its nodes' tenant key.
        tenant = ident(node.physical(node.tenant_key)) if closure.tenant_key and node.tenant_key else "NULL"
        source = read_parquet(out_dir, node)
        paths = (f"WITH RECURSIVE paths (a, d, depth, t) AS (SELECT {key}, {key}, 0, {tenant} FROM {source} UNION ALL "
                 f"SELECT p.a, n.{key}, p.depth + 1, p.t FROM paths p JOIN {source} n ON n.{parent} = p.d)")
        columns = {f"ancestor_{tree.key}": "a", f"descendant_{tree.key}": "d", "depth": "depth"}
        if closure.tenant_key:
            columns = {closure.tenant_key: "t", **columns}
        select = ", ".join(f"CAST({value} AS {duckdb_type(closure.column(logical).type)}) AS {ident(closure.physical(logical))}"
                           for logical, value in columns.items())
        rewrite_parquet(con, out_dir, closure, f"{paths} SELECT {select} FROM paths ORDER BY depth, a, d")
        counts[name] = con.execute(f"SELECT count(*) FROM {read_parquet(out_dir, closure)}").fetchone()[0]
    return counts
