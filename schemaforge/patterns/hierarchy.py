"""The hierarchy pattern: a tree of an entity's rows, by its nullable self reference (the
parent; NULL at a root), and what each strategy keeps beside it.

- `adjacency`: the reference alone; walks are recursive CTEs.
- `closure_table`: `<entity>_closure` holds (ancestor, descendant, depth) for every pair on a
  path, each node its own ancestor at depth 0. Triggers keep it: an insert adds the new node's
  paths, a move (an update of the parent) takes the moved subtree's paths from its old ancestors
  and gives it those of the new parent, a delete goes with its rows (the closure's references
  cascade). A move under the node's own subtree would close a cycle: the closure's key refuses it.
- `materialized_path`: `path` holds the keys from the root down to the node, joined by dots
  (`1.5.12`; an ltree on PostgreSQL, indexed by GiST). An insert writes it from the parent's; a
  move rewrites the prefix of the whole subtree in one UPDATE. Keys are integers.
- `nested_set`: `lft` and `rgt` bound each node's subtree (a descendant's bounds lie strictly
  inside). An insert without bounds takes the parent's right bound and shifts every bound from
  there by 2; a move rotates the subtree's block of bounds to its new place in one UPDATE (each
  bound moves by the same rule, so the set stays nested). A delete leaves a gap, which nesting
  does not mind. A row inserted with its bounds keeps them (the seed's load).

A move under the node's own subtree is refused on every strategy. MySQL forbids a trigger to
change its own table: there a move (and the placing of a nested-set row inserted without
bounds) is a procedure call, `CALL <table>_move(node, new_parent)` / `CALL <table>_place(node)`,
and a trigger refuses an update of the parent that does not go through it.

Each strategy answers the same three queries (`queries/<target>.sql`): `<entity>_ancestors`
(:node's ancestors, nearest first, with their distance), `<entity>_descendants` (its subtree
without it, by distance) and `<entity>_depth` (its distance from its root).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from schemaforge.design.model import Design, Entity, ForeignKey
from schemaforge.naming import shorten
from schemaforge.patterns.triggers import Statement

PATTERN = "hierarchy"
TREE_PATH, LEFT, RIGHT = "path", "lft", "rgt"  # the columns of materialized_path and nested_set

# What each strategy keeps, which goes stale where no trigger keeps it (TG119), and what to do there.
KEPT = {"closure_table": "closure", "materialized_path": "path", "nested_set": "bounds"}
WITHOUT_TRIGGERS = {
    "duckdb": "keep the {kept} from the application, or rebuild it from the references after each load (the seed's "
              "rows hold it)",
    "clickhouse": "rebuild the {kept} from the references after each load (ClickHouse has no triggers; the seed's "
                  "rows hold it)",
}
# Where a change of the tree is a procedure call (TG120): MySQL forbids a trigger to change its own table.
MOVED_BY_CALL = {
    "materialized_path": {"mysql": (
        "MySQL forbids a trigger to change its own table: move a node of '{entity}' with CALL {table}_path_move(node, "
        "new_parent), which rewrites its subtree's paths; a plain UPDATE of the parent is refused. An insert must give "
        "the key: a BEFORE INSERT trigger does not see an AUTO_INCREMENT key")},
    "nested_set": {"mysql": (
        "MySQL forbids a trigger to change its own table: place a row of '{entity}' inserted without bounds with "
        "CALL {table}_bounds_place(node), and move a node with CALL {table}_bounds_move(node, new_parent); a plain "
        "UPDATE of the parent is refused")},
}


# The path tests of materialized_path's queries: `tree_path_under(path, above)` (strictly under)
# and `tree_path_depth(path)`; each target spells them (SqlTarget.path_under / path_depth).
PATH_FUNCTIONS_NAMES = ("tree_path_under", "tree_path_depth")
PATH_FUNCTIONS = frozenset(PATH_FUNCTIONS_NAMES)


def is_tree_path(column) -> bool:
    return column.added_by == PATTERN and column.name == TREE_PATH


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
    elif tree.strategy == "materialized_path":
        under, depth_of = PATH_FUNCTIONS_NAMES  # spelt per target (queries/render.py)
        ancestors = (f"SELECT a.{key} AS ancestor, {depth_of}(x.{TREE_PATH}) - {depth_of}(a.{TREE_PATH}) AS depth "
                     f"FROM {name} x JOIN {name} a ON {under}(x.{TREE_PATH}, a.{TREE_PATH}) WHERE x.{key} = :node "
                     "ORDER BY depth")
        descendants = (f"SELECT d.{key} AS descendant, {depth_of}(d.{TREE_PATH}) - {depth_of}(x.{TREE_PATH}) AS depth "
                       f"FROM {name} x JOIN {name} d ON {under}(d.{TREE_PATH}, x.{TREE_PATH}) WHERE x.{key} = :node "
                       f"ORDER BY depth, d.{key}")
        depth = f"SELECT {depth_of}(x.{TREE_PATH}) AS depth FROM {name} x WHERE x.{key} = :node"
    elif tree.strategy == "nested_set":
        # Ancestors form a chain: ordered by their left bounds, the nearest has the largest. A
        # descendant's distance is how many of the subtree's bounds are open at its left bound:
        # a running sum of +1 at each left bound and -1 at each right one, in bound order.
        inside = f"JOIN {name} a ON a.{LEFT} < x.{LEFT} AND a.{RIGHT} > x.{RIGHT} WHERE x.{key} = :node"
        ancestors = (f"SELECT a.{key} AS ancestor, ROW_NUMBER() OVER (ORDER BY a.{LEFT} DESC) AS depth FROM {name} x "
                     f"{inside} ORDER BY depth")
        subtree = (f"SELECT d.{key} AS node, d.{LEFT} AS lft, d.{RIGHT} AS rgt FROM {name} x JOIN {name} d ON "
                   f"d.{LEFT} > x.{LEFT} AND d.{RIGHT} < x.{RIGHT} WHERE x.{key} = :node")
        descendants = (f"WITH subtree AS ({subtree}), bounds AS (SELECT node, lft AS bound, 1 AS step FROM subtree "
                       "UNION ALL SELECT node, rgt AS bound, -1 AS step FROM subtree) SELECT node AS descendant, depth "
                       "FROM (SELECT node, step, SUM(step) OVER (ORDER BY bound ROWS UNBOUNDED PRECEDING) AS depth "
                       "FROM bounds) AS walked WHERE step = 1 ORDER BY depth, node")
        depth = f"SELECT COUNT(a.{key}) AS depth FROM {name} x LEFT {inside}"
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


class TreeWriter:
    """One target's statements that keep a strategy's columns right as the tree changes."""

    target: ClassVar[str]
    SUFFIX: ClassVar[str]  # of the objects' names: <table>_<suffix>_<what>

    def __init__(self, renderer):
        self.renderer = renderer
        self.dialect = renderer.target.dialect

    def q(self, name: str) -> str:
        return self.renderer.ident(name).sql(self.dialect)

    def names(self, tree: Tree) -> dict[str, str]:
        entity = tree.entity
        found = {"table": self.renderer.table(entity).sql(self.dialect), "key": self.q(entity.physical(tree.key)),
                 "parent": self.q(entity.physical(tree.parent_column))}
        for column in (TREE_PATH, LEFT, RIGHT):
            if any(c.name == column for c in entity.columns):
                found[column] = self.q(entity.physical(column))
        return found

    def object_name(self, tree: Tree, what: str) -> str:
        return self.name(f"{tree.entity.table}_{self.SUFFIX}_{what}")

    def name(self, text: str) -> str:
        """An object's name made of the table's and more, fitted to the target's limit."""
        return self.q(shorten(text, self.renderer.target.MAX_IDENTIFIER_LENGTH))

    def trigger(self, tree: Tree, what: str, sql: str, procedural: bool = True) -> Statement:
        name = self.object_name(tree, what)
        return Statement(sql.replace("{name}", name), procedural,
                         object=("trigger", name, self.renderer.table(tree.entity).sql(self.dialect)))

    def function(self, tree: Tree, what: str, body: str, declare: str = "") -> Statement:
        """A PostgreSQL trigger function."""
        name = self.object_name(tree, what)
        return Statement(f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n{declare}"
                         f"BEGIN\n{body}\nEND\n$$", True, object=("function", f"{name}()", None))

    def key_type(self, tree: Tree) -> str:
        return self.renderer.data_type(tree.entity.column(tree.key).type).sql(self.dialect)

    def joined_update(self, table: str, sets: str, derived: str, where: str) -> str:
        """An UPDATE of `table` that reads the one row of `derived` as `m` (PostgreSQL and
        SQLite: UPDATE ... FROM, whose row is read once, before any row changes)."""
        return f"UPDATE {table} SET {sets} FROM ({derived}) AS m WHERE {where}"

    def triggers(self, tree: Tree) -> list[Statement]:
        raise NotImplementedError

    # -- filling what the strategy keeps for rows already there (a migration that turns it on) --
    WITH_RECURSIVE: ClassVar[str] = "WITH RECURSIVE"
    TEXT: ClassVar[str] = "VARCHAR({length})"

    def concat(self, *parts: str) -> str:
        return " || ".join(parts)

    def text(self, value: str, length: int = 4000) -> str:
        return f"CAST({value} AS {self.TEXT.format(length=length)})"

    def fill_update(self, table: str, sets: str, ctes: str, select: str, on: str) -> str:
        """UPDATE `table` from the rows `select` gives (as `w`) after the recursive `ctes`."""
        return f"UPDATE {table} SET {sets} FROM ({self.WITH_RECURSIVE} {ctes} {select}) AS w WHERE {on}"

    def fill_insert(self, table: str, columns: str, ctes: str, select: str) -> str:
        return f"INSERT INTO {table} ({columns}) {self.WITH_RECURSIVE} {ctes} {select}"

    def walk(self, n: dict) -> str:
        """Each node reachable from a root, with its depth, the path of its keys and a chain of
        fixed-width numbers (one per key, by key order) that sorts a pre-order walk."""
        number = "1000000000000000000 + ROW_NUMBER() OVER (ORDER BY {key})".format(key=n["key"])
        return (f"numbered (node, parent, num) AS (SELECT {n['key']}, {n['parent']}, {number} FROM {n['table']}), "
                f"walk (node, depth, node_path, chain) AS (SELECT node, 0, {self.text('node', 700)}, {self.text('num')} "
                "FROM numbered WHERE parent IS NULL UNION ALL SELECT c.node, w.depth + 1, "
                f"{self.text(self.concat('w.node_path', repr('.'), self.text('c.node', 20)), 700)}, "
                f"{self.text(self.concat('w.chain', self.text('c.num', 20)))} FROM walk w JOIN numbered c ON c.parent = w.node)")

    def fill(self, tree: Tree) -> list[str]:
        """The statements that give the rows already in the table what the strategy keeps."""
        raise NotImplementedError


class MySQLSql:
    """MySQL's spelling of the writers' shared statements."""

    TEXT = "CHAR({length})"

    def concat(self, *parts: str) -> str:
        return f"CONCAT({', '.join(parts)})"

    def joined_update(self, table: str, sets: str, derived: str, where: str) -> str:
        return f"UPDATE {table} JOIN ({derived}) AS m SET {sets} WHERE {where}"

    def fill_update(self, table: str, sets: str, ctes: str, select: str, on: str) -> str:
        return f"UPDATE {table} JOIN (WITH RECURSIVE {ctes} {select}) AS w ON {on} SET {sets}"


class SqlServerSql:
    """SQL Server's: a WITH (no RECURSIVE) stands before the statement, + joins text."""

    WITH_RECURSIVE = "WITH"
    SUBSTRING, LENGTH = "SUBSTRING({text}, {start}, 4000)", "LEN"

    def concat(self, *parts: str) -> str:
        return " + ".join(parts)

    def fill_update(self, table: str, sets: str, ctes: str, select: str, on: str) -> str:
        return f"WITH {ctes} UPDATE {table} SET {sets} FROM {table} JOIN ({select}) AS w ON {on}"

    def fill_insert(self, table: str, columns: str, ctes: str, select: str) -> str:
        return f"WITH {ctes} INSERT INTO {table} ({columns}) {select}"


class OracleSql:
    """Oracle's: no RECURSIVE, VARCHAR2, and MERGE for an UPDATE from other rows."""

    WITH_RECURSIVE = "WITH"
    TEXT = "VARCHAR2({length})"
    SUBSTRING, LENGTH = "SUBSTR({text}, {start})", "LENGTH"

    def fill_update(self, table: str, sets: str, ctes: str, select: str, on: str) -> str:
        return f"MERGE INTO {table} USING (WITH {ctes} {select}) w ON ({on}) WHEN MATCHED THEN UPDATE SET {sets}"


class ClosureTriggers(TreeWriter):
    """One target's triggers that keep a closure table right."""

    SUFFIX = "closure"

    def names(self, tree: Tree) -> dict[str, str]:
        entity, closure = tree.entity, tree.entity.name
        closure_table = self.renderer.design.entities[closure_entity(closure)]
        names = super().names(tree) | {
            "closure": self.renderer.table(closure_table).sql(self.dialect),
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

    def fill(self, tree: Tree) -> list[str]:
        n = self.names(tree)
        pairs = (f"{self.walk(n)}, pairs (ancestor, node, distance) AS (SELECT node, node, 0 FROM walk UNION ALL "
                 "SELECT p.ancestor, c.node, p.distance + 1 FROM pairs p JOIN numbered c ON c.parent = p.node)")
        tenant = f"t.{n['node_tenant']}, " if n["tenant"] else ""
        return [self.fill_insert(n["closure"], f"{n['tenant']}{n['ancestor']}, {n['descendant']}, {n['depth']}", pairs,
                                 f"SELECT {tenant}p.ancestor, p.node, p.distance FROM pairs p JOIN {n['table']} t "
                                 f"ON t.{n['key']} = p.node")]

    @staticmethod
    def tenant_of(n: dict, row: str) -> str:
        """`row`'s tenant key as the first value of a closure row, where there is one."""
        return f"{row}.{n['node_tenant']}, " if n["tenant"] else ""

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

class PostgresTree:
    """PostgreSQL's triggers of a tree: each runs a function of its own, named as it is."""

    def on_insert(self, tree: Tree, n: dict, timing: str, when: str = "") -> Statement:
        return self.trigger(tree, "insert", f"CREATE TRIGGER {{name}} {timing} INSERT ON {n['table']} FOR EACH ROW "
                            f"{when}EXECUTE FUNCTION {self.object_name(tree, 'insert')}()")

    def on_move(self, tree: Tree, n: dict) -> Statement:
        return self.trigger(tree, "move", f"CREATE TRIGGER {{name}} AFTER UPDATE OF {n['parent']} ON {n['table']} FOR EACH "
                            f"ROW WHEN (OLD.{n['parent']} IS DISTINCT FROM NEW.{n['parent']}) EXECUTE FUNCTION "
                            f"{self.object_name(tree, 'move')}()")


class PostgresClosure(PostgresTree, ClosureTriggers):
    target = "postgres"

    def triggers(self, tree: Tree) -> list[Statement]:
        n = self.names(tree)
        node, parent = "NEW." + n["key"], "NEW." + n["parent"]
        return [
            self.function(tree, "insert", f"  {self.added(n, 'NEW')};\n  RETURN NULL;"),
            self.on_insert(tree, n, "AFTER"),
            self.function(tree, "move", f"  {self.cut(n, node)};\n  {self.graft(n, node, parent)};\n  RETURN NULL;"),
            self.on_move(tree, n),
        ]


class MySQLClosure(MySQLSql, ClosureTriggers):
    """Single-statement triggers (no DELIMITER needed): the move is two, the graft FOLLOWS the
    cut. MySQL refuses a DELETE that reads its own table in a subquery: the subtree is read
    through a derived table, which it materializes first."""

    target = "mysql"

    def subtree(self, n: dict, node: str) -> str:
        return f"SELECT d FROM (SELECT {n['descendant']} AS d FROM {n['closure']} WHERE {n['ancestor']} = {node}) AS sub"

    def triggers(self, tree: Tree) -> list[Statement]:
        n = self.names(tree)
        moved = f"NOT (OLD.{n['parent']} <=> NEW.{n['parent']})"
        cut_name = self.object_name(tree, "cut")
        return [
            self.trigger(tree, "insert", f"CREATE TRIGGER {{name}} AFTER INSERT ON {n['table']} FOR EACH ROW "
                         + self.added(n, "NEW"), procedural=False),
            self.trigger(tree, "cut", f"CREATE TRIGGER {{name}} AFTER UPDATE ON {n['table']} FOR EACH ROW "
                         f"{self.cut(n, 'NEW.' + n['key'])} AND {moved}", procedural=False),
            self.trigger(tree, "graft", f"CREATE TRIGGER {{name}} AFTER UPDATE ON {n['table']} FOR EACH ROW FOLLOWS "
                         f"{cut_name} {self.graft(n, 'NEW.' + n['key'], 'NEW.' + n['parent'])} AND {moved}",
                         procedural=False),
        ]


class SqliteTree:
    """SQLite's triggers of a tree: a body of statements, on insert and on a change of parent."""

    def on_insert(self, tree: Tree, n: dict, body: list[str], when: str = "") -> Statement:
        return self.trigger(tree, "insert", f"CREATE TRIGGER {{name}} AFTER INSERT ON {n['table']}{when}\nBEGIN\n"
                            + "".join(f"  {statement};\n" for statement in body) + "END")

    def on_move(self, tree: Tree, n: dict, body: list[str]) -> Statement:
        return self.trigger(tree, "move", f"CREATE TRIGGER {{name}} AFTER UPDATE OF {n['parent']} ON {n['table']}\n"
                            f"  WHEN OLD.{n['parent']} IS NOT NEW.{n['parent']}\nBEGIN\n"
                            + "".join(f"  {statement};\n" for statement in body) + "END")


class SqliteClosure(SqliteTree, ClosureTriggers):
    target = "sqlite"

    def triggers(self, tree: Tree) -> list[Statement]:
        n = self.names(tree)
        node, parent = "NEW." + n["key"], "NEW." + n["parent"]
        return [self.on_insert(tree, n, [self.added(n, "NEW")]),
                self.on_move(tree, n, [self.cut(n, node), self.graft(n, node, parent)])]


class SqlServerClosure(SqlServerSql, ClosureTriggers):
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


class OracleClosure(OracleSql, ClosureTriggers):
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



# -- materialized_path ----------------------------------------------------------------------

class PathTriggers(TreeWriter):
    SUFFIX = "path"
    REFUSAL = "a node cannot move under its own subtree"

    def path_value(self, text: str) -> str:
        return text

    def fill(self, tree: Tree) -> list[str]:
        n = self.names(tree)
        return [self.fill_update(n["table"], f"{n['path']} = {self.path_value('w.node_path')}", self.walk(n),
                                 "SELECT node, node_path FROM walk", f"{n['table']}.{n['key']} = w.node")]


class PostgresPath(PostgresTree, PathTriggers):
    """ltree: an insert takes its parent's path and its own key (a BEFORE trigger: defaults,
    the key's included, are in NEW by then); a move gives the subtree the new parent's path in
    place of the old one's prefix."""

    target = "postgres"

    def path_value(self, text: str) -> str:
        return f"CAST({text} AS ltree)"

    def triggers(self, tree: Tree) -> list[Statement]:
        n = self.names(tree)
        above = f"COALESCE((SELECT p.{n['path']} FROM {n['table']} p WHERE p.{n['key']} = NEW.{n['parent']}), ''::ltree)"
        return [
            self.function(tree, "insert", f"  NEW.{n['path']} := {above} || NEW.{n['key']}::text;\n  RETURN NEW;"),
            self.on_insert(tree, n, "BEFORE"),
            self.function(tree, "move", (
                f"  SELECT {n['path']} INTO here FROM {n['table']} WHERE {n['key']} = NEW.{n['key']};\n"
                f"  above := {above};\n"
                f"  IF above <@ here THEN\n    RAISE EXCEPTION '{n['table']}: {self.REFUSAL} (%)', NEW.{n['key']} "
                "USING ERRCODE = 'check_violation';\n  END IF;\n"
                f"  UPDATE {n['table']} SET {n['path']} = above || subpath({n['path']}, nlevel(here) - 1) "
                f"WHERE {n['path']} <@ here;\n  RETURN NULL;"), declare="DECLARE\n  here ltree;\n  above ltree;\n"),
            self.on_move(tree, n),
        ]


class SqlitePath(SqliteTree, PathTriggers):
    target = "sqlite"

    def above(self, n: dict) -> str:
        return f"COALESCE((SELECT p.{n['path']} || '.' FROM {n['table']} p WHERE p.{n['key']} = NEW.{n['parent']}), '')"

    def triggers(self, tree: Tree) -> list[Statement]:
        n = self.names(tree)
        path = n["path"]
        moved = (f"SELECT x.{path} AS old_path, {self.above(n)} || x.{n['key']} AS new_path FROM {n['table']} x "
                 f"WHERE x.{n['key']} = NEW.{n['key']}")
        return [
            self.on_insert(tree, n, [f"UPDATE {n['table']} SET {path} = {self.above(n)} || NEW.{n['key']} "
                                     f"WHERE {n['key']} = NEW.{n['key']}"]),
            self.on_move(tree, n, [
                f"SELECT RAISE(ABORT, '{n['table']}: {self.REFUSAL}') FROM {n['table']} p WHERE p.{n['key']} = "
                f"NEW.{n['parent']} AND (p.{path} = NEW.{path} OR p.{path} LIKE NEW.{path} || '.%')",
                self.joined_update(n["table"], f"{path} = m.new_path || SUBSTR({path}, LENGTH(m.old_path) + 1)", moved,
                                   f"{path} = m.old_path OR {path} LIKE m.old_path || '.%'")]),
        ]


class MySQLGuard(MySQLSql):
    """MySQL forbids a trigger to change its own table: a move is a procedure's one UPDATE, and
    a BEFORE UPDATE trigger refuses a change of the parent that the procedure did not make
    (named by a CHECK that fails: `<table>_moves_by_call`, `<table>_moves_outside_its_subtree`)."""

    def guard(self, tree: Tree, n: dict, direct: str, cycle: str) -> list[Statement]:
        table = self.name(f"{tree.entity.table}_refused_move")
        by_call = self.name(f"{tree.entity.table}_moves_by_call")
        outside = self.name(f"{tree.entity.table}_moves_outside_its_subtree")
        return [
            Statement(f"CREATE TABLE {table} (reason VARCHAR(10) NOT NULL, CONSTRAINT {by_call} CHECK (reason <> 'direct'), "
                      f"CONSTRAINT {outside} CHECK (reason <> 'cycle'))", object=("table", table, None)),
            self.trigger(tree, "guard", f"CREATE TRIGGER {{name}} BEFORE UPDATE ON {n['table']} FOR EACH ROW INSERT INTO "
                         f"{table} (reason) SELECT CASE WHEN {cycle} THEN 'cycle' ELSE 'direct' END FROM DUAL WHERE "
                         f"NOT (OLD.{n['parent']} <=> NEW.{n['parent']}) AND ({direct} OR {cycle})", procedural=False),
        ]

    def procedure(self, tree: Tree, what: str, parameters: str, body: str) -> Statement:
        name = self.object_name(tree, what)
        return Statement(f"CREATE PROCEDURE {name}({parameters}) {body}", object=("procedure", name, None))


class MySQLPath(MySQLGuard, PathTriggers):
    target = "mysql"

    def triggers(self, tree: Tree) -> list[Statement]:
        n = self.names(tree)
        key = self.key_type(tree)
        moved = (f"SELECT x.{n['path']} AS old_path, CONCAT(COALESCE((SELECT CONCAT(p.{n['path']}, '.') FROM {n['table']} p "
                 f"WHERE p.{n['key']} = sf_parent), ''), x.{n['key']}) AS new_path FROM {n['table']} x WHERE x.{n['key']} = sf_node")
        return [
            self.trigger(tree, "insert", f"CREATE TRIGGER {{name}} BEFORE INSERT ON {n['table']} FOR EACH ROW SET "
                         f"NEW.{n['path']} = CONCAT(COALESCE((SELECT CONCAT(p.{n['path']}, '.') FROM {n['table']} p WHERE "
                         f"p.{n['key']} = NEW.{n['parent']}), ''), NEW.{n['key']})", procedural=False),
            *self.guard(tree, n, f"OLD.{n['path']} <=> NEW.{n['path']}", f"NEW.{n['path']} LIKE CONCAT(OLD.{n['path']}, '.%')"),
            self.procedure(tree, "move", f"IN sf_node {key}, IN sf_parent {key}", self.joined_update(
                n["table"], f"{n['parent']} = IF({n['key']} = sf_node, sf_parent, {n['parent']}), "
                f"{n['path']} = CONCAT(m.new_path, SUBSTRING({n['path']}, LENGTH(m.old_path) + 1))", moved,
                f"{n['path']} = m.old_path OR {n['path']} LIKE CONCAT(m.old_path, '.%')")),
        ]


# -- nested_set -----------------------------------------------------------------------------

class NestedSetTriggers(TreeWriter):
    """The bounds' two changes as one UPDATE each, over the values that say where (`m.v_...`:
    the one row of a derived table; `@v_...` or `v_...`: variables of SQL Server and Oracle):
    placing a new node at `v_at` (its parent's right bound, or after every bound for a root)
    shifts every bound from there by 2; a move rotates the block [v_left, v_right] of the
    subtree to `v_at`, and the bounds between by the block's width the other way."""

    SUFFIX = "bounds"
    REFUSAL = PathTriggers.REFUSAL
    AS: ClassVar[str] = "AS "  # before a derived table's alias (Oracle has none)

    def at(self, n: dict, parent: str) -> str:
        """Where a node under `parent` (NULL: a root) goes: its parent's right bound, or after all."""
        return (f"COALESCE((SELECT p.{n['rgt']} FROM {n['table']} p WHERE p.{n['key']} = {parent}), "
                f"(SELECT COALESCE(MAX(o.{n['rgt']}), 0) + 1 FROM {n['table']} o))")

    def placing(self, n: dict, node: str) -> str:
        """The row of `v_at` for a node inserted under the parent it names."""
        return f"SELECT {self.at(n, 'x.' + n['parent'])} AS v_at FROM {n['table']} x WHERE x.{n['key']} = {node}"

    def place(self, n: dict, node: str, m: str = "m.") -> tuple[str, str]:
        """(sets, where) of placing `node` at `{m}v_at`."""
        sets = ", ".join(f"{n[b]} = CASE WHEN {n['key']} = {node} THEN {m}v_at{plus} WHEN {n[b]} >= {m}v_at THEN {n[b]} + 2 "
                         f"ELSE {n[b]} END" for b, plus in (("lft", ""), ("rgt", " + 1")))
        return sets, f"{n['key']} = {node} OR {n['rgt']} >= {m}v_at"

    def moved(self, n: dict, node: str, parent: str) -> str:
        """The row of a move: the subtree's bounds, where it goes, whether that is inside it, and
        the range of bounds that change."""
        bounds = (f"SELECT x.{n['lft']} AS v_left, x.{n['rgt']} AS v_right, {self.at(n, parent)} AS v_at "
                  f"FROM {n['table']} x WHERE x.{n['key']} = {node}")
        return (f"SELECT v_left, v_right, v_at, CASE WHEN v_at BETWEEN v_left AND v_right THEN 1 ELSE 0 END AS v_cycle, "
                "CASE WHEN v_at < v_left THEN v_at ELSE v_left END AS v_low, "
                f"CASE WHEN v_at > v_right THEN v_at - 1 ELSE v_right END AS v_high FROM ({bounds}) {self.AS}b")

    @staticmethod
    def rotated(bound: str, m: str = "m.") -> str:
        width = f"({m}v_right - {m}v_left + 1)"
        return (f"CASE WHEN {bound} BETWEEN {m}v_left AND {m}v_right THEN {bound} + CASE WHEN {m}v_at > {m}v_right THEN "
                f"{m}v_at - {m}v_right - 1 ELSE {m}v_at - {m}v_left END WHEN {bound} BETWEEN {m}v_low AND {m}v_high THEN "
                f"CASE WHEN {bound} > {m}v_right THEN {bound} - {width} ELSE {bound} + {width} END ELSE {bound} END")

    def rotation(self, n: dict, m: str = "m.") -> tuple[str, str]:
        """(sets, where) of a move, over `{m}v_...`."""
        return (f"{n['lft']} = {self.rotated(n['lft'], m)}, {n['rgt']} = {self.rotated(n['rgt'], m)}",
                f"{n['lft']} BETWEEN {m}v_low AND {m}v_high OR {n['rgt']} BETWEEN {m}v_low AND {m}v_high")

    def move(self, n: dict, node: str, parent: str) -> str:
        sets, where = self.rotation(n)
        return self.joined_update(n["table"], sets, self.moved(n, node, parent), where)

    def placed(self, n: dict, node: str, parent: str) -> str:
        sets, where = self.place(n, node)
        return self.joined_update(n["table"], sets, f"SELECT {self.at(n, parent)} AS v_at", where)

    def fill(self, tree: Tree) -> list[str]:
        """Bounds from one pre-order walk: entering the k-th node (0-based) at depth d, k lefts and
        the rights of all but its d ancestors are behind; its subtree of s nodes takes 2s."""
        n = self.names(tree)
        ctes = (f"{self.walk(n)}, pairs (ancestor, node) AS (SELECT node, node FROM walk UNION ALL "
                "SELECT p.ancestor, c.node FROM pairs p JOIN numbered c ON c.parent = p.node)")
        ranked = ("SELECT w.node, w.depth, ROW_NUMBER() OVER (ORDER BY w.chain) - 1 AS k, s.subtree FROM walk w JOIN "
                  "(SELECT ancestor, COUNT(*) AS subtree FROM pairs GROUP BY ancestor) s ON s.ancestor = w.node")
        select = f"SELECT node, 2 * k - depth + 1 AS l, 2 * k - depth + 2 * subtree AS r FROM ({ranked}) ranked"
        return [self.fill_update(n["table"], f"{n['lft']} = w.l, {n['rgt']} = w.r", ctes, select,
                                 f"{n['table']}.{n['key']} = w.node")]


class PostgresNestedSet(PostgresTree, NestedSetTriggers):
    target = "postgres"

    def triggers(self, tree: Tree) -> list[Statement]:
        n = self.names(tree)
        return [
            self.function(tree, "insert", f"  {self.placed(n, 'NEW.' + n['key'], 'NEW.' + n['parent'])};\n  RETURN NULL;"),
            self.on_insert(tree, n, "AFTER", f"WHEN (NEW.{n['lft']} IS NULL) "),
            self.function(tree, "move", (
                f"  IF EXISTS (SELECT 1 FROM ({self.moved(n, 'NEW.' + n['key'], 'NEW.' + n['parent'])}) AS m WHERE m.v_cycle = 1) THEN\n"
                f"    RAISE EXCEPTION '{n['table']}: {self.REFUSAL} (%)', NEW.{n['key']} USING ERRCODE = 'check_violation';\n"
                f"  END IF;\n  {self.move(n, 'NEW.' + n['key'], 'NEW.' + n['parent'])};\n  RETURN NULL;")),
            self.on_move(tree, n),
        ]


class SqliteNestedSet(SqliteTree, NestedSetTriggers):
    target = "sqlite"

    def triggers(self, tree: Tree) -> list[Statement]:
        n = self.names(tree)
        node, parent = "NEW." + n["key"], "NEW." + n["parent"]
        return [
            self.on_insert(tree, n, [self.placed(n, node, parent)], when=f" WHEN NEW.{n['lft']} IS NULL"),
            self.on_move(tree, n, [
                f"SELECT RAISE(ABORT, '{n['table']}: {self.REFUSAL}') FROM ({self.moved(n, node, parent)}) AS m "
                "WHERE m.v_cycle = 1", self.move(n, node, parent)]),
        ]


class MySQLNestedSet(MySQLGuard, NestedSetTriggers):
    """A row inserted without bounds is placed by `CALL <table>_place(node)`; a move under its
    own subtree marks the node's bounds -1, which the guard refuses."""

    target = "mysql"

    def triggers(self, tree: Tree) -> list[Statement]:
        n = self.names(tree)
        key = self.key_type(tree)
        sets, where = self.place(n, "sf_node")
        placed = f"{self.placing(n, 'sf_node')} AND x.{n['lft']} IS NULL"
        cycle_first = (f"{n['parent']} = IF({n['key']} = sf_node, sf_parent, {n['parent']}), "
                       f"{n['lft']} = IF(m.v_cycle = 1, -1, {self.rotated(n['lft'])}), "
                       f"{n['rgt']} = IF(m.v_cycle = 1, -1, {self.rotated(n['rgt'])})")
        moving = self.joined_update(n["table"], cycle_first, self.moved(n, "sf_node", "sf_parent"),
                                    f"{n['key']} = sf_node OR (m.v_cycle = 0 AND ({n['lft']} BETWEEN m.v_low AND m.v_high "
                                    f"OR {n['rgt']} BETWEEN m.v_low AND m.v_high))")
        return [
            *self.guard(tree, n, f"(OLD.{n['lft']} <=> NEW.{n['lft']})", f"NEW.{n['lft']} = -1"),
            self.procedure(tree, "place", f"IN sf_node {key}", self.joined_update(n["table"], sets, placed, where)),
            self.procedure(tree, "move", f"IN sf_node {key}, IN sf_parent {key}", moving),
        ]


# -- SQL Server and Oracle: one row at a time -----------------------------------------------

class RowByRow:
    """SQL Server's triggers see a statement's rows together, and Oracle's row triggers may not
    read their own table: both keep a path or bounds one row at a time, in key order (parents
    first where keys grow down the tree), after the statement: a cursor over `inserted` on SQL
    Server, a compound trigger that collects the keys on Oracle. Each step reads its values into
    variables (`select_into`) and writes with them (`var`)."""

    NUMBER: ClassVar[str]  # the variables' type for a bound

    def var(self, name: str) -> str:
        raise NotImplementedError

    def select_into(self, values: dict[str, str], source: str) -> str:
        raise NotImplementedError

    def each_row(self, tree: Tree, n: dict, what: str, event: str, condition: str, step: list[str],
                 variables: dict[str, str]) -> Statement:
        """A trigger that runs `step` for each row (`NEW.`, `OLD.`) where `condition` holds."""
        raise NotImplementedError

    @staticmethod
    def parent_changed(n: dict) -> str:
        return (f"NOT (NEW.{n['parent']} = OLD.{n['parent']} OR (NEW.{n['parent']} IS NULL AND "
                f"OLD.{n['parent']} IS NULL))")


class SqlServerRows(SqlServerSql, RowByRow):
    NUMBER = "INT"

    def var(self, name: str) -> str:
        return f"@{name}"

    def select_into(self, values: dict[str, str], source: str) -> str:
        return f"SELECT {', '.join(f'{name} = {value}' for name, value in values.items())} FROM {source}"

    def each_row(self, tree: Tree, n: dict, what: str, event: str, condition: str, step: list[str],
                 variables: dict[str, str]) -> Statement:
        declared = ", ".join(f"@{name} {typ}" for name, typ in {"node": self.key_type(tree), **variables}.items())
        body = "\n".join(f"    {line};" for line in step)
        guard = f"  IF NOT UPDATE({n['parent']}) RETURN;\n" if event == "UPDATE" else ""
        deleted = f" JOIN deleted AS d ON d.{n['key']} = i.{n['key']}" if "OLD." in condition else ""
        rows = (f"SELECT i.{n['key']} FROM inserted AS i{deleted} WHERE {condition.replace('NEW.', 'i.').replace('OLD.', 'd.')} "
                f"ORDER BY i.{n['key']}")
        return self.trigger(tree, what, (
            f"CREATE OR ALTER TRIGGER {{name}} ON {n['table']} AFTER {event} AS\nBEGIN\n  SET NOCOUNT ON;\n{guard}"
            f"  DECLARE {declared};\n  DECLARE each_row CURSOR LOCAL FAST_FORWARD FOR {rows};\n  OPEN each_row;\n"
            "  FETCH NEXT FROM each_row INTO @node;\n  WHILE @@FETCH_STATUS = 0\n  BEGIN\n"
            f"{body}\n    FETCH NEXT FROM each_row INTO @node;\n  END;\n  CLOSE each_row;\n  DEALLOCATE each_row;\nEND"))

    def refuse(self, table: str, condition: str, refusal: str) -> str:
        return f"IF {condition} THROW 50002, N'{table}: {refusal}', 1"


class OracleRows(OracleSql, RowByRow):
    NUMBER = "NUMBER"

    def var(self, name: str) -> str:
        return name

    def select_into(self, values: dict[str, str], source: str) -> str:
        return f"SELECT {', '.join(values.values())} INTO {', '.join(values)} FROM {source}"

    def each_row(self, tree: Tree, n: dict, what: str, event: str, condition: str, step: list[str],
                 variables: dict[str, str]) -> Statement:
        name = self.object_name(tree, what)
        declared = "".join(f"  {name_} {typ};\n" for name_, typ in variables.items())
        body = "\n".join(f"      {line};" for line in step)
        of = f" OF {n['parent']}" if event == "UPDATE" else ""
        return self.trigger(tree, what, (
            f"CREATE OR REPLACE TRIGGER {{name}} FOR {event}{of} ON {n['table']} COMPOUND TRIGGER\n"
            f"  TYPE keys_t IS TABLE OF {n['table']}.{n['key']}%TYPE;\n  nodes keys_t := keys_t();\n"
            f"  node {n['table']}.{n['key']}%TYPE;\n{declared}  AFTER EACH ROW IS\n  BEGIN\n"
            f"    IF {condition.replace('NEW.', ':NEW.').replace('OLD.', ':OLD.')} THEN\n      nodes.EXTEND;\n"
            f"      nodes(nodes.LAST) := :NEW.{n['key']};\n    END IF;\n  END AFTER EACH ROW;\n  AFTER STATEMENT IS\n"
            f"  BEGIN\n    FOR i IN 1 .. nodes.COUNT LOOP\n      node := nodes(i);\n{body}\n    END LOOP;\n"
            f"  END AFTER STATEMENT;\nEND {name};"))

    def refuse(self, table: str, condition: str, refusal: str) -> str:
        return f"IF {condition} THEN\n        RAISE_APPLICATION_ERROR(-20002, '{table}: {refusal}');\n      END IF"


class RowByRowPath(PathTriggers):
    """The path, a row at a time: an inserted row takes its parent's path and its key; a moved
    one gives its subtree its new path in place of the old as their prefix."""

    def triggers(self, tree: Tree) -> list[Statement]:
        n = self.names(tree)
        table, key, path = n["table"], n["key"], n["path"]
        path_type = self.renderer.data_type(tree.entity.column(TREE_PATH).type).sql(self.dialect)

        def full(row: str) -> str:  # NULL || text is the text on Oracle, where '' is NULL
            above = f"COALESCE((SELECT {self.concat(f'p.{path}', repr('.'))} FROM {table} p WHERE p.{key} = {row}.{n['parent']}), '')"
            return self.concat(above, self.text(f"{row}.{key}", 20))
        old, new, node = self.var("old_path"), self.var("new_path"), self.var("node")
        return [
            self.each_row(tree, n, "insert", "INSERT", "1 = 1", [
                f"UPDATE {table} SET {path} = {full(table)} WHERE {table}.{key} = {node}"], {}),
            self.each_row(tree, n, "move", "UPDATE", self.parent_changed(n), [
                self.select_into({old: f"x.{path}", new: full("x")}, f"{table} x WHERE x.{key} = {node}"),
                self.refuse(table, f"{new} LIKE {self.concat(old, repr('.%'))}", self.REFUSAL),
                f"UPDATE {table} SET {path} = {self.concat(new, self.SUBSTRING.format(text=path, start=f'{self.LENGTH}({old}) + 1'))} "
                f"WHERE {path} = {old} OR {path} LIKE {self.concat(old, repr('.%'))}"],
                {"old_path": path_type, "new_path": path_type}),
        ]


class SqlServerPath(SqlServerRows, RowByRowPath):
    target = "sqlserver"


class OraclePath(OracleRows, RowByRowPath):
    target = "oracle"


class RowByRowNestedSet(NestedSetTriggers):
    """The bounds, a row at a time: the values of a placing or a move are read into variables,
    then the one UPDATE of each runs over them."""

    VALUES = ("left", "right", "at", "cycle", "low", "high")

    def triggers(self, tree: Tree) -> list[Statement]:
        n = self.names(tree)
        node, prefix = self.var("node"), self.var("")
        variables = {f"v_{name}": self.NUMBER for name in self.VALUES}
        (place_sets, place_where), (move_sets, move_where) = self.place(n, node, prefix), self.rotation(n, prefix)
        moved_to = f"(SELECT y.{n['parent']} FROM {n['table']} y WHERE y.{n['key']} = {node})"
        return [
            self.each_row(tree, n, "insert", "INSERT", f"NEW.{n['lft']} IS NULL", [
                self.select_into({self.var("v_at"): "m.v_at"}, f"({self.placing(n, node)}) {self.AS}m"),
                f"UPDATE {n['table']} SET {place_sets} WHERE {place_where}"], variables),
            self.each_row(tree, n, "move", "UPDATE", self.parent_changed(n), [
                self.select_into({self.var(f"v_{name}"): f"m.v_{name}" for name in self.VALUES},
                                 f"({self.moved(n, node, moved_to)}) {self.AS}m"),
                self.refuse(n["table"], f"{self.var('v_cycle')} = 1", self.REFUSAL),
                f"UPDATE {n['table']} SET {move_sets} WHERE {move_where}"], variables),
        ]


class SqlServerNestedSet(SqlServerRows, RowByRowNestedSet):
    target = "sqlserver"


class OracleNestedSet(OracleRows, RowByRowNestedSet):
    target = "oracle"
    AS = ""


PATH_TRIGGERS: dict[str, type[PathTriggers]] = {
    cls.target: cls for cls in (PostgresPath, SqlitePath, MySQLPath, SqlServerPath, OraclePath)
}
NESTED_SET_TRIGGERS: dict[str, type[NestedSetTriggers]] = {
    cls.target: cls for cls in (PostgresNestedSet, SqliteNestedSet, MySQLNestedSet, SqlServerNestedSet, OracleNestedSet)
}
# What keeps each strategy's own columns or table, per target.
KEEPERS: dict[str, dict[str, type[TreeWriter]]] = {
    "closure_table": CLOSURE_TRIGGERS, "materialized_path": PATH_TRIGGERS, "nested_set": NESTED_SET_TRIGGERS,
}


def fills(old: Design, new: Design, renderer) -> list[str]:
    """For each tree whose strategy `new` turns on (its entity there before, kept another way or
    not at all), the statements that give its rows what the strategy keeps: a migration runs
    them once the table has its new columns, before the triggers."""
    statements = []
    for tree in trees(new):
        before = old.entities.get(tree.entity.name)
        writer = KEEPERS.get(tree.strategy, {}).get(renderer.target.name)
        if before is None or writer is None or (before.hierarchy or ("",))[0] == tree.strategy:
            continue
        if tree.strategy == "closure_table" and closure_entity(tree.entity.name) not in new.entities:
            continue
        statements += writer(renderer).fill(tree)
    return statements
