"""Typical parameters for an access pattern, drawn from its seed data with DuckDB.

A query is measured as an application calls it: for a key it looks up, a value with the median
number of rows (not the busiest, whose rows would dominate); for a range, a window of about
WINDOW_ROWS of that key's rows from the middle of its span; for a list, two values the column
holds in that key's rows; for a prefix, the first letters of a value of that key's rows. Every value is drawn from the rows the
pattern can return (its constant conditions hold: `{eq: literal}`, `not_null`, a soft delete's
hidden rows left out), so that the drawn key finds rows. Parameters compared with no column are
not drawn (the caller is told by their absence).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from schemaforge.design.model import AccessPattern, Design, Entity
from schemaforge.queries.render import RenderedQuery
from schemaforge.seed.sql import literal, parquet_path

WINDOW_ROWS = 20
PREFIX_LETTERS = 3


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _after(value: Any) -> Any:
    """The smallest step past `value`: what makes an exclusive upper end include it."""
    if isinstance(value, datetime):
        return value + timedelta(microseconds=1)
    if isinstance(value, date):
        return value + timedelta(days=1)
    if isinstance(value, (int, Decimal)):
        return value + 1
    if isinstance(value, float):
        return value + abs(value) * 1e-9 + 1e-9
    return value


def seed_reader() -> duckdb.DuckDBPyConnection:
    """A DuckDB connection to draw parameters with (one can serve every query of a design)."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    return con


def _returnable(pattern: AccessPattern | None, entity: Entity) -> tuple[str, list[Any]]:
    """The condition (DuckDB, with its bound values) that holds on the rows of `entity` the
    pattern can return whatever its parameters: its constant conditions. An `sql` pattern's are
    not read (its parameters may belong to several tables)."""
    if pattern is None or pattern.entity != entity.name:
        return "TRUE", []
    conditions, values = ["TRUE"], []
    for condition in pattern.filters:
        for name in condition.columns:
            column = _quoted(entity.physical(name))
            if condition.op == "literal":
                conditions.append(f"{column} = ?")
                values.append(condition.literal)
            elif condition.op == "not_null":
                conditions.append(f"{column} IS NOT NULL")
    hidden = entity.soft_delete_column
    if hidden and all(hidden not in f.columns for f in pattern.filters):
        conditions.append(f"{_quoted(entity.physical(hidden))} IS NULL")
    return " AND ".join(conditions), values


def draw_parameters(design: Design, query: RenderedQuery, seed_dir: Path,
                    con: duckdb.DuckDBPyConnection | None = None) -> dict[str, Any]:
    """Values for the parameters of `query` (one of the design's patterns, rendered for any
    target) from the seed's Parquet files in `seed_dir`."""
    own = con is None
    con = seed_reader() if own else con
    drawn: dict[str, Any] = {}
    by_entity: dict[str, list] = {}
    for parameter in query.parameters:
        if parameter.entity is not None and parameter.column is not None:
            by_entity.setdefault(parameter.entity, []).append(parameter)
    for name, group in by_entity.items():
        entity = design.entities[name]
        returnable, constants = _returnable(design.queries.get(query.name), entity)
        source = (f"(SELECT * FROM read_parquet({literal(str(parquet_path(seed_dir, entity)))}) "
                  f"WHERE {returnable})")
        column = {p.name: _quoted(entity.physical(p.column)) for p in group}
        keys = [p for p in group if p.kind == "value" and not p.note]
        where = "TRUE"
        if keys:  # the key with the median number of rows
            names = ", ".join(column[p.name] for p in keys)
            row = con.execute(
                f"SELECT {names} FROM (SELECT {names}, count(*) AS n FROM {source} WHERE "
                f"{' AND '.join(column[p.name] + ' IS NOT NULL' for p in keys)} GROUP BY ALL) "
                f"ORDER BY n, {names} LIMIT 1 OFFSET (SELECT count(*) // 2 FROM (SELECT DISTINCT {names} FROM {source}))",
                constants * 2).fetchone()
            if row is None:
                continue
            drawn |= {p.name: value for p, value in zip(keys, row)}
            where = " AND ".join(f"{column[p.name]} = ?" for p in keys)
        bound = [drawn[p.name] for p in keys]
        for parameter in group:
            target = column[parameter.name]
            if parameter.note == "inclusive":  # a range: a window from the middle of the key's span
                values = [r[0] for r in con.execute(
                    f"SELECT {target} FROM {source} WHERE {where} AND {target} IS NOT NULL ORDER BY {target} "
                    f"LIMIT {WINDOW_ROWS} OFFSET (SELECT count(*) // 2 FROM {source} WHERE {where})",
                    constants + bound + constants + bound).fetchall()]
                if not values:  # the key's rows have NULLs there past the middle: its whole span
                    values = list(con.execute(f"SELECT min({target}), max({target}) FROM {source} WHERE {where}",
                                              constants + bound).fetchone())
                high = parameter.name[: -len("_from")] + "_to"
                drawn[parameter.name], drawn[high] = values[0], _after(values[-1])
            elif parameter.kind == "search":  # a word of the key's rows, of those rows' middle frequency
                words = [r[0] for r in con.execute(
                    f"SELECT w FROM (SELECT unnest(regexp_extract_all(lower({target}), '[a-z]{{5,}}')) AS w FROM {source} "
                    f"WHERE {where}) GROUP BY w ORDER BY count(*) DESC, w", constants + bound).fetchall()]
                if words:
                    drawn[parameter.name] = words[len(words) // 2]
            elif parameter.kind == "list":
                drawn[parameter.name] = [r[0] for r in con.execute(
                    f"SELECT DISTINCT {target} FROM {source} WHERE {where} AND {target} IS NOT NULL ORDER BY 1 LIMIT 2",
                    constants + bound).fetchall()]
            elif parameter.kind == "prefix":
                value = con.execute(
                    f"SELECT {target} FROM {source} WHERE {where} AND {target} IS NOT NULL ORDER BY {target} LIMIT 1 "
                    f"OFFSET (SELECT count(*) // 2 FROM {source} WHERE {where} AND {target} IS NOT NULL)",
                    (constants + bound) * 2).fetchone()
                if value is not None:
                    drawn[parameter.name] = str(value[0])[:PREFIX_LETTERS]
    if own:
        con.close()
    return drawn
