"""How each entity's rows are made: row counts, and a plan per column and per foreign key."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot import exp

from schemaforge.seed.domains import Domain, Ordering, conjuncts, column_domains, orderings
from schemaforge.design.sections import DEFAULT_SEED_ROWS
from schemaforge.seed.meaning import GENERAL_TEXT, SPECIFIC_TEXT, text_meaning
from schemaforge.seed.values import ColumnSpec
from schemaforge.design.model import Design, Entity, ForeignKey

DEFAULT_ROWS = DEFAULT_SEED_ROWS  # per entity when the seed section names neither rows nor scale
UNIQUE_CARRIER_KINDS = ("smallint", "integer", "bigint", "decimal", "string", "text", "date", "timestamp", "timestamptz", "uuid")

_PII_SEMANTICS = {"dob": "dob", "free_text": "sentence", "health": "sentence"}


def row_counts(design: Design, scale: float = 1.0) -> dict[str, int]:
    """Rows per entity: `seed.rows`, else `seed.scale` x 1000, times the caller's `scale`."""
    seed = design.doc.seed
    base = DEFAULT_ROWS * (seed.scale if seed.scale is not None else 1.0)
    counts = {}
    for name in design.entities:
        rows = seed.rows.get(name, base)
        counts[name] = max(0, round(rows * scale))
    return counts


def semantic(design: Design, entity: Entity, column) -> str | None:
    """The family of values a text column gets: the seed section's generator, its format, a
    specific name (`first_name` even where `pii: name`), its pii kind, a general name."""
    spec = design.doc.seed.fields.get(f"{entity.name}.{column.field}")
    if spec is not None and spec.generator:
        return {"sequence": "code", "money": None, "date": None, "timestamp": None}.get(spec.generator, spec.generator)
    if column.format:
        return column.format
    name = column.name.lower()
    if (specific := text_meaning(name, SPECIFIC_TEXT)) is not None:
        return specific
    if column.pii:
        return _PII_SEMANTICS.get(column.pii, column.pii)
    if (general := text_meaning(name, GENERAL_TEXT)) is not None:
        return general
    if column.type.kind in ("string", "text") and (name in ("code", "sku", "reference", "mrn") or name.endswith("_no")):
        return "code"
    return None


@dataclass
class EntityPlan:
    entity: Entity
    rows: int
    columns: dict[str, ColumnSpec]  # the columns drawn by value generators
    foreign_keys: list[ForeignKey]  # filled from the referenced entity's keys, in order
    deferred: list[ForeignKey]  # filled after every entity exists (reference cycles)
    orderings: dict[str, Ordering]  # later column -> ordering
    distinct_within: dict[str, str] = field(default_factory=dict)  # fk name -> fk that groups it
    fixed: set[str] = field(default_factory=set)  # columns that redraws must not touch
    differs_from: dict[str, str] = field(default_factory=dict)  # fk name -> an earlier fk it must differ from

    def redrawable(self, names: set[str]) -> set[str]:
        return {n for n in names if n in self.columns and n not in self.fixed}


def _drawn_from_a_list(design: Design, entity: Entity, column: str) -> bool:
    """A column whose seed setting draws from `values:` holds a few values: it cannot carry a
    composite key's uniqueness (a graph edge's kind of three values repeated its key)."""
    setting = design.doc.seed.fields.get(f"{entity.name}.{entity.column(column).field}")
    return setting is not None and bool(setting.values)


def plan_entity(design: Design, entity: Entity, rows: int, deferred: list[ForeignKey]) -> EntityPlan:
    fk_columns = {c for fk in entity.foreign_keys for c in fk.columns}
    generated = {c.name for c in entity.columns if c.generated is not None}
    unique_sets = [tuple(entity.primary_key)] + [u.columns for u in entity.uniques]
    single_unique = {cols[0] for cols in unique_sets if len(cols) == 1}
    domains = column_domains(entity)

    # A composite unique holds when one of its columns is unique by construction (one not drawn
    # from a list of values); else, when it holds two references, the last is drawn distinct
    # within the first.
    distinct_within: dict[str, str] = {}
    for cols in unique_sets:
        if len(cols) < 2 or single_unique & set(cols):
            continue
        carrier = next((c for c in cols if c not in fk_columns and c not in generated
                        and entity.column(c).type.kind in UNIQUE_CARRIER_KINDS
                        and not _drawn_from_a_list(design, entity, c)), None)
        if carrier is not None:
            single_unique.add(carrier)
            continue
        fks = [fk for fk in entity.foreign_keys if set(fk.own_columns) <= set(cols)]
        if len(fks) >= 2 and fks[-1].name not in distinct_within:
            distinct_within[fks[-1].name] = fks[0].name

    columns: dict[str, ColumnSpec] = {}
    for column in entity.columns:
        if column.name in fk_columns or column.name in generated or column.identity:
            continue
        columns[column.name] = ColumnSpec(
            column=column, total_rows=rows, domain=domains.get(column.name) or Domain(),
            seed=design.doc.seed.fields.get(f"{entity.name}.{column.field}"),
            unique=column.name in single_unique, semantic=semantic(design, entity, column),
        )
    # Pattern columns keep their meaning: a row is updated or deleted after it is created.
    implied = [Ordering(c.name, "created_at", False) for c in entity.columns
               if c.name in ("updated_at", "deleted_at") and c.added_by and "created_at" in columns]
    order = {o.later: o for o in orderings(entity) + implied if o.later in columns and not columns[o.later].unique
             and (o.earlier in columns or o.earlier in fk_columns) and columns[o.later].seed is None}
    fixed = fk_columns | {c.name for c in entity.columns if c.identity} | {n for n, s in columns.items() if s.unique}
    deferred_names = {fk.name for fk in deferred}
    # The tenant reference first: the tenant-scoped references after it read the tenant key.
    drawn = sorted((fk for fk in entity.foreign_keys if fk.name not in deferred_names),
                   key=lambda fk: fk.columns != (entity.tenant_key,))
    return EntityPlan(
        entity=entity, rows=rows, columns=columns,
        foreign_keys=drawn,
        deferred=[fk for fk in entity.foreign_keys if fk.name in deferred_names],
        orderings=order, distinct_within=distinct_within, fixed=fixed | set(generated),
        differs_from=different_references(entity, drawn),
    )


def different_references(entity: Entity, drawn: list[ForeignKey]) -> dict[str, str]:
    """`follower_id <> followee_id`: the later-drawn reference of each such pair, mapped to the
    earlier one, whose value it is drawn to differ from (references are not redrawn)."""
    column_of = {fk.columns[0]: fk for fk in drawn if len(fk.columns) == 1}
    position = {fk.name: i for i, fk in enumerate(drawn)}
    found: dict[str, str] = {}
    for check in entity.checks:
        for node in conjuncts(check.expression):
            if not (isinstance(node, exp.NEQ) and isinstance(node.left, exp.Column) and isinstance(node.right, exp.Column)):
                continue
            pair = [column_of.get(node.left.name), column_of.get(node.right.name)]
            if None in pair or pair[0].name == pair[1].name:
                continue
            first, second = sorted(pair, key=lambda fk: position[fk.name])
            found.setdefault(second.name, first.name)
    return found

