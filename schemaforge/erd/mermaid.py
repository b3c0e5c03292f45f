"""The ERD as Mermaid `erDiagram` source: keys marked, cardinality from the references."""

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


def _relation(entity: Entity, fk: ForeignKey) -> str:
    # Parent side: exactly one (||) or zero-or-one (|o) when the ref is nullable.
    # Child side: zero-or-many (o{), or zero-or-one (o|) for a one-to-one ref.
    parent = "|o" if fk.nullable else "||"
    child = "o|" if fk.one_to_one else "o{"
    return f'    {fk.target} {parent}--{child} {entity.name} : "{fk.field}"'


def render_mermaid(design: Design) -> str:
    lines = ["erDiagram"]
    for entity in design.entities.values():
        lines.append(f"    {entity.name} {{")
        for column in entity.columns:
            lines.append(f"        {_type_label(column)} {column.name}{_keys(entity, column)}")
        lines.append("    }")
    for entity in design.entities.values():
        lines.extend(_relation(entity, fk) for fk in entity.foreign_keys)
    return "\n".join(lines) + "\n"
