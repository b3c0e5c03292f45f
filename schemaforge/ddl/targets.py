"""What differs between SQL targets, as class-level tables.

This is how sqlglot writes its own dialects: a base class holds the common tables and each target
overrides entries (`TYPE_MAPPING = {**SqlTarget.TYPE_MAPPING, ...}`). The renderer reads these
tables and never asks which target it is rendering for.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, ClassVar, Literal

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.generator import Generator

from schemaforge.ddl import reserved
from schemaforge.ddl.dialects import MySQLAndMariaDB, OracleWithTypedLiterals, TypedLiteral

if TYPE_CHECKING:
    from schemaforge.design.model import Design

_PLAIN_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
# Functions whose value changes between calls: no engine but PostgreSQL-likes allows them in CHECK.
NONDETERMINISTIC = (exp.CurrentDate, exp.CurrentTime, exp.CurrentTimestamp, exp.Localtimestamp, exp.Rand)
_REGEX = (exp.RegexpLike, exp.RegexpILike)
# Large-object types (LONGTEXT, NVARCHAR(MAX), CLOB, blobs, JSON) that cannot be index keys.
_LARGE_OBJECT_KINDS = frozenset({"text", "json", "bytes", "array"})
_INTERVAL_AS_TEXT = "stored as text (PostgreSQL's interval output); no interval arithmetic"
_ARRAY_AS_JSON = "stored as a JSON array; the item type is not enforced"


class SqlTarget:
    name: ClassVar[str]
    title: ClassVar[str]
    dialect: ClassVar[str | type[Dialect]]  # the sqlglot dialect that renders it
    RESERVED: ClassVar[frozenset[str]] = frozenset()
    MAX_IDENTIFIER_LENGTH: ClassVar[int | None] = None
    # The deepest expression tree the engine evaluates (SQLite's SQLITE_MAX_EXPR_DEPTH).
    MAX_EXPRESSION_DEPTH: ClassVar[int | None] = None
    # Column names the engine keeps for its own columns: a table that declares one is refused.
    SYSTEM_COLUMNS: ClassVar[frozenset[str]] = frozenset()
    # Pseudo-columns a declared column of that name hides (SQLite's rowid): allowed, but a query
    # that means the engine's row id gets the column.
    SHADOWED_COLUMNS: ClassVar[frozenset[str]] = frozenset()

    # Logical type -> SQL type, formatted with the type's length/precision/scale/item, and for
    # enums {values} ('a', 'b') and {numbered} ('a' = 1, 'b' = 2).
    TYPE_MAPPING: ClassVar[dict[str, str]] = {
        "boolean": "BOOLEAN",
        "smallint": "SMALLINT",
        "integer": "INTEGER",
        "bigint": "BIGINT",
        "decimal": "DECIMAL({precision}, {scale})",
        "real": "REAL",
        "double": "DOUBLE PRECISION",
        "string": "VARCHAR({length})",
        "char": "CHAR({length})",
        "text": "TEXT",
        "uuid": "UUID",
        "date": "DATE",
        "time": "TIME",
        "timestamp": "TIMESTAMP",
        "timestamptz": "TIMESTAMPTZ",
        "interval": "INTERVAL",
        "json": "JSON",
        "bytes": "BLOB",
        "enum": "TEXT",
        "array": "{item}[]",
    }
    # Index methods that take only some logical kinds (those with an operator class for the
    # method), and methods that take a single column; a method not listed takes any kind.
    INDEX_METHOD_KINDS: ClassVar[dict[str, frozenset[str]]] = {}
    SINGLE_COLUMN_METHODS: ClassVar[frozenset[str]] = frozenset()
    # An enum with more values than this is TYPE_MAPPING["large_enum"] (ClickHouse: Enum8 holds
    # the numbers -128..127, Enum16 up to 32767).
    SMALL_ENUM_VALUES: ClassVar[int | None] = None
    # A string(n) longer than this is stored as the `text` type with a length CHECK.
    MAX_STRING_LENGTH: ClassVar[int | None] = None
    # A char(n) wider than this is stored as a string(n) (MySQL's CHAR holds 255 characters).
    MAX_CHAR_LENGTH: ClassVar[int | None] = None
    # An unsigned integer is TYPE_MAPPING["unsigned <kind>"] where the target lists one, else its
    # signed type with a `>= 0` CHECK.
    # Nullable columns wrapped in a type (ClickHouse); elsewhere NOT NULL marks the others.
    NULLABLE_TYPE: ClassVar[str | None] = None
    NOT_NULLABLE_KINDS: ClassVar[frozenset[str]] = frozenset()  # kinds NULLABLE_TYPE cannot wrap
    # Kinds the target stores in a weaker type, and what is lost: a TG107 finding per column.
    TYPE_APPROXIMATIONS: ClassVar[dict[str, str]] = {}
    # Kinds that cannot be an index or unique key (large-object types).
    UNINDEXABLE_KINDS: ClassVar[frozenset[str]] = frozenset()
    # A literal default's text per kind, from its canonical value {v} (design/literals.py):
    # timestamptz values are UTC, said with an offset where the type keeps one.
    LITERAL_TEXT: ClassVar[dict[str, str]] = {"timestamptz": "{v}+00:00"}
    # Kinds whose literal defaults are typed literals: kind -> (keyword, qualifier after the text).
    TYPED_LITERALS: ClassVar[dict[str, tuple[str, str]]] = {}
    # Default expressions in the target's own SQL; "<kind>:<type>" overrides "<kind>" for a type.
    DEFAULTS: ClassVar[dict[str, str]] = {
        "now": "CURRENT_TIMESTAMP",
        "now:time": "CURRENT_TIME",
        "today": "CURRENT_DATE",
        "uuid": "gen_random_uuid()",
    }
    # How enums are held: a named type, the column type itself (TYPE_MAPPING["enum"]), or a CHECK.
    ENUMS: ClassVar[Literal["named_type", "type", "check"]] = "check"
    # Named types (`types:`) as domains, with their default and CHECK; elsewhere the column holds
    # both. A domain is not named as one of BUILTIN_TYPE_NAMES (it would not be found).
    DOMAINS: ClassVar[bool] = False
    BUILTIN_TYPE_NAMES: ClassVar[frozenset[str]] = frozenset()
    IDENTITY: ClassVar[Literal["generated", "rowid", "sequence", "auto_increment", "none"]] = "generated"
    # The type of a one-column integer key that is no identity, where the usual one would make it
    # one (SQLite: a key declared exactly INTEGER is the rowid, which fills itself in).
    PLAIN_INTEGER_KEY: ClassVar[str | None] = None
    ENFORCES_LENGTH: ClassVar[bool] = True  # does VARCHAR(n) reject longer strings?
    BOOLEAN_IS_INTEGER: ClassVar[bool] = False  # TRUE and FALSE are written 1 and 0
    BOOLEAN_CHECK: ClassVar[bool] = False  # the boolean type holds more than 0 and 1: CHECK it
    # CHECK that a text column holds JSON, over {column}; None where the type checks it itself.
    JSON_CHECK: ClassVar[str | None] = None
    ARRAY_AS_JSON: ClassVar[bool] = False
    # ON DELETE / ON UPDATE: action -> its SQL, or None where the target's default behaves so
    # (the clause is left out). An action that is not listed is a TG102 finding.
    FK_DELETE_ACTIONS: ClassVar[dict[str, str | None]] = {
        "cascade": "CASCADE", "restrict": "RESTRICT", "set_null": "SET NULL",
        "set_default": "SET DEFAULT", "no_action": "NO ACTION",
    }
    FK_UPDATE_ACTIONS: ClassVar[dict[str, str | None]] = FK_DELETE_ACTIONS
    # ON DELETE SET NULL (column, ...): only the listed columns are cleared, so a tenant-scoped
    # reference can keep its NOT NULL tenant key (PostgreSQL 15).
    SET_NULL_COLUMNS: ClassVar[bool] = False
    # The read models (scaling.read_models) as materialized views with their refresh.
    MATERIALIZED_READ_MODELS: ClassVar[bool] = False
    # A view of `views:` with `materialized: true`, over {name} and {query}, and the statement that
    # refreshes it ({name}, {name_text}: its name as a string literal); None: a plain view (TG122).
    MATERIALIZED_VIEW: ClassVar[str | None] = None
    REFRESH_MATERIALIZED_VIEW: ClassVar[str | None] = None
    VIEW_COMMENT: ClassVar[str | None] = None  # {kind} VIEW or MATERIALIZED VIEW, {name}, {text}
    FOREIGN_KEYS: ClassVar[bool] = True  # False: a reference is documented, not enforced (TG108)
    # SQL Server refuses a cascading action that closes a cycle or opens a second cascade path.
    SINGLE_CASCADE_PATH: ClassVar[bool] = False
    FK_NEEDS_INDEX: ClassVar[bool] = False  # some index must lead with a foreign key's columns
    DEFERRED_FOREIGN_KEYS: ClassVar[Literal["alter", "inline", "none"]] = "alter"
    # A foreign key can be checked at COMMIT (DEFERRABLE INITIALLY DEFERRED): `deferrable: true`.
    DEFERRABLE: ClassVar[bool] = False
    # Where it cannot: how the seed load script fills a cycle of NOT NULL references, before and
    # after the rows, with {table} and {name} (the foreign key); None: the key goes unchecked.
    SEED_UNCHECKED_REFERENCE: ClassVar[tuple[str, str] | None] = None
    UNIQUE_CONSTRAINTS: ClassVar[bool] = True  # False: keys and uniques are not enforced (TG109)
    UNIQUE_NULLS_DISTINCT: ClassVar[bool] = True  # False: a UNIQUE admits a single NULL
    COMMENTS: ClassVar[Literal["statement", "inline", "extended_property", "none"]] = "statement"
    # Expression nodes the target cannot evaluate inside DDL (CHECK, GENERATED, index WHERE).
    UNSUPPORTED_EXPRESSIONS: ClassVar[tuple[type[exp.Expression], ...]] = ()
    # A CHECK whose value is NULL fails (ClickHouse); SQL lets it pass, so such checks get
    # COALESCE(..., TRUE) where they read a nullable column.
    CHECK_NULL_FAILS: ClassVar[bool] = False
    # Columns a CHECK may not read: identity columns, and those a foreign key action writes.
    CHECK_EXCLUDES: ClassVar[frozenset[str]] = frozenset()
    PARTIAL_INDEXES: ClassVar[bool] = True
    PARTIAL_INDEX_UNSUPPORTED: ClassVar[tuple[type[exp.Expression], ...]] = ()
    INDEX_METHODS: ClassVar[frozenset[str]] = frozenset()
    UNIQUE_INDEX_METHODS: ClassVar[frozenset[str]] = frozenset()  # methods that can enforce UNIQUE
    INCLUDE_COLUMNS: ClassVar[bool] = False
    # Secondary indexes as data-skipping indexes of this type inside the table (ClickHouse).
    SKIPPING_INDEX: ClassVar[str | None] = None
    # Generated columns: GENERATED ALWAYS AS (...) STORED, a virtual AS (...), or SQL Server's
    # typeless AS CAST(... AS type) PERSISTED.
    GENERATED: ClassVar[Literal["stored", "virtual", "typed_cast"]] = "virtual"
    NOT_NULL_ON_GENERATED: ClassVar[bool] = True
    TABLE_ENGINE: ClassVar[str | None] = None  # ENGINE = ..., ORDER BY the queries and the key
    # updated_at upkeep: a trigger (the templates below) or the column's ON UPDATE clause.
    UPDATED_AT: ClassVar[Literal["trigger", "on_update"]] = "trigger"
    # Templates filled with {table}, {column}, {trigger}, {function}, {key_join}.
    UPDATED_AT_FUNCTION: ClassVar[str | None] = None
    UPDATED_AT_TRIGGER: ClassVar[str | None] = None
    PROCEDURAL_END: ClassVar[str] = ";"  # what follows a function or trigger body
    BATCH_SEPARATOR: ClassVar[str | None] = None  # SQL Server's GO, after every statement

    # Seed load scripts: a SQL literal of each family of logical types, as a DuckDB expression
    # over the Parquet value {v} (the caller writes NULL for a missing value). For arrays,
    # {items} is the items, each already a literal, and {item_type} the SQL type of one.
    SEED_LITERALS: ClassVar[dict[str, str]] = {
        "text": "'''' || replace(CAST({v} AS VARCHAR), '''', '''''') || ''''",
        "number": "CAST({v} AS VARCHAR)",
        "boolean": "CASE WHEN {v} THEN 'TRUE' ELSE 'FALSE' END",
        "date": "'''' || strftime({v}, '%Y-%m-%d') || ''''",
        "time": "'''' || CAST({v} AS VARCHAR) || ''''",
        "timestamp": "'''' || strftime({v}, '%Y-%m-%d %H:%M:%S.%f') || ''''",
        "timestamptz": "'''' || strftime({v}, '%Y-%m-%d %H:%M:%S.%f') || '+00'''",
        "bytes": r"'''\x' || lower(hex({v})) || ''''",
        "array": "'ARRAY[' || {items} || ']::{item_type}[]'",
    }
    # The literal for a missing value, per family, where NULL is not one (ClickHouse arrays).
    SEED_NULLS: ClassVar[dict[str, str]] = {}
    SEED_PROLOGUE: ClassVar[tuple[str, ...]] = ("BEGIN;",)
    SEED_EPILOGUE: ClassVar[tuple[str, ...]] = ("COMMIT;",)
    # How rows go in: multi-row VALUES, or SELECT ... FROM DUAL UNION ALL (Oracle before 23ai).
    SEED_ROWS: ClassVar[Literal["values", "union_all"]] = "values"
    # The load script's bulk form (seed/load.py SCRIPTS): INSERT statements, or COPY FROM STDIN
    # blocks with the foreign keys added back, and so checked in one pass each, after the data.
    SEED_BULK: ClassVar[Literal["insert", "copy"]] = "insert"
    # Before and after the INSERTs of a table with an identity column (SQL Server), with {table}.
    SEED_EXPLICIT_IDENTITY: ClassVar[tuple[str, str] | None] = None
    # After explicit key values are loaded, the identity must continue above them. Filled with
    # {table}, {column} (quoted identifiers), {table_text}, {column_text}, {sequence_text} (literals).
    IDENTITY_RESYNC: ClassVar[str | None] = None

    # Access patterns (queries/<target>.sql). A named parameter as the target's usual driver
    # writes it ({name}; {type}: the SQL type of the column it is compared with), and a column
    # compared with a list parameter (x: the column, p: the parameter; {type} as above).
    QUERY_PARAMETER: ClassVar[str] = ":{name}"
    QUERY_LIST_TYPE: ClassVar[str] = "{type}"
    QUERY_IN_LIST: ClassVar[str] = "x IN (SELECT value FROM json_each(p))"  # a JSON array's text
    # The driver formats the query with Python's % (psycopg, PyMySQL): a literal % is written %%.
    QUERY_PERCENT_DOUBLED: ClassVar[bool] = False
    # An index key's operator class, by stored type, that lets LIKE 'x%' seek whatever the
    # column's collation (PostgreSQL's pattern_ops); none where a plain index serves it.
    PREFIX_OPERATOR_CLASSES: ClassVar[dict[str, str]] = {}

    # Full-text search (`search:` on an entity): the statements that make its index, over {name},
    # {table}, {columns}, {document} (the columns as one text), {language}, {key} (the key column,
    # where one is needed) and their *_text forms as string literals; none: the target has no
    # full-text index (TG123) and a search scans. SEARCH_CONDITION is what a query matches with,
    # the parameter written as the literal 'schemaforge_search'. SEARCH_REFRESH: run again after
    # a bulk load, for an index that writes do not keep (DuckDB's).
    SEARCH_INDEX: ClassVar[tuple[str, ...]] = ()
    SEARCH_MECHANISM: ClassVar[str | None] = None  # what it is, in the docs' words
    SEARCH_CONDITION: ClassVar[str] = "({columns_like})"
    SEARCH_REFRESH: ClassVar[tuple[str, ...]] = ()
    SEARCH_NEEDS_KEY: ClassVar[bool] = False  # the index is keyed by the table's one key column
    # The design's language -> the target's word for it; "*": for any other (else the design's own).
    SEARCH_LANGUAGES: ClassVar[dict[str, str]] = {}

    @classmethod
    def search_document(cls, columns: list[str]) -> str:
        """The searched columns as one text (a NULL column as empty)."""
        return " || ' ' || ".join(f"COALESCE({c}, '')" for c in columns)

    @classmethod
    def search_like(cls, columns: list[str]) -> str:
        """Where the target has no full-text index: the parameter found in a column, any case."""
        return " OR ".join(f"LOWER({c}) LIKE '%' || LOWER('schemaforge_search') || '%'" for c in columns)

    @classmethod
    def search_statements(cls, names: dict[str, str]) -> list[str]:
        return [template.format(**names) for template in cls.SEARCH_INDEX]

    @classmethod
    def search_condition(cls, names: dict[str, str]) -> str:
        return cls.SEARCH_CONDITION.format(**names)

    # Migrations (migrate/render.py). A changed table is altered in place, or rebuilt: copied
    # aside, created anew from the fresh DDL, refilled (with the tables that reference it).
    MIGRATION: ClassVar[Literal["alter", "rebuild"]] = "rebuild"
    TRANSACTION: ClassVar[tuple[tuple[str, ...], tuple[str, ...]] | None] = (("BEGIN;",), ("COMMIT;",))
    ONLINE_DDL: ClassVar[bool] = False  # PostgreSQL's NOT VALID, CONCURRENTLY and lock_timeout
    COLUMN_CHANGE: ClassVar[Literal["alter", "modify"]] = "alter"  # MySQL restates the column
    # An identity added to or dropped from a column in place, keeping its values ({table}, {column});
    # None: the column is restated (MySQL) or made again.
    IDENTITY_CHANGE: ClassVar[tuple[str, str] | None] = None
    # How a constraint of each kind is dropped: DROP CONSTRAINT, or MySQL's own forms.
    DROP_CONSTRAINT: ClassVar[dict[str, str]] = {
        "primary_key": "constraint", "unique": "constraint", "check": "constraint", "foreign_key": "constraint",
    }
    DROP_INDEX_ON_TABLE: ClassVar[bool] = False  # DROP INDEX name ON table (MySQL, SQL Server)
    BACKUP_ENGINE: ClassVar[str | None] = None  # the engine of a table copied aside (ClickHouse)
    # Renames on the alter path, with {table}, {old}, {new}; None: drop and add it again.
    RENAME_CONSTRAINT: ClassVar[str | None] = "ALTER TABLE {table} RENAME CONSTRAINT {old} TO {new}"
    RENAME_INDEX: ClassVar[str] = "ALTER INDEX {old} RENAME TO {new}"
    UNIQUE_IS_INDEX: ClassVar[bool] = False  # a UNIQUE constraint is an index, renamed as one
    NAMED_PRIMARY_KEY: ClassVar[bool] = True  # MySQL's is always PRIMARY
    # The updated_at trigger on the alter path, with {trigger}, {old}, {new}, {table}.
    DROP_TRIGGER: ClassVar[str | None] = None
    # How a migration drops an object a pattern added (patterns/triggers.py): kind -> statement
    # over {name} (and {table} for a trigger). A kind that is not listed is never made here.
    DROP_PATTERN_OBJECT: ClassVar[dict[str, str]] = {
        "trigger": "DROP TRIGGER IF EXISTS {name}", "view": "DROP VIEW IF EXISTS {name}",
        "table": "DROP TABLE IF EXISTS {name}",
    }
    RENAME_TRIGGER: ClassVar[str | None] = None
    MIGRATION_SETTINGS: ClassVar[tuple[str, ...]] = ()  # session settings a migration starts with
    # Rebuilt tables with a self-reference go in level by level, up to this depth, where the
    # target checks it against earlier statements only (DuckDB).
    SELF_REFERENCE_LEVELS: ClassVar[int | None] = None

    # The hierarchy pattern's materialized path (patterns/hierarchy.py): (its type, the index
    # method its queries use, the statement that makes the type) where the target has a type for
    # it (PostgreSQL's ltree); else text.
    TREE_PATH: ClassVar[tuple[str, str, str] | None] = None

    @classmethod
    def path_under(cls, path: exp.Expression, above: exp.Expression) -> exp.Expression:
        """`path` lies strictly under `above` (paths of keys joined by dots)."""
        return exp.Like(this=path, expression=exp.DPipe(this=above, expression=exp.Literal.string(".%")))

    @classmethod
    def path_depth(cls, path: exp.Expression) -> exp.Expression:
        """The number of dots in `path`: its node's distance from its root."""
        dotless = exp.Anonymous(this="REPLACE", expressions=[path.copy(), exp.Literal.string("."), exp.Literal.string("")])
        return exp.Paren(this=exp.Sub(this=exp.Length(this=path), expression=exp.Length(this=dotless)))

    @classmethod
    def json_check(cls, column: exp.Column) -> exp.Expression:
        """JSON_CHECK as a tree over `column`: the template is parsed with a placeholder name,
        which is then replaced by the column node, so any column name (`select`) stays a column."""
        placeholder = "schemaforge_json_column"
        tree = cls.parse(cls.JSON_CHECK.format(column=placeholder))
        return tree.transform(lambda node: column.copy() if isinstance(node, exp.Column) and node.name == placeholder else node)

    @classmethod
    def typed_literal(cls, kind: str, value: str) -> exp.Expression:
        """A literal default of `kind` (its canonical text, see design/literals.py)."""
        text = exp.Literal.string(cls.LITERAL_TEXT.get(kind, "{v}").format(v=value))
        if kind not in cls.TYPED_LITERALS:
            return text
        keyword, qualifier = cls.TYPED_LITERALS[kind]
        return TypedLiteral(this=text, keyword=keyword, qualifier=qualifier or None)

    @classmethod
    def parse(cls, text: str) -> exp.Expression:
        """A fresh tree of one of this target's SQL templates (a default, a check): each template is
        parsed once, then copied."""
        return _parsed(cls.dialect, text).copy()

    @classmethod
    def generate(cls, tree: exp.Expression) -> str:
        """`tree` as this target's SQL, by one generator kept per target: creating a generator and
        copying the tree for every statement was most of the cost of a design's DDL."""
        return _generator(cls.dialect).generate(tree, copy=False)

    @classmethod
    def natural_nulls_first(cls, descending: bool) -> bool:
        """Where this target sorts NULLs when an ORDER BY or an index key says nothing: what to
        set on a sort that must read as plain ASC / DESC here."""
        ordering = Dialect.get_or_raise(cls.dialect).NULL_ORDERING
        return False if ordering == "nulls_are_last" else (ordering == "nulls_are_small") != descending

    def quote_needed(self, name: str) -> bool:
        return name.lower() in self.RESERVED or not _PLAIN_IDENTIFIER.match(name)

    def ident(self, name: str) -> str:
        return self.generate(exp.to_identifier(name, quoted=self.quote_needed(name)))

    def identity_resync(self, table: str, column: str) -> str | None:
        """The statement that moves an identity past the keys loaded into it, if one is needed."""
        if self.IDENTITY_RESYNC is None:
            return None
        text = lambda value: self.generate(exp.Literal.string(value))  # noqa: E731
        return self.IDENTITY_RESYNC.format(
            table=self.ident(table), column=self.ident(column), table_text=text(self.ident(table)),
            column_text=text(column), sequence_text=text(sequence_name(table, column)),
        )


@lru_cache(maxsize=1024)
def _parsed(dialect: str | type[Dialect], text: str) -> exp.Expression:
    return sqlglot.parse_one(text, dialect=dialect)


def _written_type(expression: exp.DataType) -> str | None:
    """The text of a type the renderer wrote in the target's own words (its TYPE_MAPPING), held
    as a user-defined DataType with that text as its kind; None for any other type."""
    kind = expression.args.get("kind")
    if (expression.this == exp.DataType.Type.USERDEFINED and isinstance(kind, str)
            and expression.args.keys() <= {"this", "kind", "nullable"} and not expression.args.get("nullable")):
        return kind
    return None


@lru_cache(maxsize=None)
def _generator(dialect: str | type[Dialect]) -> Generator:
    """The dialect's generator, writing the renderer's own type texts as they are. The dialects'
    datatype_sql first compare every type with a dozen others (DuckDB's parses each of those
    from a string): half of a large design's DDL time went there."""
    language = Dialect.get_or_raise(dialect)
    base = language.generator_class
    dialects_own = base.TRANSFORMS.get(exp.DataType, base.datatype_sql)

    def datatype_sql(generator: Generator, expression: exp.DataType) -> str:
        written = _written_type(expression)
        return written if written is not None else dialects_own(generator, expression)

    return type(base.__name__, (base,), {"TRANSFORMS": {**base.TRANSFORMS, exp.DataType: datatype_sql}})(dialect=language)


def sequence_name(table: str, column: str) -> str:
    """The sequence behind an identity column, on targets that use one."""
    return f"{table}_{column}_seq"


class Postgres(SqlTarget):
    name, title, dialect = "postgres", "PostgreSQL", "postgres"
    RESERVED = reserved.POSTGRES
    SYSTEM_COLUMNS = frozenset({"tableoid", "xmin", "cmin", "xmax", "cmax", "ctid"})
    MAX_IDENTIFIER_LENGTH = 63
    TYPE_MAPPING = {
        **SqlTarget.TYPE_MAPPING,
        "decimal": "NUMERIC({precision}, {scale})",
        "json": "JSONB",
        "bytes": "BYTEA",
    }
    DEFAULTS = {**SqlTarget.DEFAULTS, "now:time": "LOCALTIME"}  # CURRENT_TIME is a timetz
    ENUMS = "named_type"
    SEARCH_INDEX = ("CREATE INDEX {name} ON {table} USING gin (to_tsvector({language_text}, {document}))",)
    SEARCH_MECHANISM = "GIN index over to_tsvector(language, fields)"
    SEARCH_CONDITION = "to_tsvector({language_text}, {document}) @@ plainto_tsquery({language_text}, 'schemaforge_search')"
    MATERIALIZED_VIEW = "CREATE MATERIALIZED VIEW {name} AS {query}"
    REFRESH_MATERIALIZED_VIEW = "REFRESH MATERIALIZED VIEW {name};"
    VIEW_COMMENT = "COMMENT ON {kind} {name} IS {text}"
    DOMAINS = True
    BUILTIN_TYPE_NAMES = reserved.POSTGRES_TYPE_NAMES
    DEFERRABLE = True
    SET_NULL_COLUMNS = True
    MATERIALIZED_READ_MODELS = True
    INDEX_METHODS = frozenset({"btree", "hash", "gin", "gist", "brin"})
    UNIQUE_INDEX_METHODS = frozenset({"btree"})
    # Default operator classes (pg_opclass): GIN has them for jsonb and arrays only, GiST for none
    # of the logical types (text needs pg_trgm, scalars btree_gist), BRIN for ordered scalars.
    INDEX_METHOD_KINDS = {
        "gin": frozenset({"json", "array"}),
        "gist": frozenset(),
        "brin": frozenset({"smallint", "integer", "bigint", "decimal", "real", "double", "string", "text", "uuid",
                           "date", "time", "timestamp", "timestamptz", "interval", "bytes"}),
    }
    SINGLE_COLUMN_METHODS = frozenset({"hash"})  # "access method hash does not support multicolumn indexes"
    INCLUDE_COLUMNS = True
    GENERATED = "stored"
    UPDATED_AT_FUNCTION = (
        "CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN\n  NEW.{column} := CURRENT_TIMESTAMP;\n  RETURN NEW;\nEND;\n$$"
    )
    UPDATED_AT_TRIGGER = (
        "CREATE TRIGGER {trigger} BEFORE UPDATE ON {table}\n"
        "  FOR EACH ROW EXECUTE FUNCTION {function}()"
    )
    IDENTITY_RESYNC = (
        "SELECT setval(pg_get_serial_sequence({table_text}, {column_text}), "
        "(SELECT coalesce(max({column}), 0) + 1 FROM {table}), false);"
    )
    SEED_BULK = "copy"
    MIGRATION = "alter"
    IDENTITY_CHANGE = ("ALTER TABLE {table} ALTER COLUMN {column} ADD GENERATED BY DEFAULT AS IDENTITY",
                       "ALTER TABLE {table} ALTER COLUMN {column} DROP IDENTITY IF EXISTS")
    ONLINE_DDL = True
    DROP_TRIGGER = "DROP TRIGGER {trigger} ON {table}"
    DROP_PATTERN_OBJECT = {
        **SqlTarget.DROP_PATTERN_OBJECT, "trigger": "DROP TRIGGER IF EXISTS {name} ON {table}",
        "function": "DROP FUNCTION IF EXISTS {name}", "procedure": "DROP PROCEDURE IF EXISTS {name}",
        "materialized_view": "DROP MATERIALIZED VIEW IF EXISTS {name}", "search": "DROP INDEX IF EXISTS {name}",
    }
    RENAME_TRIGGER = "ALTER TRIGGER {old} ON {table} RENAME TO {new}"
    # Give up rather than queue behind a long transaction and block every query behind us.
    MIGRATION_SETTINGS = ("SET lock_timeout = '5s';", "SET statement_timeout = '30min';")
    QUERY_PARAMETER = "%({name})s"  # psycopg
    QUERY_IN_LIST = "x = ANY(p)"  # psycopg sends a list as an array
    TREE_PATH = ("LTREE", "gist", "CREATE EXTENSION IF NOT EXISTS ltree")  # <@ and @> served by GiST
    QUERY_PERCENT_DOUBLED = True
    PREFIX_OPERATOR_CLASSES = {"string": "varchar_pattern_ops", "text": "text_pattern_ops", "char": "bpchar_pattern_ops"}

    @classmethod
    def path_under(cls, path: exp.Expression, above: exp.Expression) -> exp.Expression:
        return exp.Paren(this=exp.and_(exp.ArrayContainsAll(this=above, expression=path),  # above @> path
                                       exp.NEQ(this=path.copy(), expression=above.copy())))

    @classmethod
    def path_depth(cls, path: exp.Expression) -> exp.Expression:
        return exp.Paren(this=exp.Sub(this=exp.Anonymous(this="nlevel", expressions=[path]), expression=exp.Literal.number(1)))


class Sqlite(SqlTarget):
    name, title, dialect = "sqlite", "SQLite", "sqlite"
    MAX_EXPRESSION_DEPTH = 1000
    SHADOWED_COLUMNS = frozenset({"rowid", "oid", "_rowid_"})
    RESERVED = reserved.SQLITE
    TYPE_MAPPING = {
        **SqlTarget.TYPE_MAPPING,
        "boolean": "INTEGER",
        "smallint": "INTEGER",
        "bigint": "INTEGER",
        "decimal": "NUMERIC({precision}, {scale})",
        "double": "REAL",
        "uuid": "TEXT",
        "date": "TEXT",
        "time": "TEXT",
        "timestamp": "TEXT",
        "timestamptz": "TEXT",
        "interval": "TEXT",
        "json": "TEXT",
        "array": "TEXT",
    }
    DEFAULTS = {
        **SqlTarget.DEFAULTS,
        # A version 4 UUID from randomblob: SQLite has no uuid function.
        "uuid": (
            "lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || "
            "substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || "
            "substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))"
        ),
    }
    IDENTITY = "rowid"
    PLAIN_INTEGER_KEY = "BIGINT"  # INTEGER affinity all the same
    ENFORCES_LENGTH = False
    BOOLEAN_IS_INTEGER = True
    BOOLEAN_CHECK = True
    JSON_CHECK = "json_valid({column})"
    ARRAY_AS_JSON = True
    DEFERRED_FOREIGN_KEYS = "inline"  # SQLite resolves a REFERENCES target when rows arrive
    DEFERRABLE = True
    SEARCH_MECHANISM = "FTS5 table (external content) kept by triggers"
    # An FTS5 table over the rows (external content), kept by triggers, filled from the rows there.
    SEARCH_INDEX = (
        "CREATE VIRTUAL TABLE {name} USING fts5({columns}, content={table_text}, content_rowid='rowid', "
        "tokenize={language_text})",
        "CREATE TRIGGER {name}_insert AFTER INSERT ON {table} BEGIN\n"
        "  INSERT INTO {name} (rowid, {columns}) VALUES (new.rowid, {new_columns});\nEND",
        "CREATE TRIGGER {name}_delete AFTER DELETE ON {table} BEGIN\n"
        "  INSERT INTO {name} ({name}, rowid, {columns}) VALUES ('delete', old.rowid, {old_columns});\nEND",
        "CREATE TRIGGER {name}_update AFTER UPDATE ON {table} BEGIN\n"
        "  INSERT INTO {name} ({name}, rowid, {columns}) VALUES ('delete', old.rowid, {old_columns});\n"
        "  INSERT INTO {name} (rowid, {columns}) VALUES (new.rowid, {new_columns});\nEND",
        "INSERT INTO {name} ({name}) VALUES ('rebuild')",
    )
    # The parameter as one FTS5 phrase: its own quotes and operators are text, not query syntax.
    SEARCH_CONDITION = ("{table}.rowid IN (SELECT rowid FROM {name} WHERE {name} MATCH "
                        "'\"' || REPLACE('schemaforge_search', '\"', '\"\"') || '\"')")
    SEARCH_LANGUAGES = {"english": "porter unicode61", "*": "unicode61 remove_diacritics 2"}  # stemming: English's only
    DROP_PATTERN_OBJECT = {**SqlTarget.DROP_PATTERN_OBJECT, "search": (
        "DROP TRIGGER IF EXISTS {name}_insert; DROP TRIGGER IF EXISTS {name}_delete; "
        "DROP TRIGGER IF EXISTS {name}_update; DROP TABLE IF EXISTS {name}")}
    COMMENTS = "none"
    SEED_LITERALS = {
        **SqlTarget.SEED_LITERALS,
        "boolean": "CASE WHEN {v} THEN '1' ELSE '0' END",
        "bytes": "'X''' || hex({v}) || ''''",
        "array": "'''' || replace(CAST(to_json({v}) AS VARCHAR), '''', '''''') || ''''",  # JSON text
    }
    SEED_PROLOGUE = ("PRAGMA foreign_keys = ON;", "BEGIN;")  # the pragma is a no-op inside a transaction
    # REGEXP needs an application-defined function; dates are TEXT, so no interval arithmetic.
    UNSUPPORTED_EXPRESSIONS = (*_REGEX, exp.Interval)
    UPDATED_AT_TRIGGER = (
        "CREATE TRIGGER {trigger} AFTER UPDATE ON {table}\n"
        "  FOR EACH ROW WHEN NEW.{column} IS OLD.{column}\n"
        "BEGIN\n  UPDATE {table} SET {column} = CURRENT_TIMESTAMP WHERE rowid = NEW.rowid;\nEND"
    )
    # Foreign keys are checked at COMMIT, after the rebuilt tables are refilled.
    TRANSACTION = (("BEGIN;", "PRAGMA defer_foreign_keys = ON;"), ("COMMIT;",))


class DuckDB(SqlTarget):
    name, title, dialect = "duckdb", "DuckDB", "duckdb"
    SHADOWED_COLUMNS = frozenset({"rowid"})
    RESERVED = reserved.DUCKDB
    TYPE_MAPPING = {
        **SqlTarget.TYPE_MAPPING,
        "double": "DOUBLE",
        "text": "VARCHAR",
        "char": "VARCHAR({length})",  # DuckDB's CHAR(n) is VARCHAR: no padding, no width
    }
    ENUMS = "named_type"
    IDENTITY = "sequence"
    ENFORCES_LENGTH = False  # DuckDB accepts VARCHAR(n) but does not enforce n
    FK_DELETE_ACTIONS = {"restrict": "RESTRICT", "no_action": "NO ACTION"}
    FK_UPDATE_ACTIONS = FK_DELETE_ACTIONS
    DEFERRED_FOREIGN_KEYS = "none"  # no ALTER TABLE ... ADD FOREIGN KEY
    PARTIAL_INDEXES = False
    NOT_NULL_ON_GENERATED = False  # "Constraints on generated columns are not supported yet"
    SEED_LITERALS = {
        **SqlTarget.SEED_LITERALS,
        "bytes": "'unhex(''' || hex({v}) || ''')'",
        "array": "'[' || {items} || ']'",
    }
    # The fts extension's index is made from the rows there when it is made: again after a load.
    SEARCH_INDEX = ("INSTALL fts", "LOAD fts",
                    "PRAGMA create_fts_index({table_text}, {key_text}, {column_texts}, stemmer = {language_text}, "
                    "overwrite = 1)")
    SEARCH_REFRESH = SEARCH_INDEX[1:]
    SEARCH_MECHANISM = "fts extension's index, made again after the seed load"
    DROP_PATTERN_OBJECT = {**SqlTarget.DROP_PATTERN_OBJECT, "search": "PRAGMA drop_fts_index('{table}')"}
    SEARCH_NEEDS_KEY = True
    SEARCH_CONDITION = "fts_main_{table_plain}.match_bm25({key}, 'schemaforge_search') IS NOT NULL"
    # DuckDB has no setval: draw the sequence up to the largest loaded key.
    IDENTITY_RESYNC = "SELECT max(nextval({sequence_text})) FROM range((SELECT coalesce(max({column}), 0) FROM {table}));"
    TRANSACTION = (("BEGIN TRANSACTION;",), ("COMMIT;",))
    SELF_REFERENCE_LEVELS = 32
    QUERY_PARAMETER = "${name}"
    QUERY_IN_LIST = "x IN (SELECT UNNEST(p))"


class MySQL(SqlTarget):
    """MySQL 8.0.16 or later, written so that MariaDB 10.11 runs it too (see the README)."""

    name, title, dialect = "mysql", "MySQL", MySQLAndMariaDB
    DROP_PATTERN_OBJECT = {**SqlTarget.DROP_PATTERN_OBJECT, "procedure": "DROP PROCEDURE IF EXISTS {name}",
                           "search": "DROP INDEX {name} ON {table}"}
    RESERVED = reserved.MYSQL
    MAX_IDENTIFIER_LENGTH = 64
    LITERAL_TEXT = {}  # timestamptz is held as UTC in a type without an offset
    TYPE_MAPPING = {
        **SqlTarget.TYPE_MAPPING,
        "integer": "INT",
        "unsigned smallint": "SMALLINT UNSIGNED",
        "unsigned integer": "INT UNSIGNED",
        "unsigned bigint": "BIGINT UNSIGNED",
        "real": "FLOAT",
        "double": "DOUBLE",
        "text": "LONGTEXT",
        "uuid": "CHAR(36)",
        "time": "TIME(6)",
        "timestamp": "DATETIME(6)",
        "timestamptz": "DATETIME(6)",  # held in UTC: the load script and the session use +00:00
        "interval": "VARCHAR(64)",
        "bytes": "LONGBLOB",
        "enum": "ENUM({values})",
        "array": "JSON",
    }
    MAX_STRING_LENGTH = 16383  # VARCHAR's limit in utf8mb4
    MAX_CHAR_LENGTH = 255
    TYPE_APPROXIMATIONS = {"interval": _INTERVAL_AS_TEXT, "array": _ARRAY_AS_JSON}
    UNINDEXABLE_KINDS = _LARGE_OBJECT_KINDS
    DEFAULTS = {
        "now": "CURRENT_TIMESTAMP(6)",
        "now:time": "CURRENT_TIME(6)",
        "today": "CURRENT_DATE",
        "uuid": "UUID()",
    }
    ENUMS = "type"
    IDENTITY = "auto_increment"
    BOOLEAN_IS_INTEGER = True
    BOOLEAN_CHECK = True  # BOOLEAN is TINYINT(1): it holds -128..127
    ARRAY_AS_JSON = True
    FK_DELETE_ACTIONS = {k: v for k, v in SqlTarget.FK_DELETE_ACTIONS.items() if k != "set_default"}  # InnoDB refuses it
    FK_UPDATE_ACTIONS = FK_DELETE_ACTIONS
    FK_NEEDS_INDEX = True
    SEARCH_INDEX = ("CREATE FULLTEXT INDEX {name} ON {table} ({columns})",)
    SEARCH_MECHANISM = "FULLTEXT index (case as the collation says)"
    SEARCH_CONDITION = "MATCH ({columns}) AGAINST ('schemaforge_search' IN NATURAL LANGUAGE MODE)"
    # Session-wide, and MySQL does not check the rows again when it is turned back on.
    SEED_UNCHECKED_REFERENCE = ("SET FOREIGN_KEY_CHECKS = 0;", "SET FOREIGN_KEY_CHECKS = 1;")
    COMMENTS = "inline"
    UNSUPPORTED_EXPRESSIONS = NONDETERMINISTIC
    CHECK_EXCLUDES = frozenset({"identity", "fk_action"})
    PARTIAL_INDEXES = False
    INDEX_METHODS = frozenset({"btree"})  # InnoDB builds every index as a B-tree
    UNIQUE_INDEX_METHODS = INDEX_METHODS
    GENERATED = "stored"
    NOT_NULL_ON_GENERATED = False  # MySQL 8 takes it, MariaDB does not (what it reads is NOT NULL)
    UPDATED_AT = "on_update"
    SEED_LITERALS = {
        **SqlTarget.SEED_LITERALS,
        # MySQL reads backslash escapes inside string literals (unless NO_BACKSLASH_ESCAPES).
        "text": r"'''' || replace(replace(CAST({v} AS VARCHAR), '\', '\\'), '''', '''''') || ''''",
        "timestamptz": "'''' || strftime({v}, '%Y-%m-%d %H:%M:%S.%f') || ''''",
        "bytes": "'X''' || hex({v}) || ''''",
        "array": r"'''' || replace(replace(CAST(to_json({v}) AS VARCHAR), '\', '\\'), '''', '''''') || ''''",
    }
    SEED_PROLOGUE = ("SET NAMES utf8mb4;", "SET time_zone = '+00:00';", "START TRANSACTION;")
    MIGRATION = "alter"
    TRANSACTION = None  # every DDL statement commits on its own
    COLUMN_CHANGE = "modify"
    DROP_CONSTRAINT = {"primary_key": "primary_key", "unique": "index", "check": "constraint", "foreign_key": "foreign_key"}
    DROP_INDEX_ON_TABLE = True
    RENAME_CONSTRAINT = None  # MySQL cannot rename a CHECK or a FOREIGN KEY
    RENAME_INDEX = "ALTER TABLE {table} RENAME INDEX {old} TO {new}"
    UNIQUE_IS_INDEX = True
    NAMED_PRIMARY_KEY = False
    QUERY_PARAMETER = "%({name})s"  # PyMySQL, mysqlclient
    QUERY_IN_LIST = "x IN p"  # they write a tuple as (a, b, c)
    QUERY_PERCENT_DOUBLED = True


class SqlServer(SqlTarget):
    name, title, dialect = "sqlserver", "SQL Server", "tsql"
    RESERVED = reserved.SQLSERVER
    MAX_IDENTIFIER_LENGTH = 128
    TYPE_MAPPING = {
        **SqlTarget.TYPE_MAPPING,
        "boolean": "BIT",
        "integer": "INT",
        "double": "FLOAT",
        "string": "NVARCHAR({length})",
        "char": "NCHAR({length})",
        "text": "NVARCHAR(MAX)",
        "uuid": "UNIQUEIDENTIFIER",
        "time": "TIME(6)",
        "timestamp": "DATETIME2(6)",
        "timestamptz": "DATETIMEOFFSET(6)",
        "interval": "NVARCHAR(64)",
        "json": "NVARCHAR(MAX)",
        "bytes": "VARBINARY(MAX)",
        "enum": "NVARCHAR({length})",
        "array": "NVARCHAR(MAX)",
    }
    MAX_STRING_LENGTH = 4000  # NVARCHAR(n)'s limit; beyond it NVARCHAR(MAX)
    MAX_CHAR_LENGTH = 4000
    TYPE_APPROXIMATIONS = {"interval": _INTERVAL_AS_TEXT, "array": _ARRAY_AS_JSON}
    UNINDEXABLE_KINDS = _LARGE_OBJECT_KINDS
    DEFAULTS = {
        "now": "SYSUTCDATETIME()",
        "now:timestamptz": "SYSDATETIMEOFFSET()",
        "now:time": "CAST(SYSUTCDATETIME() AS TIME)",
        "today": "CAST(SYSUTCDATETIME() AS DATE)",
        "uuid": "NEWID()",
    }
    BOOLEAN_IS_INTEGER = True
    JSON_CHECK = "ISJSON({column}) = 1"
    ARRAY_AS_JSON = True
    # SQL Server checks NO ACTION at once, which is what RESTRICT means elsewhere.
    FK_DELETE_ACTIONS = {**SqlTarget.FK_DELETE_ACTIONS, "restrict": "NO ACTION"}
    FK_UPDATE_ACTIONS = FK_DELETE_ACTIONS
    SINGLE_CASCADE_PATH = True
    SEARCH_INDEX = (
        "IF NOT EXISTS (SELECT 1 FROM sys.fulltext_catalogs WHERE name = 'schemaforge_search') "
        "CREATE FULLTEXT CATALOG schemaforge_search AS DEFAULT",
        "CREATE FULLTEXT INDEX ON {table} ({columns_with_language}) KEY INDEX {key_index}",
    )
    SEARCH_NEEDS_KEY = True
    SEARCH_MECHANISM = "full-text index on the key's index, FREETEXT"
    SEARCH_CONDITION = "FREETEXT(({columns}), 'schemaforge_search')"
    DROP_PATTERN_OBJECT = {**SqlTarget.DROP_PATTERN_OBJECT, "search": "DROP FULLTEXT INDEX ON {table}"}
    SEARCH_LANGUAGES = {"english": "1033", "french": "1036", "german": "1031", "spanish": "3082", "italian": "1040",
                        "dutch": "1043", "portuguese": "2070", "swedish": "1053", "russian": "1049", "danish": "1030",
                        "norwegian": "1044", "finnish": "1035", "turkish": "1055", "arabic": "1025", "greek": "1032",
                        "*": "0"}  # LCIDs; 0: the neutral word breaker
    # WITH CHECK CHECK checks every row again, and the key is trusted after.
    SEED_UNCHECKED_REFERENCE = ("ALTER TABLE {table} NOCHECK CONSTRAINT {name};",
                                "ALTER TABLE {table} WITH CHECK CHECK CONSTRAINT {name};")
    UNIQUE_NULLS_DISTINCT = False
    COMMENTS = "extended_property"
    UNSUPPORTED_EXPRESSIONS = _REGEX  # no regular expressions before SQL Server 2025
    # A filtered index takes plain comparisons joined by AND.
    PARTIAL_INDEX_UNSUPPORTED = (exp.Or, exp.Func, exp.Not)
    INCLUDE_COLUMNS = True
    GENERATED = "typed_cast"
    UPDATED_AT_TRIGGER = (
        "CREATE TRIGGER {trigger} ON {table} AFTER UPDATE AS\n"
        "BEGIN\n  SET NOCOUNT ON;\n"
        "  UPDATE {table} SET {column} = SYSDATETIMEOFFSET() FROM {table} INNER JOIN inserted ON {key_join};\n"
        "END"
    )
    BATCH_SEPARATOR = "GO"  # CREATE TRIGGER must open its batch
    SEED_LITERALS = {
        **SqlTarget.SEED_LITERALS,
        "text": "'N''' || replace(CAST({v} AS VARCHAR), '''', '''''') || ''''",
        "boolean": "CASE WHEN {v} THEN '1' ELSE '0' END",
        "timestamptz": "'''' || strftime({v}, '%Y-%m-%d %H:%M:%S.%f') || ' +00:00'''",
        "bytes": "'0x' || hex({v})",
        "array": "'N''' || replace(CAST(to_json({v}) AS VARCHAR), '''', '''''') || ''''",
    }
    SEED_PROLOGUE = ("SET XACT_ABORT ON;", "BEGIN TRANSACTION;")
    SEED_EPILOGUE = ("COMMIT TRANSACTION;",)
    SEED_EXPLICIT_IDENTITY = ("SET IDENTITY_INSERT {table} ON;", "SET IDENTITY_INSERT {table} OFF;")
    TRANSACTION = (("SET XACT_ABORT ON;", "BEGIN TRANSACTION;"), ("COMMIT TRANSACTION;",))
    DROP_INDEX_ON_TABLE = True
    QUERY_PARAMETER = "@{name}"
    QUERY_IN_LIST = "x IN (SELECT value FROM OPENJSON(p))"  # a JSON array's text


class Oracle(SqlTarget):
    """Oracle Database 19c and later."""

    name, title, dialect = "oracle", "Oracle", OracleWithTypedLiterals
    SYSTEM_COLUMNS = frozenset({"rowid", "rownum", "ora_rowscn"})  # pseudocolumns ORA-00904 refuses as names
    RESERVED = reserved.ORACLE
    MAX_IDENTIFIER_LENGTH = 128
    TYPE_MAPPING = {
        **SqlTarget.TYPE_MAPPING,
        "boolean": "NUMBER(1)",
        "smallint": "NUMBER(5)",
        "integer": "NUMBER(10)",
        "bigint": "NUMBER(19)",
        "decimal": "NUMBER({precision}, {scale})",
        "real": "BINARY_FLOAT",
        "double": "BINARY_DOUBLE",
        "string": "VARCHAR2({length} CHAR)",
        "char": "CHAR({length} CHAR)",
        "text": "CLOB",
        "uuid": "CHAR(36)",
        "time": "INTERVAL DAY TO SECOND",  # the time since midnight
        "timestamp": "TIMESTAMP(6)",
        "timestamptz": "TIMESTAMP(6) WITH TIME ZONE",
        "interval": "INTERVAL DAY TO SECOND",
        "json": "CLOB",
        "enum": "VARCHAR2({length} CHAR)",
        "array": "CLOB",
    }
    MAX_STRING_LENGTH = 4000  # VARCHAR2's limit with MAX_STRING_SIZE = STANDARD
    MAX_CHAR_LENGTH = 2000
    TYPE_APPROXIMATIONS = {
        "time": "stored as INTERVAL DAY TO SECOND since midnight: Oracle has no time-of-day type",
        "interval": "stored as INTERVAL DAY TO SECOND: months and years are not kept apart from days",
        "array": _ARRAY_AS_JSON,
    }
    UNINDEXABLE_KINDS = _LARGE_OBJECT_KINDS
    TYPED_LITERALS = {
        "date": ("DATE", ""), "timestamp": ("TIMESTAMP", ""), "timestamptz": ("TIMESTAMP", ""),
        "time": ("INTERVAL", "DAY TO SECOND"),  # time is an interval since midnight here
    }
    LITERAL_TEXT = {"timestamptz": "{v} +00:00", "time": "0 {v}"}
    DEFAULTS = {
        "now": "SYSTIMESTAMP",
        "now:timestamp": "SYS_EXTRACT_UTC(SYSTIMESTAMP)",
        "now:time": "SYSTIMESTAMP - TRUNC(SYSTIMESTAMP)",
        "today": "TRUNC(SYSDATE)",
        # A GUID in the 8-4-4-4-12 form (SYS_GUID is not a version 4 UUID).
        "uuid": "LOWER(REGEXP_REPLACE(RAWTOHEX(SYS_GUID()), '(.{8})(.{4})(.{4})(.{4})(.{12})', '\\1-\\2-\\3-\\4-\\5'))",
    }
    BOOLEAN_IS_INTEGER = True
    BOOLEAN_CHECK = True
    JSON_CHECK = "{column} IS JSON"
    ARRAY_AS_JSON = True
    # Oracle has ON DELETE CASCADE / SET NULL only; its default is RESTRICT-like, and updates of
    # a referenced key are always refused.
    FK_DELETE_ACTIONS = {"cascade": "CASCADE", "set_null": "SET NULL", "restrict": None, "no_action": None}
    FK_UPDATE_ACTIONS = {"restrict": None, "no_action": None}
    DEFERRABLE = True
    UNSUPPORTED_EXPRESSIONS = NONDETERMINISTIC  # ORA-02436 in a CHECK
    PARTIAL_INDEXES = False
    NOT_NULL_ON_GENERATED = False  # a virtual column is as null as what it reads

    SEARCH_MECHANISM = "Oracle Text CONTEXT index per field, synced on commit"

    @classmethod
    def search_statements(cls, names: dict) -> list[str]:
        """Oracle Text: a CONTEXT index per column, kept in step at each commit."""
        return [f"CREATE INDEX {names['name']}_{i} ON {names['table']} ({column}) INDEXTYPE IS CTXSYS.CONTEXT "
                "PARAMETERS ('SYNC (ON COMMIT)')" for i, column in enumerate(names["column_list"], 1)]

    @classmethod
    def search_condition(cls, names: dict) -> str:
        return "(" + " OR ".join(f"CONTAINS({column}, 'schemaforge_search', {i}) > 0"
                                 for i, column in enumerate(names["column_list"], 1)) + ")"
    UPDATED_AT_TRIGGER = (
        "CREATE OR REPLACE TRIGGER {trigger}\n  BEFORE UPDATE ON {table}\n  FOR EACH ROW\n"
        "BEGIN\n  :NEW.{column} := SYSTIMESTAMP;\nEND;"
    )
    # No IF EXISTS before 23ai: the object may have gone with its rebuilt table.
    DROP_PATTERN_OBJECT = {kind: "BEGIN EXECUTE IMMEDIATE 'DROP " + kind.upper() + " {name}'; EXCEPTION WHEN OTHERS THEN "
                           "IF SQLCODE NOT IN (-942, -4080) THEN RAISE; END IF; END;" for kind in ("trigger", "view", "table")}
    DROP_PATTERN_OBJECT["search"] = ("BEGIN FOR i IN (SELECT index_name FROM user_indexes WHERE index_name LIKE "
                                     "UPPER('{name}') || '\\_%' ESCAPE '\\') LOOP EXECUTE IMMEDIATE 'DROP INDEX ' || "
                                     "i.index_name; END LOOP; END;")
    DROP_PATTERN_OBJECT["materialized_view"] = (
        "BEGIN EXECUTE IMMEDIATE 'DROP MATERIALIZED VIEW {name}'; EXCEPTION WHEN OTHERS THEN "
        "IF SQLCODE NOT IN (-12003) THEN RAISE; END IF; END;")
    MATERIALIZED_VIEW = "CREATE MATERIALIZED VIEW {name} BUILD IMMEDIATE REFRESH COMPLETE ON DEMAND AS {query}"
    REFRESH_MATERIALIZED_VIEW = "BEGIN DBMS_MVIEW.REFRESH({name_text}, 'C'); END;\n/"
    VIEW_COMMENT = "COMMENT ON {kind} {name} IS {text}"
    PROCEDURAL_END = "\n/"  # SQL*Plus runs a PL/SQL block at a lone slash
    SEED_LITERALS = {
        **SqlTarget.SEED_LITERALS,
        "boolean": "CASE WHEN {v} THEN '1' ELSE '0' END",
        "date": "'TO_DATE(''' || strftime({v}, '%Y-%m-%d') || ''', ''YYYY-MM-DD'')'",
        "time": "'INTERVAL ''0 ' || CAST({v} AS VARCHAR) || ''' DAY TO SECOND'",
        "timestamp": "'TO_TIMESTAMP(''' || strftime({v}, '%Y-%m-%d %H:%M:%S.%f') || ''', ''YYYY-MM-DD HH24:MI:SS.FF6'')'",
        "timestamptz": "'TO_TIMESTAMP_TZ(''' || strftime({v}, '%Y-%m-%d %H:%M:%S.%f') || ' +00:00'', ''YYYY-MM-DD HH24:MI:SS.FF6 TZH:TZM'')'",
        "bytes": "'HEXTORAW(''' || hex({v}) || ''')'",
        "array": "'''' || replace(CAST(to_json({v}) AS VARCHAR), '''', '''''') || ''''",
    }
    SEED_PROLOGUE = ()  # Oracle opens a transaction with the first INSERT
    SEED_EPILOGUE = ("COMMIT;",)
    SEED_ROWS = "union_all"
    IDENTITY_RESYNC = "ALTER TABLE {table} MODIFY ({column} GENERATED BY DEFAULT AS IDENTITY (START WITH LIMIT VALUE));"
    TRANSACTION = None  # every DDL statement commits on its own
    QUERY_IN_LIST = "x IN (SELECT v FROM JSON_TABLE(p, '$[*]' COLUMNS (v {type} PATH '$')))"  # a JSON array's text


class ClickHouse(SqlTarget):
    """ClickHouse's MergeTree: an analytics copy of the design, keyed for its queries."""

    name, title, dialect = "clickhouse", "ClickHouse", "clickhouse"
    RESERVED = reserved.CLICKHOUSE
    LITERAL_TEXT = {}  # timestamptz is held as UTC in a type without an offset
    SMALL_ENUM_VALUES = 127
    SYSTEM_COLUMNS = frozenset({"_row_exists", "_block_number", "_block_offset"})  # MergeTree refuses them (code 44)
    TYPE_MAPPING = {
        "boolean": "Bool",
        "smallint": "Int16",
        "integer": "Int32",
        "bigint": "Int64",
        "decimal": "Decimal({precision}, {scale})",
        "real": "Float32",
        "double": "Float64",
        "string": "String",
        "char": "String",  # FixedString pads with NUL bytes, not spaces
        "text": "String",
        "uuid": "UUID",
        "date": "Date32",
        "time": "String",
        "timestamp": "DateTime64(6)",
        "timestamptz": "DateTime64(6, 'UTC')",
        "interval": "String",
        "json": "String",
        "bytes": "String",
        "enum": "Enum8({numbered})",
        "large_enum": "Enum16({numbered})",
        "array": "Array({item})",
    }
    # No "unsigned <kind>" types: an INSERT of -1 into a UInt32 wraps to 4294967295 without a
    # word, so an unsigned integer is a signed one with its `>= 0` CHECK, which refuses it.
    NULLABLE_TYPE = "Nullable({type})"
    NOT_NULLABLE_KINDS = frozenset({"array"})
    TYPE_APPROXIMATIONS = {
        "time": "stored as text ('HH:MM:SS.ffffff'): ClickHouse has no stable time-of-day type",
        "interval": "stored as text (PostgreSQL's interval output)",
        "nullable array": "an array that cannot be NULL (ClickHouse has no nullable arrays): [] stands for NULL",
    }
    DEFAULTS = {
        "now": "now64(6)",
        "now:time": "formatDateTime(now64(6), '%H:%i:%S.%f')",
        "today": "today()",
        "uuid": "generateUUIDv4()",
    }
    ENUMS = "type"
    IDENTITY = "none"
    ENFORCES_LENGTH = False  # String has no length
    JSON_CHECK = "isValidJSON({column})"
    CHECK_NULL_FAILS = True
    FOREIGN_KEYS = False
    UNIQUE_CONSTRAINTS = False
    COMMENTS = "inline"
    PARTIAL_INDEXES = False
    SKIPPING_INDEX = "minmax"  # works on every orderable type (bloom_filter refuses Date32)
    GENERATED = "stored"  # MATERIALIZED
    TABLE_ENGINE = "MergeTree"
    SEED_LITERALS = {
        **SqlTarget.SEED_LITERALS,
        "text": r"'''' || replace(replace(CAST({v} AS VARCHAR), '\', '\\'), '''', '\''') || ''''",
        "timestamptz": "'''' || strftime({v}, '%Y-%m-%d %H:%M:%S.%f') || ''''",
        "bytes": r"'''' || regexp_replace(hex({v}), '(..)', '\\x\1', 'g') || ''''",
        "array": "'[' || {items} || ']'",
    }
    SEED_NULLS = {"array": "[]"}
    SEED_PROLOGUE = ()  # no transactions: each INSERT lands on its own
    SEED_EPILOGUE = ()
    TRANSACTION = None
    BACKUP_ENGINE = "Memory"
    QUERY_PARAMETER = "{{{name}:{type}}}"  # the server's typed query parameters
    QUERY_LIST_TYPE = "Array({type})"
    QUERY_IN_LIST = "has(p, x)"


SQL_TARGETS: dict[str, type[SqlTarget]] = {
    t.name: t for t in (Postgres, MySQL, Sqlite, SqlServer, Oracle, DuckDB, ClickHouse)
}


def sql_targets(design: Design) -> list[str]:
    """The design's targets that are SQL targets, in the design's order."""
    return [t for t in design.targets if t in SQL_TARGETS]
