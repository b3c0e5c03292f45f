"""What the patterns' trigger writers share: a statement of a script, and which columns the
patterns' own triggers keep (an update of nothing else is not a change of the row)."""

from __future__ import annotations

from dataclasses import dataclass

from schemaforge.design.model import Entity

# updated_at (timestamps) and valid_from (temporal): kept by triggers, never a change of their own.
MAINTAINED = frozenset({"updated_at", "valid_from"})


@dataclass(frozen=True)
class Statement:
    """One statement of the objects a pattern adds, and the object it makes or belongs to:
    (kind, name, table) with kind trigger, function, procedure, view, materialized_view or
    table; migrations create, replace and drop the objects by it (migrate/patterns.py)."""

    sql: str
    procedural: bool = False  # a function or trigger body: ends as the target ends those
    object: tuple[str, str, str | None] | None = None
    holds_data: bool = False  # a table of rows (a log, a history): never dropped by a migration


def changed_beyond_maintained(entity: Entity, quote) -> str:
    """A SQLite trigger condition: the update changed a column no pattern keeps. SQLite cannot
    change NEW, so the patterns keep their columns with a second UPDATE from an AFTER trigger;
    that UPDATE is not a change of the row to record again."""
    same = " AND ".join(f"OLD.{quote(c.physical)} IS NEW.{quote(c.physical)}"
                        for c in entity.columns if c.name not in MAINTAINED and c.generated is None)
    return f"NOT ({same})"


def pattern_path(design, entity: Entity, pattern: str) -> tuple:
    """Where `entity` asks for `pattern`: its own patterns: list, else the design's."""
    declared = design.doc.entities.get(entity.name)
    if declared is not None and any(use.pattern == pattern for use in declared.patterns):
        return entity.path + ("patterns",)
    return ("patterns",)
