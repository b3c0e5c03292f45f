"""The Redis schema of a design: `ddl/redis.json` (the key families as data) and `ddl/redis.md`
(the same for people: every family with what it holds, its TTL, its size from the seed and the
queries it serves, then every query's commands and every decision's reason)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from schemaforge.design.model import Design
from schemaforge.nosql.redis.memory import FamilySize, family_sizes
from schemaforge.nosql.redis.model import Family, RedisModel, redis_model
from schemaforge.nosql.redis.requests import requests


def _family_json(family: Family, size: FamilySize | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "key": family.template, "structure": family.structure, "entity": family.entity,
        "queries": sorted(set(family.queries)), "ttl_seconds": family.ttl_seconds,
    }
    if family.structure == "zset":
        body |= {"ordered_by": family.by, "order_column": family.order}
    if family.constants or family.present or family.hidden:
        body["only_rows"] = {"equal": {c: v for c, v in family.constants}, "not_null": list(family.present),
                             "null": [family.hidden] if family.hidden else []}
    if size is not None:
        body |= {"keys": size.keys, "entries": size.entries, "estimated_bytes": size.bytes}
    return body


def model_json(design: Design, model: RedisModel, sizes: dict[str, FamilySize]) -> dict[str, Any]:
    return {
        "design": design.name, "target": "redis",
        "records": {name: _family_json(f, sizes.get(f.name)) for name, f in model.records.items()},
        "indexes": [_family_json(f, sizes.get(f.name)) for f in model.families],
    }


def _mib(size: int) -> str:
    return f"{size / 1_048_576:,.1f} MiB" if size >= 1_048_576 else f"{size / 1024:,.1f} KiB"


def _reason(lookup) -> str:
    read, family = lookup.read, lookup.family
    if family.structure == "hash":
        return "it gives the whole primary key: the record is read by its key"
    if family.structure == "string":
        return "it gives a unique constraint's columns: one string maps them to the row's key"
    if family.structure == "set":
        return "it wants every row with these values, in no order: a set of their keys"
    if family.by == "score":
        why = "its range" if read.range == family.order else "its sort"
        return f"{why} is over `{family.order}`, a number or a time: a sorted set scored by it"
    if family.by == "lex":
        why = "its prefix" if read.prefix else ("its range" if read.range else "its sort")
        return f"{why} is over text (`{family.order}`): equal scores, members ordered by their bytes"
    return "it takes the first rows in no stated order: members in key order"


def model_markdown(design: Design, model: RedisModel, sizes: dict[str, FamilySize]) -> str:
    lines = [f"# {design.name}: the Redis model", "",
             "Every row is a hash named by its entity and key; every access pattern reads the key family "
             "below that answers it, in one or two round trips. Values are text (dates ISO 8601, "
             "`timestamptz` in UTC with `Z`, booleans `true`/`false`); a NULL is a missing field. "
             "Sorted sets of times score them in microseconds since 1970-01-01 UTC.", "",
             "## Key families", "",
             "| key | structure | holds | TTL | keys | entries | est. memory | queries |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for family in [*model.records.values(), *model.families]:
        size = sizes.get(family.name)
        entity = design.entities[family.entity]
        only = [f"{c} = {v}" for c, v in family.constants] + [f"{c} not NULL" for c in family.present]
        only += [f"{family.hidden} NULL (not deleted)"] if family.hidden else []
        holds = family.holds(entity) + (f"; only rows where {', '.join(only)}" if only else "")
        ttl = f"{family.ttl_seconds:,} s" if family.ttl_seconds else "none"
        figures = (f"{size.keys:,} | {size.entries:,} | {_mib(size.bytes)}" if size else "- | - | -")
        queries = ", ".join(sorted(set(family.queries))) or "-"
        lines.append(f"| `{family.template}` | {family.structure} | {holds} | {ttl} | {figures} | {queries} |")
    total = sum(s.bytes for s in sizes.values())
    if sizes:
        lines += ["", f"Estimated from the seed's rows: {_mib(total)} in all (Redis 7, 64-bit, jemalloc; "
                  "small hashes and sorted sets as listpacks). Multiply by the production row count over the "
                  "seed's to size the instance."]
    expiring = [f for f in model.records.values() if f.ttl_seconds]
    if expiring:
        lines += ["", "## Expiry", "",
                  "A record with a retention (`security.retention`) expires that long after it is written; "
                  "its unique keys with it. The sorted sets and sets that name it keep its member until the "
                  "application removes it: on a read that finds the record gone (as the reader does), or "
                  "on the expiry's keyspace notification (`notify-keyspace-events Ex`)."]
    lines += ["", "## Access patterns", ""]
    request_of = requests(design, model)["queries"]
    for lookup in model.lookups:
        request = request_of[lookup.read.name]
        lines += [f"### {lookup.read.name}", "", f"Reads `{lookup.family.template}`: {_reason(lookup)}."]
        if lookup.client_sort and request["then"].get("sort"):
            lines.append("The application sorts the rows it reads, then keeps the limit.")
        lines += ["", "```", *request["commands"], "```", ""]
    if model.findings:
        lines += ["## Not served by a key", ""]
        lines += [f"- {finding}" for finding in model.findings]
    return "\n".join(lines).rstrip() + "\n"


def redis_ddl(design: Design, seed_dir: Path | None) -> tuple[str, str]:
    """(redis.md, redis.json) of `design`, sized from the seed in `seed_dir` where there is one."""
    model = redis_model(design)
    sizes = family_sizes(design, model, seed_dir) if seed_dir is not None else {}
    body = json.dumps(model_json(design, model, sizes), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return model_markdown(design, model, sizes), body
