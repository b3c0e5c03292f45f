"""How much memory each key family takes in Redis, from the seed's own values.

What `MEMORY USAGE <key>` reports on Redis 7.0 (64-bit, jemalloc), computed from each key's
contents as the seed writes them: the key's dictionary entry and name, the object header, and
the value's encoding:
- a hash or sorted set of at most 128 entries of at most 64 bytes is a listpack: one block
  of its entries, an integer-like entry in 1 to 9 bytes, text in its length plus 1 or 2, and
  a back length;
- larger ones are hash tables (and a skip list for a sorted set): an allocation per entry;
- a set of integers is an intset; any other set a hash table;
- a string of an integer is held in the object itself, a short one (44 bytes) beside it.
Every allocation is rounded up to jemalloc's size class. The test loads the seed into a real
Redis and compares with MEMORY USAGE.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from schemaforge.design.model import Design
from schemaforge.nosql.redis.model import Family, RedisModel

LISTPACK_ENTRIES, LISTPACK_VALUE = 128, 64  # hash-/zset-max-listpack-entries and -value
INTSET_ENTRIES = 512  # set-max-intset-entries
DICT_ENTRY, OBJECT_HEADER, EMBSTR_LIMIT = 24, 16, 44


@dataclass(frozen=True)
class FamilySize:
    keys: int
    entries: int  # fields of the hashes, members of the sets
    bytes: int


def jemalloc(size: int) -> int:
    """The size class jemalloc serves `size` bytes from (4 classes per doubling above 64)."""
    if size <= 8:
        return 8
    if size <= 128:
        return (size + 15) // 16 * 16 if size > 64 else (size + 7) // 8 * 8
    step = 1 << (size.bit_length() - 3)
    return (size + step - 1) // step * step


def _integer(text: bytes) -> int | None:
    """The value of a text Redis stores as an integer (no sign games, no leading zeros)."""
    if not text or len(text) > 20 or text != str(_int(text)).encode():
        return None
    return _int(text)


def _int(text: bytes) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def _listpack_entry(text: bytes) -> int:
    number = _integer(text)
    if number is not None and -(1 << 63) <= number < (1 << 63):
        if 0 <= number <= 127:
            size = 1
        elif -4096 <= number <= 4095:
            size = 2
        elif -(1 << 15) <= number < (1 << 15):
            size = 3
        elif -(1 << 23) <= number < (1 << 23):
            size = 4
        elif -(1 << 31) <= number < (1 << 31):
            size = 5
        else:
            size = 9
    else:
        length = len(text)
        size = length + (1 if length < 64 else 2 if length < 4096 else 5)
    return size + (1 if size < 128 else 2 if size < 16384 else 3)


def _sds(text: bytes) -> int:
    length = len(text)
    header = 3 if length < 256 else 5 if length < 65536 else 9
    return jemalloc(header + length + 1)


def _key(name: bytes) -> int:
    return DICT_ENTRY + _sds(name) + OBJECT_HEADER


def _listpack(items: list[bytes]) -> int:
    return jemalloc(6 + sum(_listpack_entry(i) for i in items) + 1)


def _table(count: int) -> int:
    """A hash table's bucket array for `count` entries (the next power of two)."""
    buckets = 4
    while buckets < count:
        buckets *= 2
    return jemalloc(8 * buckets) + 56  # the dict itself and its two tables' headers


def hash_bytes(name: bytes, pairs: list[bytes]) -> int:
    if len(pairs) // 2 <= LISTPACK_ENTRIES and all(len(p) <= LISTPACK_VALUE for p in pairs):
        return _key(name) + _listpack(pairs)
    fields = len(pairs) // 2
    return _key(name) + _table(fields) + sum(DICT_ENTRY + _sds(p) for p in pairs)


def set_bytes(name: bytes, members: list[bytes]) -> int:
    numbers = [_integer(m) for m in members]
    if len(members) <= INTSET_ENTRIES and all(n is not None for n in numbers):
        width = 8 if any(not -(1 << 31) <= n < (1 << 31) for n in numbers) else \
            4 if any(not -(1 << 15) <= n < (1 << 15) for n in numbers) else 2
        return _key(name) + jemalloc(8 + width * len(members))
    return _key(name) + _table(len(members)) + sum(DICT_ENTRY + _sds(m) for m in members)


def zset_bytes(name: bytes, members: list[tuple[bytes, bytes]]) -> int:
    if len(members) <= LISTPACK_ENTRIES and all(len(m) <= LISTPACK_VALUE for m, _ in members):
        return _key(name) + _listpack([part for m, s in members for part in (m, s)])
    # a skip list node (level 1 in 3 of 4: 40 bytes, else 56 or more) and a dict entry per
    # member, the member's text shared by both
    per_member = 44 + DICT_ENTRY
    return _key(name) + 32 + _table(len(members)) + sum(per_member + _sds(m) for m, _ in members)


def string_bytes(name: bytes, value: bytes) -> int:
    if _integer(value) is not None:
        return _key(name)  # held in the object header itself
    if len(value) <= EMBSTR_LIMIT:
        return DICT_ENTRY + _sds(name) + jemalloc(OBJECT_HEADER + 3 + len(value) + 1)
    return _key(name) + _sds(value)


def family_sizes(design: Design, model: RedisModel, seed_dir: Path) -> dict[str, FamilySize]:
    """Each family's keys, entries and estimated bytes over the seed in `seed_dir`."""
    from schemaforge.nosql.redis.seed import entries, records
    from schemaforge.nosql.values import seed_connection
    from schemaforge.seed.sql import read_parquet

    sizes: dict[str, FamilySize] = {}
    con = seed_connection()
    try:
        for name, entity in design.entities.items():
            source = read_parquet(seed_dir.resolve(), entity)
            record = model.records[name]
            keys = fields = total = 0
            for batch in records(con, entity, record, source):
                for key, pairs in batch:
                    keys, fields, total = keys + 1, fields + len(pairs) // 2, total + hash_bytes(key, pairs)
            sizes[record.name] = FamilySize(keys, fields, total)
            for family in (f for f in model.families if f.entity == name):
                sizes[family.name] = _index_size(con, entity, family, source, entries)
    finally:
        con.close()
    return sizes


def _index_size(con, entity, family: Family, source: str, entries) -> FamilySize:
    grouped: dict[bytes, list] = {}
    for batch in entries(con, entity, family, source):
        for key, member, score in batch:
            grouped.setdefault(key, []).append((member, score))
    total = 0
    for key, members in grouped.items():
        if family.structure == "string":
            total += string_bytes(key, members[-1][0])
        elif family.structure == "set":
            total += set_bytes(key, list({m for m, _ in members}))
        else:
            total += zset_bytes(key, list(dict(members).items()))
    return FamilySize(len(grouped), sum(len(m) for m in grouped.values()), total)
