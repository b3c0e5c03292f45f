"""What a large seed will cost, said before it starts: about how long, and how much disk.

The rates are this project's own measurements on its 2-core machine (bench/seed_speed.py for
the Parquet files, bench/big_build.py for the load scripts), so the figures are an order of
magnitude to plan by, not a promise. The disk is what the load scripts' literals take, from each
column's type, plus the Parquet files.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemaforge.design.model import Design
from schemaforge.design.types import LogicalType

LARGE_SEED_ROWS = 1_000_000  # from here on, the build says what it will cost and how far it is
GENERATED_ROWS_PER_SECOND = 800_000
SCRIPT_ROWS_PER_SECOND = 320_000  # one target's load script
PARQUET_SHARE = 0.35  # a Parquet file's size against one script's text, in the examples

# Typical width of a value as a SQL literal, quotes and separator included.
_WIDTH = {
    "boolean": 6, "smallint": 5, "integer": 8, "bigint": 10, "real": 12, "double": 18, "uuid": 40,
    "date": 14, "time": 12, "timestamp": 23, "timestamptz": 29, "interval": 20, "json": 40, "bytes": 40,
    "text": 60, "array": 30,
}


def literal_width(typ: LogicalType) -> int:
    if typ.kind in ("string", "char"):
        return min(typ.length or 24, 24) + 4
    if typ.kind == "decimal":
        return (typ.precision or 12) // 2 + 4
    if typ.kind == "enum":
        return max(len(v) for v in typ.values) + 4
    return _WIDTH.get(typ.kind, 20)


@dataclass(frozen=True)
class SeedCost:
    rows: int
    seconds: float
    bytes: int

    def __str__(self) -> str:
        minutes = f"{self.seconds / 60:,.0f} min" if self.seconds >= 90 else f"{self.seconds:,.0f} s"
        return f"{self.rows:,} rows: about {minutes} and {size(self.bytes)} of disk"


def size(count: int) -> str:
    return f"{count / 2**30:,.1f} GiB" if count >= 2**30 else f"{count / 2**20:,.1f} MiB"


def seed_cost(design: Design, counts: dict[str, int], targets: list[str]) -> SeedCost:
    rows = sum(counts.values())
    text = sum(counts[name] * (sum(literal_width(c.type) for c in entity.columns) + 4)
               for name, entity in design.entities.items())
    seconds = rows / GENERATED_ROWS_PER_SECOND + rows * len(targets) / SCRIPT_ROWS_PER_SECOND
    return SeedCost(rows, seconds, int(text * (len(targets) + PARQUET_SHARE)))
