"""What a column's checks allow, read off their sqlglot trees.

Each single-column check is split into conjuncts; the shapes we understand narrow the column's
domain (`BETWEEN`, comparisons with a literal, `IN`, `= upper(...)`, `LIKE 'prefix%'`,
`length(...) <= n`, regex matches). Two-column comparisons (`ends_at > starts_at`, optionally OR'ed with
`IS NULL`) become orderings: the later column is generated from the earlier one. What no shape
covers is left to the generator's evaluate-and-redraw loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot import exp

from schemaforge.design.model import Entity


@dataclass
class Domain:
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    allowed: tuple | None = None
    excluded: set = field(default_factory=set)
    case: str | None = None  # "upper" | "lower"
    prefix: str = ""
    max_length: int | None = None
    # Regexes every value must match (`~`, `~*`, `SIMILAR TO`, `regexp_like`), with the design
    # path of the check that asks, so a pattern that cannot be generated is reported there.
    patterns: list[tuple[str, tuple]] = field(default_factory=list)

    def narrow_low(self, value: float, open_: bool) -> None:
        if self.low is None or value > self.low or (value == self.low and open_):
            self.low, self.low_open = value, open_

    def narrow_high(self, value: float, open_: bool) -> None:
        if self.high is None or value < self.high or (value == self.high and open_):
            self.high, self.high_open = value, open_


@dataclass(frozen=True)
class Ordering:
    """`later` is after `earlier` (strictly when `strict`)."""

    later: str
    earlier: str
    strict: bool


def _literal(node: exp.Expression):
    if isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal):
        value = _literal(node.this)
        return -value if isinstance(value, (int, float)) else None
    if isinstance(node, exp.Literal):
        if node.is_string:
            return node.this
        text = node.this
        return float(text) if any(ch in text for ch in ".eE") else int(text)
    if isinstance(node, exp.Cast):
        return _literal(node.this)
    return None


def conjuncts(tree: exp.Expression) -> list[exp.Expression]:
    tree = tree.unnest()
    if isinstance(tree, exp.And):
        return conjuncts(tree.left) + conjuncts(tree.right)
    return [tree]


_FLIP = {exp.GT: exp.LT, exp.GTE: exp.LTE, exp.LT: exp.GT, exp.LTE: exp.GTE, exp.EQ: exp.EQ, exp.NEQ: exp.NEQ}


def _comparison(node: exp.Expression, column: str):
    """(operator class, literal) for `column OP literal` or `literal OP column`."""
    if type(node) not in _FLIP:
        return None
    left, right = node.left, node.right
    if isinstance(left, exp.Column) and left.name == column and _literal(right) is not None:
        return type(node), _literal(right)
    if isinstance(right, exp.Column) and right.name == column and _literal(left) is not None:
        return _FLIP[type(node)], _literal(left)
    return None


def _regex(node: exp.Expression, column: str) -> str | None:
    """The regex a conjunct holds the column to, if it is a regex match."""
    if not isinstance(node, (exp.RegexpLike, exp.RegexpILike)):  # SIMILAR TO is loaded as a regex
        return None
    if not (isinstance(node.this, exp.Column) and node.this.name == column):
        return None
    pattern = _literal(node.expression)
    if not isinstance(pattern, str):
        return None
    return pattern


def _narrow(domain: Domain, node: exp.Expression, column: str, path: tuple = ()) -> None:
    if (pattern := _regex(node, column)) is not None:
        domain.patterns.append((pattern, path))
        return
    if isinstance(node, exp.Between) and isinstance(node.this, exp.Column) and node.this.name == column:
        low, high = _literal(node.args["low"]), _literal(node.args["high"])
        if isinstance(low, (int, float)) and isinstance(high, (int, float)):
            domain.narrow_low(low, False)
            domain.narrow_high(high, False)
        return
    if isinstance(node, exp.In) and isinstance(node.this, exp.Column) and node.this.name == column:
        values = [_literal(v) for v in node.expressions]
        if values and all(v is not None for v in values):
            domain.allowed = tuple(values)
        return
    if isinstance(node, exp.Like) and isinstance(node.this, exp.Column) and node.this.name == column:
        pattern = _literal(node.expression)
        if isinstance(pattern, str) and pattern.endswith("%") and not any(ch in pattern[:-1] for ch in "%_"):
            domain.prefix = pattern[:-1]
        return
    if isinstance(node, exp.EQ):
        sides = (node.left, node.right)
        for case, fn in (("upper", exp.Upper), ("lower", exp.Lower)):
            if any(isinstance(s, exp.Column) and s.name == column for s in sides) and any(
                isinstance(s, fn) and isinstance(s.this, exp.Column) and s.this.name == column for s in sides
            ):
                domain.case = case
                return
    if isinstance(node, (exp.LTE, exp.LT)) and isinstance(node.left, exp.Length):
        limit = _literal(node.right)
        if isinstance(limit, int):
            domain.max_length = limit if isinstance(node, exp.LTE) else limit - 1
        return
    found = _comparison(node, column)
    if found is None or not isinstance(found[1], (int, float)):
        if found is not None and found[0] is exp.NEQ:
            domain.excluded.add(found[1])
        return
    op, value = found
    if op in (exp.GT, exp.GTE):
        domain.narrow_low(value, op is exp.GT)
    elif op in (exp.LT, exp.LTE):
        domain.narrow_high(value, op is exp.LT)
    elif op is exp.EQ:
        domain.allowed = (value,)
    elif op is exp.NEQ:
        domain.excluded.add(value)


def column_domains(entity: Entity) -> dict[str, Domain]:
    """The narrowed domain of every column that a single-column check constrains."""
    domains: dict[str, Domain] = {}
    for check in entity.checks:
        columns = {c.name for c in check.expression.find_all(exp.Column)}
        if len(columns) != 1:
            continue
        (column,) = columns
        domain = domains.setdefault(column, Domain())
        for node in conjuncts(check.expression):
            _narrow(domain, node, column, check.path)
    return domains


def _ordering(node: exp.Expression) -> Ordering | None:
    if type(node) not in (exp.GT, exp.GTE, exp.LT, exp.LTE):
        return None
    if not (isinstance(node.left, exp.Column) and isinstance(node.right, exp.Column)):
        return None
    strict = isinstance(node, (exp.GT, exp.LT))
    if isinstance(node, (exp.GT, exp.GTE)):
        return Ordering(node.left.name, node.right.name, strict)
    return Ordering(node.right.name, node.left.name, strict)


def orderings(entity: Entity) -> list[Ordering]:
    """Column orderings that entity checks ask for, as a conjunct or beside `IS NULL` tests."""
    found: list[Ordering] = []
    for check in entity.checks:
        for node in conjuncts(check.expression):
            options = [o.unnest() for o in node.flatten()] if isinstance(node, exp.Or) else [node]
            comparisons = [o for o in options if not isinstance(o, exp.Is)]
            if len(comparisons) == 1 and (ordering := _ordering(comparisons[0])) is not None:
                found.append(ordering)
    # One ordering per later column, and none that would form a cycle.
    chosen: dict[str, Ordering] = {}
    for ordering in found:
        if ordering.later in chosen or ordering.later == ordering.earlier:
            continue
        earlier, seen = ordering.earlier, {ordering.later}
        while earlier in chosen and earlier not in seen:
            seen.add(earlier)
            earlier = chosen[earlier].earlier
        if earlier not in seen:
            chosen[ordering.later] = ordering
    return list(chosen.values())
