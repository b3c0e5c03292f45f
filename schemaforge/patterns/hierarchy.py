"""The hierarchy pattern: a tree of an entity's rows, by its nullable self reference (the
parent; NULL at a root), and what each strategy keeps beside it.

- `adjacency`: the reference alone; walks are recursive CTEs.
- `closure_table`: `<entity>_closure` holds (ancestor, descendant, depth) for every pair on a
  path, each node its own ancestor at depth 0. Triggers keep it: an insert adds the new node's
  paths, a move (an update of the parent) takes the moved subtree's paths from its old ancestors
  and gives it those of the new parent, a delete goes with its rows (the closure's references
  cascade). A move under the node's own subtree would close a cycle: the closure's key refuses it.

Each strategy answers the same three queries (`queries/<target>.sql`): `<entity>_ancestors`
(:node's ancestors, nearest first, with their distance), `<entity>_descendants` (its subtree
without it, by distance) and `<entity>_depth` (its distance from its root).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from schemaforge.design.model import Design, Entity, ForeignKey
from schemaforge.patterns.triggers import Statement

PATTERN = "hierarchy"

WITHOUT_TRIGGERS = {
    "duckdb": "fill the closure from the application (or rebuild it with a recursive CTE after each load)",
    "clickhouse": "rebuild the closure with a recursive CTE after each load (ClickHouse has no triggers)",
}


def closure_entity(node: str) -> str:
    return f"{node}_closure"


@dataclass(frozen=True)
class Tree:
    """One hierarchy: the entity, its parent reference and the columns the queries name."""

    entity: Entity
    strategy: str
    parent: ForeignKey

    @property
    def key(self) -> str:
        return self.entity.primary_key[0]

    @property
    def parent_column(self) -> str:
        return self.parent.columns[-1]  # a tenant-scoped reference leads with the tenant key


def trees(design: Design) -> list[Tree]:
    found = []
    for entity in design.entities.values():
        if entity.hierarchy is None:
            continue
        strategy, field = entity.hierarchy
        parent = next((fk for fk in entity.foreign_keys if fk.field == field), None)
        if parent is not None:
            found.append(Tree(entity, strategy, parent))
    return found


@dataclass(frozen=True)
class TreeQuery:
    name: str
    sql: str  # PostgreSQL SQL over entity and logical column names, `:node`
    description: str


def tree_queries(tree: Tree) -> list[TreeQuery]:
    name, key, parent = tree.entity.name, tree.key, tree.parent_column
    if tree.strategy == "closure_table":
        closure = closure_entity(name)
        ancestors = (f"SELECT c.ancestor_{key} AS ancestor, c.depth FROM {closure} c WHERE c.descendant_{key} = :node "
                     "AND c.depth > 0 ORDER BY c.depth")
        descendants = (f"SELECT c.descendant_{key} AS descendant, c.depth FROM {closure} c WHERE c.ancestor_{key} = :node "
                       f"AND c.depth > 0 ORDER BY c.depth, c.descendant_{key}")
        depth = f"SELECT MAX(c.depth) AS depth FROM {closure} c WHERE c.descendant_{key} = :node"
    else:  # adjacency: walk the references
        up = (f"WITH RECURSIVE up (node, depth) AS (SELECT t.{parent}, 1 FROM {name} t WHERE t.{key} = :node AND "
              f"t.{parent} IS NOT NULL UNION ALL SELECT t.{parent}, u.depth + 1 FROM up u JOIN {name} t ON t.{key} = u.node "
              f"WHERE t.{parent} IS NOT NULL)")
        ancestors = f"{up} SELECT node AS ancestor, depth FROM up ORDER BY depth"
        descendants = (f"WITH RECURSIVE down (node, depth) AS (SELECT t.{key}, 1 FROM {name} t WHERE t.{parent} = :node "
                       f"UNION ALL SELECT t.{key}, d.depth + 1 FROM down d JOIN {name} t ON t.{parent} = d.node) "
                       "SELECT node AS descendant, depth FROM down ORDER BY depth, node")
        depth = f"{up} SELECT COUNT(*) AS depth FROM up"
    label = f"hierarchy pattern ({tree.strategy})"
    return [TreeQuery(f"{name}_ancestors", ancestors, f"{label}: the ancestors of :node, nearest first"),
            TreeQuery(f"{name}_descendants", descendants, f"{label}: the subtree under :node, by distance"),
            TreeQuery(f"{name}_depth", depth, f"{label}: how far :node is from its root")]


class ClosureTriggers:
    """One target's triggers that keep a closure table right."""

    target: ClassVar[str]

    def __init__(self, renderer):
        self.renderer = renderer
        self.dialect = renderer.target.dialect

    def q(self, name: str) -> str:
        return self.renderer.ident(name).sql(self.dialect)

    def names(self, tree: Tree) -> dict[str, str]:
        entity, closure = tree.entity, tree.entity.name
        closure_table = self.renderer.design.entities[closure_entity(closure)]
        names = {
            "table": self.renderer.table(entity).sql(self.dialect),
            "closure": self.renderer.table(closure_table).sql(self.dialect),
            "key": self.q(entity.physical(tree.key)), "parent": self.q(entity.physical(tree.parent_column)),
            "ancestor": self.q(closure_table.physical(f"ancestor_{tree.key}")),
            "descendant": self.q(closure_table.physical(f"descendant_{tree.key}")),
            "depth": self.q(closure_table.physical("depth")),
        }
        # A tree that belongs to a tenant (multi_tenant): its closure rows carry the tenant key too.
        names["tenant"] = names["node_tenant"] = ""
        if closure_table.tenant_key and entity.tenant_key:
            names["tenant"] = self.q(closure_table.physical(closure_table.tenant_key)) + ", "
            names["node_tenant"] = self.q(entity.physical(entity.tenant_key))
        return names

    @staticmethod
    def tenant_of(n: dict, row: str) -> str:
        """`row`'s tenant key as the first value of a closure row, where there is one."""
        return f"{row}.{n['node_tenant']}, " if n["tenant"] else ""

    def trigger(self, tree: Tree, what: str, sql: str, procedural: bool = True) -> Statement:
        name = self.q(f"{tree.entity.table}_closure_{what}")
        return Statement(sql.replace("{name}", name), procedural,
                         object=("trigger", name, self.renderer.table(tree.entity).sql(self.dialect)))

    def added(self, n: dict, new: str) -> str:
        """The new node's paths: itself, and each of its parent's ancestors one step further."""
        tenant = self.tenant_of(n, new)
        return (f"INSERT INTO {n['closure']} ({n['tenant']}{n['ancestor']}, {n['descendant']}, {n['depth']}) "
                f"SELECT {tenant}{new}.{n['key']}, {new}.{n['key']}, 0{self.FROM_NOTHING} UNION ALL SELECT {tenant}"
                f"c.{n['ancestor']}, {new}.{n['key']}, c.{n['depth']} + 1 FROM {n['closure']} c "
                f"WHERE c.{n['descendant']} = {new}.{n['parent']}")

    FROM_NOTHING: ClassVar[str] = ""

    def subtree(self, n: dict, node: str) -> str:
        return f"SELECT {n['descendant']} FROM {n['closure']} WHERE {n['ancestor']} = {node}"

    def cut(self, n: dict, node: str) -> str:
        """The paths from outside the moved subtree into it."""
        return (f"DELETE FROM {n['closure']} WHERE {n['descendant']} IN ({self.subtree(n, node)}) "
                f"AND {n['ancestor']} NOT IN ({self.subtree(n, node)})")

    def graft(self, n: dict, node: str, parent: str) -> str:
        """Each new ancestor's path to each node of the moved subtree."""
        tenant = f"below.{n['tenant']}" if n["tenant"] else ""
        return (f"INSERT INTO {n['closure']} ({n['tenant']}{n['ancestor']}, {n['descendant']}, {n['depth']}) "
                f"SELECT {tenant}above.{n['ancestor']}, below.{n['descendant']}, above.{n['depth']} + below.{n['depth']} + 1 "
                f"FROM {n['closure']} above JOIN {n['closure']} below ON below.{n['ancestor']} = {node} "
                f"WHERE above.{n['descendant']} = {parent}")

    def triggers(self, tree: Tree) -> list[Statement]:
        raise NotImplementedError


class PostgresClosure(ClosureTriggers):
    target = "postgres"

    def triggers(self, tree: Tree) -> list[Statement]:
        n = self.names(tree)
        table = tree.entity.table
        insert_function, move_function = self.q(f"{table}_closure_insert"), self.q(f"{table}_closure_move")
        return [
            Statement(f"CREATE OR REPLACE FUNCTION {insert_function}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                      f"BEGIN\n  {self.added(n, 'NEW')};\n  RETURN NULL;\nEND\n$$", True,
                      object=("function", f"{insert_function}()", None)),
            self.trigger(tree, "insert", f"CREATE TRIGGER {{name}} AFTER INSERT ON {n['table']} FOR EACH ROW "
                         f"EXECUTE FUNCTION {insert_function}()"),
            Statement(f"CREATE OR REPLACE FUNCTION {move_function}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                      f"BEGIN\n  {self.cut(n, 'NEW.' + n['key'])};\n  {self.graft(n, 'NEW.' + n['key'], 'NEW.' + n['parent'])};\n"
                      "  RETURN NULL;\nEND\n$$", True, object=("function", f"{move_function}()", None)),
            self.trigger(tree, "move", f"CREATE TRIGGER {{name}} AFTER UPDATE OF {n['parent']} ON {n['table']} FOR EACH ROW "
                         f"WHEN (OLD.{n['parent']} IS DISTINCT FROM NEW.{n['parent']}) EXECUTE FUNCTION {move_function}()"),
        ]


class MySQLClosure(ClosureTriggers):
    """Single-statement triggers (no DELIMITER needed): the move is two, the graft FOLLOWS the
    cut. MySQL refuses a DELETE that reads its own table in a subquery: the subtree is read
    through a derived table, which it materializes first."""

    target = "mysql"

    def subtree(self, n: dict, node: str) -> str:
        return f"SELECT d FROM (SELECT {n['descendant']} AS d FROM {n['closure']} WHERE {n['ancestor']} = {node}) AS sub"

    def triggers(self, tree: Tree) -> list[Statement]:
        n = self.names(tree)
        moved = f"NOT (OLD.{n['parent']} <=> NEW.{n['parent']})"
        cut_name = self.q(f"{tree.entity.table}_closure_cut")
        return [
            self.trigger(tree, "insert", f"CREATE TRIGGER {{name}} AFTER INSERT ON {n['table']} FOR EACH ROW "
                         + self.added(n, "NEW"), procedural=False),
            self.trigger(tree, "cut", f"CREATE TRIGGER {{name}} AFTER UPDATE ON {n['table']} FOR EACH ROW "
                         f"{self.cut(n, 'NEW.' + n['key'])} AND {moved}", procedural=False),
            self.trigger(tree, "graft", f"CREATE TRIGGER {{name}} AFTER UPDATE ON {n['table']} FOR EACH ROW FOLLOWS "
                         f"{cut_name} {self.graft(n, 'NEW.' + n['key'], 'NEW.' + n['parent'])} AND {moved}",
                         procedural=False),
        ]


class SqliteClosure(ClosureTriggers):
    target = "sqlite"

    def triggers(self, tree: Tree) -> list[Statement]:
        n = self.names(tree)
        return [
            self.trigger(tree, "insert", f"CREATE TRIGGER {{name}} AFTER INSERT ON {n['table']}\nBEGIN\n  "
                         f"{self.added(n, 'NEW')};\nEND"),
            self.trigger(tree, "move", f"CREATE TRIGGER {{name}} AFTER UPDATE OF {n['parent']} ON {n['table']}\n"
                         f"  WHEN OLD.{n['parent']} IS NOT NEW.{n['parent']}\nBEGIN\n  {self.cut(n, 'NEW.' + n['key'])};\n"
                         f"  {self.graft(n, 'NEW.' + n['key'], 'NEW.' + n['parent'])};\nEND"),
        ]


class SqlServerClosure(ClosureTriggers):
    """Set-based: a statement that inserts a parent and its child together sees the parent's
    paths only once they are in, and a move is one row a statement: insert a tree level by
    level (the seed's load does), move one node at a time."""

    target = "sqlserver"

    def triggers(self, tree: Tree) -> list[Statement]:
        n = self.names(tree)
        key_type = self.renderer.data_type(tree.entity.column(tree.key).type).sql(self.dialect)
        return [
            self.trigger(tree, "insert", f"CREATE OR ALTER TRIGGER {{name}} ON {n['table']} AFTER INSERT AS\nBEGIN\n"
                         f"  SET NOCOUNT ON;\n  INSERT INTO {n['closure']} ({n['tenant']}{n['ancestor']}, {n['descendant']}, "
                         f"{n['depth']}) SELECT {self.tenant_of(n, 'i')}i.{n['key']}, i.{n['key']}, 0 FROM inserted AS i "
                         f"UNION ALL SELECT {self.tenant_of(n, 'i')}c.{n['ancestor']}, "
                         f"i.{n['key']}, c.{n['depth']} + 1 FROM inserted AS i JOIN {n['closure']} AS c ON "
                         f"c.{n['descendant']} = i.{n['parent']};\nEND"),
            self.trigger(tree, "move", f"CREATE OR ALTER TRIGGER {{name}} ON {n['table']} AFTER UPDATE AS\nBEGIN\n"
                         f"  SET NOCOUNT ON;\n  IF NOT UPDATE({n['parent']}) RETURN;\n"
                         f"  DECLARE @node {key_type}, @parent {key_type};\n"
                         f"  SELECT TOP 1 @node = i.{n['key']}, @parent = i.{n['parent']} FROM inserted AS i;\n"
                         f"  {self.cut(n, '@node')};\n  {self.graft(n, '@node', '@parent')};\nEND"),
        ]


class OracleClosure(ClosureTriggers):
    target = "oracle"
    FROM_NOTHING = " FROM dual"

    def triggers(self, tree: Tree) -> list[Statement]:
        n = self.names(tree)
        return [
            self.trigger(tree, "insert", f"CREATE OR REPLACE TRIGGER {{name}} AFTER INSERT ON {n['table']} FOR EACH ROW\n"
                         f"BEGIN\n  {self.added(n, ':NEW')};\nEND;"),
            self.trigger(tree, "move", f"CREATE OR REPLACE TRIGGER {{name}} AFTER UPDATE OF {n['parent']} ON {n['table']} "
                         f"FOR EACH ROW\nBEGIN\n  {self.cut(n, ':NEW.' + n['key'])};\n"
                         f"  {self.graft(n, ':NEW.' + n['key'], ':NEW.' + n['parent'])};\nEND;"),
        ]


CLOSURE_TRIGGERS: dict[str, type[ClosureTriggers]] = {
    cls.target: cls for cls in (PostgresClosure, MySQLClosure, SqliteClosure, SqlServerClosure, OracleClosure)
}
