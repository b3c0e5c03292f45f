"""An `sql` query read as the structured form, so that the index plan derives its index the same
way (equality, then sort, then range).

The query's WHERE is split into its AND-ed comparisons. Each one between a column and a
parameter is a filter of that column's table: `=` is `eq`, `<`, `<=`, `>`, `>=` and BETWEEN are
`range`, `IN` is `in`, `LIKE :p || '%'` is `prefix`; a column equal to a constant is a constant
filter (a partial index), `IS NOT NULL` is `not_null`. The table with the most parameter
filters drives the query; its ORDER BY columns are the sort when they are all its own. The other
tables are reached through their keys and references, which the plan indexes already. A query
with no parameter filter gets no index of its own.
"""

from __future__ import annotations

from sqlglot import exp

from schemaforge.design.model import AccessPattern, Design, QueryFilter

_RANGES = (exp.GT, exp.GTE, exp.LT, exp.LTE)


def conjuncts(node: exp.Expression | None) -> list[exp.Expression]:
    if node is None:
        return []
    if isinstance(node, exp.And):
        return conjuncts(node.this) + conjuncts(node.expression)
    if isinstance(node, (exp.Paren, exp.Where)):
        return conjuncts(node.this)
    return [node]


def _is_parameter(node: exp.Expression) -> bool:
    return isinstance(node, exp.Placeholder)


def _constant(node: exp.Expression):
    if isinstance(node, exp.Boolean):
        return node.this
    if isinstance(node, exp.Literal):
        if node.is_string:
            return node.this
        number = float(node.this)
        return int(number) if number.is_integer() else number
    return None


def comparison(condition: exp.Expression) -> tuple[exp.Column, str, object] | None:
    """(column, op, constant) of one comparison of a WHERE: `eq` with a parameter, `literal`
    with a constant, `range`, `in`, `prefix` or `not_null`; None for any other condition."""
    column, op, literal = None, None, None
    if isinstance(condition, exp.EQ):
        for side, other in ((condition.this, condition.expression), (condition.expression, condition.this)):
            if isinstance(side, exp.Column) and _is_parameter(other):
                column, op = side, "eq"
            elif isinstance(side, exp.Column) and _constant(other) is not None:
                column, op, literal = side, "literal", _constant(other)
            if column is not None:
                break
    elif isinstance(condition, _RANGES):
        for side, other in ((condition.this, condition.expression), (condition.expression, condition.this)):
            if isinstance(side, exp.Column) and _is_parameter(other):
                column, op = side, "range"
                break
    elif isinstance(condition, exp.Between) and isinstance(condition.this, exp.Column):
        column, op = condition.this, "range"
    elif isinstance(condition, exp.In) and isinstance(condition.this, exp.Column) and \
            all(_is_parameter(e) for e in condition.expressions) and condition.expressions:
        column, op = condition.this, "in"
    elif isinstance(condition, exp.Like) and isinstance(condition.this, exp.Column):
        pattern = condition.expression
        if isinstance(pattern, exp.DPipe) and _is_parameter(pattern.this):
            column, op = condition.this, "prefix"
    elif isinstance(condition, exp.Not) and isinstance(condition.this, exp.Is) \
            and isinstance(condition.this.this, exp.Column) and isinstance(condition.this.expression, exp.Null):
        column, op = condition.this.this, "not_null"
    return None if column is None else (column, op, literal)


def condition_filter(condition: exp.Expression, path) -> QueryFilter | None:
    """One comparison of a single-table WHERE as a filter of its column, or None."""
    found = comparison(condition)
    if found is None:
        return None
    column, op, literal = found
    return QueryFilter(column.name, (column.name,), op, path, literal)


class _Reader:
    """Resolves a query's columns to the entities of its FROM and JOINs."""

    def __init__(self, design: Design, tree: exp.Select):
        self.design = design
        self.tables = {t.alias_or_name: t.name for t in tree.find_all(exp.Table) if t.name in design.entities}

    def entity_of(self, column: exp.Column) -> str | None:
        if column.table:
            return self.tables.get(column.table)
        owners = [e for e in self.tables.values()
                  if column.name in {c.name for c in self.design.entities[e].columns}]
        return owners[0] if len(set(owners)) == 1 else None

    def filter(self, condition: exp.Expression) -> tuple[str, QueryFilter, bool] | None:
        """(entity, filter, whether a parameter seeks it) for one comparison, or None."""
        found = comparison(condition)
        if found is None:
            return None
        column, op, literal = found
        entity = self.entity_of(column)
        if entity is None or column.name not in {c.name for c in self.design.entities[entity].columns}:
            return None
        return entity, QueryFilter(column.name, (column.name,), op, (), literal), op not in ("literal", "not_null")


def structured_from_sql(design: Design, pattern: AccessPattern) -> AccessPattern | None:
    """The structured pattern an index would serve of `pattern`'s sql, or None when it seeks on
    no parameter (or is not a plain SELECT)."""
    tree = pattern.sql
    if not isinstance(tree, exp.Select):
        return None
    reader = _Reader(design, tree)
    filters: dict[str, list[QueryFilter]] = {}
    seeks: dict[str, int] = {}
    for condition in conjuncts(tree.args.get("where")):
        found = reader.filter(condition)
        if found is not None:
            entity, query_filter, seeking = found
            filters.setdefault(entity, []).append(QueryFilter(query_filter.field, query_filter.columns, query_filter.op,
                                                              pattern.path, query_filter.literal))
            seeks[entity] = seeks.get(entity, 0) + seeking
    if not seeks or max(seeks.values()) == 0:
        return None
    driver = max(seeks, key=lambda e: (seeks[e], e == next(iter(reader.tables.values()))))
    order = []
    for ordered in (tree.args.get("order").expressions if tree.args.get("order") else []):
        column = ordered.this
        if not isinstance(column, exp.Column) or reader.entity_of(column) != driver:
            order = []  # a sort over another table's column: the driving table's index cannot give it
            break
        order.append((column.name, bool(ordered.args.get("desc"))))
    return AccessPattern(pattern.name, pattern.path, driver, tuple(filters[driver]), tuple(order), (),
                         pattern.limit, pattern.rate, pattern.p95_ms)
