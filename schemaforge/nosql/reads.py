"""Each access pattern as a read of one entity: what a key-value or document store can be asked.

A NoSQL model starts from the reads, not the tables: a store answers a pattern well only when a
key (or an index) it keeps gives the pattern's rows in the pattern's order. So every pattern is
first put in one shape (`Read`): the columns it compares with a parameter, the constants it
filters by, its one range or prefix, its order and its limit. The structured form maps over
directly. An `sql` form maps when it reads one entity with conditions of that shape; a join, an
aggregate or a condition of another kind is a finding (NQ101), since no single-entity store
key can serve it, and the fix is the structured form or a read model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlglot import exp

from schemaforge.design.model import AccessPattern, Design, Entity
from schemaforge.design.source import Path
from schemaforge.findings import Finding
from schemaforge.indexes.sql_patterns import conjuncts, condition_filter


@dataclass(frozen=True)
class Read:
    """One access pattern over one entity. Parameters are named as in queries/<target>.sql: an
    equality after its column (or the `sql` form's own name), a range `<column>_from` (inclusive)
    and `<column>_to` (exclusive), a prefix `<column>_prefix`, a list after its column."""

    name: str
    path: Path
    entity: Entity
    equal: tuple[tuple[str, str], ...] = ()  # (column, parameter)
    listed: tuple[tuple[str, str], ...] = ()  # (column, parameter): `in`, one lookup per value
    constants: tuple[tuple[str, Any], ...] = ()  # (column, value): only such rows are indexed
    present: tuple[str, ...] = ()  # columns that must not be NULL
    hidden: str | None = None  # the soft delete column: rows where it is set are left out
    range: str | None = None
    prefix: str | None = None
    order: tuple[tuple[str, bool], ...] = ()  # (column, descending)
    select: tuple[str, ...] = ()  # the columns returned
    limit: int | None = None
    rate: float | None = None

    @property
    def looked_up(self) -> tuple[str, ...]:
        """The columns a key is made of: the equalities, then the listed ones."""
        return tuple(c for c, _ in self.equal) + tuple(c for c, _ in self.listed)

    def parameter_of(self, column: str) -> str:
        return dict(self.equal + self.listed)[column]


def _from_structured(pattern: AccessPattern, entity: Entity, parameter_names: dict[str, str]) -> tuple[Read, list[str]]:
    """The Read of a structured pattern, and what of it no key can serve (several ranges)."""
    equal, listed, constants, present, ranges, prefixes = [], [], [], [], [], []
    for condition in pattern.filters:
        for column in condition.columns:
            parameter = parameter_names.get(column, column)
            if condition.op == "eq":
                equal.append((column, parameter))
            elif condition.op == "in":
                listed.append((column, parameter))
            elif condition.op == "literal":
                constants.append((column, condition.literal))
            elif condition.op == "not_null":
                present.append(column)
            elif condition.op == "range":
                ranges.append(column)
            elif condition.op == "prefix":
                prefixes.append(column)
    problems = []
    if any(condition.op == "match" for condition in pattern.filters):
        problems.append("it searches full text (search: match), which no key or index of this store serves; "
                        "answer it from a SQL store or a search engine")
    if len(ranges) + len(prefixes) > 1:
        problems.append(f"it has {len(ranges) + len(prefixes)} range and prefix conditions "
                        f"({', '.join(ranges + prefixes)}); a key order serves one")
    hidden = entity.soft_delete_column
    if hidden and any(hidden in f.columns for f in pattern.filters):
        hidden = None  # the pattern filters the soft delete column itself
    return Read(
        pattern.name, pattern.path, entity, tuple(equal), tuple(listed), tuple(constants), tuple(present), hidden,
        ranges[0] if ranges else None, prefixes[0] if prefixes else None, pattern.order_by,
        pattern.select or tuple(c.name for c in entity.columns), pattern.limit, pattern.rate,
    ), problems


def _sql_shape(design: Design, pattern: AccessPattern) -> tuple[AccessPattern, dict[str, str]] | str:
    """The structured pattern an `sql` form is, with its parameters' names by column; or why it
    is not one (the reason a finding gives)."""
    tree = pattern.sql
    if not isinstance(tree, exp.Select):
        return "it is not a single SELECT"
    tables = list(tree.find_all(exp.Table))
    if len(tables) != 1 or tables[0].name not in design.entities:
        return "it reads more than one entity"
    if tree.args.get("group") or tree.find(exp.AggFunc) or tree.args.get("having") or tree.args.get("distinct"):
        return "it aggregates"
    entity = design.entities[tables[0].name]
    names = {c.name for c in entity.columns}
    filters, parameters = [], {}
    for condition in conjuncts(tree.args.get("where")):
        found = condition_filter(condition, pattern.path)
        if found is None or found.op in ("range", "prefix") or found.columns[0] not in names:
            return f"its condition `{condition.sql('postgres')}` is not an equality, a list, a constant or NOT NULL"
        filters.append(found)
        placeholder = condition.find(exp.Placeholder)
        if placeholder is not None:
            parameters[found.columns[0]] = placeholder.name
    select: tuple[str, ...] = ()
    if not any(isinstance(e, exp.Star) for e in tree.expressions):
        if not all(isinstance(e, exp.Column) and e.name in names for e in tree.expressions):
            return "it selects expressions, not columns"
        select = tuple(e.name for e in tree.expressions)
    order = []
    for ordered in (tree.args["order"].expressions if tree.args.get("order") else []):
        if not isinstance(ordered.this, exp.Column) or ordered.this.name not in names:
            return "it sorts by an expression"
        order.append((ordered.this.name, bool(ordered.args.get("desc"))))
    limit = tree.args.get("limit")
    limit_value = int(limit.expression.this) if limit is not None and isinstance(limit.expression, exp.Literal) else None
    if limit is not None and limit_value is None:
        return "its LIMIT is not a number"
    return AccessPattern(pattern.name, pattern.path, entity.name, tuple(filters), tuple(order), select,
                         limit_value, pattern.rate, pattern.p95_ms), parameters


def design_reads(design: Design, store_name: str) -> tuple[list[Read], list[Finding]]:
    """Every access pattern of `design` as a Read, and a finding for each that none can be
    (NQ101), in `store_name`'s words."""
    reads, findings = [], []
    for pattern in design.queries.values():
        if pattern.sql is not None:
            shaped = _sql_shape(design, pattern)
            if isinstance(shaped, str):
                findings.append(Finding(
                    design.source.value(pattern.path + ("sql",)), f"query '{pattern.name}' cannot be answered by "
                    f"{store_name} from one entity's keys: {shaped}", "NQ101", "warning",
                    fix="write it in the structured form (entity, filter, order_by) over one entity, or keep it "
                        "in a SQL store of the design"))
                continue
            pattern, parameters = shaped
        else:
            parameters = {}
        read, problems = _from_structured(pattern, design.entities[pattern.entity], parameters)
        for problem in problems:
            findings.append(Finding(
                design.source.value(pattern.path + ("filter",)), f"query '{pattern.name}' cannot be answered by "
                f"{store_name} from one key: {problem}", "NQ102", "warning",
                fix="keep one range (or prefix) in the filter and narrow the rest in the application"))
        if not problems:
            reads.append(read)
    return reads, findings
