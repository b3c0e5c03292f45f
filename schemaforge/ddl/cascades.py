"""SQL Server's rule for cascading foreign keys: no cycle, and at most one cascade path.

SQL Server refuses a foreign key whose ON DELETE (or ON UPDATE) action cascades if the
cascading references would then reach some table along two paths, or in a circle (error 1785).
The renderer adds each cascading reference in the order the DDL creates them and keeps only
those that SQL Server would accept.
"""

from __future__ import annotations

from collections import defaultdict


class CascadePaths:
    """The accepted cascading references of one event, as edges parent -> child table."""

    def __init__(self) -> None:
        self.children: dict[str, set[str]] = defaultdict(set)

    def reach(self, start: str) -> set[str]:
        """Every table a cascade from `start` reaches, `start` included."""
        seen, todo = {start}, [start]
        while todo:
            for child in self.children[todo.pop()]:
                if child not in seen:
                    seen.add(child)
                    todo.append(child)
        return seen

    def add(self, parent: str, child: str) -> bool:
        """Accept the edge parent -> child and return True, unless it would close a cycle or give
        some table a second path to another."""
        downstream = self.reach(child)
        if parent in downstream:
            return False  # a cycle, a self reference included
        upstream = [table for table in list(self.children) if parent in self.reach(table)] + [parent]
        if any(self.reach(table) & downstream for table in upstream):
            return False
        self.children[parent].add(child)
        return True
