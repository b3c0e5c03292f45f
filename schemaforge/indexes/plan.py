"""The index plan: which indexes a design needs, derived from what it says it will do.

Index advisors watch a running database; a design says its workload up front. Each access
pattern of `queries:` asks for one index (an `sql` one read as the structured form,
sql_patterns.py): its equality columns first (`eq`, then `in`), then its
sort, then its range (`range`, `prefix`), the order in which a B-tree serves all three; its
constant filters (`{eq: literal}`, `not_null`, a soft delete's `deleted_at IS NULL`) make it
partial; its `select:` columns become INCLUDE columns. A query whose equality columns are a
whole primary key or unique is served by that key's own index. Every foreign key gets an index
that leads with its columns (a parent's DELETE or key UPDATE scans the child by them), unless a
key, a unique or a full (not partial) index already leads with them. Then redundancy goes: an
index whose key is a prefix of another's, with the same condition and its INCLUDE columns
within the other, is folded into it, its reasons kept. The design's own `indexes:` are kept;
one that nothing needs is a finding (IX101).

Each index says why it exists (the queries with their rates, the foreign keys), and its size at
the seed's row counts, estimated from the key's widths.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot import exp

from schemaforge.design.model import AccessPattern, Design, Entity, Index
from schemaforge.design.source import Path
from schemaforge.findings import Finding
from schemaforge.indexes.sql_patterns import structured_from_sql
from schemaforge.seed.plan import row_counts

# Bytes a key or INCLUDE column takes in a B-tree entry, by logical type (variable-length text:
# a typical short value). PostgreSQL's layout: an 8-byte tuple header and a 4-byte line pointer
# per entry, pages 90% full. An estimate for planning, not a measurement.
_WIDTHS = {"boolean": 1, "smallint": 2, "integer": 4, "bigint": 8, "real": 4, "double": 8, "decimal": 12,
           "uuid": 16, "date": 4, "time": 8, "timestamp": 8, "timestamptz": 8, "interval": 16, "enum": 4}
_TEXT_WIDTH, _ENTRY_OVERHEAD, _FILL = 24, 12, 0.9
# Rows per foreign-key value up to which the reference's own index is enough for a query that
# also sorts or filters them: reading and sorting that many takes microseconds.
SELECTIVE_ROWS = 100


@dataclass(frozen=True)
class Need:
    """Why an index exists: a query (with its rate), a foreign key, or the design's own index."""

    kind: str  # "query", "foreign_key" or "explicit"
    name: str
    path: Path
    rate: float | None = None


@dataclass
class PlannedIndex:
    name: str
    entity: str
    columns: tuple[str, ...]
    path: Path
    where: exp.Expression | None = None
    include: tuple[str, ...] = ()
    descending: frozenset[str] = frozenset()
    unique: bool = False
    explicit: bool = False
    needs: list[Need] = field(default_factory=list)
    estimated_bytes: int = 0
    seek: int = 0  # how many leading key columns find and order a query's rows
    prefix: frozenset[str] = frozenset()  # key columns searched by prefix (an operator class for LIKE)

    @property
    def where_sql(self) -> str:
        return self.where.sql("postgres") if self.where is not None else ""

    @property
    def rate(self) -> float:
        return sum(n.rate or 0 for n in self.needs)

    def serves_as_prefix_of(self, other: PlannedIndex) -> bool:
        """Whether `other` answers everything this index does: this key is a prefix of its key
        (in the same directions), under the same condition, with this INCLUDE inside it."""
        n = len(self.columns)
        return (other is not self and self.where_sql == other.where_sql and not self.unique
                and other.columns[:n] == self.columns
                and all((c in self.descending) == (c in other.descending) for c in self.columns)
                and all((c in self.prefix) == (c in other.prefix) for c in self.columns)
                and set(self.include) <= set(other.columns) | set(other.include))

    def as_index(self) -> Index:
        return Index(self.name, self.columns, self.path, self.unique, self.where, None, self.include, self.descending,
                     self.prefix)


@dataclass
class IndexPlan:
    indexes: list[PlannedIndex]
    served_by_keys: dict[str, str]  # query -> the key or unique whose index serves it
    folded: list[tuple[str, str, str]]  # (an index left out, the index that serves its needs, why)
    covered_foreign_keys: dict[str, str]  # foreign key -> the key or index leading with its columns
    unindexed_queries: list[str]  # queries with nothing an index can seek on (whole-table reads)
    findings: list[Finding]


def _conjunction(parts: list[exp.Expression]) -> exp.Expression | None:
    return exp.and_(*parts) if parts else None


def _candidate(design: Design, pattern: AccessPattern) -> PlannedIndex | None:
    """The one index that serves a structured query best (equality, sort, range), or None when
    the query gives an index nothing to seek or sort on."""
    entity = design.entities[pattern.entity]
    by_op: dict[str, list[str]] = {}
    conditions: list[exp.Expression] = []
    for condition in pattern.filters:
        if condition.op == "literal":
            conditions.append(exp.EQ(this=exp.column(condition.columns[0]), expression=_literal(condition.literal)))
        elif condition.op == "not_null":
            conditions += [exp.Not(this=exp.Is(this=exp.column(c), expression=exp.Null())) for c in condition.columns]
        else:
            by_op.setdefault(condition.op, []).extend(condition.columns)
    hidden = entity.soft_delete_column
    if hidden and all(hidden not in f.columns for f in pattern.filters):
        conditions.append(exp.Is(this=exp.column(hidden), expression=exp.Null()))
    # An `in` list seeks like an equality, but several seeks do not come back in one order: with
    # a sort it is a range after the sort's columns (the ESR rule's treatment of $in).
    key = list(dict.fromkeys(by_op.get("eq", [])))
    sort = [(c, desc) for c, desc in pattern.order_by if c not in key]
    lists = by_op.get("in", [])
    if not sort:
        key += [c for c in lists if c not in key]
    key += [c for c, _ in sort]
    seek = len(key)  # the columns that find and order the rows; the rest only narrow the scan
    ranges = [c for c in (lists if sort else []) + by_op.get("range", []) + by_op.get("prefix", []) if c not in key]
    key += ranges[:1]  # past the first range, later columns only filter what the scan reads
    if not key:
        return None
    directions = {desc for _, desc in sort}
    descending = frozenset(c for c, desc in sort if desc) if len(directions) > 1 else frozenset()
    include = tuple(c for c in pattern.select if c not in key)
    # A prefix search seeks through a B-tree only under the C collation (PostgreSQL does not count
    # C.UTF-8 as one) unless its key has a pattern operator class. Such a key cannot also serve a
    # sort by that column; the rows a prefix finds are few, and sorting them is cheaper than
    # reading the whole index in order to find them.
    prefix = frozenset(c for c in by_op.get("prefix", []) if c in key)
    name = "ix_" + "_".join([entity.name, *key])
    return PlannedIndex(name, entity.name, tuple(key), pattern.path, _conjunction(conditions), include, descending,
                        needs=[Need("query", pattern.name, pattern.path, pattern.rate)], seek=seek, prefix=prefix)


def _literal(value) -> exp.Expression:
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, (int, float)):
        return exp.Literal.number(value)
    return exp.Literal.string(str(value))


def _keys(entity: Entity) -> list[tuple[str, tuple[str, ...]]]:
    """(name, columns) of the entity's primary key and uniques: each has an index of its own."""
    keys = [(entity.primary_key_name or f"pk_{entity.name}", tuple(entity.primary_key))] if entity.primary_key else []
    return keys + [(u.name, tuple(u.columns)) for u in entity.uniques]


def _served_by_key(entity: Entity, candidate: PlannedIndex, pattern: AccessPattern) -> str | None:
    """The key or unique whose own index answers the query: its equality columns are that whole
    key (one row at most), or the columns that find and order the rows lead the key's (a
    constant filter, which would make a derived index partial, is then checked on the rows the
    key's index reads in order: measured at a million rows, a partial twin was only 2x faster)."""
    equal = {c for f in pattern.filters if f.op == "eq" for c in f.columns}
    seek = candidate.columns[: candidate.seek]
    for name, columns in _keys(entity):
        if set(columns) <= equal or (seek and not candidate.include and not candidate.descending
                                     and columns[: len(seek)] == seek):
            return name
    return None


def _width(entity: Entity, column: str) -> int:
    typ = entity.column(column).type
    if typ.kind == "string":
        return min(typ.length or _TEXT_WIDTH, _TEXT_WIDTH) + 1
    return _WIDTHS.get(typ.kind, _TEXT_WIDTH)


def _estimated_bytes(entity: Entity, index: PlannedIndex, rows: int) -> int:
    entry = _ENTRY_OVERHEAD + sum(_width(entity, c) for c in index.columns + index.include)
    return int(rows * entry / _FILL)


def _unique_name(name: str, taken: set[str]) -> str:
    found, n = name, 2
    while found in taken:
        found, n = f"{name}_{n}", n + 1
    taken.add(found)
    return found


def plan_indexes(design: Design) -> IndexPlan:
    """The design's index plan (see the module's docstring)."""
    planned: list[PlannedIndex] = []
    served: dict[str, str] = {}
    unindexed: list[str] = []
    advice: list[Finding] = []
    # Indexes never span entities: each entity's are planned in a list of their own.
    by_entity = {name: [PlannedIndex(i.name, name, tuple(i.columns), i.path, i.where, tuple(i.include), i.descending,
                                     i.unique, explicit=True, needs=[Need("explicit", i.name, i.path)])
                        for i in entity.indexes] for name, entity in design.entities.items()}
    for declared in design.queries.values():
        pattern = structured_from_sql(design, declared) if declared.sql is not None else declared
        candidate = _candidate(design, pattern) if pattern is not None else None
        if candidate is None:
            unindexed.append(declared.name)
            continue
        key = _served_by_key(design.entities[pattern.entity], candidate, pattern)
        if key is not None:
            served[pattern.name] = key
            continue
        same = next((p for p in by_entity[candidate.entity] if p.columns == candidate.columns
                     and p.where_sql == candidate.where_sql and p.descending == candidate.descending
                     and (p.prefix == candidate.prefix or p.explicit)), None)
        if same is None:
            by_entity[candidate.entity].append(candidate)
            continue
        same.needs += candidate.needs
        missing = [c for c in candidate.include if c not in same.columns + same.include]
        if same.explicit and missing:  # the design's own index is kept as written, and serves
            advice.append(Finding(design.source.value(same.path), f"index {same.name} serves query {pattern.name}, "
                                  f"which also reads {', '.join(missing)}: with INCLUDE ({', '.join(missing)}) it "
                                  "would answer from the index alone", "IX102", "info",
                                  f"add include: [{', '.join(missing)}] to index {same.name}"))
        elif missing:
            same.include += tuple(missing)
    rows = row_counts(design)
    folded: list[tuple[str, str, str]] = []
    covered: dict[str, str] = {}
    for name, entity in design.entities.items():
        folded += _fold_prefixes(by_entity[name])
        covered |= _foreign_keys(entity, by_entity[name])
        folded += _fold_into_selective_references(entity, by_entity[name], rows)
    planned = [index for indexes in by_entity.values() for index in indexes]
    taken = {n for e in design.entities.values() for n, _ in _keys(e)} | {fk.name for e in design.entities.values()
                                                                          for fk in e.foreign_keys}
    for index in planned:
        if not index.explicit:
            index.name = _unique_name(index.name, taken)
        entity = design.entities[index.entity]
        index.estimated_bytes = _estimated_bytes(entity, index, rows.get(entity.name, 0))
    findings = [Finding(design.source.value(i.path), f"index {i.name} on '{i.entity}' serves no query, rule or foreign "
                        "key of the design; it costs every write to the table", "IX101", "warning",
                        "drop it, or declare the query that needs it under queries:")
                for i in planned if i.explicit and [n.kind for n in i.needs] == ["explicit"]] + advice
    planned.sort(key=lambda i: (i.entity, i.name))
    return IndexPlan(planned, served, folded, covered, unindexed, findings)


def _fold_prefixes(planned: list[PlannedIndex]) -> list[tuple[str, str, str]]:
    """Fold each derived index of one entity that another serves (a prefix of its key) into that one."""
    folded = []
    for index in sorted(planned, key=lambda i: len(i.columns)):
        if index.explicit:
            continue
        wider = next((o for o in planned if index.serves_as_prefix_of(o)), None)
        if wider is not None:
            wider.needs += index.needs
            planned.remove(index)
            folded.append((index.name, wider.name, f"a prefix of {wider.name}"))
    return folded


def _fold_into_selective_references(entity: Entity, planned: list[PlannedIndex],
                                    rows: dict[str, int]) -> list[tuple[str, str, str]]:
    """Fold a derived index into a full one that leads with the same foreign key when each key
    value has few rows (at most SELECTIVE_ROWS at the seed's row counts): the full index finds
    them, and sorting or filtering that few costs less than one more index to write."""
    folded = []
    for fk in entity.foreign_keys:
        per_value = rows.get(entity.name, 0) / max(1, rows.get(fk.target, 0))
        columns = tuple(fk.columns)
        full = next((p for p in planned if p.where is None and p.columns[: len(columns)] == columns), None)
        if per_value > SELECTIVE_ROWS or full is None:
            continue
        for index in [p for p in planned if p is not full and not p.explicit
                      and p.columns[: len(columns)] == columns and p.seek >= len(columns)]:
            full.needs += [n for n in index.needs if n.kind == "query"]
            planned.remove(index)
            folded.append((index.name, full.name, f"{per_value:.0f} rows per {', '.join(columns)} at the seed's "
                           f"row counts: {full.name} finds them, and sorting that few costs less than an index"))
    return folded


def _foreign_keys(entity: Entity, planned: list[PlannedIndex]) -> dict[str, str]:
    """Add an index for each foreign key of one entity that nothing leads with; the others, with
    what covers them."""
    covered = {}
    for fk in entity.foreign_keys:
        columns, n = tuple(fk.columns), len(fk.columns)
        leading = _keys(entity) + [(p.name, p.columns) for p in planned if p.where is None]
        by = next((name for name, cols in leading if cols[:n] == columns), None)
        if by is None:
            planned.append(PlannedIndex(f"ix_{entity.name}_{fk.field}", entity.name, columns, fk.path,
                                        needs=[Need("foreign_key", fk.name, fk.path)]))
            continue
        covered[fk.name] = by
        for index in planned:
            if index.name == by:
                index.needs.append(Need("foreign_key", fk.name, fk.path))
    return covered
