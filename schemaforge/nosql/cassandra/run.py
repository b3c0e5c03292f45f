"""Cassandra by its files, with no server (none can be installed here): the tables as
ddl/cassandra.cql declares them, the seed's INSERT JSON statements stored as Cassandra stores
them (a partition per partition key, its rows in clustering order), and each pattern's SELECT
(queries/cassandra.json) answered from them under Cassandra's rules for a query without ALLOW
FILTERING: the whole partition key restricted by `=` or `IN`; clustering columns restricted only
as a prefix, by `=` but the last, which may be a range; no other column restricted. A SELECT that
breaks a rule is refused with the reason (CqlRefused), as Cassandra refuses it.

Values are kept in their INSERT JSON forms (nosql/cassandra/seed.py) and compared as the CQL type
compares them: numbers by value, text and blobs by their bytes, a timestamp, date or time by its
fixed-width text, a UUID by version then bytes.
"""

from __future__ import annotations

import itertools
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from schemaforge.design.types import LogicalType
from schemaforge.nosql.answers import Row, finish, logical_type, parameter_types
from schemaforge.nosql.values import after_prefix, milliseconds_up, parse_text

NUMBER_TYPES = ("smallint", "int", "bigint", "float", "double", "varint", "tinyint")
_NAME = r'(?:"(?:[^"]|"")+"|\w+)'
_CREATE = re.compile(rf"CREATE TABLE IF NOT EXISTS ({_NAME})\.({_NAME}) \((.*?)\n  PRIMARY KEY \((.*?)\)\n\)"
                     rf"(?: WITH CLUSTERING ORDER BY \((.*?)\))?;", re.S)
_INSERT = re.compile(rf"INSERT INTO {_NAME}\.({_NAME}) JSON '(.*)';")
_SELECT = re.compile(rf"SELECT (.+?) FROM {_NAME}\.({_NAME}) WHERE (.+?)(?: ORDER BY (.+?))?"
                     r"(?: PER PARTITION LIMIT (\d+))?(?: LIMIT (\d+))?( ALLOW FILTERING)?$")
_CONDITION = re.compile(rf"({_NAME}) (=|IN|>=|<=|>|<) (:\w+|-?\d+)$")


class CqlRefused(Exception):
    """A statement Cassandra would refuse (the message says which rule)."""


def unquote(name: str) -> str:
    return name[1:-1].replace('""', '"') if name.startswith('"') else name


@dataclass
class StoredTable:
    name: str
    types: dict[str, str]  # column -> CQL type
    partition: list[str]
    clustering: list[tuple[str, bool]]  # (column, descending)
    partitions: dict[tuple, list[dict]] = field(default_factory=dict)

    def key_of(self, row: dict, column: str):
        return order_key(self.types[column], row.get(column))


def order_key(cql_type: str, value: Any):
    """A stored (INSERT JSON) value as its CQL type orders it."""
    if value is None:
        return None
    if cql_type in NUMBER_TYPES:
        return value
    if cql_type == "decimal":
        return Decimal(str(value))
    if cql_type == "uuid":
        parsed = uuid.UUID(value)
        return parsed.version or 0, parsed.bytes
    if cql_type == "blob":
        return bytes.fromhex(value[2:])
    if cql_type == "text":
        return value.encode()
    return value  # boolean; timestamp, date and time texts of fixed width


def parse_schema(cql: str) -> dict[str, StoredTable]:
    """The tables of a ddl/cassandra.cql: columns, partition key and clustering order."""
    tables = {}
    for _, name, body, key, order in _CREATE.findall(cql):
        types = {}
        for line in body.strip().splitlines():
            column, typ = line.strip().rstrip(",").rsplit(" ", 1) if " frozen<" not in line else \
                line.strip().rstrip(",").split(" ", 1)
            types[unquote(column)] = typ
        if key.startswith("("):
            partition_text, _, rest = key[1:].partition(")")
            partition = [unquote(c.strip()) for c in partition_text.split(",")]
            clustered = [unquote(c.strip()) for c in rest.split(",") if c.strip()]
        else:
            columns = [unquote(c.strip()) for c in key.split(",")]
            partition, clustered = columns[:1], columns[1:]
        directions = {unquote(c.rsplit(" ", 1)[0].strip()): c.strip().endswith("DESC")
                      for c in order.split(",")} if order else {}
        tables[unquote(name)] = StoredTable(unquote(name), types, partition,
                                            [(c, directions.get(c, False)) for c in clustered])
    return tables


def load_seed(tables: dict[str, StoredTable], path: Path) -> int:
    """Store every INSERT JSON row of the seed file; returns the rows stored."""
    count = 0
    with open(path) as lines:
        for line in lines:
            match = _INSERT.fullmatch(line.rstrip("\n"))
            if match is None:
                raise CqlRefused(f"not an INSERT JSON statement: {line[:80]}")
            table = tables[unquote(match.group(1))]
            row = json.loads(match.group(2).replace("''", "'"))
            if any(row.get(c) is None for c in table.partition + [c for c, _ in table.clustering]):
                raise CqlRefused(f"{table.name}: a primary key column is null in {row}")
            key = tuple(table.key_of(row, c) for c in table.partition)
            table.partitions.setdefault(key, []).append(row)
            count += 1
    for table in tables.values():
        for rows in table.partitions.values():
            for column, descending in reversed(table.clustering):  # stable sorts, the last column first
                rows.sort(key=lambda row: table.key_of(row, column), reverse=descending)
    return count


def json_value(typ: LogicalType, value: Any, bound: bool = False) -> Any:
    """A parameter in the INSERT JSON form of its column. A range's bound is rounded up to a
    timestamp's milliseconds: for values of milliseconds, `>= t` and `< t` keep their meaning."""
    kind = typ.kind
    if isinstance(value, str) and kind in ("timestamp", "timestamptz", "date", "time", "decimal", "boolean"):
        value = parse_text(kind, value)
    if kind in ("timestamp", "timestamptz"):
        moment = value.astimezone(timezone.utc).replace(tzinfo=None) if value.tzinfo else value
        moment = milliseconds_up(moment) if bound else moment
        return moment.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + "Z"
    if kind == "time" and isinstance(value, time):
        return value.strftime("%H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if kind == "decimal":
        return str(value)
    if kind == "bytes":
        return "0x" + bytes(value).hex()
    return value


def text_value(typ: LogicalType, value: Any) -> Any:
    """A stored value in the text form of nosql/values.py (to compare with DuckDB's)."""
    if value is None:
        return None
    kind = typ.kind
    if kind in ("timestamp", "timestamptz"):
        moment = datetime.strptime(value, "%Y-%m-%d %H:%M:%S.%fZ")
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + ("Z" if kind == "timestamptz" else "")
    if kind == "boolean":
        return "true" if value else "false"
    if kind in ("real", "double"):
        return repr(float(value))
    if kind == "array":
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    if kind == "bytes":
        return bytes.fromhex(value[2:])
    return str(value)


def bound_values(request: dict, parameters: dict[str, Any]) -> dict[str, Any]:
    """Every marker's value, in its column's INSERT JSON form (derived markers computed)."""
    types = parameter_types(request)
    values = {}
    for parameter in request["parameters"]:
        name, typ = parameter["name"], types[parameter["name"]]
        value = parameters[name]
        bound = "note" in parameter
        values[name] = [json_value(typ, v) for v in value] if isinstance(value, (list, tuple)) else \
            json_value(typ, value, bound)
    for name, rule in request.get("derived", {}).items():
        values[name] = after_prefix(values[rule["after_every_text_starting_with"]])
    return values


def _restrictions(where: str) -> list[tuple[str, str, str]]:
    restrictions = []
    for condition in where.split(" AND "):
        match = _CONDITION.fullmatch(condition.strip())
        if match is None:
            raise CqlRefused(f"a restriction Cassandra does not take here: {condition}")
        restrictions.append((unquote(match.group(1)), match.group(2), match.group(3)))
    return restrictions


def _check_rules(table: StoredTable, restrictions: list[tuple[str, str, str]], allow_filtering: bool) -> None:
    if allow_filtering:
        raise CqlRefused("ALLOW FILTERING: the query scans the table")
    by_column: dict[str, list[str]] = {}
    for column, operator, _ in restrictions:
        by_column.setdefault(column, []).append(operator)
    for column in table.partition:
        if by_column.get(column) not in (["="], ["IN"]):
            raise CqlRefused(f"partition key column {column} is not restricted by = or IN (needs ALLOW FILTERING)")
    clustering = [c for c, _ in table.clustering]
    restricted = [c for c in clustering if c in by_column]
    if restricted != clustering[: len(restricted)]:
        raise CqlRefused(f"clustering columns {restricted} are not a prefix of {clustering}")
    for column in restricted[:-1]:
        if by_column[column] != ["="]:
            raise CqlRefused(f"clustering column {column} is restricted by a range before the last restricted one")
    others = set(by_column) - set(table.partition) - set(clustering)
    if others:
        raise CqlRefused(f"restriction on {sorted(others)}, neither partition key nor clustering (needs ALLOW FILTERING)")


def _value(token: str, values: dict[str, Any]):
    return values[token[1:]] if token.startswith(":") else int(token)


def _in_range(key, operator: str, bound) -> bool:
    return {">=": key >= bound, ">": key > bound, "<=": key <= bound, "<": key < bound, "=": key == bound}[operator]


def execute(tables: dict[str, StoredTable], cql: str, values: dict[str, Any]) -> list[dict]:
    """The rows a SELECT returns, as stored."""
    match = _SELECT.fullmatch(cql)
    if match is None:
        raise CqlRefused(f"not a SELECT this reader takes: {cql}")
    selected, name, where, order, per_partition, limit, allow_filtering = match.groups()
    if order:
        raise CqlRefused("ORDER BY: the table's clustering order is the pattern's order")
    table = tables[unquote(name)]
    restrictions = _restrictions(where)
    _check_rules(table, restrictions, bool(allow_filtering))
    choices = []
    for column in table.partition:
        _, operator, token = next(r for r in restrictions if r[0] == column)
        value = _value(token, values)
        choices.append([table.key_of({column: v}, column) for v in (value if operator == "IN" else [value])])
    ranges = [(c, op, table.key_of({c: _value(t, values)}, c)) for c, op, t in restrictions
              if c not in table.partition]
    rows = []
    for key in itertools.product(*choices):
        found = [row for row in table.partitions.get(key, [])
                 if all(_in_range(table.key_of(row, c), op, bound) for c, op, bound in ranges)]
        rows += found[: int(per_partition)] if per_partition else found
    columns = [unquote(c.strip()) for c in selected.split(",")]
    unknown = [c for c in columns if c not in table.types]
    if unknown:
        raise CqlRefused(f"undefined column {unknown[0]} in table {table.name}")
    return [{c: row.get(c) for c in columns} for row in (rows[: int(limit)] if limit else rows)]


def answer(tables: dict[str, StoredTable], request: dict, parameters: dict[str, Any]) -> list[Row]:
    """The pattern's rows: {field: text or None}, in the pattern's order."""
    stored = execute(tables, request["cql"], bound_values(request, parameters))
    types = {f: logical_type(t) for f, t in request["types"].items()}
    flags = request["null_flags"]
    rows = []
    for row in stored:
        rows.append({f: None if row.get(flags.get(f, "")) else text_value(types[f], value)
                     for f, value in row.items() if f in types})
    return finish(rows, request, parameters, parameter_types(request))
