"""The graph pattern's traversal queries: for an entity with `patterns: [graph]` (its edges are
the generated entity `<node>_edge`, design/resolve.py), three queries join its access patterns:

- `<node>_neighbours`: the nodes one edge away from `:node`, with the edge's kind;
- `<node>_within_hops`: every node reachable from `:node` in at most `:hops` edges, with the
  fewest edges it takes;
- `<node>_hops_between`: the fewest edges from `:origin` to `:destination`, looked for up to
  `:max_hops` edges (no row when it is farther or unreachable).

Edges are directed (source to target). The walks are recursive CTEs with UNION ALL, which every
target with recursion takes (SQL Server and Oracle refuse a recursive UNION), bounded by the hop
parameter: their cost grows with the number of walks of that length, so keep it small.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemaforge.design.model import Design


@dataclass(frozen=True)
class GraphQuery:
    name: str
    sql: str  # PostgreSQL SQL over entity and logical column names, `:name` parameters
    description: str


def edge_entity(node: str) -> str:
    return f"{node}_edge"


def _walk(edges: str, source: str, target: str, start: str, limit: str) -> str:
    return (f"WITH RECURSIVE reach (node, depth) AS (SELECT e.{target}, 1 FROM {edges} e WHERE e.{source} = :{start} "
            f"UNION ALL SELECT e.{target}, r.depth + 1 FROM reach r JOIN {edges} e ON e.{source} = r.node "
            f"WHERE r.depth < CAST(:{limit} AS INTEGER))")  # cast: a parameter compared with no column is untyped


def graph_queries(design: Design, node: str) -> list[GraphQuery]:
    """The traversal queries of one node entity (its key is one column: the resolver sees to it)."""
    key = design.entities[node].primary_key[0]
    edges, source, target = edge_entity(node), f"source_{key}", f"target_{key}"
    return [
        GraphQuery(f"{node}_neighbours",
                   f"SELECT e.{target} AS node, e.kind FROM {edges} e WHERE e.{source} = :node ORDER BY e.{target}, e.kind",
                   f"graph pattern: the {node} nodes one edge away from :node"),
        GraphQuery(f"{node}_within_hops",
                   # The walk's column is not called hops: ClickHouse would read MIN(hops) in ORDER BY
                   # as the alias, an aggregate inside an aggregate (and MariaDB sorts by no aggregate's alias).
                   f"{_walk(edges, source, target, 'node', 'hops')} SELECT node, MIN(depth) AS hops FROM reach "
                   "WHERE node <> :node GROUP BY node ORDER BY MIN(depth), node",
                   f"graph pattern: every {node} reachable from :node in at most :hops edges, with the fewest it takes"),
        GraphQuery(f"{node}_hops_between",
                   # Arriving at the destination is crossing an edge into it: the join types the parameter.
                   # No row when it is not reached (MIN of nothing is 0 on ClickHouse, not NULL).
                   f"{_walk(edges, source, target, 'origin', 'max_hops')} SELECT r.depth AS hops FROM reach r "
                   f"JOIN {edges} e ON e.{target} = r.node WHERE e.{target} = :destination ORDER BY r.depth LIMIT 1",
                   "graph pattern: the fewest edges from :origin to :destination, up to :max_hops"),
    ]
