"""Answer an access pattern from Redis by following its request (queries/redis.json).

What an application does with the request, written once: the tests answer every pattern this
way and compare with DuckDB's answer over the same seed. `client` is a redis-py client (bytes
replies: `decode_responses=False`); parameters are Python values or their text.
"""

from __future__ import annotations

import heapq
from typing import Any

from schemaforge.design.types import LogicalType
from schemaforge.nosql.answers import Row, checked_fields, fill, finish, key_values, parameter_types
from schemaforge.nosql.redis.model import LEX_SEPARATOR, SEPARATOR
from schemaforge.nosql.values import score_of, score_text, text_of


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


def answer(client, request: dict, parameters: dict[str, Any]) -> list[Row]:
    """The pattern's rows: each a {field: bytes or None}, in the pattern's order."""
    types = parameter_types(request)
    keys = [fill(request["read"]["key"], values) for values in key_values(request, parameters, types)]
    members = _members(client, request, keys, parameters, types)
    wanted = request["fields"] + [f for f in checked_fields(request) if f not in request["fields"]]
    pipe = client.pipeline(transaction=False)
    for member in members:
        pipe.hmget(fill(request["record"], {"key": member.decode()}), wanted)
    rows = [dict(zip(wanted, values)) for values in pipe.execute()
            if any(v is not None for v in values)]  # none: the record expired after the index named it
    return finish(rows, request, parameters, types)
