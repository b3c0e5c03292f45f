"""The typed changes from one resolved design to another.

Objects are matched across versions by name, except where the new design says `renamed_from:`
(on an entity or a field) and the old design still has the old name: then the object is the
same one under a new name, and its data stays. Constraints and indexes are matched by what they
are (columns, expression, target) with the old columns read under their new names, so a
constraint whose name changed only because its entity or field was renamed is renamed too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from sqlglot import exp

from schemaforge.migrate.changes import Change
from schemaforge.design.model import Check, Column, Design, Entity

ChecksOf = Callable[[Design, Entity], list[Check]]
COLUMN_ASPECTS = ("type", "nullable", "default", "identity", "generated", "description", "on_update_now")


def diff_designs(old: Design, new: Design, checks_of: ChecksOf | None = None) -> list[Change]:
    """Every change from `old` to `new`. `checks_of` gives the CHECKs of an entity as a target
    renders them (the design's own plus those a target adds for enums, lengths, booleans)."""
    checks_of = checks_of or (lambda design, entity: entity.checks)
    entities = _entity_pairs(old, new)
    # Per table in both versions: old column name -> new column name.
    renamed = {
        n: {o_col: n_col for n_col, o_col in column_pairs(new, old.entities[o], new.entities[n], entities).items()}
        for n, o in entities.items()
    }
    changes: list[Change] = []
    for new_name, entity in new.entities.items():
        old_name = entities.get(new_name)
        if old_name is None:
            changes.append(Change("add", "table", None, new_name, None, entity))
            continue
        before = old.entities[old_name]
        if before.table != entity.table:
            changes.append(Change("rename", "table", old_name, new_name, before, entity))
        if before.description != entity.description:
            changes.append(Change("alter", "table", old_name, new_name, before, entity, ("description",)))
        changes += _TableDiff(old, new, before, entity, entities, renamed, checks_of).changes()
    kept = set(entities.values())
    changes += [Change("drop", "table", name, None, e, None) for name, e in old.entities.items() if name not in kept]
    changes += _enum_type_changes(old, new)
    return changes


def _entity_pairs(old: Design, new: Design) -> dict[str, str]:
    """New entity name -> old entity name, for the entities present in both versions."""
    pairs = {}
    for name in new.entities:
        spec = new.doc.entities.get(name)
        renamed_from = spec.renamed_from if spec else None
        if renamed_from and renamed_from in old.entities and name not in old.entities:
            pairs[name] = renamed_from
        elif name in old.entities:
            pairs[name] = name
    return pairs


def column_pairs(new: Design, before: Entity, after: Entity, entities: dict[str, str]) -> dict[str, str]:
    """New column name -> old column name, for the columns of `after` that `before` has
    (`entities`: new entity name -> old, for a generated junction's fields)."""
    spec = new.doc.entities.get(after.name)
    old_fields = {c.field for c in before.columns}
    pairs = {}
    for field in dict.fromkeys(c.field for c in after.columns):
        if spec is not None:
            renamed_from = spec.fields[field].renamed_from if field in spec.fields else None
        else:  # a generated junction: its fields are named after the entities it links
            renamed_from = entities.get(field)
        new_columns = [c.name for c in after.columns if c.field == field]
        if renamed_from and renamed_from in old_fields and field not in old_fields:
            old_columns = [c.name for c in before.columns if c.field == renamed_from]
            pairs |= dict(zip(new_columns, old_columns))
        else:
            pairs |= {c: c for c in new_columns if any(o.name == c for o in before.columns)}
    return pairs


class _TableDiff:
    """The changes inside one table present in both versions."""

    def __init__(self, old: Design, new: Design, before: Entity, after: Entity,
                 entities: dict[str, str], renamed: dict[str, dict[str, str]], checks_of: ChecksOf):
        self.old, self.new, self.before, self.after = old, new, before, after
        self.entities = entities
        self.checks_of = checks_of
        self.all_renamed = renamed
        self.renamed = renamed[after.name]  # old column name -> new, in this table
        self.columns = {new_name: old_name for old_name, new_name in self.renamed.items()}

    def change(self, action, kind, before=None, after=None, aspects=()) -> Change:
        return Change(action, kind, self.before.name, self.after.name, before, after, aspects)

    def changes(self) -> list[Change]:
        return self.column_changes() + self.key_changes() + self.constraint_changes()

    def column_changes(self) -> list[Change]:
        found = []
        for column in self.after.columns:
            old_name = self.columns.get(column.name)
            if old_name is None:
                found.append(self.change("add", "column", None, column))
                continue
            before = self.before.column(old_name)
            if before.physical != column.physical:
                found.append(self.change("rename", "column", before, column))
            aspects = tuple(a for a in COLUMN_ASPECTS if _column_aspect(before, a) != _column_aspect(column, a))
            if aspects:
                found.append(self.change("alter", "column", before, column, aspects))
        found += [self.change("drop", "column", c, None) for c in self.before.columns if c.name not in self.renamed]
        return found

    def key_changes(self) -> list[Change]:
        before, after = PrimaryKey.of(self.before), PrimaryKey.of(self.after)
        if self.own(before.columns, old_side=True) != after.columns:
            return [self.change("alter", "primary_key", before, after)]
        if before.name != after.name:
            return [self.change("rename", "primary_key", before, after)]
        return []

    def own(self, columns, old_side: bool) -> tuple[str, ...]:
        """Column names of this table, an old one's read under its new name (a dropped one
        under a name no new column has)."""
        return tuple(self.renamed.get(c, f"-{c}") for c in columns) if old_side else tuple(columns)

    def constraint_changes(self) -> list[Change]:
        old_checks, new_checks = self.checks_of(self.old, self.before), self.checks_of(self.new, self.after)
        return (
            self.matched("unique", self.before.uniques, self.after.uniques, lambda u, side: (self.own(u.columns, side),))
            + self.matched("check", old_checks, new_checks,
                           lambda c, side: (_expression_sql(c.expression, lambda cs: self.own(cs, side)),))
            + self.matched("foreign_key", self.before.foreign_keys, self.after.foreign_keys, self.foreign_key_signature)
            + self.matched("index", self.before.indexes, self.after.indexes, self.index_signature)
        )

    def matched(self, kind: str, olds: Iterable, news: Iterable, signature) -> list[Change]:
        """Add, drop or rename the constraints of one kind, matched by signature."""
        remaining = {id(o): o for o in olds}
        found = []
        for item in news:
            wanted = signature(item, False)
            match = next((o for o in remaining.values() if signature(o, True) == wanted), None)
            if match is None:
                found.append(self.change("add", kind, None, item))
                continue
            del remaining[id(match)]
            if match.name != item.name:
                found.append(self.change("rename", kind, match, item))
        found += [self.change("drop", kind, o, None) for o in remaining.values()]
        return found

    def index_signature(self, index, old_side: bool) -> tuple:
        where = None if index.where is None else _expression_sql(index.where, lambda cs: self.own(cs, old_side))
        return (self.own(index.columns, old_side), index.unique, index.using, self.own(index.include, old_side), where)

    def foreign_key_signature(self, fk, old_side: bool) -> tuple:
        target, target_columns = fk.target, tuple(fk.target_columns)
        if old_side:  # the old target, under its new name, with its columns' new names
            target = next((n for n, o in self.entities.items() if o == fk.target), f"-{fk.target}")
            if target in self.all_renamed:
                renamed = self.all_renamed[target]
                target_columns = tuple(renamed.get(c, f"-{c}") for c in target_columns)
        # Its columns' types: a key whose type changes takes its references with it, and MySQL
        # refuses to change a column a foreign key uses, so the key is dropped and added again.
        table = self.before if old_side else self.after
        types = tuple(str(table.column(c).type) for c in fk.columns)
        return (self.own(fk.columns, old_side), target, target_columns, fk.on_delete, fk.on_update, types, fk.deferrable)


def _column_aspect(column: Column, aspect: str):
    if aspect == "type":  # with its named type, declared as a domain on some targets (not an enum's)
        domain = column.type.domain if column.type.kind != "enum" else None
        return f"{column.type} {domain}" if domain else str(column.type)
    if aspect == "default":
        return None if column.default is None else (column.default.kind, column.default.value)
    if aspect == "generated":
        return None if column.generated is None else column.generated.sql("postgres")
    return getattr(column, aspect)


def _expression_sql(tree: exp.Expression, columns) -> str:
    """The expression's SQL with its columns renamed by `columns` (a tuple in, a tuple out)."""
    mapped = tree.transform(
        lambda n: exp.column(columns((n.name,))[0]) if isinstance(n, exp.Column) else n
    )
    return mapped.sql("postgres")


@dataclass(frozen=True)
class PrimaryKey:
    """An entity's primary key as a constraint: its name and columns."""

    name: str
    columns: tuple[str, ...]

    @classmethod
    def of(cls, entity: Entity) -> PrimaryKey:
        return cls(entity.primary_key_name, entity.primary_key)


def _enum_type_changes(old: Design, new: Design) -> list[Change]:
    """Named enum types (PostgreSQL, DuckDB): created, dropped, or given other values."""
    found = []
    for name, values in new.enum_types.items():
        if name not in old.enum_types:
            found.append(Change("add", "enum_type", None, None, None, EnumType(name, values)))
        elif old.enum_types[name] != values:
            found.append(Change("alter", "enum_type", None, None, EnumType(name, old.enum_types[name]), EnumType(name, values)))
    found += [Change("drop", "enum_type", None, None, EnumType(n, v), None) for n, v in old.enum_types.items() if n not in new.enum_types]
    return found


@dataclass(frozen=True)
class EnumType:
    """A named enum type (PostgreSQL, DuckDB) in one version."""

    name: str
    values: tuple[str, ...]
