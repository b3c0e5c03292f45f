"""The resolved design: what every generator reads.

The loader turns the YAML (syntax) into this model: patterns expanded, many-to-many junctions
generated, references turned into foreign-key columns, names mapped by the conventions, and
expressions parsed into sqlglot trees over *logical* column names. Generators map those names to
each target's physical, quoted form. Every object keeps the design `path` it came from, so a
finding about it can point at the right line of the design file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Literal, TypeVar

from sqlglot import exp

from schemaforge.design.source import Path, SourceMap
from schemaforge.design.syntax import DesignDoc
from schemaforge.design.types import LogicalType

T = TypeVar("T")


@dataclass(frozen=True)
class Default:
    kind: Literal["now", "uuid", "today", "literal"]
    value: Any = None


@dataclass
class Domain:
    """A named type of `types:` with what it holds: a real domain where the target has them."""

    name: str
    type: LogicalType
    path: Path
    check: exp.Expression | None = None  # over `value`
    default: Default | None = None
    description: str | None = None


@dataclass
class Column:
    name: str  # logical name, used in expressions (`customer_id`)
    physical: str  # the name in the database, after conventions
    field: str  # the design field it comes from
    type: LogicalType
    nullable: bool
    path: Path
    default: Default | None = None
    identity: bool = False
    on_update_now: bool = False  # set to the current time by every UPDATE (on_update: now)
    default_from_domain: bool = False  # the default is its named type's
    description: str | None = None
    format: str | None = None
    pii: str | None = None
    generated: exp.Expression | None = None
    enum_type: str | None = None  # name of the named enum type, for targets that have them
    added_by: str | None = None  # the pattern that added it


@dataclass
class Check:
    name: str
    expression: exp.Expression  # over logical column names
    path: Path
    # unsigned: held by the column's type where the target has unsigned integers
    origin: Literal["field", "domain", "format", "entity", "unsigned"]


@dataclass
class ForeignKey:
    name: str
    field: str
    columns: tuple[str, ...]
    target: str  # entity name
    target_columns: tuple[str, ...]
    on_delete: str | None
    on_update: str | None
    nullable: bool
    one_to_one: bool
    path: Path
    # multi_tenant: the reference leads with the tenant key on both sides, so it cannot reach
    # another tenant's row (its first column is the tenant key, shared with the tenant reference).
    tenant_scoped: bool = False
    deferrable: bool = False  # checked at COMMIT where the target can defer it

    @property
    def may_wait(self) -> bool:
        """Can the rows be inserted before the rows they reference (the reference is filled
        later, or checked at commit)?"""
        return self.nullable or self.deferrable

    @property
    def own_columns(self) -> tuple[str, ...]:
        """The columns that name the parent row, without a tenant-scoped reference's tenant key."""
        return self.columns[1:] if self.tenant_scoped else self.columns


@dataclass
class Unique:
    name: str
    columns: tuple[str, ...]
    path: Path


@dataclass
class Index:
    name: str
    columns: tuple[str, ...]
    path: Path
    unique: bool = False
    where: exp.Expression | None = None
    using: str | None = None
    include: tuple[str, ...] = ()
    descending: frozenset[str] = frozenset()  # key columns sorted descending (a mixed-order sort)
    prefix: frozenset[str] = frozenset()  # key columns searched by prefix (LIKE 'x%'), not sorted by


@dataclass
class Search:
    """Full-text search over some text columns of an entity (`search:`)."""

    name: str
    columns: tuple[str, ...]  # logical names
    language: str
    path: Path


@dataclass
class Entity:
    name: str
    table: str
    path: Path
    description: str | None = None
    columns: list[Column] = field(default_factory=list)
    primary_key: tuple[str, ...] = ()
    primary_key_name: str = ""
    primary_key_named: bool = False  # the design gives the key's name (else it is made up)
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    uniques: list[Unique] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    indexes: list[Index] = field(default_factory=list)
    patterns: tuple[str, ...] = ()
    junction: bool = False
    tenant_key: str | None = None  # multi_tenant: the logical column naming the row's tenant
    append_only: bool = False  # an event store: rows are inserted, never updated or deleted
    hierarchy: tuple[str, str] | None = None  # (strategy, the parent reference's field): a tree
    derived_from: str | None = None  # a closure table: its rows follow from this entity's, by triggers
    search: Search | None = None  # full-text search over some of its text columns

    def column(self, name: str) -> Column:
        """The column named `name` (the first, while the resolver still reports a duplicate)."""
        index = self.__dict__.get("_by_name")
        found = index.get(name) if index is not None and len(index) == len(self.columns) else None
        if found is None:  # made again when columns were added (the resolver appends as it reads)
            index = self.__dict__["_by_name"] = {c.name: c for c in reversed(self.columns)}
            found = index[name]
        return found

    def physical(self, name: str) -> str:
        return self.column(name).physical

    @property
    def soft_delete_column(self) -> str | None:
        return "deleted_at" if "soft_delete" in self.patterns else None


@dataclass
class Rule:
    """A cross-row business rule: a query over entities that returns the violating rows."""

    name: str
    query: exp.Query  # over entity names and logical column names
    path: Path
    entity: str | None = None
    description: str | None = None


@dataclass
class View:
    """A view of `views:`: a query over entity names, logical column names and earlier views."""

    name: str
    query: exp.Query
    path: Path
    columns: tuple[str, ...]  # its output columns, in order
    reads: tuple[str, ...] = ()  # the views it reads (made before it)
    materialized: bool = False
    description: str | None = None


FilterOp = Literal["eq", "range", "in", "prefix", "not_null", "literal", "match"]


@dataclass(frozen=True)
class QueryFilter:
    """One condition of an access pattern: a field (its columns, several for a composite
    reference) compared as `op` says; `literal` is the constant of `{eq: literal}`."""

    field: str
    columns: tuple[str, ...]  # logical column names
    op: FilterOp
    path: Path
    literal: Any = None


@dataclass
class AccessPattern:
    """A query the design promises (`queries:`): the structured form over one entity, or `sql`."""

    name: str
    path: Path
    entity: str | None = None
    filters: tuple[QueryFilter, ...] = ()
    order_by: tuple[tuple[str, bool], ...] = ()  # (logical column, descending)
    select: tuple[str, ...] = ()  # logical columns; none named: every column
    limit: int | None = None
    rate: float | None = None  # peak calls per second
    p95_ms: float | None = None
    sql: exp.Query | None = None  # the sql form, over entity and column names, `:name` parameters
    description: str | None = None


@dataclass
class Design:
    name: str
    version: str
    description: str
    database: str
    targets: tuple[str, ...]
    entities: dict[str, Entity]
    doc: DesignDoc
    source: SourceMap
    text_sha256: str
    enum_types: dict[str, tuple[str, ...]] = field(default_factory=dict)
    domains: dict[str, Domain] = field(default_factory=dict)  # the named types fields use
    views: dict[str, View] = field(default_factory=dict)  # in an order each reads only earlier ones
    rules: list[Rule] = field(default_factory=list)
    queries: dict[str, AccessPattern] = field(default_factory=dict)
    # What generators derive from the design and several deliverables read (the DDL a target
    # renders, the expectation suites, the facets' hashes), made once per loaded design.
    _derived: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    def derived(self, key: Any, make: Callable[[], T]) -> T:
        """`make()` the first time `key` is asked for, the same object every time after."""
        if key not in self._derived:
            self._derived[key] = make()
        return self._derived[key]

    def has_derived(self, key: Any) -> bool:
        return key in self._derived

    def forget_derived(self) -> None:
        """Drop what `derived` made: the benchmarks time a generator again from scratch."""
        self._derived.clear()

    @property
    def file(self) -> str:
        return self.source.file
