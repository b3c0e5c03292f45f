"""Typed changes between two versions of a design, each with its reverse and its safety class.

A change names the object in both versions (`before` from the old design, `after` from the new
one), so the reverse of a change is the same change read the other way: an added column is a
dropped one, a rename from a to b is a rename from b to a. A rollback is the forward diff
reversed, change by change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sqlglot import exp

from schemaforge.design.types import INTEGER_KINDS, LogicalType

Action = Literal["add", "drop", "rename", "alter"]
Kind = Literal["table", "column", "primary_key", "unique", "check", "foreign_key", "index", "enum_type", "domain"]
Safety = Literal["additive", "destructive", "data-dependent", "locking"]
_REVERSED_ACTION = {"add": "drop", "drop": "add", "rename": "rename", "alter": "alter"}


@dataclass(frozen=True, eq=False)
class Change:
    action: Action
    kind: Kind
    old_entity: str | None  # the entity's name in the old design (None: the table is new)
    new_entity: str | None  # ... and in the new one (None: the table is dropped)
    before: Any = None  # the object in the old design: Entity, Column, Unique, Check, ...
    after: Any = None  # the object in the new design
    aspects: tuple[str, ...] = ()  # what an alter changes: type, nullable, default, ...

    def reversed(self) -> Change:
        return Change(_REVERSED_ACTION[self.action], self.kind, self.new_entity, self.old_entity,
                      self.after, self.before, self.aspects)

    @property
    def subject(self) -> Any:
        return self.after if self.after is not None else self.before

    @property
    def entity(self) -> str:
        return self.new_entity or self.old_entity

    def identity(self) -> tuple:
        """What the change is, without the objects: for comparing diffs in tests and reports."""
        names = tuple(getattr(o, "name", None) for o in (self.before, self.after))
        return (self.action, self.kind, self.old_entity, self.new_entity, names, self.aspects)

    def describe(self) -> str:
        what = {"primary_key": "primary key", "foreign_key": "foreign key", "enum_type": "enum type"}.get(self.kind, self.kind)
        if self.kind == "table":
            name = lambda o: o.table  # noqa: E731 - the physical name is what a reader knows
        elif self.kind == "column":
            name = lambda o: f"{self.entity}.{o.name}"  # noqa: E731
        else:
            name = lambda o: o.name  # noqa: E731
        if self.action == "rename":
            return f"rename {what} {name(self.before)} to {name(self.after)}"
        if self.action == "alter" and self.aspects:
            return f"change {', '.join(self.aspects)} of {what} {name(self.after)}"
        if self.action == "alter":
            return f"change {what} {name(self.after)}"
        return f"{self.action} {what} {name(self.subject)}"


@dataclass(frozen=True)
class Verdict:
    safety: Safety
    reason: str


def classify(change: Change, empty_columns: frozenset[str] = frozenset()) -> list[Verdict]:
    """What applying `change` risks: data loss, failure on existing rows, long locks (PostgreSQL).

    A change that risks none of them is additive; renames count as additive (no data moves),
    though clients that use the old name break. `empty_columns` are the table's columns that
    the same migration adds as NULL everywhere: a constraint over them only cannot fail.
    """
    if change.action == "add" and change.kind in ("unique", "check", "foreign_key", "index"):
        if _reads(change.after) and _reads(change.after) <= empty_columns:
            return [Verdict("additive", "it reads only columns this migration adds, which hold no values yet")]
    action, kind, before, after = change.action, change.kind, change.before, change.after
    verdicts: list[Verdict] = []
    if action == "drop" and kind in ("table", "column"):
        what = f"table {before.table}" if kind == "table" else f"column {change.old_entity}.{before.name}"
        verdicts.append(Verdict("destructive", f"{what} and the data in it are dropped"))
    elif action == "add" and kind == "column":
        if not after.nullable and after.default is None and after.generated is None and not after.identity:
            verdicts.append(Verdict("data-dependent", "NOT NULL without a default fails on a table that has rows"))
        if after.identity or after.generated is not None or (after.default and after.default.kind == "uuid"):
            verdicts.append(Verdict("locking", "filling the new column rewrites the table under an exclusive lock"))
    elif action == "alter" and kind == "column":
        verdicts += _column_verdicts(change)
    elif action in ("add", "alter") and kind in ("primary_key", "unique", "check", "foreign_key"):
        verdicts.append(Verdict("data-dependent", f"existing rows may violate the new {kind.replace('_', ' ')}"))
        if kind == "primary_key":
            verdicts.append(Verdict("locking", "building the key scans the table under an exclusive lock"))
    elif action == "add" and kind == "index" and after.unique:
        verdicts.append(Verdict("data-dependent", "existing rows may hold duplicates"))
    elif action == "alter" and kind == "domain":
        verdicts.append(Verdict("data-dependent", f"values of the columns of domain {after.name} may not pass its new "
                                                  "definition"))
    elif action == "alter" and kind == "enum_type":
        removed = [v for v in before.values if v not in after.values]
        if removed:
            verdicts.append(Verdict("data-dependent", f"rows holding {', '.join(removed)} cannot be converted"))
    return verdicts or [Verdict("additive", "no data is lost and existing rows cannot make it fail")]


def _column_verdicts(change: Change) -> list[Verdict]:
    before, after = change.before, change.after
    verdicts = []
    if "type" in change.aspects:
        kind = type_change(before.type, after.type)
        if kind == "lossy":
            verdicts.append(Verdict("destructive", f"{before.type} to {after.type} rounds or truncates values"))
        elif kind == "narrowing":
            verdicts.append(Verdict("data-dependent", f"values of {before.type} may not fit {after.type}"))
        if kind != "free":
            verdicts.append(Verdict("locking", f"{before.type} to {after.type} rewrites the table under an exclusive lock"))
    if "nullable" in change.aspects and not after.nullable:
        verdicts.append(Verdict("data-dependent", "rows holding NULL make SET NOT NULL fail"))
        verdicts.append(Verdict("locking", "SET NOT NULL scans the table under an exclusive lock"))
    if "generated" in change.aspects:
        verdicts.append(Verdict("locking", "recomputing a generated column rewrites the table"))
    return verdicts


_INTEGER_RANK = {k: i for i, k in enumerate(INTEGER_KINDS)}


def type_change(before: LogicalType, after: LogicalType) -> Literal["free", "widening", "narrowing", "lossy"]:
    """How a column's values fare when its type changes. `free`: PostgreSQL only updates the
    catalog; `widening`: every value fits, but the table is rewritten; `narrowing`: some values
    may not fit (the change fails on them); `lossy`: values are silently rounded."""
    a, b = before.kind, after.kind
    if a == "string" and b == "string":  # a longer VARCHAR is a catalog update
        return "free" if after.length >= before.length else "narrowing"
    if a in ("string", "enum") and b == "text":
        return "free" if a == "string" else "widening"
    if a == "enum" and b == "enum":  # values only added: ALTER TYPE ... ADD VALUE
        kept = [v for v in after.values if v in before.values]
        return "free" if kept == list(before.values) else "narrowing"
    if a == "decimal" and b == "decimal":
        if after.scale < before.scale:
            return "lossy"
        whole_digits_kept = after.precision - after.scale >= before.precision - before.scale
        if after.scale == before.scale and whole_digits_kept:
            return "free"  # more digits of the same scale: a catalog update on PostgreSQL
        return "widening" if whole_digits_kept else "narrowing"
    if a in _INTEGER_RANK and b in _INTEGER_RANK:
        return "widening" if _INTEGER_RANK[b] >= _INTEGER_RANK[a] else "narrowing"
    if a in _INTEGER_RANK and b in ("bigint", "decimal", "double", "text"):
        return "widening"
    if (a, b) == ("real", "double") or (a, b) == ("timestamp", "timestamptz"):
        return "widening"
    if (a, b) == ("double", "real"):
        return "lossy"
    return "narrowing"


def judge(change: Change, changes: list[Change]) -> list[Verdict]:
    """`classify`, knowing the rest of the migration: which columns it adds empty."""
    empty = frozenset(
        c.after.name for c in changes
        if c.action == "add" and c.kind == "column" and c.new_entity == change.new_entity
        and c.after.nullable and c.after.default is None and c.after.generated is None
    )
    return classify(change, empty)


def _reads(constraint) -> set[str]:
    """The columns a constraint or index reads."""
    expression = getattr(constraint, "expression", None)
    if expression is not None:
        return {c.name for c in expression.find_all(exp.Column)}
    return set(constraint.columns)
