"""The MongoDB model of a design: its collections, which children are embedded in their parent's
documents, and the index each access pattern reads.

A child entity is embedded in its parent's documents, as an array named after the child's table,
when the design says the parent owns it and the array stays small:
- its reference to the parent is required and deletes with it (`on_delete: cascade`);
- nothing references the child, and the child has no embedded children of its own (one level);
- the seed has at most EMBED_AVERAGE children per parent on average (one-to-few);
- every access pattern of the child compares that reference for equality (reading the parent's
  document answers it).
Anything else is referenced: a collection of its own, the reference a field holding the parent's
key. A many-to-many junction is a collection of its own too.

A document's `_id` is the row's key (an object of the key's fields for a composite key); its
other fields are named as the columns, and a NULL is a missing field. Each pattern over a
collection of its own gets an index: its equality fields, then its sort, then its range (the
ESR rule); a unique constraint is a unique index; a retention a TTL index on the time column.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from schemaforge.design.model import Design, Entity, ForeignKey
from schemaforge.findings import Finding
from schemaforge.nosql.reads import Read, design_reads
from schemaforge.security.policy import DURATION_UNITS, time_column

EMBED_AVERAGE = 50  # children per parent, on average in the seed, that an embedded array may hold
_SECONDS = {"hour": 3600, "day": 86_400, "week": 604_800, "month": 2_592_000, "year": 31_536_000}


@dataclass
class Embedding:
    child: str
    parent: str
    field: str  # the parent's array field
    reference: ForeignKey


@dataclass
class Index:
    collection: str
    keys: tuple[tuple[str, int], ...]  # (document field, 1 or -1)
    unique: bool = False
    expire_after_seconds: int | None = None
    queries: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return "_".join(f"{k}_{d}" for k, d in self.keys).replace(".", "_")


@dataclass
class MongoModel:
    collections: dict[str, str]  # entity -> collection (embedded children: their parent's)
    embedded: dict[str, Embedding]  # child entity -> where it is embedded
    indexes: list[Index]
    reads: list[Read]
    findings: list[Finding]

    def children_of(self, entity: str) -> list[Embedding]:
        return [e for e in self.embedded.values() if e.parent == entity]


def document_field(entity: Entity, column: str) -> str:
    """Where a column is in its entity's document: `_id` (or `_id.<column>`) for the key."""
    if column in entity.primary_key:
        return "_id" if len(entity.primary_key) == 1 else f"_id.{entity.physical(column)}"
    return entity.physical(column)


def _ttl(design: Design, entity: Entity) -> tuple[str, int] | None:
    duration = design.doc.security.retention.get(entity.name)
    column = time_column(entity)
    if duration is None or column is None:
        return None
    return column.name, int(duration[:-1]) * _SECONDS[DURATION_UNITS[duration[-1]]]


def _embeddings(design: Design, reads: list[Read], findings: list[Finding]) -> dict[str, Embedding]:
    from schemaforge.seed.plan import row_counts

    rows = row_counts(design)
    referenced = {fk.target for e in design.entities.values() for fk in e.foreign_keys}
    found: dict[str, Embedding] = {}
    for entity in design.entities.values():
        if entity.junction or entity.name in referenced:
            continue
        owners = [fk for fk in entity.foreign_keys if not fk.nullable and fk.on_delete == "cascade"
                  and fk.target != entity.name]
        if len(owners) != 1:
            continue
        owner = owners[0]
        if rows.get(owner.target, 0) == 0 or rows.get(entity.name, 0) / rows[owner.target] > EMBED_AVERAGE:
            average = rows.get(entity.name, 0) / max(rows.get(owner.target, 0), 1)
            findings.append(Finding(
                design.source.key(entity.path), f"'{entity.name}' is owned by '{owner.target}' but the seed has "
                f"{average:,.0f} per {owner.target} on average, over the {EMBED_AVERAGE} an embedded array is kept "
                "to (a document may not pass 16 MB, and a growing array is rewritten whole): it is a collection "
                "of its own", "DM102", "info", fix=f"if a {owner.target} has few of them, lower seed.rows"))
            continue
        own_reads = [r for r in reads if r.entity.name == entity.name]
        if any(set(c for c, _ in r.equal) != set(owner.columns) or r.listed for r in own_reads):
            continue
        found[entity.name] = Embedding(entity.name, owner.target, entity.table, owner)
    # one level: a parent that is itself embedded keeps its children referenced
    return {child: e for child, e in found.items() if e.parent not in found}


def mongodb_model(design: Design) -> MongoModel:
    return design.derived(("mongodb_model",), lambda: _model(design))


def _model(design: Design) -> MongoModel:
    reads, findings = design_reads(design, "MongoDB")
    embedded = _embeddings(design, reads, findings)
    collections = {name: (embedded[name].parent if name in embedded else name) for name in design.entities}
    collections = {name: design.entities[target].table for name, target in collections.items()}
    indexes: dict[tuple, Index] = {}
    for entity in design.entities.values():
        if entity.name in embedded:
            continue
        for unique in entity.uniques:
            keys = tuple((document_field(entity, c), 1) for c in unique.columns)
            indexes.setdefault((entity.table, keys), Index(entity.table, keys, unique=True))
        expiry = _ttl(design, entity)
        if expiry is not None:
            keys = ((document_field(entity, expiry[0]), 1),)
            indexes[(entity.table, keys)] = Index(entity.table, keys, expire_after_seconds=expiry[1])
    for read in reads:
        entity = read.entity
        if entity.name in embedded:
            continue  # read from the parent's document, found by its _id
        keys = _esr_keys(read)
        if not keys or keys == (("_id", 1),):
            if not keys:
                findings.append(Finding(design.source.value(read.path), f"query '{read.name}' has no equality, "
                                        "sort or range: MongoDB reads the whole collection", "DM101", "info",
                                        fix="add the filter the application really applies, or a limit"))
            continue
        index = indexes.setdefault((entity.table, keys), Index(entity.table, keys))
        index.queries.append(read.name)
    return MongoModel(collections, embedded, list(indexes.values()), reads, findings)


def _esr_keys(read: Read) -> tuple[tuple[str, int], ...]:
    """The index a pattern needs: equality fields, then the sort, then the range (ESR)."""
    entity = read.entity
    keys: list[tuple[str, int]] = []
    for column in [c for c, _ in read.equal] + [c for c, _ in read.listed] + [c for c, _ in read.constants]:
        keys.append((document_field(entity, column), 1))
    for column, descending in read.order:
        keys.append((document_field(entity, column), -1 if descending else 1))
    if read.range or read.prefix:
        keys.append((document_field(entity, read.range or read.prefix), 1))
    seen, unique_keys = set(), []
    for key in keys:
        if key[0] not in seen:
            seen.add(key[0])
            unique_keys.append(key)
    return tuple(unique_keys)
