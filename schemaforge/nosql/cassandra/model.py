"""The Cassandra model of a design, query first (the Chebotko method): a table per access pattern.

Cassandra answers a read from one partition, in the order its rows are stored, so each pattern
gets a table shaped for it:
- the partition key is the columns the pattern compares for equality (or lists with `in`); a
  pattern that compares none reads one partition of its own, `bucket = 0`, which holds every row;
- the clustering columns are the pattern's range or prefix column, else its sort columns, each
  in the pattern's direction, then the entity's key (a row per entity row);
- a clustering column that may be NULL (a primary key column cannot) gets a `<column>_null` flag
  clustered before it, in the same direction, so that NULLs sort where the design puts them
  (after every value ascending, first descending); the column then holds its type's zero value.

Patterns of the same shape share a table. A table holds only the rows its patterns can return
(their constants, NOT NULL conditions and soft delete hold; a range's column is not NULL), and
the columns they return: a denormalized copy of the entity, which the application writes with
the entity's own table (keyed by its primary key) in one logged batch, so the copies change
together. A pattern that reads by the whole primary key reads that own table and checks its
other conditions on the row.

Partition sizes are bounded for the design's row counts with the seed's skew (a reference's
busiest parent has about rows / sqrt(parents) children: keys.SKEW = 2); a partition over
Cassandra's usual limits (100 MB, 100,000 rows) is a finding (CQ102).
"""

from __future__ import annotations

import math
import re
import zlib
from dataclasses import dataclass, field
from typing import Any

from schemaforge.design.model import Design, Entity
from schemaforge.findings import Finding
from schemaforge.nosql.reads import Read, design_reads
from schemaforge.seed.estimate import literal_width
from schemaforge.seed.keys import SKEW
from schemaforge.seed.plan import row_counts

MAX_NAME = 48  # Cassandra's longest keyspace or table name
MAX_PARTITION_ROWS = 100_000
MAX_PARTITION_BYTES = 100 * 1024 * 1024
BUCKET = "bucket"  # the partition key of a table whose pattern compares nothing
UNORDERABLE_KINDS = ("json", "array", "interval", "bytes")  # not clustered by here: sorted by the application


@dataclass
class Table:
    name: str
    entity: str
    partition: tuple[str, ...]  # logical columns; () is the single `bucket` partition
    clustering: tuple[tuple[str, bool], ...]  # (logical column, descending), the entity's key at the end
    nullable: tuple[str, ...] = ()  # clustering columns that may be NULL: a `<column>_null` flag before each
    constants: tuple[tuple[str, Any], ...] = ()  # the rows it holds
    present: tuple[str, ...] = ()
    hidden: str | None = None
    own: bool = False  # the entity's own table, keyed by its primary key
    queries: list[str] = field(default_factory=list)
    selected: list[str] = field(default_factory=list)  # what its patterns return

    def shape(self) -> tuple:
        return self.entity, self.partition, self.clustering, self.constants, self.present, self.hidden

    @property
    def sparse(self) -> bool:
        return bool(self.constants or self.present or self.hidden)

    def columns(self, entity: Entity) -> list[str]:
        """Every column it holds: its key, then what its patterns return, in the entity's order."""
        keyed = list(self.partition) + [c for c, _ in self.clustering]
        if self.own:
            return keyed + [c.name for c in entity.columns if c.name not in keyed]
        wanted = set(self.selected) | {c for c, _ in self.constants} | set(self.present)
        return keyed + [c.name for c in entity.columns if c.name in wanted and c.name not in keyed]


@dataclass(frozen=True)
class Lookup:
    read: Read
    table: Table
    client_sort: bool = False  # the table's order is not the whole sort, or several partitions are merged
    client_checks: bool = False  # read from the entity's own table: its other conditions checked on the row


@dataclass
class PartitionSize:
    table: str
    rows: int
    bytes: int


@dataclass
class CassandraModel:
    keyspace: str
    replication: int
    tables: list[Table]
    lookups: list[Lookup]
    sizes: dict[str, PartitionSize]
    findings: list[Finding]


def cql_name(text: str) -> str:
    """A keyspace or table name Cassandra takes: letters, digits and `_`, at most 48 long (a
    longer one keeps its start and a hash of the whole)."""
    name = re.sub(r"[^A-Za-z0-9_]", "_", text).lower()
    return name if len(name) <= MAX_NAME else f"{name[:MAX_NAME - 9]}_{zlib.crc32(text.encode()):08x}"


def _replication(design: Design) -> int:
    """Copies of each row: the primary and its read replicas; three without `scaling.replicas`,
    the usual production factor (a quorum survives one node down)."""
    replicas = design.doc.scaling.replicas
    return replicas.read + 1 if replicas is not None else 3


def _clustering(read: Read) -> tuple[list[tuple[str, bool]], bool]:
    """The pattern's own clustering columns, and whether the application still sorts."""
    entity = read.entity
    ranged = read.range or read.prefix
    if ranged:
        descending = bool(read.order) and read.order[0] == (ranged, True)
        return [(ranged, descending)], bool(read.order) and [c for c, _ in read.order] != [ranged]
    ordered = []
    for column, descending in read.order:
        if entity.column(column).type.kind in UNORDERABLE_KINDS:
            return ordered, True
        ordered.append((column, descending))
    return ordered, False


def _table_for(read: Read) -> tuple[Table, bool]:
    entity = read.entity
    partition = read.looked_up
    own, client_sort = _clustering(read)
    named = {c for c, _ in own} | set(partition)
    clustering = tuple(own + [(c, False) for c in entity.primary_key if c not in named])
    present = list(read.present)
    # a key column holds no NULL, and `=` never matches one: the table holds no row without it
    present += [c for c in partition if entity.column(c).nullable and c not in present]
    ranged = read.range or read.prefix
    if ranged and entity.column(ranged).nullable and ranged not in present:
        present.append(ranged)  # a range never returns a NULL: the table holds no row without one
    nullable = tuple(c for c, _ in clustering if entity.column(c).nullable and c not in present)
    table = Table("", entity.name, partition, clustering, nullable, read.constants, tuple(present), read.hidden)
    return table, client_sort or bool(read.listed and read.order)


def _name(read: Read, taken: set[str]) -> str:
    """A table is named after the first pattern it serves, as the Chebotko method names them."""
    base = name = cql_name(read.name)
    n = 2
    while name in taken:
        name, n = cql_name(f"{base}_{n}"), n + 1
    return name


def _partition_rows(entity: Entity, partition: tuple[str, ...], counts: dict[str, int]) -> int:
    """At most how many rows the largest partition over `partition` holds, with the seed's skew:
    a reference's busiest parent has about rows / parents**(1/SKEW) of them; an enum's or a
    boolean's values share the rows evenly; a unique column holds one. Another column (a day
    bucket, say) is not counted on to spread them: the estimate is an upper bound."""
    rows = counts.get(entity.name, 0)
    if not partition:
        return rows
    if any(set(u.columns) <= set(partition) for u in entity.uniques) or set(entity.primary_key) <= set(partition):
        return min(rows, 1)
    largest = rows
    for name in partition:
        typ = entity.column(name).type
        reference = next((fk for fk in entity.foreign_keys if name in fk.columns), None)
        if reference is not None:
            parents = max(1, counts.get(reference.target, 1))
            largest = min(largest, math.ceil(rows / parents ** (1 / SKEW)))
        elif typ.kind == "enum":
            largest = min(largest, math.ceil(rows / len(typ.values)))
        elif typ.kind == "boolean":
            largest = min(largest, math.ceil(rows / 2))
    return largest


def _size(design: Design, table: Table, counts: dict[str, int]) -> PartitionSize:
    entity = design.entities[table.entity]
    rows = _partition_rows(entity, table.partition, counts)
    row_bytes = sum(literal_width(entity.column(c).type) for c in table.columns(entity))
    return PartitionSize(table.name, rows, rows * row_bytes)


def _too_large(design: Design, table: Table, size: PartitionSize) -> Finding | None:
    if size.rows <= MAX_PARTITION_ROWS and size.bytes <= MAX_PARTITION_BYTES:
        return None
    entity = design.entities[table.entity]
    read = design.queries[table.queries[0]]
    key = ", ".join(entity.physical(c) for c in table.partition) or BUCKET
    return Finding(design.source.value(read.path), f"table '{table.name}' (query '{read.name}'): its largest "
                   f"partition ({key}) holds about {size.rows:,} rows and {size.bytes / 2**20:,.0f} MiB at the design's "
                   f"row counts, over Cassandra's usual limits ({MAX_PARTITION_ROWS:,} rows, 100 MB)", "CQ102", "warning",
                   fix="compare one more field for equality (or add a time bucket, such as the day, to the filter) "
                       "so that a partition holds fewer rows")


def cassandra_model(design: Design) -> CassandraModel:
    """The keyspace, tables and each access pattern's read of them (made once)."""
    return design.derived(("cassandra_model",), lambda: _model(design))


def _model(design: Design) -> CassandraModel:
    reads, findings = design_reads(design, "Cassandra")
    tables: list[Table] = []
    owns: dict[str, Table] = {}
    for name, entity in design.entities.items():
        own = Table(cql_name(entity.table), name, entity.primary_key, (), own=True)
        owns[name] = own
        tables.append(own)
    taken = {t.name for t in tables}
    lookups = []
    for read in reads:
        entity, own = read.entity, owns[read.entity.name]
        if not (read.range or read.prefix) and set(read.looked_up) == set(entity.primary_key):
            own.queries.append(read.name)
            lookups.append(Lookup(read, own, client_sort=bool(read.listed and read.order), client_checks=True))
            continue
        wanted, client_sort = _table_for(read)
        table = next((t for t in tables if not t.own and t.shape() == wanted.shape()), None)
        if table is None:
            table, wanted.name = wanted, _name(read, taken)
            taken.add(table.name)
            tables.append(table)
        table.queries.append(read.name)
        returned = list(read.select) + [c for c, _ in read.order]  # the application sorts by the latter
        table.selected += [c for c in returned if c not in table.selected]
        lookups.append(Lookup(read, table, client_sort=client_sort))
        if client_sort and not read.listed:
            findings.append(Finding(
                design.source.value(read.path), f"query '{read.name}': table '{table.name}' is clustered by "
                f"'{table.clustering[0][0] if table.clustering else 'its key'}', not by the query's whole sort; the "
                "application reads the partition and sorts it", "CQ103", "info",
                fix="sort by the range's column alone, or by columns Cassandra can cluster by"))
    counts = row_counts(design)
    sizes = {t.name: _size(design, t, counts) for t in tables}
    findings += [f for t in tables if t.queries and (f := _too_large(design, t, sizes[t.name])) is not None]
    return CassandraModel(cql_name(design.name), _replication(design), tables, lookups, sizes, findings)
