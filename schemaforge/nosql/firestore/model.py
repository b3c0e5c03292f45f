"""The Firestore model of a design: collections and subcollections, and the query and index each
access pattern needs.

An entity a parent owns (its one required reference that deletes with the parent, to another
entity, and nothing references it) is a subcollection of the parent's documents:
`post/{post_id}/reply/{id}`; one level deep, so a parent that is itself a subcollection keeps
its children at the top. Every other entity is a top-level collection. A document's ID is its
primary key's text (the values of a composite key joined by `#`), and it holds every column, the
owner's key included (denormalized into the path and the document, so that a collection group
query can filter by it).

A pattern over a subcollection that compares the owner's key reads that one subcollection (its
`parent` is the owner's document); any other pattern over it is a collection group query. Each
pattern becomes a structured query: equalities, `in` and constants as equality filters, a soft
delete as `== null`, one range as `>=` and `<`, its sort as orderBy. Firestore sorts a null
before every value and leaves out a document whose orderBy field is missing, so a nullable column
that is sorted by or filtered `not_null` gets a `<column>_null` flag: the query orders by the flag
first (NULLs where the design puts them) or filters `== false`.

A query with an equality and a sort or range on another field, or two sort fields, needs a
composite index (equality fields, then the orderBy fields in their directions); one field
alone, or equalities alone, are served by Firestore's automatic single-field indexes, except in
a collection group query, whose single-field index is an exemption (`fieldOverrides`). A sort
that the range's field does not lead is done by the application (FS103).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from schemaforge.design.model import Design, Entity, ForeignKey
from schemaforge.findings import Finding
from schemaforge.nosql.reads import Read, design_reads
from schemaforge.nosql.values import null_flag

@dataclass(frozen=True)
class Collection:
    entity: str
    name: str  # the collection ID
    owner: ForeignKey | None = None  # a subcollection: the reference to its parent entity

    @property
    def parent(self) -> str | None:
        return self.owner.target if self.owner else None


@dataclass(frozen=True)
class Order:
    field: str  # a document field (a column's physical name, or its `_null` flag)
    descending: bool


@dataclass
class Lookup:
    read: Read
    collection: Collection
    group: bool  # a collection group query (every subcollection of that ID)
    equal_fields: tuple[str, ...]  # fields compared for equality (or `in`), the flags' included
    orders: tuple[Order, ...]
    client_sort: bool = False


@dataclass
class Index:
    collection: str
    scope: str  # COLLECTION or COLLECTION_GROUP
    fields: tuple[Order, ...]  # equality fields ascending, then the orderBy fields
    queries: list[str] = field(default_factory=list)


@dataclass
class FirestoreModel:
    collections: dict[str, Collection]  # by entity
    flags: dict[str, tuple[str, ...]]  # entity -> nullable columns that get a `_null` flag
    lookups: list[Lookup]
    indexes: list[Index]  # composite
    group_fields: list[tuple[str, str]]  # (collection, field) a collection group query reads alone
    findings: list[Finding]


def _owner(design: Design, entity: Entity, referenced: set[str]) -> ForeignKey | None:
    if entity.junction or entity.name in referenced:
        return None
    owners = [fk for fk in entity.foreign_keys if not fk.nullable and fk.on_delete == "cascade"
              and fk.target != entity.name]
    return owners[0] if len(owners) == 1 else None


def _collections(design: Design) -> dict[str, Collection]:
    referenced = {fk.target for e in design.entities.values() for fk in e.foreign_keys}
    owners = {name: _owner(design, entity, referenced) for name, entity in design.entities.items()}
    return {name: Collection(name, entity.table,
                             owners[name] if owners[name] is not None and owners[owners[name].target] is None else None)
            for name, entity in design.entities.items()}


def _flags(reads: list[Read]) -> dict[str, tuple[str, ...]]:
    flagged: dict[str, list[str]] = {}
    for read in reads:
        entity = read.entity
        wanted = list(read.present) + [c for c, _ in read.order]
        for column in wanted:
            if entity.column(column).nullable and column not in flagged.setdefault(entity.name, []):
                flagged[entity.name].append(column)
    return {name: tuple(columns) for name, columns in flagged.items()}


def _orders(read: Read, flags: tuple[str, ...]) -> tuple[tuple[Order, ...], bool]:
    """The orderBy clauses, and whether the application still sorts."""
    entity = read.entity
    ranged = read.range or read.prefix
    if ranged:
        descending = bool(read.order) and read.order[0] == (ranged, True)
        client_sort = bool(read.order) and [c for c, _ in read.order] != [ranged]
        return (Order(entity.physical(ranged), descending),), client_sort
    orders = []
    for column, descending in read.order:
        if column in flags:
            orders.append(Order(null_flag(entity, column), descending))
        orders.append(Order(entity.physical(column), descending))
    return tuple(orders), False


def firestore_model(design: Design) -> FirestoreModel:
    return design.derived(("firestore_model",), lambda: _model(design))


def _model(design: Design) -> FirestoreModel:
    reads, findings = design_reads(design, "Firestore")
    collections = _collections(design)
    flags = _flags(reads)
    lookups, indexes, group_fields = [], {}, []
    for read in reads:
        entity, collection = read.entity, collections[read.entity.name]
        owner_columns = set(collection.owner.columns) if collection.owner else set()
        group = collection.owner is not None and not owner_columns <= {c for c, _ in read.equal}
        equal = [entity.physical(c) for c in read.looked_up if group or c not in owner_columns]
        equal += [entity.physical(c) for c, _ in read.constants]
        equal += [null_flag(entity, c) for c in read.present]
        equal += [entity.physical(read.hidden)] if read.hidden else []
        orders, client_sort = _orders(read, flags.get(entity.name, ()))
        lookup = Lookup(read, collection, group, tuple(dict.fromkeys(equal)), orders, client_sort)
        lookups.append(lookup)
        scope = "COLLECTION_GROUP" if group else "COLLECTION"
        if (lookup.equal_fields and orders) or len(orders) > 1:
            fields = tuple(Order(f, False) for f in lookup.equal_fields) + orders
            index = indexes.setdefault((collection.name, scope, fields), Index(collection.name, scope, fields))
            index.queries.append(read.name)
        elif group:
            for name in lookup.equal_fields or tuple(o.field for o in orders):
                if (collection.name, name) not in group_fields:
                    group_fields.append((collection.name, name))
        if client_sort:
            findings.append(Finding(
                design.source.value(read.path), f"query '{read.name}': Firestore orders a range by its own field "
                f"first ('{read.range or read.prefix}'), not by the query's whole sort; the application sorts the "
                "documents it reads", "FS103", "info", fix="sort by the range's field alone"))
    return FirestoreModel(collections, flags, lookups, list(indexes.values()), group_fields, findings)
