"""The design language as pydantic models: the shape of every key in SPEC.md.

These models check structure only (which keys exist, what kind of value each takes). Meaning
(names that must resolve, types that must parse, SQL that must be valid) is checked afterwards
by `schemaforge.design.resolve`, which has the whole design to look at.

Unknown keys are errors everywhere (`extra="forbid"`), and values are strict: YAML `1.0` is not
the string `"1.0"`. The JSON Schema shipped for editors is generated from these classes.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator
from pydantic.json_schema import GenerateJsonSchema

SQL_TARGETS = ("postgres", "mysql", "sqlite", "sqlserver", "oracle", "duckdb", "clickhouse")
NOSQL_TARGETS = ("mongodb", "cassandra", "redis", "dynamodb", "firestore")
TargetName = Literal[
    "postgres", "mysql", "sqlite", "sqlserver", "oracle", "duckdb", "clickhouse",
    "mongodb", "cassandra", "redis", "dynamodb", "firestore",
]
OnAction = Literal["cascade", "restrict", "set_null", "set_default", "no_action"]
PiiKind = Literal[
    "email", "name", "phone", "address", "ssn", "card", "health", "dob", "ip", "free_text"
]
FormatName = Literal[
    "email", "url", "phone", "hostname", "ipv4", "ipv6", "slug", "iso_country", "iso_currency",
    "hex_color", "postal_code",
]
PatternName = Literal[
    "timestamps", "soft_delete", "audit", "temporal", "multi_tenant", "event_sourcing",
    "hierarchy", "graph", "versioned",
]
Scalar = Union[bool, int, float, str]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Shorthand(Strict):
    """A model that may also be written as one bare string, which fills `SHORTHAND_KEY`."""

    SHORTHAND_KEY: ClassVar[str]

    @model_validator(mode="before")
    @classmethod
    def _expand_shorthand(cls, value: Any) -> Any:
        return {cls.SHORTHAND_KEY: value} if isinstance(value, str) else value

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema, handler):
        full = handler(core_schema)
        return {
            "anyOf": [
                full,
                {"type": "string", "description": f"shorthand for {{{cls.SHORTHAND_KEY}: ...}}"},
            ]
        }


class Conventions(Strict):
    table_names: Literal["snake", "snake_plural", "pascal", "camel"] = "snake"
    column_names: Literal["snake", "pascal", "camel"] = "snake"
    primary_key: str = "id"


class PatternUse(Shorthand):
    """`timestamps`, or `{pattern: hierarchy, strategy: closure_table}`."""

    SHORTHAND_KEY: ClassVar[str] = "pattern"
    pattern: PatternName
    strategy: Literal["adjacency", "closure_table", "materialized_path", "nested_set"] | None = None
    field: str | None = Field(default=None, description="hierarchy: the self reference to use")
    self_loops: bool | None = Field(default=None, description="graph: whether an edge may join a node to itself "
                                    "(default false)")
    shared: list[str] | None = Field(default=None, description="multi_tenant, design-wide: the entities every "
                                     "tenant reads, which hold no tenant key (a country list, the plans)")


class DomainType(Shorthand):
    """A named type under `types:`: `money: {type: decimal(12,2), check: "value >= 0"}`."""

    SHORTHAND_KEY: ClassVar[str] = "type"
    type: str
    check: str | None = None
    default: Scalar | None = None  # for every field of the type that does not give its own
    format: FormatName | None = None
    pii: PiiKind | None = None
    description: str | None = None


ConstrainedAspect = Literal["pk", "unique", "ref", "check"]


class FieldDef(Shorthand):
    """One field of an entity; a bare string is its type (`price: money`)."""

    SHORTHAND_KEY: ClassVar[str] = "type"
    type: str | None = None
    ref: str | None = None
    pk: bool = False
    identity: bool | None = None  # false: an integer key the application supplies
    unsigned: bool = False  # an integer that is never negative
    nullable: bool = False
    unique: bool = False
    default: Scalar | None = None
    check: str | None = None
    format: FormatName | None = None
    pii: PiiKind | None = None
    description: str | None = None
    renamed_from: str | None = None
    generated: str | None = None
    column: str | None = None
    on_delete: OnAction | None = None
    # On a ref: the foreign key's action. On a timestamp: `now`, set by every UPDATE of the row.
    on_update: OnAction | Literal["now"] | None = None
    # On a ref: the foreign key is checked at COMMIT where the target can defer it, so a cycle of
    # NOT NULL references can be filled in one transaction.
    deferrable: bool = False
    # The name of the field's constraint (its pk, unique, ref or check), used verbatim; a mapping
    # names each where the field has several (`{pk: order_pk, check: order_id_positive}`).
    constraint: str | dict[ConstrainedAspect, str] | None = None


class IndexDef(Strict):
    fields: list[str] = Field(min_length=1)
    name: str | None = None
    unique: bool = False
    where: str | None = None
    using: Literal["btree", "hash", "gin", "gist", "brin"] | None = None
    include: list[str] = []


class NamedKey(Strict):
    """`primary_key: {name: order_line_pk, fields: [order, line]}`: a key with its constraint's name."""

    name: str
    fields: list[str] = Field(min_length=1)


class NamedCheck(Strict):
    """`checks: {dates: {check: "due_on > lent_on", constraint: loan_dates_ck}}`."""

    check: str
    constraint: str | None = None


FieldGroup = Annotated[list[str], Field(min_length=1)]


SearchLanguage = Literal[
    "simple", "arabic", "danish", "dutch", "english", "finnish", "french", "german", "greek", "hungarian", "indonesian",
    "irish", "italian", "lithuanian", "nepali", "norwegian", "portuguese", "romanian", "russian", "spanish", "swedish",
    "tamil", "turkish",
]  # PostgreSQL's text search configurations


class SearchDef(Strict):
    """`search: {fields: [title, body], language: english}`: full-text search over those fields."""

    fields: list[str] = Field(min_length=1)
    language: SearchLanguage = "english"
    name: str | None = None  # the index's name (default: ft_<entity>)


class EntityDef(Strict):
    description: str | None = None
    table: str | None = None
    fields: dict[str, FieldDef] = Field(min_length=1)
    primary_key: Annotated[list[str], Field(min_length=1)] | NamedKey | None = None
    # A list of field groups, or constraint name -> field group.
    unique: list[FieldGroup] | dict[str, FieldGroup] = []
    indexes: list[IndexDef] = []
    checks: dict[str, str | NamedCheck] = {}
    search: SearchDef | None = None
    patterns: list[PatternUse] = []
    renamed_from: str | None = None


class Relationship(Strict):
    many_to_many: list[str] = Field(min_length=2, max_length=2)
    through: str | None = None
    on_delete: OnAction = "cascade"
    description: str | None = None


FilterOp = Literal["eq", "range", "in", "prefix", "not_null", "match"]


class FilterLiteral(Strict):
    """`{eq: paid}`: the filter always compares with this literal (enables partial indexes)."""

    eq: Scalar


def _filter_kind(value: Any) -> str:
    # Validation sees the YAML's dict; serialization sees the model itself.
    return "#literal" if isinstance(value, (dict, FilterLiteral)) else "#op"


Filter = Annotated[
    Union[Annotated[FilterOp, Tag("#op")], Annotated[FilterLiteral, Tag("#literal")]],
    Discriminator(_filter_kind),
]


class Query(Strict):
    description: str | None = None
    entity: str | None = None
    filter: dict[str, Filter] = {}
    order_by: list[str] = []
    select: list[str] = []
    limit: int | None = Field(default=None, ge=1)
    rate: float | int | None = Field(default=None, ge=0)
    p95_ms: float | int | None = Field(default=None, gt=0)
    sql: str | None = None


class Rule(Strict):
    model_config = ConfigDict(populate_by_name=False)
    name: str
    description: str | None = None
    entity: str | None = None
    assert_: str = Field(alias="assert")
    enforce: Literal["expectation", "trigger", "both"] = "expectation"


Privilege = Literal["select", "insert", "update", "delete", "truncate", "references"]
PiiAccess = Literal["masked", "clear", "hidden"]


def _pii_kind(value: Any) -> str:
    return "#kinds" if isinstance(value, list) else "#access"


class Role(Strict):
    description: str | None = None
    grants: dict[str, list[Privilege]] = {}
    pii: Annotated[
        Union[Annotated[PiiAccess, Tag("#access")], Annotated[list[PiiKind], Tag("#kinds")]],
        Discriminator(_pii_kind),
    ] | None = None
    inherits: list[str] = []


class Tenancy(Strict):
    entity: str
    isolation: Literal["row_level_security", "schema_per_tenant", "database_per_tenant"]


class Encryption(Strict):
    at_rest: bool = False
    in_transit: Literal["required", "preferred", "disabled"] = "required"
    columns: list[str] = []


class AuditPolicy(Strict):
    entities: list[str] = []
    operations: list[Literal["insert", "update", "delete", "select"]] = ["insert", "update", "delete"]


Duration = Annotated[str, Field(pattern=r"^[1-9][0-9]*(h|d|w|m|y)$")]


class Security(Strict):
    roles: dict[str, Role] = {}
    tenancy: Tenancy | None = None
    encryption: Encryption | None = None
    masking: dict[PiiKind, Literal["partial", "hash", "redact", "null", "none"]] = {}
    audit: AuditPolicy | None = None
    retention: dict[str, Duration] = {}
    compliance: list[Literal["gdpr", "hipaa", "pci_dss", "sox", "ccpa", "soc2"]] = []


class Partition(Strict):
    by: Literal["range", "hash", "list"]
    field: str
    interval: Literal["day", "week", "month", "quarter", "year"] | None = None
    retain: int | None = Field(default=None, ge=1)
    count: int | None = Field(default=None, ge=2)


class Sharding(Strict):
    key: str
    engine: Literal["citus", "vitess", "native", "application"] = "citus"
    reference: list[str] = []


class Replicas(Strict):
    read: int = Field(default=0, ge=0)


class ReadModel(Strict):
    model_config = ConfigDict(populate_by_name=False)
    from_: str = Field(alias="from")
    group_by: list[str] = []
    measures: dict[str, Literal["sum", "count", "avg", "min", "max"]] = {}
    description: str | None = None


class Scaling(Strict):
    partitions: dict[str, Partition] = {}
    sharding: Sharding | None = None
    replicas: Replicas | None = None
    read_models: dict[str, ReadModel] = {}


class SeedField(Strict):
    between: list[Scalar] | None = Field(default=None, min_length=2, max_length=2)
    distribution: Literal["uniform", "normal", "zipf", "exponential"] | None = None
    min: float | int | None = None
    max: float | int | None = None
    generator: str | None = None
    values: list[Scalar] | None = Field(default=None, min_length=1)
    null_fraction: float | int | None = Field(default=None, ge=0, le=1)


class Seed(Strict):
    random_seed: int = 0
    rows: dict[str, Annotated[int, Field(ge=0)]] = {}
    scale: float | int | None = Field(default=None, gt=0)
    fields: dict[str, SeedField] = {}


class Slo(Strict):
    p95_ms: float | int | None = Field(default=None, gt=0)
    error_rate: float | int | None = Field(default=None, ge=0, le=1)
    availability: float | int | None = Field(default=None, gt=0, le=1)


class Monitoring(Strict):
    slo: Slo | None = None
    alerts: list[
        Literal[
            "slow_queries", "replication_lag", "table_bloat", "connection_saturation",
            "lock_waits", "row_growth", "deadlocks", "cache_hit_ratio", "disk_usage",
        ]
    ] = []


class Store(Strict):
    database: TargetName
    entities: list[str] = Field(min_length=1)
    service: str | None = None


class ViewDef(Strict):
    """A view over the entities (and earlier views), in PostgreSQL's SQL over design names."""

    description: str | None = None
    sql: str
    materialized: bool = False  # a materialized view where the target has one, with its refresh


class DesignDoc(Strict):
    """A whole design file."""

    schema_: str | None = Field(default=None, alias="$schema", description="editor hint only")
    design: str
    version: str
    description: str
    database: Union[TargetName, Literal["polyglot", "microservices"]] = "postgres"
    targets: list[TargetName] | None = Field(default=None, min_length=1)
    complexity: Literal["simple", "standard", "advanced", "enterprise", "hyperscale"] = "standard"
    conventions: Conventions = Conventions()
    patterns: list[PatternUse] = []
    allow_destructive: bool = False
    types: dict[str, DomainType] = {}
    entities: dict[str, EntityDef] = Field(min_length=1)
    relationships: list[Relationship] = []
    views: dict[str, ViewDef] = {}
    queries: dict[str, Query] = {}
    rules: list[Rule] = []
    security: Security = Security()
    scaling: Scaling = Scaling()
    seed: Seed = Seed()
    monitoring: Monitoring = Monitoring()
    stores: dict[str, Store] = {}


def design_json_schema() -> dict:
    """The JSON Schema of a design file, for editors (yaml-language-server)."""
    schema = DesignDoc.model_json_schema(by_alias=True, schema_generator=GenerateJsonSchema)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "schemaforge design"
    return schema
