"""Every access pattern of a design as each SQL target's own query, with named parameters.

`queries/<target>.sql` holds one statement per pattern under a `-- name: <pattern>` line (the
form aiosql, yesql, HugSQL and sqlc read), with its parameters, rate and latency target, so that
application code and tests run exactly the access patterns the design promises.

The structured form (`entity`, `filter`, `order_by`, `select`, `limit`) becomes a SELECT over
the entity: `eq` compares each column of the field with a parameter named after the column,
`range` is the half-open `<column>_from <= column < <column>_to`, `in` takes a list parameter,
`prefix` matches `<column>_prefix` followed by anything, `not_null` and `{eq: literal}` need no
parameter. Rows a soft delete has hidden are left out unless the pattern filters `deleted_at`
itself. The `sql` form keeps its own `:name` parameters. Both are built as one tree over the
design's names, mapped to each target's physical names, and written in the target's parameter
style (SqlTarget.QUERY_PARAMETER) and list form (QUERY_IN_LIST). Each ends with a comment that
names it (`/*schemaforge_query='<name>'*/`, sqlcommenter's form), by which the monitoring config
finds its statistics in pg_stat_statements.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from sqlglot import exp

from schemaforge import __version__
from schemaforge.ddl.render import DdlRenderer
from schemaforge.ddl.targets import SQL_TARGETS, SqlTarget
from schemaforge.design.model import AccessPattern, Column, Design, Entity
from schemaforge.design.physical import physical_tree
from schemaforge.patterns.hierarchy import PATH_FUNCTIONS_NAMES

# Where a column compared with a parameter has no type the query can tell (an `sql` form's
# parameter that no column is compared with), ClickHouse is told String.
_UNTYPED = "String"


QUERY_TAG_KEY = "schemaforge_query"


@dataclass(frozen=True)
class Parameter:
    name: str
    column: str | None  # the logical column it is compared with, when the query says
    kind: str  # "value", "list" (a sequence of values), "prefix" (text the value starts with), "search" (words)
    note: str = ""  # "inclusive" / "exclusive" for a range's ends
    entity: str | None = None  # the entity whose column it is compared with


@dataclass(frozen=True)
class RenderedQuery:
    name: str
    sql: str
    parameters: tuple[Parameter, ...]


SEARCH_FUNCTION = "schemaforge_search"  # stands for the target's full-text match until it is rendered


def query_tag(name: str) -> str:
    """The comment that names a query in the server's statistics (pg_stat_statements keeps a
    statement's text with its comments; the monitoring config groups statistics by it). In
    sqlcommenter's form: a key and a URL-quoted value."""
    return f"/*{QUERY_TAG_KEY}='{quote(name, safe='')}'*/"


def _list_marker(name: str) -> exp.Placeholder:
    marker = exp.Placeholder(this=name)
    marker.meta["list"] = True
    return marker


def _structured(design: Design, pattern: AccessPattern) -> tuple[exp.Select, list[Parameter], Entity]:
    """The pattern as a SELECT over the entity's logical names, parameters as placeholders."""
    entity = design.entities[pattern.entity]
    columns = pattern.select or tuple(c.name for c in entity.columns)
    conditions: list[exp.Expression] = []
    parameters: list[Parameter] = []
    for condition in pattern.filters:
        for name in condition.columns if condition.op != "match" else ():
            column = exp.column(name)
            if condition.op == "eq":
                conditions.append(exp.EQ(this=column, expression=exp.Placeholder(this=name)))
                parameters.append(Parameter(name, name, "value", entity=entity.name))
            elif condition.op == "literal":
                conditions.append(exp.EQ(this=column, expression=exp.Placeholder(this=name)))
                conditions[-1].expression.meta["literal"] = condition.literal
            elif condition.op == "range":
                low, high = f"{name}_from", f"{name}_to"
                conditions += [exp.GTE(this=column, expression=exp.Placeholder(this=low)),
                               exp.LT(this=column.copy(), expression=exp.Placeholder(this=high))]
                parameters += [Parameter(low, name, "value", "inclusive", entity.name),
                               Parameter(high, name, "value", "exclusive", entity.name)]
            elif condition.op == "in":
                conditions.append(exp.In(this=column, expressions=[_list_marker(name)]))
                parameters.append(Parameter(name, name, "list", entity=entity.name))
            elif condition.op == "prefix":
                prefix = f"{name}_prefix"
                pattern_text = exp.DPipe(this=exp.Placeholder(this=prefix), expression=exp.Literal.string("%"))
                conditions.append(exp.Like(this=column, expression=pattern_text))
                parameters.append(Parameter(prefix, name, "prefix", entity=entity.name))
            elif condition.op == "not_null":
                conditions.append(exp.Not(this=exp.Is(this=column, expression=exp.Null())))
        if condition.op == "match":  # the entity's full-text search: each target writes its own (SEARCH_CONDITION)
            conditions.append(exp.Anonymous(this=SEARCH_FUNCTION, expressions=[exp.Placeholder(this="search")]))
            parameters.append(Parameter("search", condition.columns[0], "search", entity=entity.name))
    hidden = entity.soft_delete_column
    if hidden and all(hidden not in f.columns for f in pattern.filters):
        conditions.append(exp.Is(this=exp.column(hidden), expression=exp.Null()))
    # Built in place (sqlglot's builders copy the whole tree at each step unless told not to).
    select = exp.select(*(exp.column(c) for c in columns)).from_(exp.to_table(entity.name), copy=False)
    if conditions:
        select = select.where(exp.and_(*conditions, copy=False), copy=False)
    if pattern.order_by:
        select = select.order_by(*(exp.Ordered(this=exp.column(c), desc=desc, nulls_first=desc)
                                   for c, desc in pattern.order_by), copy=False)
    if pattern.limit is not None:
        select = select.limit(pattern.limit, copy=False)
    return select, parameters, entity


def _compared_column(design: Design, query: exp.Query, placeholder: exp.Placeholder) -> tuple[Entity, Column] | None:
    """The entity and column a placeholder of an `sql` query is compared with
    (`l.member_id = :member_id`), where the query says, found through its table aliases."""
    parent = placeholder.parent
    while isinstance(parent, (exp.Paren, exp.DPipe, exp.Cast)):
        parent = parent.parent
    compared = next(parent.find_all(exp.Column), None) if isinstance(parent, (exp.Predicate, exp.In)) else None
    return _design_column(design, query, compared)[0] if compared is not None else None


def _design_column(design: Design, query: exp.Query, column: exp.Column) -> tuple[tuple[Entity, Column] | None, bool]:
    """The design's entity and column a query's column names, through the query's table aliases,
    and whether the query reads a single table that has it."""
    tables = {t.alias_or_name: design.entities[t.name] for t in query.find_all(exp.Table) if t.name in design.entities}
    owners = [tables[column.table]] if column.table in tables else list(tables.values())
    return next(((e, c) for e in owners for c in e.columns if c.name == column.name), None), len(owners) == 1


class _QueryWriter:
    def __init__(self, design: Design, target: SqlTarget):
        self.design, self.target = design, target
        self.renderer = DdlRenderer(design, target)

    def type_of(self, column: Column | None) -> str:
        return self.renderer.type_text(column.type) if column is not None else _UNTYPED

    def parameter(self, name: str, column: Column | None, listed: bool = False) -> exp.Var:
        typ = self.type_of(column)
        typ = self.target.QUERY_LIST_TYPE.format(type=typ) if listed else typ
        return exp.var(self.target.QUERY_PARAMETER.format(name=name, type=typ))

    def in_list(self, node: exp.In, column: Column | None) -> exp.Expression:
        template = self.target.QUERY_IN_LIST.format(type=self.type_of(column))
        tree = self.target.parse(template)
        marker = node.expressions[0]
        for placeholder in list(tree.find_all(exp.Column)):
            if placeholder.name == "x":
                placeholder.replace(node.this.copy())
            elif placeholder.name == "p":
                placeholder.replace(self.parameter(marker.name, column, listed=True))
        return tree

    def render(self, pattern: AccessPattern) -> RenderedQuery:
        logical, parameters, entity, typed = _logical(self.design, pattern)
        tree = physical_tree(self.design, logical, self.target.quote_needed, entity)  # a copy of our own
        self._natural_null_order(tree)
        self._tree_path_functions(tree)
        self._search_conditions(tree, entity)
        for node in list(tree.find_all(exp.Placeholder)):
            if node.meta.get("list"):
                node.parent.replace(self.in_list(node.parent, typed.get(node.name)))
            elif "literal" in node.meta:
                node.replace(self.renderer.literal(entity.column(node.name).type, node.meta["literal"]))
            else:
                node.replace(self.parameter(node.name, typed.get(node.name)))
        if self.target.QUERY_PERCENT_DOUBLED:
            for literal in tree.find_all(exp.Literal):
                if literal.is_string and "%" in literal.this:
                    literal.set("this", literal.this.replace("%", "%%"))
        tag = query_tag(pattern.name).replace("%", "%%" if self.target.QUERY_PERCENT_DOUBLED else "%")
        return RenderedQuery(pattern.name, f"{self.target.generate(tree)} {tag}", tuple(parameters))

    def _tree_path_functions(self, tree: exp.Expression) -> None:
        """The hierarchy pattern's path tests (patterns/hierarchy.py) in the target's own terms:
        ltree operators on PostgreSQL, LIKE and the count of dots elsewhere."""
        spelt = dict(zip(PATH_FUNCTIONS_NAMES, (self.target.path_under, self.target.path_depth)))
        for node in list(tree.find_all(exp.Anonymous)):
            spell = spelt.get(str(node.this).lower())
            if spell is not None:
                node.replace(spell(*node.expressions))

    def _search_conditions(self, tree: exp.Expression, entity: Entity | None) -> None:
        """A full-text match as the target writes it (its SEARCH_CONDITION), the parameter in it."""
        for node in list(tree.find_all(exp.Anonymous)):
            if str(node.this) != SEARCH_FUNCTION:
                continue
            condition = self.target.parse(self.target.search_condition(self.renderer.search_names(entity)))
            for literal in list(condition.find_all(exp.Literal)):
                if literal.is_string and literal.this == "schemaforge_search":
                    literal.replace(node.expressions[0].copy())
            node.replace(exp.Paren(this=condition))

    def _natural_null_order(self, tree: exp.Expression) -> None:
        """ORDER BY a column that holds no NULL there in the target's own default NULL order: the
        design's (PostgreSQL's) NULL order would be spelled out (MySQL: a CASE per column),
        which keeps an index from serving the sort."""
        for order in tree.find_all(exp.Ordered):
            if order.meta.get("never_null"):
                order.set("nulls_first", self.target.natural_nulls_first(bool(order.args.get("desc"))))


def _mark_never_null(design: Design, tree: exp.Query, filtered: set[str]) -> None:
    """Mark each ORDER BY item over a column that holds no NULL in the rows the query returns: a
    NOT NULL column, one its filters compare (a comparison is never true of NULL), or a count."""
    counted = {e.alias for e in tree.expressions if isinstance(e, exp.Alias) and isinstance(e.this, exp.Count)} \
        if isinstance(tree, exp.Select) else set()
    for order in tree.find_all(exp.Ordered):
        if not isinstance(order.this, exp.Column):
            continue
        if not order.this.table and order.this.name in counted:  # a count is never NULL
            order.meta["never_null"] = True
            continue
        found, single_table = _design_column(design, tree, order.this)
        column = found[1] if found else None
        if column is not None and (not column.nullable or (single_table and column.name in filtered)):
            order.meta["never_null"] = True


def sorts_that_may_meet_null(design: Design, pattern: AccessPattern) -> list[tuple[str, bool]]:
    """(column, descending) of each ORDER BY item of a query over a column that may hold NULL in
    its answer: where a target orders NULLs unlike PostgreSQL, its query writes the order out.
    Found once per design (each target's index plan asks)."""
    return design.derived(("sorts that may meet NULL", pattern.name), lambda: [
        (order.this.name, bool(order.args.get("desc"))) for order in _logical(design, pattern)[0].find_all(exp.Ordered)
        if isinstance(order.this, exp.Column) and not order.meta.get("never_null")])


def _hide_soft_deleted(design: Design, query: exp.Expression) -> None:
    """Leave out the rows a soft delete hid, as the structured form does: for each table of an
    entity with the pattern that the query reads and whose `deleted_at` it does not mention,
    `deleted_at IS NULL` in the WHERE of its SELECT (in its join's ON for a joined table, which
    keeps an outer join's meaning)."""
    for select in list(query.find_all(exp.Select)):
        for table in [t for t in select.find_all(exp.Table) if t.find_ancestor(exp.Select) is select]:
            entity = design.entities.get(table.name)
            hidden = entity.soft_delete_column if entity else None
            if hidden is None or any(c.name == hidden for c in select.find_all(exp.Column)):
                continue
            condition = exp.Is(this=exp.column(hidden, table=table.alias_or_name), expression=exp.Null())
            join = table.find_ancestor(exp.Join)
            if join is not None and join.find_ancestor(exp.Select) is select:
                join.set("on", exp.and_(join.args["on"], condition, copy=False) if join.args.get("on") else condition)
            else:
                select.where(condition, copy=False)


def _logical(design: Design, pattern: AccessPattern):
    """(tree over the design's names, parameters, the entity it reads or None, parameter -> the
    column it is compared with): the same for every target, made once per design."""
    def make():
        if pattern.sql is not None:
            logical = pattern.sql.copy()  # changed below: the design's own tree stays as written
            _hide_soft_deleted(design, logical)
            _mark_never_null(design, logical, set())
            tables = {t.name for t in logical.find_all(exp.Table) if t.name in design.entities}
            entity = design.entities[tables.pop()] if len(tables) == 1 else None
            compared = {node.name: _compared_column(design, logical, node) for node in logical.find_all(exp.Placeholder)}
            parameters = [Parameter(name, found[1].name, "value", entity=found[0].name) if found else
                          Parameter(name, None, "value") for name, found in compared.items()]
            return logical, parameters, entity, {name: found[1] if found else None for name, found in compared.items()}
        logical, parameters, entity = _structured(design, pattern)
        _mark_never_null(design, logical, {c for f in pattern.filters if f.op != "match" for c in f.columns})
        return logical, parameters, entity, {p.name: entity.column(p.column) for p in parameters}
    return design.derived(("access pattern", pattern.name), make)


def render_queries(design: Design, target_name: str) -> list[RenderedQuery]:
    writer = _QueryWriter(design, SQL_TARGETS[target_name]())
    return [writer.render(pattern) for pattern in design.queries.values()]


def _parameter_line(parameter: Parameter) -> str:
    kind = {"list": ", a list", "prefix": ", the text it starts with", "search": ", the words to search for"}.get(parameter.kind, "")
    note = f", {parameter.note}" if parameter.note else ""
    return f"{parameter.name}{kind}{note}"


def queries_sql(design: Design, target_name: str) -> str:
    """The text of `queries/<target>.sql`."""
    target = SQL_TARGETS[target_name]
    example = target.QUERY_PARAMETER.format(name="name", type="Type")
    lines = [f"-- The access patterns of design '{design.name}' for {target.title}, parameters written {example}.",
             f"-- Generated by schemaforge {__version__} from {design.file}.", ""]
    for pattern, query in zip(design.queries.values(), render_queries(design, target_name)):
        lines.append(f"-- name: {query.name}")
        if pattern.description:
            lines.append(f"-- {' '.join(pattern.description.split())}")
        if query.parameters:
            lines.append(f"-- parameters: {'; '.join(_parameter_line(p) for p in query.parameters)}")
        promises = [f"{pattern.rate:g} calls/s at peak" if pattern.rate is not None else "",
                    f"p95 under {pattern.p95_ms:g} ms" if pattern.p95_ms is not None else ""]
        if any(promises):
            lines.append(f"-- {', '.join(p for p in promises if p)}")
        lines += [f"{query.sql};", ""]
    return "\n".join(lines)
