"""Vectorized value generators: a column of a batch at a time, never a Python loop per row.

Numbers come from NumPy, text is assembled with Arrow compute kernels from small vocabularies
and the row numbers, so every call is a handful of kernels over the whole batch.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from schemaforge.seed import words
from schemaforge.seed.domains import Domain
from schemaforge.seed.meaning import numeric_range
from schemaforge.seed.arrays import fixed_width_strings
from schemaforge.seed.regex import RegexUnsupported, regex_generator
from schemaforge.design.literals import python_value
from schemaforge.design.model import Column
from schemaforge.design.syntax import SeedField
from schemaforge.design.types import LogicalType

EPOCH = dt.date(1970, 1, 1)
DAY_US = 86_400_000_000
INTEGER_RANGES = {"smallint": (-(2**15), 2**15 - 1), "integer": (-(2**31), 2**31 - 1), "bigint": (-(2**63), 2**63 - 1)}
# Where values fall when neither a check nor the seed section says.
DEFAULT_DATES = (dt.date(2020, 1, 1), dt.date(2025, 12, 31))
DEFAULT_TIMESTAMPS = (dt.date(2023, 1, 1), dt.date(2025, 12, 31))
BIRTH_DATES = (dt.date(1935, 1, 1), dt.date(2007, 12, 31))
DEFAULT_NULL_FRACTION = 0.1
DEFAULT_SHARE = 0.25  # rows that take the column's literal default
TEXT_POOL = 8192  # distinct sentences or paragraphs per batch
BOUNDARY_SHARE = 0.04  # rows at each end of a checked range, so boundary cases are reached

_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def default_scalar(column: Column, arrow: pa.DataType) -> pa.Scalar:
    """The column's literal default as an Arrow scalar of the column's own type."""
    return pa.scalar(python_value(column.default.value, column.type), type=arrow)


class Unsatisfiable(Exception):
    """The design asks for rows that its constraints cannot hold (say, 10 unique booleans);
    `path` is the part of the design that asks."""

    def __init__(self, message: str, path: tuple = (), kind: str = "rows"):
        super().__init__(message)
        self.path = path
        self.kind = kind  # the seed problem it is reported as (see report.py)


@dataclass
class ColumnSpec:
    """Everything the generator knows about one column."""

    column: Column
    total_rows: int
    domain: Domain = field(default_factory=Domain)
    seed: SeedField | None = None
    unique: bool = False
    semantic: str | None = None

    @property
    def type(self) -> LogicalType:
        return self.column.type

    @property
    def null_fraction(self) -> float:
        if not self.column.nullable:
            return 0.0
        if self.seed is not None and self.seed.null_fraction is not None:
            return float(self.seed.null_fraction)
        if self.column.added_by == "soft_delete":
            return 0.95
        return DEFAULT_NULL_FRACTION


def arrow_type(typ: LogicalType) -> pa.DataType:
    kind = typ.kind
    simple = {
        "boolean": pa.bool_(), "smallint": pa.int16(), "integer": pa.int32(), "bigint": pa.int64(),
        "real": pa.float32(), "double": pa.float64(), "date": pa.date32(), "time": pa.time64("us"),
        "timestamp": pa.timestamp("us"), "timestamptz": pa.timestamp("us", tz="UTC"), "bytes": pa.binary(),
    }
    if kind in simple:
        return simple[kind]
    if kind == "decimal":
        return pa.decimal128(typ.precision, typ.scale)
    if kind == "array":
        return pa.list_(arrow_type(typ.item))
    return pa.string()  # string, text, enum, uuid, json, interval


# -- numbers ------------------------------------------------------------------------------------
def _unit_bounds(spec: ColumnSpec, default: tuple[float, float], resolution: float, limits: tuple[float, float]):
    """Inclusive integer bounds in units of `resolution`, from the domain, seed section and type."""
    domain, seed = spec.domain, spec.seed
    low, high = default
    if seed is not None and seed.min is not None:
        low = seed.min
    if seed is not None and seed.max is not None:
        high = seed.max
    if domain.low is not None:
        low = max(low, domain.low) if seed and seed.min is not None else domain.low
        if high < low:
            high = low + (default[1] - default[0])
    if domain.high is not None:
        high = min(high, domain.high) if seed and seed.max is not None else domain.high
        if low > high:
            low = high - (default[1] - default[0])
    low_units = int(np.ceil(round(low / resolution, 6)))
    high_units = int(np.floor(round(high / resolution, 6)))
    if domain.low is not None and domain.low_open and low_units * resolution <= domain.low:
        low_units += 1
    if domain.high is not None and domain.high_open and high_units * resolution >= domain.high:
        high_units -= 1
    low_units = max(low_units, int(limits[0] / resolution) if limits[0] > -2**62 else low_units)
    high_units = min(high_units, int(limits[1] / resolution) if limits[1] < 2**62 else high_units)
    if low_units > high_units:
        raise Unsatisfiable(f"no {spec.type} value of '{spec.column.name}' satisfies its checks and seed range", spec.column.path)
    return low_units, high_units


def _draw_units(spec: ColumnSpec, rng: np.random.Generator, n: int, low: int, high: int) -> np.ndarray:
    span = high - low
    distribution = spec.seed.distribution if spec.seed is not None else None
    u = rng.random(n)
    if distribution == "zipf":
        return low + _zipf_ranks(rng, n, span + 1)
    if distribution == "normal":
        u = np.clip(rng.normal(0.5, 0.15, n), 0, 1)
    elif distribution == "exponential":
        u = np.minimum(rng.exponential(0.2, n), 1.0)
    elif distribution is None:
        u = u * u  # small values more common, as with prices and quantities
    units = low + np.floor(u * (span + 1)).astype(np.int64)
    units = np.minimum(units, high)
    if spec.domain.low is not None or spec.domain.high is not None:
        edge = rng.random(n)
        units = np.where(edge < BOUNDARY_SHARE, low, np.where(edge > 1 - BOUNDARY_SHARE, high, units))
    return units


def _zipf_ranks(rng: np.random.Generator, n: int, support: int, exponent: float = 1.2) -> np.ndarray:
    """Zipf over a finite support 0..support-1 (NumPy's is unbounded: clipping piles up the top)."""
    if support <= 1_000_000:
        weights = 1.0 / np.arange(1, support + 1) ** exponent
        return rng.choice(support, n, p=weights / weights.sum()).astype(np.int64)
    ranks = rng.zipf(exponent + 0.4, n) - 1
    while (over := ranks >= support).any():
        ranks[over] = rng.zipf(exponent + 0.4, int(over.sum())) - 1
    return ranks.astype(np.int64)


def _unique_units(spec: ColumnSpec, rng: np.random.Generator, rows: np.ndarray, low: int, high: int) -> np.ndarray:
    span = high - low + 1
    if spec.total_rows > span:
        raise Unsatisfiable(f"'{spec.column.name}' must be unique over {spec.total_rows} rows but its checks allow only {span} values", spec.column.path)
    step = min(span // max(spec.total_rows, 1), 1 << 32)  # spread out, but within int64
    return low + rows * step + rng.integers(0, step, len(rows))


def _plausible(spec: ColumnSpec, fallback: tuple[float, float]) -> tuple[float, float]:
    """The default range of a number: what its name says (meaning.py), else `fallback`."""
    return numeric_range(spec.column.name) or fallback


def _integers(spec: ColumnSpec, rng, rows) -> np.ndarray:
    limits = INTEGER_RANGES[spec.type.kind]
    default = _plausible(spec, (0, 1000)) if not spec.unique else (1, limits[1])
    low, high = _unit_bounds(spec, default, 1, limits)
    if spec.unique:
        return _unique_units(spec, rng, rows, low, high)
    return _draw_units(spec, rng, len(rows), low, high)


def _decimals(spec: ColumnSpec, rng, rows) -> pa.Array:
    typ = spec.type
    resolution = 10.0 ** -typ.scale
    largest = 10.0 ** (typ.precision - typ.scale) - resolution
    low, high = _plausible(spec, (0, 1000.0))
    low, high = _unit_bounds(spec, (max(low, -largest), min(high, largest)), resolution, (-largest, largest))
    units = _unique_units(spec, rng, rows, low, high) if spec.unique else _draw_units(spec, rng, len(rows), low, high)
    return decimal_array(units, typ.precision, typ.scale)


def decimal_array(units: np.ndarray, precision: int, scale: int) -> pa.Array:
    """Exact decimals from integer units of 10^-scale: the int128 words written directly."""
    units = units.astype(np.int64)
    words = np.empty((len(units), 2), dtype="<i8")
    words[:, 0] = units
    words[:, 1] = units >> 63  # sign extension
    return pa.Array.from_buffers(pa.decimal128(precision, scale), len(units), [None, pa.py_buffer(words.tobytes())])


def _floats(spec: ColumnSpec, rng, rows) -> np.ndarray:
    low, high = _unit_bounds(spec, _plausible(spec, (0, 1000)), 0.001, (-1e300, 1e300))
    return _draw_units(spec, rng, len(rows), low, high) * 0.001


# -- dates and times ----------------------------------------------------------------------------
def _day(value) -> int:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    return (value - EPOCH).days


def _date_range(spec: ColumnSpec, default: tuple[dt.date, dt.date]) -> tuple[int, int]:
    if spec.seed is not None and spec.seed.between:
        low, high = spec.seed.between
        return _day(low), _day(high)
    if spec.semantic == "dob":
        default = BIRTH_DATES
    return _day(default[0]), _day(default[1])


def _dates(spec: ColumnSpec, rng, rows) -> np.ndarray:
    low, high = _date_range(spec, DEFAULT_DATES)
    if spec.unique:
        return _unique_units(spec, rng, rows, low, high).astype(np.int32)
    return rng.integers(low, high + 1, len(rows)).astype(np.int32)


def _timestamps(spec: ColumnSpec, rng, rows) -> np.ndarray:
    low, high = _date_range(spec, DEFAULT_TIMESTAMPS)
    low_us, high_us = low * DAY_US, (high + 1) * DAY_US - 1
    if spec.unique:
        return _unique_units(spec, rng, rows, low_us // 1_000_000, high_us // 1_000_000) * 1_000_000
    # Whole seconds, in business hours more often than not.
    days = rng.integers(low, high + 1, len(rows))
    seconds = np.clip(rng.normal(13 * 3600, 3 * 3600, len(rows)), 0, 86_399).astype(np.int64)
    return days * DAY_US + seconds * 1_000_000


# -- text ---------------------------------------------------------------------------------------
def _pick(vocabulary: tuple[str, ...], rng, n: int) -> pa.Array:
    return pa.array(vocabulary).take(pa.array(rng.integers(0, len(vocabulary), n)))


def _join(*parts, sep: str = "") -> pa.Array:
    return pc.binary_join_element_wise(*parts, sep)


def _numbers(values: np.ndarray, width: int = 0) -> pa.Array:
    text = pc.cast(pa.array(values), pa.string())
    return pc.utf8_lpad(text, width, "0") if width else text


def _hex(data: np.ndarray) -> np.ndarray:
    """(n, k) bytes -> (n, 2k) ASCII hex digits."""
    out = np.empty((data.shape[0], data.shape[1] * 2), dtype=np.uint8)
    out[:, 0::2] = _HEX[data >> 4]
    out[:, 1::2] = _HEX[data & 15]
    return out


def uuids(rng, n: int) -> pa.Array:
    raw = rng.integers(0, 256, (n, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40  # version 4
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80  # RFC 4122 variant
    digits = _hex(raw)
    text = np.full((n, 36), ord("-"), dtype=np.uint8)
    for start, (a, b) in zip((0, 9, 14, 19, 24), ((0, 8), (8, 12), (12, 16), (16, 20), (20, 32))):
        text[:, start:start + b - a] = digits[:, a:b]
    return fixed_width_strings(text)


def _code_prefix(column: Column) -> str:
    letters = "".join(ch for ch in column.field if ch.isalpha())
    return (letters[:3] or "ID").upper() + "-"


def _text(spec: ColumnSpec, rng, rows) -> pa.Array:
    n = len(rows)
    kind = spec.semantic
    ordinal = _numbers(rows + 1)
    if kind == "email":
        first = pc.utf8_lower(_pick(words.FIRST_NAMES, rng, n))
        last = pc.utf8_lower(_pick(words.LAST_NAMES, rng, n))
        number = ordinal if spec.unique else _numbers(rng.integers(1, 1000, n))
        return _join(_join(first, last, number, sep="."), _pick(words.EMAIL_DOMAINS, rng, n), sep="@")
    if kind in ("name", "first_name", "last_name"):
        first, last = _pick(words.FIRST_NAMES, rng, n), _pick(words.LAST_NAMES, rng, n)
        text = {"name": lambda: _join(first, last, sep=" "), "first_name": lambda: first, "last_name": lambda: last}[kind]()
        return _join(text, ordinal, sep=" ") if spec.unique else text
    if kind == "phone":
        number = rows + 2_000_000 if spec.unique else rng.integers(2_000_000, 9_999_999, n)
        return _join(pa.array(["+1 555"] * n), _numbers(number, 7), sep=" ")
    if kind == "url":
        suffix = ordinal if spec.unique else _pick(words.WORDS, rng, n)
        return _join(pa.array(["https://www"] * n), _join(_pick(words.WORDS, rng, n), pa.array(["example.com/"] * n), sep="."), suffix, sep=".")
    if kind == "address":
        number = _numbers(rng.integers(1, 400, n))
        return _join(_join(number, _pick(words.STREETS, rng, n), sep=" "), _pick(words.CITIES, rng, n), sep=", ")
    if kind == "city":
        return _pick(words.CITIES, rng, n)
    if kind in ("country", "iso_country"):
        short = kind == "iso_country" or (spec.type.length or 99) < 12
        return _pick(words.COUNTRIES if short else words.COUNTRY_NAMES, rng, n)
    if kind == "state":
        return _pick(words.STATE_CODES if (spec.type.length or 99) < 12 else words.STATES, rng, n)
    if kind in ("title", "job_title"):
        vocabulary = words.TITLES if kind == "title" else words.JOB_TITLES
        return _join(_pick(vocabulary, rng, n), ordinal, sep=" ") if spec.unique else _pick(vocabulary, rng, n)
    if kind == "password_hash":  # the shape of a bcrypt hash: $2b$12$ and 53 characters of salt and digest
        alphabet = np.frombuffer(b"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", dtype=np.uint8)
        body = alphabet[rng.integers(0, len(alphabet), (n, 53))]
        return _join(pa.array(["$2b$12$"] * n), fixed_width_strings(body), sep="")
    if kind == "company":
        return _join(pc.utf8_capitalize(_pick(words.WORDS, rng, n)), _pick(words.COMPANY_SUFFIXES, rng, n), sep=" ")
    if kind in ("ip", "ipv4"):
        octets = [_numbers(rng.integers(1, 255, n)) for _ in range(4)]
        return _join(*octets, sep=".")
    if kind == "uuid":
        return uuids(rng, n)
    if kind in ("sentence", "paragraph", "free_text", "health"):
        # Prose is assembled for a pool of rows and picked from per row: building every
        # row's twelve words costs more than the rest of the row together.
        count, size = (12 if kind == "paragraph" else 6), min(n, TEXT_POOL)
        sentence = _join(*[_pick(words.WORDS, rng, size) for _ in range(count)], sep=" ")
        pool = pc.utf8_capitalize(_join(sentence, pa.array(["."] * size), sep=""))
        text = pool.take(pa.array(rng.integers(0, size, n)))
        return _join(text, ordinal, sep=" ") if spec.unique else text
    if kind == "ssn":
        return _join(_numbers(rng.integers(100, 900, n)), _numbers(rng.integers(10, 100, n)), _numbers(rng.integers(1000, 10000, n)), sep="-")
    if kind == "card":
        return _join(pa.array(["4000"] * n), *[_numbers(rng.integers(0, 10000, n), 4) for _ in range(3)], sep=" ")
    if kind == "slug":
        return _join(_pick(words.WORDS, rng, n), ordinal if spec.unique else _pick(words.WORDS, rng, n), sep="-")
    if kind == "iso_currency":
        return _pick(("EUR", "USD", "GBP", "JPY", "CHF"), rng, n)
    if kind == "hex_color":
        return _join(pa.array(["#"] * n), fixed_width_strings(_hex(rng.integers(0, 256, (n, 3), dtype=np.uint8))), sep="")
    if kind == "postal_code":
        return _numbers(rng.integers(10000, 99999, n))
    if kind == "hostname":
        return _join(_pick(words.WORDS, rng, n), ordinal, pa.array(["example.com"] * n), sep=".")
    if kind == "code":
        width = max(len(str(spec.total_rows)), 4)
        return _join(pa.array([_code_prefix(spec.column)] * n), _numbers(rows + 1, width), sep="")
    text = _join(pc.utf8_capitalize(_pick(words.WORDS, rng, n)), _pick(words.WORDS, rng, n), sep=" ")
    return _join(text, ordinal, sep=" ") if spec.unique else text


def _fit_text(spec: ColumnSpec, text: pa.Array) -> pa.Array:
    domain = spec.domain
    if domain.prefix:
        text = _join(pa.array([domain.prefix] * len(text)), text, sep="")
    if domain.case == "upper":
        text = pc.utf8_upper(text)
    elif domain.case == "lower":
        text = pc.utf8_lower(text)
    limit = _text_limit(spec)
    if spec.unique and len(str(spec.total_rows)) > limit:
        raise Unsatisfiable(f"'{spec.column.name}' must be unique over {spec.total_rows} rows but holds only {limit} characters", spec.column.path)
    if (pc.max(pc.utf8_length(text)).as_py() or 0) > limit:
        if spec.unique:  # keep the distinguishing number at the end
            text = pc.utf8_slice_codeunits(pc.utf8_reverse(text), 0, limit)
            text = pc.utf8_reverse(text)
        else:
            text = pc.utf8_slice_codeunits(text, 0, limit)
    return text


def _json(rng, n: int) -> pa.Array:
    keys = _pick(("theme", "locale", "plan", "source"), rng, n)
    values = _pick(words.WORDS, rng, n)
    return _join(pa.array(['{"'] * n), keys, pa.array(['": "'] * n), values, pa.array(['"}'] * n), sep="")


# -- one column ---------------------------------------------------------------------------------
def _scalar_values(spec: ColumnSpec, rng: np.random.Generator, rows: np.ndarray) -> pa.Array:
    typ, n = spec.type, len(rows)
    kind = typ.kind
    seed = spec.seed
    if seed is not None and seed.values:
        return pa.array(seed.values).take(pa.array(rng.integers(0, len(seed.values), n))).cast(arrow_type(typ))
    if spec.domain.allowed is not None and kind not in ("boolean",):
        allowed = [v for v in spec.domain.allowed if v not in spec.domain.excluded]
        if spec.unique:
            if spec.total_rows > len(allowed):
                raise Unsatisfiable(f"'{spec.column.name}' must be unique over {spec.total_rows} rows but its check allows {len(allowed)} values", spec.column.path)
            return pa.array(allowed).take(pa.array(rows)).cast(arrow_type(typ))
        return pa.array(allowed).take(pa.array(rng.integers(0, len(allowed), n))).cast(arrow_type(typ))
    if kind == "boolean":
        if spec.unique and spec.total_rows > 2:
            raise Unsatisfiable(f"'{spec.column.name}' is a unique boolean over {spec.total_rows} rows", spec.column.path)
        return pa.array(rows % 2 == 1 if spec.unique else rng.random(n) < 0.5)
    if kind in INTEGER_RANGES:
        return pa.array(_integers(spec, rng, rows), arrow_type(typ))
    if kind == "decimal":
        return _decimals(spec, rng, rows)
    if kind in ("real", "double"):
        return pa.array(_floats(spec, rng, rows), arrow_type(typ))
    if kind == "enum":
        values = [v for v in typ.values if v not in spec.domain.excluded]
        if spec.unique:
            if spec.total_rows > len(values):
                raise Unsatisfiable(f"'{spec.column.name}' is a unique enum of {len(values)} values over {spec.total_rows} rows", spec.column.path)
            return pa.array(values).take(pa.array(rows))
        weights = 1.0 / np.arange(1, len(values) + 1)
        return pa.array(values).take(pa.array(rng.choice(len(values), n, p=weights / weights.sum())))
    if kind == "uuid":
        return uuids(rng, n)
    if kind == "date":
        return pa.array(_dates(spec, rng, rows), pa.int32()).cast(pa.date32())
    if kind in ("timestamp", "timestamptz"):
        return pa.array(_timestamps(spec, rng, rows), pa.int64()).cast(arrow_type(typ))
    if kind == "time":
        return pa.array(rng.integers(0, 86_400, n) * 1_000_000, pa.int64()).cast(pa.time64("us"))
    if kind == "interval":
        return _join(_numbers(rng.integers(1, 90, n)), pa.array(["days"] * n), sep=" ")
    if kind == "json":
        return _json(rng, n)
    if kind == "bytes":
        return fixed_width_strings(rng.integers(0, 256, (n, 16), dtype=np.uint8), pa.binary())
    if kind == "array":
        item = ColumnSpec(Column(spec.column.name, spec.column.physical, spec.column.field, typ.item, False, spec.column.path), spec.total_rows)
        lengths = rng.integers(0, 4, n)
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
        items = _scalar_values(item, rng, np.arange(offsets[-1], dtype=np.int64))
        return pa.ListArray.from_arrays(pa.array(offsets), items)
    if spec.domain.patterns and kind in ("string", "text"):
        return _matching_text(spec, rng, rows)
    if spec.unique and len(str(spec.total_rows)) > _text_limit(spec):
        codes = _short_codes(spec, rows)
        return pc.utf8_lower(codes) if spec.domain.case == "lower" else codes
    return _fit_text(spec, _text(spec, rng, rows))


def _text_limit(spec: ColumnSpec) -> int:
    return min(x for x in (spec.type.length, spec.domain.max_length, 10_000) if x is not None)


_CODE_ALPHABET = np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", dtype=np.uint8)


def _short_codes(spec: ColumnSpec, rows: np.ndarray) -> pa.Array:
    """Unique values too narrow for the row number in digits (a char(3) code over 1,000 rows):
    the row number in base 36, as wide as the column."""
    width = _text_limit(spec)
    if len(_CODE_ALPHABET) ** width < spec.total_rows:
        raise Unsatisfiable(f"'{spec.column.name}' must be unique over {spec.total_rows} rows but holds only "
                            f"{width} characters", spec.column.path)
    places = len(_CODE_ALPHABET) ** np.arange(width - 1, -1, -1, dtype=np.int64)
    digits = (rows.astype(np.int64)[:, None] // places[None, :]) % len(_CODE_ALPHABET)
    return fixed_width_strings(_CODE_ALPHABET[digits])


def _matching_text(spec: ColumnSpec, rng: np.random.Generator, rows: np.ndarray) -> pa.Array:
    """Text for a column held to regexes: the column's usual values where they all match (an
    email format keeps real-looking emails), else strings generated from the first pattern and
    kept where they match the others too (RE2, as DuckDB and Arrow match)."""
    patterns = [p for p, _ in spec.domain.patterns]
    limit = _text_limit(spec)
    usual = _fit_text(spec, _text(spec, rng, rows)) if spec.semantic else None
    if usual is not None and all(_all_match(usual, p) for p in patterns):
        return usual
    pattern, path = spec.domain.patterns[0]
    try:
        generator = regex_generator(pattern)
        values = generator.column(rng, rows, spec.total_rows, spec.unique, limit, key=len(pattern) * 7919)
    except RegexUnsupported as problem:
        raise Unsatisfiable(f"no value of '{spec.column.name}' can be generated for the regex {pattern!r}: {problem}",
                            path, kind="regex") from None
    for other in patterns[1:]:
        if not _all_match(values, other):
            raise Unsatisfiable(f"the values generated for '{spec.column.name}' from {pattern!r} do not all match "
                                f"{other!r}; write the two as one pattern", path, kind="regex")
    return values


def _all_match(values: pa.Array, pattern: str) -> bool:
    try:
        matched = pc.match_substring_regex(values, pattern)
    except pa.ArrowInvalid:  # RE2 cannot read it: let DuckDB's evaluation of the check decide
        return True
    return bool(pc.all(matched).as_py() is not False)


def column_values(spec: ColumnSpec, rng: np.random.Generator, rows: np.ndarray) -> pa.Array:
    """`len(rows)` values of the column; `rows` are the global row numbers (for unique values)."""
    values = _scalar_values(spec, rng, rows)
    default = spec.column.default
    if default is not None and default.kind == "literal" and not spec.unique and spec.type.kind != "array":
        takes_default = rng.random(len(rows)) < DEFAULT_SHARE
        values = pc.if_else(pa.array(takes_default), default_scalar(spec.column, values.type), values)
    return with_nulls(values, rng, spec.null_fraction)


def with_nulls(values: pa.Array, rng: np.random.Generator, fraction: float) -> pa.Array:
    if fraction <= 0:
        return values
    mask = rng.random(len(values)) < fraction
    return pc.if_else(pa.array(mask), pa.nulls(len(values), values.type), values)
