"""Literal defaults: checked against their type and written in one canonical form.

A default is validated where the design says it (range, precision and scale, calendar, clock),
so a bad one is a located loader error rather than an engine's refusal later. What passes is
kept in a form every generator reads the same way: decimals as plain digits, dates as
`YYYY-MM-DD`, times as `HH:MM:SS[.ffffff]`, timestamps as `YYYY-MM-DD HH:MM:SS[.ffffff]` (UTC
for `timestamptz`).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal, InvalidOperation

from schemaforge.design.structure import suggest
from schemaforge.design.types import LogicalType

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_TIME = re.compile(r"^\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?$")
_ISO_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}(:?\d{2})?)?$")
_INTERVAL = re.compile(r"^\s*\d+\s+(year|month|week|day|hour|minute|second)s?(\s+\d+\s+(year|month|week|day|hour|minute|second)s?)*\s*$", re.I)
INTEGER_RANGE = {"smallint": 2**15, "integer": 2**31, "bigint": 2**63}
# Years every target's date types hold (SQL Server's DATETIME2 and Oracle's DATE start at year 1,
# ClickHouse's Date32 at 1900 and ends at 2299).
YEARS = (1900, 2299)


class LiteralProblem(ValueError):
    """Why a literal does not fit its type, said for the design's author."""


def canonical_literal(value, typ: LogicalType):
    """`value` in its canonical form for `typ`; raises LiteralProblem when it does not fit."""
    kind = typ.kind
    if kind == "boolean":
        if not isinstance(value, bool):
            raise LiteralProblem("write true or false")
        return value
    if isinstance(value, bool):
        raise LiteralProblem("a boolean fits boolean fields only")
    if typ.is_integer:
        if not isinstance(value, int):
            raise LiteralProblem("write a whole number")
        limit = INTEGER_RANGE[kind]
        if not -limit <= value < limit:
            raise LiteralProblem(f"out of range for {kind} ({-limit} to {limit - 1})")
        return value
    if kind == "decimal":
        return _decimal(value, typ)
    if kind in ("real", "double"):
        if not isinstance(value, (int, float)) or not math.isfinite(value):
            raise LiteralProblem("write a finite number")
        return value
    if not isinstance(value, str):
        raise LiteralProblem("write a string")
    if kind == "string" and len(value) > typ.length:
        raise LiteralProblem(f"longer than {typ.length} characters")
    if kind == "enum" and value not in typ.values:
        raise LiteralProblem(f"not one of {', '.join(typ.values)}{suggest(value, typ.values)}")
    if kind == "uuid" and not _UUID.match(value):
        raise LiteralProblem("write a uuid such as 1b4e28ba-2fa1-11d2-883f-0016d3cca427, or uuid for a random one")
    if kind == "date":
        return _date(value)
    if kind == "time":
        return _time(value)
    if kind in ("timestamp", "timestamptz"):
        return _timestamp(value, kind == "timestamptz")
    if kind == "interval":
        if not _INTERVAL.match(value):
            raise LiteralProblem("write an interval such as '30 days' or '1 hour 30 minutes'")
        return " ".join(value.split())
    if kind in ("bytes", "array", "json"):
        raise LiteralProblem(f"literal defaults are not supported for {kind}")
    return value


def _decimal(value, typ: LogicalType) -> str:
    if isinstance(value, str) or not isinstance(value, (int, float)):
        raise LiteralProblem("write a number")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise LiteralProblem("write a number") from None
    if not number.is_finite():
        raise LiteralProblem("write a finite number")
    exponent = number.as_tuple().exponent
    if -exponent > typ.scale and number != number.quantize(Decimal(1).scaleb(-typ.scale)):
        raise LiteralProblem(f"has more than {typ.scale} digits after the point")
    whole_digits = len(str(abs(int(number)))) if abs(number) >= 1 else 0
    if whole_digits > typ.precision - typ.scale:
        raise LiteralProblem(f"has more than {typ.precision - typ.scale} digits before the point")
    text = format(number.quantize(Decimal(1).scaleb(-typ.scale)), "f")
    return text


def _date(value: str) -> str:
    if not _ISO_DATE.match(value):
        raise LiteralProblem("write an ISO date such as 2024-01-31, or today")
    try:
        day = dt.date.fromisoformat(value)
    except ValueError as error:
        raise LiteralProblem(f"not a date on the calendar ({error})") from None
    _in_years(day.year)
    return day.isoformat()


def _time(value: str) -> str:
    if not _ISO_TIME.match(value):
        raise LiteralProblem("write a time such as 09:30 or 09:30:00, or now")
    try:
        return dt.time.fromisoformat(value).isoformat()
    except ValueError as error:
        raise LiteralProblem(f"not a time of day ({error})") from None


def _timestamp(value: str, zoned: bool) -> str:
    if not _ISO_TIMESTAMP.match(value):
        raise LiteralProblem("write an ISO timestamp such as 2024-01-31T12:00:00Z, or now")
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as error:
        raise LiteralProblem(f"not a moment on the calendar ({error})") from None
    if moment.tzinfo is not None and not zoned:
        raise LiteralProblem("a timestamp without time zone takes no offset; use timestamptz, or drop the offset")
    if zoned:
        moment = (moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)).astimezone(dt.timezone.utc)
        moment = moment.replace(tzinfo=None)
    _in_years(moment.year)
    return moment.isoformat(sep=" ")


def _in_years(year: int) -> None:
    if not YEARS[0] <= year <= YEARS[1]:
        raise LiteralProblem(f"year {year} is outside {YEARS[0]}-{YEARS[1]}, the range every target's date types hold")


def python_value(value, typ: LogicalType):
    """The canonical literal as the Python object Arrow takes for `typ` (for seed data)."""
    kind = typ.kind
    if kind == "decimal":
        return Decimal(str(value))
    if kind == "date":
        return dt.date.fromisoformat(value)
    if kind == "time":
        return dt.time.fromisoformat(value)
    if kind in ("timestamp", "timestamptz"):
        moment = dt.datetime.fromisoformat(value)
        return moment.replace(tzinfo=dt.timezone.utc) if kind == "timestamptz" else moment
    return value
