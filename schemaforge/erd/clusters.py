"""Clusters of entities, for ERDs of designs too large for one picture.

Past `LARGE_ERD` entities one picture is neither readable nor quick to lay out (510 tables took
D2 minutes). The entities are then split into clusters of closely referencing tables: Louvain
communities of the reference graph (networkx, with a fixed seed, so the same design gives the
same clusters), a community larger than a picture split again, and each cluster named after its
hub, the entity most referenced within it.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemaforge.design.model import Design

LARGE_ERD = 40  # entities one picture shows readably
_SEED = 0


@dataclass(frozen=True)
class Cluster:
    name: str  # its hub entity's name: the file is erd/clusters/<name>.svg
    entities: tuple[str, ...]  # in design order


def _graph(design: Design, names):
    import networkx as nx

    graph = nx.Graph()
    graph.add_nodes_from(names)
    for name in names:
        for fk in design.entities[name].foreign_keys:
            if fk.target != name and fk.target in graph:
                weight = graph.get_edge_data(name, fk.target, {"weight": 0})["weight"]
                graph.add_edge(name, fk.target, weight=weight + 1)
    return graph


def _split(design: Design, names: list[str], resolution: float = 1.0) -> list[list[str]]:
    """Groups of at most LARGE_ERD entities, each in design order."""
    import networkx as nx

    if len(names) <= LARGE_ERD:
        return [names]
    order = {name: i for i, name in enumerate(names)}
    communities = nx.community.louvain_communities(_graph(design, names), seed=_SEED, resolution=resolution)
    groups = sorted((sorted(c, key=order.__getitem__) for c in communities), key=lambda g: order[g[0]])
    if len(groups) == 1:  # no community structure left: cut in design order
        return [names[i:i + LARGE_ERD] for i in range(0, len(names), LARGE_ERD)]
    return [part for group in groups for part in _split(design, group, resolution * 2)]


def _hub(design: Design, names: list[str]) -> str:
    inside = set(names)
    referenced = {name: 0 for name in names}
    for name in names:
        for fk in design.entities[name].foreign_keys:
            if fk.target in inside and fk.target != name:
                referenced[fk.target] += 1
    return max(names, key=lambda n: referenced[n])  # the first in design order among equals


def erd_clusters(design: Design) -> list[Cluster]:
    """The clusters of a large design's ERD; none for a design one picture shows."""
    def make() -> list[Cluster]:
        names = list(design.entities)
        if len(names) <= LARGE_ERD:
            return []
        return [Cluster(_hub(design, group), tuple(group)) for group in _merge_small(design, _split(design, names))]

    return design.derived("erd clusters", make)


def _merge_small(design: Design, groups: list[list[str]]) -> list[list[str]]:
    """Singletons and pairs (tables nothing else references) joined to the next small group, so
    that the pictures are few and each worth opening."""
    merged: list[list[str]] = []
    for group in groups:
        if merged and len(merged[-1]) + len(group) <= LARGE_ERD and min(len(merged[-1]), len(group)) < 5:
            merged[-1] = merged[-1] + group
        else:
            merged.append(list(group))
    order = {name: i for i, name in enumerate(design.entities)}
    return [sorted(g, key=order.__getitem__) for g in merged]


def cluster_of(design: Design) -> dict[str, Cluster]:
    return {name: cluster for cluster in erd_clusters(design) for name in cluster.entities}
