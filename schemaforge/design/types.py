"""Logical types: `decimal(12,2)`, `string(200)`, `enum(a, b)`, `array(T)` and the plain names."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

SIMPLE_TYPES = (
    "boolean", "smallint", "integer", "bigint", "real", "double", "text", "uuid", "date", "time",
    "timestamp", "timestamptz", "interval", "json", "bytes",
)
PARAMETRIC_TYPES = ("decimal", "string", "char", "enum", "array")
ALL_TYPE_NAMES = SIMPLE_TYPES + PARAMETRIC_TYPES
INTEGER_KINDS = ("smallint", "integer", "bigint")
NUMERIC_KINDS = INTEGER_KINDS + ("decimal", "real", "double")
TEMPORAL_KINDS = ("date", "time", "timestamp", "timestamptz", "interval")
MAX_DECIMAL_PRECISION = 38  # the smallest limit of our SQL targets (DuckDB, SQL Server)
MAX_STRING_LENGTH = 10_485_760  # PostgreSQL's varchar limit

_CALL = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\((.*)\))?\s*$", re.S)
_ENUM_VALUE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_ .\-]{0,62}$")


@dataclass(frozen=True)
class LogicalType:
    kind: str
    length: int | None = None
    precision: int | None = None
    scale: int | None = None
    values: tuple[str, ...] = ()
    item: LogicalType | None = None
    domain: str | None = None  # the `types:` name it was written as, if any
    # char(n): a string of fixed width, a string everywhere but in the SQL type it is stored as.
    fixed: bool = False
    # `unsigned: true` on an integer: carried by the type, so that a reference's column, which
    # copies its key's type, is UNSIGNED too where the target has the type (MySQL refuses a
    # foreign key from INT to INT UNSIGNED).
    unsigned: bool = False

    def __str__(self) -> str:
        if self.kind == "decimal":
            return f"decimal({self.precision},{self.scale})"
        if self.kind == "string":
            return f"{'char' if self.fixed else 'string'}({self.length})"
        if self.unsigned:
            return f"{self.kind} unsigned"
        if self.kind == "enum":
            return f"enum({', '.join(self.values)})"
        if self.kind == "array":
            return f"array({self.item})"
        return self.kind

    @property
    def is_integer(self) -> bool:
        return self.kind in INTEGER_KINDS

    def named(self, domain: str) -> LogicalType:
        return replace(self, domain=domain)


class TypeError_(ValueError):
    """A type expression that does not parse; `unknown` is set when the name is not known."""

    def __init__(self, message: str, unknown: str | None = None):
        super().__init__(message)
        self.unknown = unknown


def parse_type(text: str, domains: dict[str, LogicalType]) -> LogicalType:
    """Parse a type expression, resolving names from `types:` through `domains`."""
    match = _CALL.match(text)
    if not match:
        raise TypeError_(f"'{text}' is not a type; write e.g. string(200), decimal(12,2), enum(a, b)")
    name, args = match.group(1), match.group(2)
    lowered = name.lower()
    if lowered in domains and args is None:
        return domains[lowered]
    if lowered in SIMPLE_TYPES:
        if args is not None:
            raise TypeError_(f"type '{lowered}' takes no arguments")
        return LogicalType(lowered)
    if lowered == "decimal":
        return _decimal(args)
    if lowered in _LENGTHS:
        what, example = _LENGTHS[lowered]
        if args is None:
            raise TypeError_(f"{lowered} needs a {what}, e.g. {example}")
        length = _positive_int(args, f"{lowered} {what}")
        if length > MAX_STRING_LENGTH:
            raise TypeError_(f"{lowered} {what} {length} is over {MAX_STRING_LENGTH}; use text")
        return LogicalType("string", length=length, fixed=lowered == "char")
    if lowered == "enum":
        return _enum(args)
    if lowered == "array":
        if not args:
            raise TypeError_("array needs an item type, e.g. array(text)")
        item = parse_type(args, domains)
        if item.kind == "array":
            raise TypeError_("arrays of arrays are not supported; use json")
        return LogicalType("array", item=item)
    raise TypeError_(f"unknown type '{name}'", unknown=name)


# The text types with a length: what it is called, and how to write one.
_LENGTHS = {
    "string": ("length", "string(200); use text for unbounded text"),
    "char": ("width", "char(2); use string(n) for text of varying length"),
}


def _decimal(args: str | None) -> LogicalType:
    if args is None:
        raise TypeError_("decimal needs precision and scale, e.g. decimal(12,2)")
    parts = [p.strip() for p in args.split(",")]
    if len(parts) not in (1, 2):
        raise TypeError_("decimal takes (precision, scale), e.g. decimal(12,2)")
    precision = _positive_int(parts[0], "decimal precision")
    scale = _non_negative_int(parts[1], "decimal scale") if len(parts) == 2 else 0
    if precision > MAX_DECIMAL_PRECISION:
        raise TypeError_(f"decimal precision {precision} is over {MAX_DECIMAL_PRECISION}, the limit of some targets")
    if scale > precision:
        raise TypeError_(f"decimal scale {scale} is larger than its precision {precision}")
    return LogicalType("decimal", precision=precision, scale=scale)


def _enum(args: str | None) -> LogicalType:
    if not args or not args.strip():
        raise TypeError_("enum needs at least one value, e.g. enum(pending, paid)")
    values = tuple(v.strip().strip("'\"") for v in args.split(","))
    seen: set[str] = set()
    for value in values:
        if not _ENUM_VALUE.match(value):
            raise TypeError_(
                f"enum value '{value}' must be 1-63 letters, digits, '_', '-', '.' or spaces"
            )
        if value in seen:
            raise TypeError_(f"enum value '{value}' appears twice")
        seen.add(value)
    return LogicalType("enum", values=values)


def _positive_int(text: str, what: str) -> int:
    value = _non_negative_int(text, what)
    if value == 0:
        raise TypeError_(f"{what} must be at least 1")
    return value


def _non_negative_int(text: str, what: str) -> int:
    text = text.strip()
    if not text.isdigit() or len(text) > 9:
        raise TypeError_(f"{what} must be a whole number, not '{text}'")
    return int(text)
