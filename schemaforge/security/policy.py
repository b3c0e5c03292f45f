"""The facts of a design's security policy that every target writes in its own way: which columns
are encrypted, which entities are audited and how, what is purged when.

Kept apart from the writers so that the checklist and the lint read the same facts the SQL is
written from.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemaforge.design.model import Column, Design, Entity
from schemaforge.patterns.audit import AUDIT_TABLE  # one log, for the pattern and the policy

# Durations of `retention:` (`7y`, `30d`) as interval units.
DURATION_UNITS = {"h": "hour", "d": "day", "w": "week", "m": "month", "y": "year"}
TIME_KINDS = ("timestamptz", "timestamp", "date")
KEY_SETTING = "app.encryption_key"  # where PostgreSQL's column encryption reads its key


PII_KINDS = frozenset({"email", "name", "phone", "address", "ssn", "card", "health", "dob", "ip", "free_text"})


def encrypted_columns(design: Design) -> list[tuple[Entity, Column]]:
    """The columns `encryption.columns` names: a pii kind names every column of that kind (not a
    field that happens to share its name, like a reference called `card`), any other name the
    fields called so."""
    encryption = design.doc.security.encryption
    if encryption is None or not encryption.columns:
        return []
    kinds = set(encryption.columns) & PII_KINDS
    fields = set(encryption.columns) - PII_KINDS
    return [(entity, column) for entity in design.entities.values() for column in entity.columns
            if column.pii in kinds or column.field in fields]


def key_columns(entity: Entity) -> set[str]:
    """Columns that identify or reference rows: never encrypted (a key on ciphertext joins nothing)."""
    return set(entity.primary_key) | {c for fk in entity.foreign_keys for c in fk.columns}


def audited_entities(design: Design) -> list[Entity]:
    audit = design.doc.security.audit
    return [design.entities[name] for name in (audit.entities if audit else []) if name in design.entities]


def audited_operations(design: Design) -> list[str]:
    """The row operations a trigger records (a read is recorded by the statement audit only)."""
    audit = design.doc.security.audit
    return [op for op in (audit.operations if audit else []) if op != "select"]


@dataclass(frozen=True)
class Retention:
    entity: Entity | None  # None for the audit log
    table: str
    column: str | None  # the physical time column rows age by; None when the entity has none
    amount: int
    unit: str  # hour, day, week, month, year

    @property
    def words(self) -> str:
        return f"{self.amount} {self.unit}{'s' if self.amount != 1 else ''}"


def time_column(entity: Entity) -> Column | None:
    """What a row's age is measured by: `created_at` where the entity has it, else its only
    required time column."""
    times = [c for c in entity.columns if c.type.kind in TIME_KINDS]
    for column in times:
        if column.name == "created_at":
            return column
    required = [c for c in times if not c.nullable]
    return required[0] if len(required) == 1 else None


def retentions(design: Design) -> list[Retention]:
    found = []
    for name, duration in design.doc.security.retention.items():
        amount, unit = int(duration[:-1]), DURATION_UNITS[duration[-1]]
        if name == AUDIT_TABLE and name not in design.entities:
            found.append(Retention(None, AUDIT_TABLE, "at", amount, unit))
        elif name in design.entities:
            entity = design.entities[name]
            column = time_column(entity)
            found.append(Retention(entity, entity.table, column.physical if column else None, amount, unit))
    return found
