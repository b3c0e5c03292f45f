"""Business rules that the seed data can be made to satisfy, by their shape.

A rule is a query returning violating rows. Two common shapes are recognised in its sqlglot
tree and repaired with one DuckDB statement each, rewriting the Parquet file in row order:

- aggregate equality along a reference:
  `FROM parent p JOIN child c ON c.ref = p.key GROUP BY ... HAVING p.x <> SUM(<expr over c>)`
  (or COUNT(*))
  sets each parent's `x` to the aggregate of its children (parents without children keep theirs);
- ordering along a reference:
  `FROM child c JOIN parent p ON c.ref = p.key WHERE c.a < p.b` (or >, <=, >=)
  moves each violating `c.a` past `p.b`.

Other rules are only verified; one that fails is reported by name (see verify.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
from sqlglot import exp

from schemaforge.seed.sql import duckdb_type, ident, physical_sql, read_parquet, rewrite_parquet
from schemaforge.design.model import Column, Design, Entity, ForeignKey, Rule

_MIRROR = {exp.GT: exp.LT, exp.GTE: exp.LTE, exp.LT: exp.GT, exp.LTE: exp.GTE}


@dataclass
class _Join:
    """A two-table rule query: which alias is the child (holds the reference) and which the parent."""

    child: Entity
    child_alias: str
    parent: Entity
    parent_alias: str

    @property
    def aliases(self) -> dict[str, Entity]:
        return {self.child_alias: self.child, self.parent_alias: self.parent}

    @property
    def reference(self) -> ForeignKey:
        return next(fk for fk in self.child.foreign_keys if fk.target == self.parent.name)

    def child_ref(self) -> str:
        return f"{ident(self.child_alias)}.{ident(self.child.physical(self.reference.own_columns[0]))}"

    def parent_key(self) -> str:
        reference = self.reference  # a tenant-scoped one also names the tenant key, first
        return f"{ident(self.parent_alias)}.{ident(self.parent.physical(reference.target_columns[-len(reference.own_columns)]))}"


def _join_of(design: Design, query: exp.Expression) -> _Join | None:
    if not isinstance(query, exp.Select) or len(query.args.get("joins") or []) != 1:
        return None
    tables = [query.args["from_"].this, query.args["joins"][0].this]
    if not all(isinstance(t, exp.Table) and t.name in design.entities for t in tables):
        return None
    aliases = {t.alias_or_name: design.entities[t.name] for t in tables}
    on = query.args["joins"][0].args.get("on")
    if not (isinstance(on, exp.EQ) and isinstance(on.left, exp.Column) and isinstance(on.right, exp.Column)):
        return None
    for a, b in ((on.left, on.right), (on.right, on.left)):
        child, parent = aliases.get(a.table), aliases.get(b.table)
        if child is None or parent is None or child is parent:
            continue
        if any(fk.target == parent.name and fk.own_columns == (a.name,) and fk.target_columns[-1:] == (b.name,)
               for fk in child.foreign_keys):
            return _Join(child, a.table, parent, b.table)
    return None


def _columns_of(tree: exp.Expression, alias: str) -> bool:
    columns = list(tree.find_all(exp.Column))
    return bool(columns) and all(c.table == alias for c in columns)


def _replace_column(con, out_dir: Path, entity: Entity, alias: str, column: Column, value_sql: str, join_sql: str) -> None:
    """Rewrite an entity's Parquet file, in row order, with `column` set to `value_sql`."""
    a, physical = ident(alias), ident(column.physical)
    select = (
        f"SELECT {a}.* EXCLUDE (file_row_number) REPLACE (CAST({value_sql} AS {duckdb_type(column.type)}) AS {physical}) "
        f"FROM {read_parquet(out_dir, entity, row_numbers=True)} AS {a} LEFT JOIN {join_sql} ORDER BY {a}.file_row_number"
    )
    rewrite_parquet(con, out_dir, entity, select)


def _aggregate_equality(design: Design, rule: Rule, out_dir: Path, con) -> bool:
    join = _join_of(design, rule.query)
    having = rule.query.args.get("having")
    if join is None or having is None or not isinstance(having.this, exp.NEQ):
        return False
    sides = (having.this.left, having.this.right)
    target = next((s for s in sides if isinstance(s, exp.Column) and s.table == join.parent_alias), None)
    # An aggregate over the children's columns, or over none (COUNT(*): how many children).
    aggregate = next((s for s in sides if isinstance(s, exp.AggFunc)
                      and (_columns_of(s, join.child_alias) or not list(s.find_all(exp.Column)))), None)
    if target is None or aggregate is None:
        return False
    column = join.parent.column(target.name)
    p, c = ident(join.parent_alias), ident(join.child_alias)
    children = (
        f"(SELECT {join.child_ref()} AS seed_key, {physical_sql(design, aggregate, aliases=join.aliases)} AS seed_value "
        f"FROM {read_parquet(out_dir, join.child)} AS {c} GROUP BY 1) AS a ON a.seed_key = {join.parent_key()}"
    )
    value = f"coalesce(a.seed_value, {p}.{ident(column.physical)})"
    _replace_column(con, out_dir, join.parent, join.parent_alias, column, value, children)
    return True


def _ordering_along_reference(design: Design, rule: Rule, out_dir: Path, con) -> bool:
    join = _join_of(design, rule.query)
    where = rule.query.args.get("where")
    if join is None or where is None or rule.query.args.get("group"):
        return False
    condition = where.this.unnest()
    if type(condition) not in _MIRROR:
        return False
    left, right, op = condition.left, condition.right, type(condition)
    if isinstance(right, exp.Column) and right.table == join.child_alias:
        left, right, op = right, left, _MIRROR[op]
    if not (isinstance(left, exp.Column) and left.table == join.child_alias and _columns_of(right, join.parent_alias)):
        return False
    column = join.child.column(left.name)
    kind = column.type.kind
    jitter = f"hash({ident(join.child_alias)}.file_row_number)"
    step = {
        "timestamp": f"to_seconds(CAST(60 + {jitter} % 259200 AS BIGINT))",
        "timestamptz": f"to_seconds(CAST(60 + {jitter} % 259200 AS BIGINT))",
        "date": f"CAST(1 + {jitter} % 30 AS INTEGER)",
    }.get(kind, f"CAST(1 + {jitter} % 10 AS INTEGER)" if kind in ("smallint", "integer", "bigint", "decimal", "real", "double") else None)
    if step is None:
        return False
    moved = f"{physical_sql(design, right, aliases=join.aliases)} {'+' if op in (exp.LT, exp.LTE) else '-'} {step}"
    current = f"{ident(join.child_alias)}.{ident(column.physical)}"
    value = f"CASE WHEN {physical_sql(design, condition, aliases=join.aliases)} THEN {moved} ELSE {current} END"
    parent = f"{read_parquet(out_dir, join.parent)} AS {ident(join.parent_alias)} ON {join.child_ref()} = {join.parent_key()}"
    _replace_column(con, out_dir, join.child, join.child_alias, column, value, parent)
    return True


def make_rules_hold(design: Design, out_dir: Path, con: duckdb.DuckDBPyConnection) -> list[str]:
    """Repair the rules of a known shape; returns the names of those it repaired."""
    repaired = []
    for rule in design.rules:
        for repair in (_aggregate_equality, _ordering_along_reference):
            try:
                done = repair(design, rule, out_dir, con)
            except duckdb.Error:
                done = False  # e.g. the aggregate overflows the column: verify() names the rule
            if done:
                repaired.append(rule.name)
                break
    return repaired
