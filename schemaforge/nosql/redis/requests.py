"""Each access pattern as the Redis requests that answer it (queries/redis.json).

A request is data an application (or nosql/redis/run.py) follows: the key to read, with
`{parameter}` where a parameter's text goes; for a sorted set its bounds (a parameter's score or
text, inclusive or not, or an open end), direction and limit; then the records to fetch; then
what the application still does (a check of a record read by its key, a sort, a limit). The
`commands` are the same, spelled as redis-cli commands, for people.
"""

from __future__ import annotations

from typing import Any

from schemaforge.design.model import Design
from schemaforge.nosql.redis.model import LEX_SEPARATOR, Lookup, RedisModel
from schemaforge.nosql.requests import request_parameters, then_of

_LEX_TOP = "\xff"  # after the last byte of any UTF-8 text


def _bounds(lookup: Lookup) -> tuple[dict, dict]:
    """The sorted set's (min, max): each {"parameter", "exclusive"} or {"open": "-"/"+"}."""
    read, family = lookup.read, lookup.family
    if read.range and family.order == read.range:
        return {"parameter": f"{read.range}_from"}, {"parameter": f"{read.range}_to", "exclusive": True}
    if read.prefix and family.order == read.prefix:
        return {"prefix": f"{read.prefix}_prefix"}, {"prefix": f"{read.prefix}_prefix", "top": True}
    return {"open": "-"}, {"open": "+"}


def _bound_text(bound: dict, by: str) -> str:
    if "open" in bound:
        return ("-inf" if bound["open"] == "-" else "+inf") if by == "score" else bound["open"]
    if "prefix" in bound:
        return f"({{{bound['prefix']}}}\\xff" if bound.get("top") else f"[{{{bound['prefix']}}}"
    mark = "(" if bound.get("exclusive") else ("" if by == "score" else "[")
    return f"{mark}{{{bound['parameter']}}}"


def lookup_request(design: Design, lookup: Lookup) -> dict[str, Any]:
    read, family, record = lookup.read, lookup.family, lookup.record
    entity = read.entity
    parameters = request_parameters(read)
    by_column = {c: p for c, p in read.equal + read.listed}
    key = family.template.format(**{c: f"{{{by_column[c]}}}" for c in family.parts})
    request: dict[str, Any] = {
        "query": read.name, "entity": entity.name, "parameters": parameters,
        "read": {"structure": family.structure, "key": key, "family": family.name},
        "record": record.template.replace("{" + "}:{".join(record.parts) + "}", "{key}") if record.parts else record.name,
        "fields": [entity.physical(c) for c in read.select],
    }
    commands = []
    limit = None if lookup.client_sort else read.limit
    if family.structure == "zset":
        low, high = _bounds(lookup)
        descending = bool(read.order) and read.order[0][1] and not lookup.client_sort
        request["read"] |= {"by": family.by, "min": low, "max": high, "rev": descending, "limit": limit}
        first, last = (high, low) if descending else (low, high)
        by = "BYSCORE" if family.by == "score" else "BYLEX"
        words = [f"ZRANGE {key}", _bound_text(first, family.by), _bound_text(last, family.by), by]
        words += ["REV"] if descending else []
        words += [f"LIMIT 0 {limit}"] if limit is not None else []
        commands.append(" ".join(words))
    elif family.structure == "set":
        commands.append(f"SMEMBERS {key}")
    elif family.structure == "string":
        commands.append(f"GET {key}")
    if family.structure == "zset" and family.by == "lex":
        request["read"]["member"] = f"<{entity.physical(family.order)}>{LEX_SEPARATOR!r}<key>"
    record_key = request["record"] if family.structure != "hash" else key
    fields = " ".join(request["fields"])
    commands.append(f"HMGET {record_key} {fields}" + (" (for each key read)" if family.structure != "hash" else ""))
    then = then_of(read, lookup.client_checks, lookup.client_sort, family.parts)
    request["then"] = then
    request["commands"] = commands
    if read.listed:
        request["commands"].insert(0, "for each value of " + ", ".join(p for _, p in read.listed) + ":")
    return request


def requests(design: Design, model: RedisModel) -> dict[str, Any]:
    return {"design": design.name, "queries": {lookup.read.name: lookup_request(design, lookup)
                                               for lookup in model.lookups}}
