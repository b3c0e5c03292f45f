"""Expectation suites derived from a design: one per entity, each expectation a plain record.

The suites say what seed data must satisfy: the row count the design asks for, keys unique and
not null, compound uniques, NOT NULL columns, enum values, formats, and every check, foreign
key and rule as a query that returns the offending rows (passing = no rows). Running them is
run.py's job; this module is pure.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot import exp

from schemaforge.seed.plan import row_counts
from schemaforge.design.model import Design, Entity
from schemaforge.design.physical import physical_tree

BATCH = "{batch}"  # Great Expectations puts the suite's own table here


def view_name(entity: Entity) -> str:
    """Where the expectations read an entity: a name no SQL dialect reserves."""
    return f"seed_{entity.name}"


@dataclass(frozen=True)
class Expectation:
    name: str  # stable, unique within the suite: what failed, for people and tests
    kind: str  # the Great Expectations class
    kwargs: dict = field(default_factory=dict)


@dataclass
class Suite:
    entity: str
    view: str
    expectations: list[Expectation]


def _for_gx(sql: str) -> str:
    """GX formats the query with {batch}: every other brace (a regex's {2,}) is doubled."""
    return sql.replace("{", "{{").replace("}", "}}").replace("{{batch}}", BATCH)


def _sql(design: Design, tree: exp.Expression, own: Entity, entity: Entity | None = None,
         aliases: dict[str, Entity] | None = None) -> str:
    """A query over the design, reading `own` from the batch and other entities from their views."""
    return _for_gx(physical_tree(
        design, tree, lambda name: name != BATCH, entity, aliases,
        table_of=lambda e: BATCH if e is own else view_name(e),
    ).sql("duckdb"))


def _offending_rows(design: Design, entity: Entity, condition: exp.Expression) -> str:
    query = exp.select("*").from_(exp.to_table(entity.name)).where(condition)
    return _sql(design, query, entity, entity)


def _foreign_key_query(design: Design, entity: Entity, fk) -> str:
    target = design.entities[fk.target]
    child, parent = exp.to_identifier("child"), exp.to_identifier("parent")
    on = exp.and_(*[
        exp.EQ(this=exp.column(c, table=child), expression=exp.column(t, table=parent))
        for c, t in zip(fk.columns, fk.target_columns)
    ])
    query = (
        exp.select(*[exp.column(c, table=child) for c in entity.primary_key + fk.columns])
        .from_(exp.Table(this=exp.to_identifier(entity.name), alias=exp.TableAlias(this=child)))
        .join(exp.Table(this=exp.to_identifier(target.name), alias=exp.TableAlias(this=parent)), on=on, join_type="left")
        .where(exp.and_(
            *[exp.Not(this=exp.Is(this=exp.column(c, table=child), expression=exp.Null())) for c in fk.columns],
            exp.Is(this=exp.column(fk.target_columns[0], table=parent), expression=exp.Null()),
        ))
    )
    return _sql(design, query, entity, aliases={"child": entity, "parent": target})


def entity_suite(design: Design, entity: Entity, rows: int) -> Suite:
    physical = entity.physical
    items = [Expectation("row_count", "ExpectTableRowCountToEqual", {"value": rows})]
    key = entity.primary_key
    if len(key) == 1:
        items.append(Expectation(f"key_unique:{key[0]}", "ExpectColumnValuesToBeUnique", {"column": physical(key[0])}))
    elif key:
        items.append(Expectation(f"key_unique:{','.join(key)}", "ExpectCompoundColumnsToBeUnique",
                                 {"column_list": [physical(c) for c in key]}))
    for column in entity.columns:
        if not column.nullable or column.name in key:
            items.append(Expectation(f"not_null:{column.name}", "ExpectColumnValuesToNotBeNull", {"column": column.physical}))
    for unique in entity.uniques:
        if len(unique.columns) == 1:
            items.append(Expectation(f"unique:{unique.name}", "ExpectColumnValuesToBeUnique", {"column": physical(unique.columns[0])}))
        else:
            items.append(Expectation(f"unique:{unique.name}", "ExpectCompoundColumnsToBeUnique",
                                     {"column_list": [physical(c) for c in unique.columns]}))
    for column in entity.columns:
        if column.type.kind == "enum":
            items.append(Expectation(f"enum:{column.name}", "ExpectColumnValuesToBeInSet",
                                     {"column": column.physical, "value_set": list(column.type.values)}))
    # Formats are regex checks; GX 1.24 has no regex metric for DuckDB, so they are row queries
    # (regexp_matches) like every other check.
    for check in entity.checks:
        condition = exp.Is(this=exp.Paren(this=check.expression.copy()), expression=exp.false())
        label = f"format:{check.expression.this.name}" if check.origin == "format" else f"check:{check.name}"
        items.append(Expectation(label, "UnexpectedRowsExpectation",
                                 {"unexpected_rows_query": _offending_rows(design, entity, condition)}))
    for fk in entity.foreign_keys:
        items.append(Expectation(f"foreign_key:{fk.name}", "UnexpectedRowsExpectation",
                                 {"unexpected_rows_query": _foreign_key_query(design, entity, fk)}))
    for rule in design.rules:
        if _rule_entity(design, rule) is entity:
            items.append(Expectation(f"rule:{rule.name}", "UnexpectedRowsExpectation",
                                     {"unexpected_rows_query": _sql(design, rule.query, entity)}))
    return Suite(entity.name, view_name(entity), items)


def _rule_entity(design: Design, rule) -> Entity:
    """The suite a rule belongs to: its `entity:`, else the first table its query reads."""
    if rule.entity:
        return design.entities[rule.entity]
    first = next(t for t in rule.query.find_all(exp.Table) if t.name in design.entities)
    return design.entities[first.name]


def design_suites(design: Design) -> dict[str, Suite]:
    """Every entity's suite, made once per loaded design."""
    def make() -> dict[str, Suite]:
        counts = row_counts(design)
        return {name: entity_suite(design, entity, counts[name]) for name, entity in design.entities.items()}

    return design.derived("expectation suites", make)
