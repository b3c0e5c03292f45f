"""The ERD as Mermaid `erDiagram` source: physical names, keys marked, cardinality from the references."""

from __future__ import annotations

from schemaforge.design.model import Design, Entity, ForeignKey


def _type_label(column) -> str:
    # Mermaid attribute types are single words: decimal(12,2) -> decimal_12_2.
    text = column.type.kind if column.type.kind in ("enum", "array") else str(column.type)
    return text.replace("(", "_").replace(",", "_").replace(")", "").replace(" ", "")


def _keys(entity: Entity, column) -> str:
    marks = []
    if column.name in entity.primary_key:
        marks.append("PK")
    if any(column.name in fk.columns for fk in entity.foreign_keys):
        marks.append("FK")
    if any(u.columns == (column.name,) for u in entity.uniques):
        marks.append("UK")
    return (" " + ", ".join(marks)) if marks else ""


def cardinality(fk: ForeignKey) -> tuple[str, str]:
    """(parent end, child end) of a reference: the parent is exactly one, or zero or one when
    the reference is nullable; the child is zero or many, or zero or one for a one-to-one."""
    return ("zero_or_one" if fk.nullable else "exactly_one"), ("zero_or_one" if fk.one_to_one else "zero_or_many")


# Mermaid's crow's-foot marks, written from each end's own side of the line.
_PARENT_MARK = {"exactly_one": "||", "zero_or_one": "|o"}
_CHILD_MARK = {"zero_or_many": "o{", "zero_or_one": "o|"}


def _relation(design: Design, entity: Entity, fk: ForeignKey) -> str:
    parent, child = cardinality(fk)
    target = design.entities[fk.target].table
    return f'    {target} {_PARENT_MARK[parent]}--{_CHILD_MARK[child]} {entity.table} : "{fk.field}"'


def render_mermaid(design: Design) -> str:
    """Entities under their physical table names (what conventions make of them)."""
    lines = ["erDiagram"]
    for entity in design.entities.values():
        lines.append(f"    {entity.table} {{")
        for column in entity.columns:
            lines.append(f"        {_type_label(column)} {column.physical}{_keys(entity, column)}")
        lines.append("    }")
    for entity in design.entities.values():
        lines.extend(_relation(design, entity, fk) for fk in entity.foreign_keys)
    return "\n".join(lines) + "\n"
