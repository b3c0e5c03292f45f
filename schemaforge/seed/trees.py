"""What a hierarchy strategy keeps follows from the tree (patterns/hierarchy.py), and the seed
writes it from the tree's rows, as the triggers would:

- a closure table, `<entity>_closure`: every node its own ancestor at depth 0, then each
  ancestor one level further. A target with the triggers loads the tree only (its load script
  skips the closure); one without loads these rows.
- a materialized path: the keys from the root down, joined by dots.
- nested-set bounds: numbered in one walk of the forest, down each node's subtree in key order,
  a node's left bound when the walk enters it and its right bound when it leaves."""

from __future__ import annotations

from pathlib import Path

from schemaforge.design.model import Design
from schemaforge.patterns.hierarchy import LEFT, RIGHT, TREE_PATH, closure_entity, trees
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


def derive_tree_columns(design: Design, out_dir: Path, con) -> None:
    """Rewrite the path or the bounds of each tree that keeps them, in the rows' order."""
    for tree in trees(design):
        if tree.strategy not in ("materialized_path", "nested_set"):
            continue
        node = tree.entity
        key, parent = ident(node.physical(tree.key)), ident(node.physical(tree.parent_column))
        source = read_parquet(out_dir, node, row_numbers=True)
        # The walk from each root: its path, depth and chain of keys (which orders a pre-order walk).
        walk = (f"WITH RECURSIVE walk (node, path, depth, chain) AS (SELECT {key}, CAST({key} AS VARCHAR), 0, [{key}] "
                f"FROM {source} WHERE {parent} IS NULL UNION ALL SELECT n.{key}, w.path || '.' || n.{key}, w.depth + 1, "
                f"list_append(w.chain, n.{key}) FROM walk w JOIN {source} n ON n.{parent} = w.node)")
        if tree.strategy == "materialized_path":
            column = ident(node.physical(TREE_PATH))
            rewrite = (f"{walk} SELECT t.* EXCLUDE (file_row_number) REPLACE (CAST(w.path AS VARCHAR) AS {column}) "
                       f"FROM {source} t LEFT JOIN walk w ON w.node = t.{key} ORDER BY t.file_row_number")
        else:
            # Entering the k-th node of the walk (0-based) at depth d, k + (k - d) bounds are
            # behind: k lefts and the rights of all but its d ancestors. Its subtree of s nodes
            # takes 2s bounds.
            left, right = ident(node.physical(LEFT)), ident(node.physical(RIGHT))
            rewrite = (f"{walk}, ranked AS (SELECT node, depth, row_number() OVER (ORDER BY chain) - 1 AS k FROM walk), "
                       "sizes AS (SELECT ancestor, count(*) AS s FROM (SELECT unnest(chain) AS ancestor FROM walk) "
                       "GROUP BY ancestor), bounds AS (SELECT r.node, 2 * r.k - r.depth + 1 AS l, 2 * r.k - r.depth + 2 * z.s "
                       "AS r FROM ranked r JOIN sizes z ON z.ancestor = r.node) "
                       f"SELECT t.* EXCLUDE (file_row_number) REPLACE (CAST(b.l AS INTEGER) AS {left}, CAST(b.r AS INTEGER) "
                       f"AS {right}) FROM {source} t LEFT JOIN bounds b ON b.node = t.{key} ORDER BY t.file_row_number")
        rewrite_parquet(con, out_dir, node, rewrite)
