"""The DynamoDB model of a design: one table for every entity (single-table design), and the key
each access pattern reads.

Every item has a partition key `PK` and a sort key `SK`, strings. An entity's item is keyed
`PK = <entity>#<key>`, `SK = <entity>`, so GetItem reads it by its key. An entity whose busiest
pattern reads it by a parent (a required reference, compared for equality) lives in the parent's
partition instead, an item collection: `PK = <parent>#<reference>`, `SK = <entity>#<order>\\0<key>`,
where `<order>` is the pattern's range, prefix or sort column; one Query reads the parent's
children in order. Every other pattern gets a global secondary index (GSI): its partition key is
`<entity>#<the values it compares>`, its sort key `<order>\\0<key>`. GSIs are overloaded: the
first GSI pattern of every entity shares `GSI1`, the second `GSI2`, and so on (the entity's name
in the key keeps them apart), so a design needs as many GSIs as its entity with the most such
patterns; more than DynamoDB's 20 is an error (DY101). An index of a pattern with a constant,
a NOT NULL condition or a soft delete holds only the rows that pass: the other items do not
carry its key attributes (a sparse index).

An order value sorts as DynamoDB compares strings, by their UTF-8 bytes: numbers, dates and
times as their score in 16 hex digits that keep the numbers' order (nosql/values.py), text as
itself. `\\0` between it and the key sorts a value before every longer one that starts with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from schemaforge.design.model import Design, Entity
from schemaforge.design.types import MAX_STRING_LENGTH
from schemaforge.findings import Finding
from schemaforge.nosql.reads import Read, design_reads
from schemaforge.nosql.values import ordering_of

SEP = "#"
ORDER_SEP = "\x00"
MAX_GSIS = 20  # per table
MAX_ITEM_BYTES = 400 * 1024
PARTITION_READ_UNITS = 3000  # a partition serves 3,000 read units a second
NULL_TEXT_ORDER = "\U0010ffff"  # a NULL's text order value: after every other text, as NULL sorts last


@dataclass
class IndexKeys:
    """How the table or one GSI keys an entity's items."""

    entity: str
    index: str | None  # None: the table itself; else the GSI's name
    partition_prefix: str  # the entity's name, or its parent's for an item collection
    partition_columns: tuple[str, ...]
    sort_prefix: str = ""  # "<entity>#" in a parent's collection, the entity's name for its own item
    order: str | None = None
    by: Literal["score", "lex"] | None = None
    with_key: bool = True  # the sort key ends with the row's key (every key but an item's own)
    constants: tuple[tuple[str, Any], ...] = ()
    present: tuple[str, ...] = ()
    hidden: str | None = None
    queries: list[str] = field(default_factory=list)

    @property
    def partition_attribute(self) -> str:
        return "PK" if self.index is None else f"{self.index}PK"

    @property
    def sort_attribute(self) -> str:
        return "SK" if self.index is None else f"{self.index}SK"

    def same_shape(self, other: IndexKeys) -> bool:
        return (self.partition_columns, self.order, self.by, self.constants, self.present, self.hidden) == \
            (other.partition_columns, other.order, other.by, other.constants, other.present, other.hidden)

    @property
    def sparse(self) -> bool:
        return bool(self.constants or self.present or self.hidden)


@dataclass(frozen=True)
class Lookup:
    read: Read
    keys: IndexKeys
    operation: Literal["GetItem", "Query"]
    client_sort: bool = False
    client_checks: bool = False


@dataclass
class DynamoModel:
    table: str
    items: dict[str, IndexKeys]  # each entity's table keys
    indexes: dict[str, list[IndexKeys]]  # each entity's GSI keys, GSI1 first
    lookups: list[Lookup]
    findings: list[Finding]

    @property
    def gsi_count(self) -> int:
        return max((len(keys) for keys in self.indexes.values()), default=0)


def table_name(design: Design) -> str:
    return design.name if len(design.name) >= 3 else f"{design.name}_items"  # DynamoDB: 3 to 255


def _order_of(read: Read) -> tuple[str | None, str | None, bool]:
    """(column, how it orders, whether the application must sort): the range or prefix orders
    the key, else the first sort column."""
    if read.range or read.prefix:
        column = read.range or read.prefix
        by = "lex" if read.prefix else ordering_of(read.entity.column(column))
        return column, by, bool(read.order) and [c for c, _ in read.order] != [column]
    if read.order:
        column = read.order[0][0]
        by = ordering_of(read.entity.column(column))
        return (column, by, len(read.order) > 1) if by else (None, None, True)
    return None, None, False


def _collection(design: Design, entity: Entity, reads: list[Read]) -> IndexKeys | None:
    """The parent partition an entity's items live in: its busiest pattern that compares a
    required reference, and nothing it cannot ask of the table (a list, a sparse condition)."""
    candidates = []
    for read in reads:
        if read.listed or read.constants or read.present or read.hidden or not read.equal:
            continue
        reference = next((fk for fk in entity.foreign_keys if not fk.nullable
                          and set(fk.columns) == set(read.looked_up)), None)
        if reference is None:
            continue
        order, by, _ = _order_of(read)
        candidates.append((-(read.rate or 0), len(candidates), reference, order, by))
    if not candidates:
        return None
    _, _, reference, order, by = min(candidates, key=lambda c: c[:2])
    return IndexKeys(entity.name, None, reference.target, reference.columns, f"{entity.name}{SEP}", order, by)


def _serves(keys: IndexKeys, read: Read) -> bool:
    order, by, _ = _order_of(read)
    return set(keys.partition_columns) == set(read.looked_up) and (keys.order, keys.by) == (order, by) \
        and not (read.constants or read.present or read.hidden)


def _item_bytes(entity: Entity) -> int | None:
    """The largest item the entity's declared types allow, or None when a type is unbounded."""
    widths = {"boolean": 1, "smallint": 21, "integer": 21, "bigint": 21, "decimal": 21, "real": 21, "double": 21,
              "uuid": 36, "date": 10, "time": 15, "timestamp": 26, "timestamptz": 27, "interval": 40}
    total = 0
    for column in entity.columns:
        kind = column.type.kind
        if kind == "string":
            width = 4 * (column.type.length or MAX_STRING_LENGTH)  # UTF-8: up to 4 bytes a character
        elif kind == "enum":
            width = max(len(v) for v in column.type.values)
        elif kind in widths:
            width = widths[kind]
        else:
            return None  # text, json, bytes, arrays: unbounded
        total += len(column.physical) + width
    return total


def _partitions(entity: Entity, columns: tuple[str, ...]) -> int | None:
    """How many partitions a key over `columns` can spread over when their types bound it (one
    without columns, the enum values and booleans' product); None when they do not."""
    count = 1
    for name in columns:
        typ = entity.column(name).type
        if typ.kind == "enum":
            count *= len(typ.values)
        elif typ.kind == "boolean":
            count *= 2
        else:
            return None
    return count


def _hot_partition(design: Design, lookup: Lookup) -> Finding | None:
    """A pattern whose calls fall on few partitions, more read units a second than one serves:
    items of up to 4 KB read eventually consistent, half a unit each, `limit` of them a call."""
    read, keys = lookup.read, lookup.keys
    partitions = _partitions(read.entity, keys.partition_columns)
    if partitions is None or not read.rate:
        return None
    units = read.rate * max(1, read.limit or 1) * 0.5 / partitions
    if units <= PARTITION_READ_UNITS:
        return None
    where = f"{partitions} partition{'s' if partitions > 1 else ''}"
    return Finding(design.source.value(read.path), f"query '{read.name}' reads {where} of "
                   f"{keys.index or 'the table'} ({keys.partition_prefix}"
                   f"{''.join('#<' + c + '>' for c in keys.partition_columns)}) at about {units:,.0f} read units a "
                   f"second each, over the {PARTITION_READ_UNITS:,} one partition serves", "DY103", "warning",
                   fix="compare a field with many values in the filter, or shard the key (a suffix of 0..N "
                       "read in parallel), or cache the answer")


def dynamodb_model(design: Design) -> DynamoModel:
    return design.derived(("dynamodb_model",), lambda: _model(design))


def _model(design: Design) -> DynamoModel:
    reads, findings = design_reads(design, "DynamoDB")
    by_entity: dict[str, list[Read]] = {name: [] for name in design.entities}
    for read in reads:
        by_entity[read.entity.name].append(read)
    items, indexes, lookups = {}, {name: [] for name in design.entities}, []
    for name, entity in design.entities.items():
        items[name] = _collection(design, entity, by_entity[name]) or IndexKeys(
            name, None, name, entity.primary_key, name, with_key=False)
    for read in reads:
        entity, own = read.entity, items[read.entity.name]
        order, by, client_sort = _order_of(read)
        ranged = read.range or read.prefix
        if own.sort_prefix == entity.name and not ranged and set(read.looked_up) >= set(entity.primary_key):
            own.queries.append(read.name)
            lookups.append(Lookup(read, own, "GetItem", client_sort=bool(read.listed), client_checks=True))
            continue
        if own.sort_prefix != entity.name and _serves(own, read):
            own.queries.append(read.name)
            lookups.append(Lookup(read, own, "Query", client_sort=client_sort or bool(read.listed and read.order)))
            continue
        wanted = IndexKeys(entity.name, None, entity.name, read.looked_up, "", order, by, True, read.constants,
                           read.present, read.hidden)
        keys = next((k for k in indexes[entity.name] if k.same_shape(wanted)), None)
        if keys is None:
            keys, wanted.index = wanted, f"GSI{len(indexes[entity.name]) + 1}"
            indexes[entity.name].append(keys)
            if len(indexes[entity.name]) == MAX_GSIS + 1:
                findings.append(Finding(
                    design.source.value(read.path), f"query '{read.name}' needs a 21st global secondary index on "
                    f"'{entity.name}' ({MAX_GSIS} GSIs is DynamoDB's limit per table)", "DY101", "error",
                    fix="serve several patterns of the entity with one (the same compared fields and sort), or keep "
                        "the entity in another store of the design"))
        keys.queries.append(read.name)
        lookups.append(Lookup(read, keys, "Query", client_sort=client_sort or bool(read.listed and read.order)))
        if client_sort:
            findings.append(Finding(
                design.source.value(read.path), f"query '{read.name}': the index is sorted by "
                f"'{order or 'the key'}', not by the query's whole sort; the application reads every item of the "
                "partition and sorts them", "DY105", "info", fix="sort by the range's column alone, or by one column"))
    findings += [_hot_partition(design, lookup) for lookup in lookups if _hot_partition(design, lookup)]
    for name, entity in design.entities.items():
        largest = _item_bytes(entity)
        if largest is not None and largest > MAX_ITEM_BYTES:
            findings.append(Finding(
                design.source.key(entity.path), f"an item of '{name}' may reach {largest:,} bytes, over DynamoDB's "
                "400 KB: a write of such a row is refused", "DY102", "warning",
                fix="keep large text in S3 and its key in the item, or lower the fields' lengths"))
    return DynamoModel(table_name(design), items, indexes, lookups, findings)
