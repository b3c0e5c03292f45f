"""The Redis model of a design: which keys hold what, and how each access pattern reads them.

Every row is a hash, `<design>:<entity>:<key>` (a composite key's values joined by `:`), one
field per column that is not NULL. Each access pattern then gets the key family that answers it
in one or two round trips, decided from its Read (nosql/reads.py):

- the whole primary key given: the record itself (HGETALL);
- a unique constraint's columns given: a string key from those values to the row's key
  (`<design>:<entity>:idx:<columns>:<values>` -> key), then the record;
- anything else: an index per value of the columns it compares (none: one index for the entity)
  holding the rows' keys:
  - ordered by a number or a time (its range, else its first sort column): a sorted set scored by
    it (ZRANGE BYSCORE, REV for a descending sort);
  - ordered by text, or searched by a text prefix: a sorted set of equal scores whose members
    are `<value>\\0<key>`, ordered by their bytes (ZRANGE BYLEX);
  - not ordered, every row wanted: a set (SMEMBERS);
  - not ordered, a limit: a sorted set of equal scores, members in key order.

Rows that a pattern's constants, NOT NULL conditions or soft delete leave out are not put in its
index at all (a sparse index), so a read never filters them. A sort the index order cannot give
(a second sort column, a sort by another column than the range's) is done by the application
over the index's rows, and said (KV102).

Retention (`security.retention`) becomes a TTL on the records and their unique keys. A sorted
set or set keeps an expired row's member until the application drops it: the reader here
drops a member whose record is gone, as it would.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from schemaforge.design.model import Design, Entity
from schemaforge.findings import Finding
from schemaforge.nosql.reads import Read, design_reads
from schemaforge.nosql.values import ordering_of
from schemaforge.security.policy import DURATION_UNITS

Structure = Literal["hash", "string", "set", "zset"]
SEPARATOR = ":"
LEX_SEPARATOR = "\x00"  # between a lex member's value and its row key: below every character
NULL_LEX_BYTES = b"\xff"  # a NULL's lex value: the byte 0xFF sorts after all UTF-8 text, as NULL sorts last

_SECONDS = {"hour": 3600, "day": 86_400, "week": 604_800, "month": 2_592_000, "year": 31_536_000}


@dataclass
class Family:
    """Keys of one pattern, each holding one structure: `name`, then the values of `parts`."""

    entity: str
    structure: Structure
    name: str
    parts: tuple[str, ...]  # the columns whose values end each key (a record: its primary key)
    order: str | None = None  # the column that orders a sorted set's members
    by: Literal["score", "lex", "member"] | None = None  # how a sorted set is ordered
    constants: tuple[tuple[str, Any], ...] = ()
    present: tuple[str, ...] = ()
    hidden: str | None = None
    ttl_seconds: int | None = None
    queries: list[str] = field(default_factory=list)

    @property
    def template(self) -> str:
        return SEPARATOR.join([self.name, *(f"{{{c}}}" for c in self.parts)])

    def holds(self, entity: Entity) -> str:
        """What a key of the family holds, in words."""
        if self.structure == "hash":
            return f"one {entity.name} row: a field per column that is not NULL"
        if self.structure == "string":
            return f"the key of the {entity.name} row with these values"
        if self.structure == "set":
            return f"the keys of the {entity.name} rows with these values"
        ordered = {"score": f"scored by {self.order}", "lex": f"as `{self.order}\\0key`, by their bytes",
                   "member": "in key order"}[self.by]
        return f"the keys of the {entity.name} rows with these values, {ordered}"


@dataclass(frozen=True)
class Lookup:
    """How one access pattern reads: the family it reads, where in it, and what the application
    does after (the records fetched, a sort, a limit)."""

    read: Read
    family: Family
    record: Family
    client_sort: bool = False  # the index order is not the pattern's: the application sorts
    client_checks: bool = False  # a record read by its key: its constants checked after reading


@dataclass
class RedisModel:
    design: str
    records: dict[str, Family]
    families: list[Family]
    lookups: list[Lookup]
    findings: list[Finding]


def _ttl(design: Design, entity: Entity) -> int | None:
    duration = design.doc.security.retention.get(entity.name)
    if duration is None:
        return None
    return int(duration[:-1]) * _SECONDS[DURATION_UNITS[duration[-1]]]


def _index_name(design: Design, read: Read, order: str | None, by: str | None) -> str:
    """`<design>:<entity>:idx:<looked-up columns>[,<constant>=<value>...][.<order>]`."""
    entity = read.entity
    parts = [entity.physical(c) for c in read.looked_up]
    parts += [f"{entity.physical(c)}={v}" for c, v in read.constants]
    parts += [f"{entity.physical(c)}!=null" for c in read.present]
    described = ",".join(parts) or "all"
    if by in ("score", "lex"):
        described += f".{entity.physical(order)}"
    elif by == "member":
        described += ".key"
    return SEPARATOR.join([design.name, entity.table, "idx", described])


def _plan(design: Design, read: Read, record: Family, families: dict[str, Family]) -> tuple[Lookup, list[Finding]]:
    entity = read.entity
    findings: list[Finding] = []
    looked_up = set(read.looked_up)
    ranged = read.range or read.prefix
    if not ranged and looked_up and looked_up >= set(entity.primary_key):
        record.queries.append(read.name)
        return Lookup(read, record, record, client_sort=len(read.listed) > 0, client_checks=True), findings
    unique = next((u for u in entity.uniques if set(u.columns) == looked_up), None)
    if not ranged and unique is not None and not read.listed:
        name = SEPARATOR.join([design.name, entity.table, "idx", ",".join(entity.physical(c) for c in unique.columns)])
        family = families.setdefault(name, Family(entity.name, "string", name, tuple(c for c, _ in read.equal),
                                                  ttl_seconds=record.ttl_seconds))
        family.queries.append(read.name)
        return Lookup(read, family, record, client_checks=True), findings
    order, by, client_sort = None, None, False
    if ranged:
        order = ranged
        by = ordering_of(entity.column(ranged)) if read.range else "lex"
        client_sort = bool(read.order) and [c for c, _ in read.order] != [ranged]
    elif read.order:
        order = read.order[0][0]
        by = ordering_of(entity.column(order))
        client_sort = len(read.order) > 1
    elif read.limit is not None:
        by = "member"
    if order is not None and by is None:
        findings.append(Finding(design.source.value(read.path), f"query '{read.name}': Redis cannot order by "
                                f"'{order}' ({entity.column(order).type}); its index is a set and the application "
                                "sorts every row it reads", "KV101", "warning",
                                fix="order by a number, a time or text"))
        order, client_sort = None, True
    if client_sort:
        findings.append(Finding(design.source.value(read.path), f"query '{read.name}': the index is ordered by "
                                f"'{order or 'nothing'}', not by the query's whole sort; the application reads every "
                                "row of the index key and sorts them", "KV102", "info",
                                fix="sort by the range's column alone, or by one column"))
    structure: Structure = "zset" if by is not None else "set"
    name = _index_name(design, read, order, by)
    family = families.setdefault(name, Family(entity.name, structure, name, read.looked_up, order, by,
                                              read.constants, read.present, read.hidden))
    family.queries.append(read.name)
    return Lookup(read, family, record, client_sort=client_sort or bool(read.listed and read.order)), findings


def redis_model(design: Design) -> RedisModel:
    """The key families of `design` and each access pattern's read of them (made once)."""
    return design.derived(("redis_model",), lambda: _model(design))


def _model(design: Design) -> RedisModel:
    records = {
        name: Family(name, "hash", SEPARATOR.join([design.name, entity.table]), entity.primary_key,
                     ttl_seconds=_ttl(design, entity))
        for name, entity in design.entities.items()
    }
    reads, findings = design_reads(design, "Redis")
    families: dict[str, Family] = {}
    lookups = []
    for read in reads:
        lookup, found = _plan(design, read, records[read.entity.name], families)
        lookups.append(lookup)
        findings += found
    ordered = sorted(families.values(), key=lambda f: (list(design.entities).index(f.entity), f.name))
    return RedisModel(design.name, records, ordered, lookups, findings)
