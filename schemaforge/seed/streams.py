"""Deterministic random streams: one per (design seed, entity, column, batch, round).

A stream depends only on those names and numbers, never on the order in which columns or
entities are generated, so adding a column does not change the values of the others, and the
same `random_seed` gives byte-identical data.
"""

from __future__ import annotations

import hashlib

import numpy as np


def _number(part: str | int) -> int:
    if isinstance(part, int):
        return part
    return int.from_bytes(hashlib.blake2b(part.encode(), digest_size=8).digest(), "little")


def stream(random_seed: int, *parts: str | int) -> np.random.Generator:
    return np.random.default_rng([_number(random_seed & 0xFFFFFFFFFFFFFFFF), *map(_number, parts)])


def affine_permutation(size: int, key: int) -> tuple[int, int]:
    """(a, b) such that i -> (a*i + b) % size is a bijection of range(size): cheap, streamable."""
    if size <= 1:
        return 1, 0
    a = (key % size) | 1
    while np.gcd(a, size) != 1:
        a += 2
    return a, (key >> 17) % size
