"""What a source schema holds, read from a live database's catalog or a DDL file, in neutral
terms: SQL type texts, defaults and expressions as the source writes them. The readers fill it;
`importer/design.py` turns it into a design."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class SourceColumn:
    name: str
    type: str  # the source's own type text, lower case: "character varying(200)", "int(10) unsigned"
    nullable: bool
    default: str | None = None  # the default's SQL text, as the source writes it
    identity: bool = False  # filled in by the database (identity, serial, auto_increment, rowid)
    generated: str | None = None  # a stored generated column's expression
    comment: str | None = None
    on_update_now: bool = False  # MySQL's ON UPDATE CURRENT_TIMESTAMP
    enum_values: tuple[str, ...] | None = None  # an enum type's values (PostgreSQL, MySQL)
    type_name: str | None = None  # the named type (enum or domain) it is declared with, if any


@dataclass
class SourceForeignKey:
    name: str | None  # None: the source keeps no name of its own (DuckDB)
    columns: tuple[str, ...]
    target: str  # the referenced table
    target_columns: tuple[str, ...]
    on_delete: str | None = None  # cascade, restrict, set_null, set_default; None: no action
    on_update: str | None = None
    deferrable: bool = False


@dataclass
class SourceIndex:
    name: str
    columns: tuple[str, ...]
    unique: bool = False
    where: str | None = None
    using: str | None = None
    include: tuple[str, ...] = ()
    descending: tuple[str, ...] = ()


@dataclass
class SourceSearch:
    name: str
    columns: tuple[str, ...]
    language: str = "english"


@dataclass
class SourceTable:
    name: str
    columns: list[SourceColumn] = field(default_factory=list)
    primary_key: tuple[str, ...] = ()
    primary_key_name: str | None = None
    uniques: list[tuple[str | None, tuple[str, ...]]] = field(default_factory=list)  # (name, columns)
    checks: list[tuple[str | None, str]] = field(default_factory=list)  # (name, SQL condition)
    foreign_keys: list[SourceForeignKey] = field(default_factory=list)
    indexes: list[SourceIndex] = field(default_factory=list)
    comment: str | None = None
    search: SourceSearch | None = None  # a full-text index of the shape the language says (`search:`)

    def column(self, name: str) -> SourceColumn:
        return next(c for c in self.columns if c.name == name)


@dataclass
class SourceView:
    name: str
    sql: str  # its query, in the source's dialect
    materialized: bool = False
    comment: str | None = None


@dataclass
class SourceDomain:
    name: str
    type: str
    default: str | None = None
    checks: list[str] = field(default_factory=list)  # conditions over VALUE
    comment: str | None = None


@dataclass
class Unsupported:
    """An object the design language cannot hold: said in the design as a comment, and a finding."""

    kind: str  # trigger, function, procedure, policy, rule, sequence, type, extension, exclusion, ...
    name: str
    table: str | None = None  # the table it belongs to, if any: the comment goes there
    sql: str | None = None  # its definition, when the source gives it


@dataclass
class SourceSchema:
    dialect: str  # the target whose SQL the texts are in: postgres, mysql, sqlite, ...
    tables: list[SourceTable] = field(default_factory=list)
    views: list[SourceView] = field(default_factory=list)
    domains: list[SourceDomain] = field(default_factory=list)
    unsupported: list[Unsupported] = field(default_factory=list)

    def table(self, name: str) -> SourceTable:
        return next(t for t in self.tables if t.name == name)
