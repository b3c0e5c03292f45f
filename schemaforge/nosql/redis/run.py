"""Answer an access pattern from Redis by following its request (queries/redis.json).

What an application does with the request, written once: the tests answer every pattern this
way and compare with DuckDB's answer over the same seed. `client` is a redis-py client (bytes
replies: `decode_responses=False`); parameters are Python values or their text.
"""

from __future__ import annotations

import heapq
import itertools
from typing import Any

from schemaforge.design.types import LogicalType, parse_type
from schemaforge.nosql.redis.model import LEX_SEPARATOR, SEPARATOR
from schemaforge.nosql.values import score_of, score_text, text_of

Row = dict[str, bytes | None]


def _type(text: str) -> LogicalType:
    return parse_type(text, {})


def _fill(template: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        template = template.replace(f"{{{name}}}", value)
    return template


def _bound(bound: dict, by: str, parameters: dict[str, Any], types: dict[str, LogicalType]) -> bytes:
    if "open" in bound:
        return (b"-inf" if bound["open"] == "-" else b"+inf") if by == "score" else bound["open"].encode()
    if "prefix" in bound:
        text = str(parameters[bound["prefix"]]).encode()
        return b"(" + text + b"\xff" if bound.get("top") else b"[" + text
    name = bound["parameter"]
    if by == "score":
        value = score_text(score_of(types[name], parameters[name])).encode()
        return (b"(" if bound.get("exclusive") else b"") + value
    return (b"(" if bound.get("exclusive") else b"[") + text_of(types[name], parameters[name]).encode()


def _key_values(request: dict, parameters: dict[str, Any], types: dict[str, LogicalType]) -> list[dict[str, str]]:
    """One set of key texts per combination of the listed parameters' values."""
    single = {p["name"]: text_of(types[p["name"]], parameters[p["name"]])
              for p in request["parameters"] if p["kind"] == "value" and "note" not in p}
    listed = [p["name"] for p in request["parameters"] if p["kind"] == "list"]
    choices = [[text_of(types[name], v) for v in parameters[name]] for name in listed]
    return [single | dict(zip(listed, combination)) for combination in itertools.product(*choices)]


def _members(client, request: dict, keys: list[str], parameters: dict[str, Any],
             types: dict[str, LogicalType]) -> list[bytes]:
    """The row keys the index gives, in its order, across every key read."""
    read = request["read"]
    structure = read["structure"]
    if structure == "hash":
        return [key.split(SEPARATOR, 2)[2].encode() for key in keys]
    if structure == "string":
        found = client.mget(keys)
        return [member for member in found if member is not None]
    if structure == "set":
        return sorted(set().union(*(client.smembers(key) for key in keys)))
    by, limit, descending = read["by"], read["limit"], read["rev"]
    low, high = (_bound(read[end], "score" if by == "score" else "lex", parameters, types) for end in ("min", "max"))
    start, stop = (high, low) if descending else (low, high)
    options = {"byscore": by == "score", "bylex": by != "score", "desc": descending}
    if limit is not None:
        options |= {"offset": 0, "num": limit}
    pipe = client.pipeline(transaction=False)
    for key in keys:
        pipe.zrange(key, start, stop, withscores=by == "score", **options)
    replies = pipe.execute()
    if by == "score":  # merged by (score, member), as one sorted set orders them
        ordered = heapq.merge(*replies, key=lambda pair: (pair[1], pair[0]), reverse=descending)
        members = [member for member, _ in ordered]
    else:
        members = list(heapq.merge(*replies, reverse=descending))
    members = members[:limit] if limit is not None else members
    if by == "lex":
        members = [member.rsplit(LEX_SEPARATOR.encode(), 1)[1] for member in members]
    return members


def _sort_value(text: bytes | None, typ: LogicalType):
    """A field's text as a value to sort by; NULL after every value (the design's order)."""
    if text is None:
        return (1, 0)
    return (0, score_of(typ, text.decode()) if typ.kind in ("integer", "smallint", "bigint", "decimal", "real",
                                                            "double", "date", "time", "timestamp",
                                                            "timestamptz", "boolean") else text)


def answer(client, request: dict, parameters: dict[str, Any]) -> list[Row]:
    """The pattern's rows: each a {field: text or None}, in the pattern's order."""
    types = {p["name"]: _type(p["type"]) for p in request["parameters"]}
    keys = [_fill(request["read"]["key"], values) for values in _key_values(request, parameters, types)]
    members = _members(client, request, keys, parameters, types)
    fields = request["fields"]
    pipe = client.pipeline(transaction=False)
    wanted = fields + [f for f in _checked_fields(request) if f not in fields]
    for member in members:
        pipe.hmget(_fill(request["record"], {"key": member.decode()}), wanted)
    rows = []
    for values in pipe.execute():
        if all(v is None for v in values):
            continue  # the record expired (or was deleted) after the index named it
        rows.append(dict(zip(wanted, values)))
    then = request["then"]
    if "check" in then:
        rows = [row for row in rows if _passes(row, then["check"], parameters, types)]
    if "sort" in then:
        for item in reversed(then["sort"]):  # stable sorts, the last key first
            typ = _type(item["type"])
            rows.sort(key=lambda row: _sort_value(row[item["field"]], typ), reverse=item["desc"])
        rows = rows[: then["limit"]] if then.get("limit") is not None else rows
    return [{f: row[f] for f in fields} for row in rows]


def _checked_fields(request: dict) -> list[str]:
    check = request["then"].get("check", {})
    return [*check.get("equal", {}), *check.get("present", []), *check.get("absent", []), *check.get("match", {})]


def _passes(row: Row, check: dict, parameters: dict[str, Any], types: dict[str, LogicalType]) -> bool:
    if any(row[f] != text.encode() for f, text in check["equal"].items()):
        return False
    if any(row[f] is None for f in check["present"]) or any(row[f] is not None for f in check["absent"]):
        return False
    for field, name in check["match"].items():
        values = parameters[name] if isinstance(parameters[name], (list, tuple)) else [parameters[name]]
        if row[field] not in {text_of(types[name], v).encode() for v in values}:
            return False
    return True
