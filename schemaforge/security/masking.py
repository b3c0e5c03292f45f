"""What a role that may not read personal data in clear sees instead (`security.masking`).

Each `pii` column gets the mask its kind is given (`masking: {email: partial}`); a kind the design
does not name is redacted, the safe default. How a mask is written is each target's own: masked
views on PostgreSQL and MySQL, Dynamic Data Masking on SQL Server, DBMS_REDACT on Oracle.
Partial keeps what people recognise a value by: an email's first letter and its domain, the
last four characters of a card, phone or national number, a name's initial.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemaforge.design.model import Column, Design, Entity
from schemaforge.security.grants import privilege_matrix

TEXT_KINDS = frozenset({"string", "text", "char"})
LAST_FOUR_KINDS = frozenset({"card", "phone", "ssn"})  # partial keeps their last four characters


@dataclass(frozen=True)
class Mask:
    column: Column
    how: str  # partial, hash, redact, null, none
    shape: str  # what partial keeps: "email", "last_four", "initial"; "" for the other masks

    @property
    def is_text(self) -> bool:
        return self.column.type.kind in TEXT_KINDS


def mask_of(design: Design, column: Column) -> Mask | None:
    """The mask of a `pii` column, None for a column that is not personal data."""
    if column.pii is None:
        return None
    how = design.doc.security.masking.get(column.pii, "redact")
    shape = ""
    if how == "partial":
        shape = "email" if column.pii == "email" else "last_four" if column.pii in LAST_FOUR_KINDS else "initial"
    return Mask(column, how, shape)


def masked_entities(design: Design) -> list[Entity]:
    """The entities a masked view is made for: those holding personal data that some role with
    `pii: masked` may read."""
    matrix = privilege_matrix(design)
    masked_roles = [name for name, role in design.doc.security.roles.items() if role.pii == "masked"]
    wanted = {entity for name in masked_roles for entity, access in matrix[name].items() if access.readable is not None}
    return [e for e in design.entities.values() if e.name in wanted and any(c.pii for c in e.columns)]


def masked_view_name(entity: Entity) -> str:
    return f"{entity.table}_masked"
