"""Comparisons of a column with a literal of another type: errors on the targets, found here.

`label > 5` over a text column, or `amount <> 'abc'` over a number, is refused by PostgreSQL
when the table is created (no operator for text and integer; 'abc' is not an integer), and by
DuckDB when the seed is checked. The loader cannot see it (types are known only once every
field is resolved), so the lint says where it is, before a target or the seed engine does.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from sqlglot import exp

from schemaforge.design.model import Design, Entity
from schemaforge.design.types import INTEGER_KINDS
from schemaforge.findings import Finding

TEXT_KINDS = frozenset({"string", "text", "char"})
NUMBER_KINDS = frozenset({*INTEGER_KINDS, "decimal", "real", "double"})
_COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)


def _is_number(text: str) -> bool:
    try:
        Decimal(text.strip())
    except InvalidOperation:
        return False
    return True


def _mismatch(entity: Entity, column: exp.Column, literal: exp.Literal) -> tuple[str, str, str] | None:
    """(code, message, fix) when `column` compared with `literal` mixes text and numbers."""
    found = next((c for c in entity.columns if c.name == column.name), None)
    if found is None:
        return None
    kind = found.type.kind
    if kind in TEXT_KINDS and not literal.is_string:
        return ("TY101", f"compares text column '{column.name}' with the number {literal.this}",
                f"quote the number ('{literal.this}') to compare text, or compare a number column")
    if kind in NUMBER_KINDS and literal.is_string and not _is_number(literal.this):
        return ("TY102", f"compares number column '{column.name}' with the text '{literal.this}', which is not a number",
                "compare with a number, or with a text column")
    return None


def comparison_findings(design: Design) -> list[Finding]:
    findings = []
    for entity in design.entities.values():
        trees = [(check.expression, check.path) for check in entity.checks]
        trees += [(c.generated, c.path + ("generated",)) for c in entity.columns if c.generated is not None]
        trees += [(i.where, i.path + ("where",)) for i in entity.indexes if i.where is not None]
        for tree, path in trees:
            for node in tree.find_all(*_COMPARISONS):
                sides = (node.this, node.expression)
                column = next((s for s in sides if isinstance(s, exp.Column)), None)
                literal = next((s for s in sides if isinstance(s, exp.Literal)), None)
                problem = column is not None and literal is not None and _mismatch(entity, column, literal)
                if problem:
                    code, message, fix = problem
                    findings.append(Finding(design.source.value(path), f"{message}; PostgreSQL and DuckDB refuse it",
                                            code, "error", fix=fix))
    return findings
