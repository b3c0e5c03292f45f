"""Foreign keys: which parent row each child row points at, a batch at a time.

Parents are chosen by row number and their key values looked up in the parents' stored key
columns, so any key type works (identity, uuid, text, composite). The choice is skewed (some
customers have many orders), a self reference points only at earlier rows (so a hierarchy has no
cycle), a one-to-one reference never repeats a parent, and a reference that must be distinct
within another (a composite key of two references) is drawn by rank within its group.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from schemaforge.seed.streams import affine_permutation
from schemaforge.seed.values import Unsatisfiable

SKEW = 2.0  # parent = floor(N * u**SKEW): the busiest tenth of parents get about a third of the children


def skewed_parents(rng: np.random.Generator, n: int, parents: int, key: int) -> np.ndarray:
    a, b = affine_permutation(parents, key)
    ranks = np.minimum((parents * rng.random(n) ** SKEW).astype(np.int64), parents - 1)
    return (a * ranks + b) % parents


def earlier_rows(rng: np.random.Generator, rows: np.ndarray) -> np.ndarray:
    """A parent before each row (row 0 points at itself; callers null it where they can)."""
    return np.floor(rng.random(len(rows)) * rows).astype(np.int64)


def one_to_one_parents(rows: np.ndarray, parents: int, key: int) -> tuple[np.ndarray, np.ndarray]:
    """(parent rows, has parent): distinct parents while they last."""
    a, b = affine_permutation(parents, key)
    has = rows < parents
    return np.where(has, (a * rows + b) % max(parents, 1), 0), has


class DistinctWithinGroup:
    """Draws the second reference of a two-reference key so that no pair repeats.

    The k-th child of a group parent gets the k-th value of a per-group walk over all second
    parents (a stride coprime with their count), so pairs are distinct across batches; a group
    parent that is full hands its extra children to parents with room.
    """

    def __init__(self, group_parents: int, second_parents: int, key: int, excluding_own_group: bool = False):
        self.second = second_parents
        # With `excluding_own_group` (follower <> followee) a group holds one child fewer, and
        # the last place of its walk is kept for the child that drew the group itself.
        self.room = second_parents - 1 if excluding_own_group else second_parents
        self.taken = np.zeros(group_parents, dtype=np.int64)
        self.stride, self.offset_key = affine_permutation(second_parents, key)

    def assign(self, rng: np.random.Generator, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        groups = groups.copy()
        ranks = self._ranks(groups)
        for _ in range(8):
            full = ranks >= self.room
            if not full.any():
                break
            np.subtract.at(self.taken, groups[full], 1)
            room = np.flatnonzero(self.taken < self.room)
            if len(room) == 0:
                break
            groups[full] = room[rng.integers(0, len(room), int(full.sum()))]
            ranks[full] = self._ranks(groups[full])
        if (ranks >= self.room).any():
            raise Unsatisfiable(f"more rows than distinct pairs of references ({len(self.taken)} x {self.room})")
        seconds = (groups * 40503 + self.offset_key + ranks * self.stride) % self.second
        return groups, seconds

    def avoiding_groups(self, groups: np.ndarray, seconds: np.ndarray) -> np.ndarray:
        """`seconds`, where one equals its own group (a member following itself) moved to the
        last place of that group's walk, which no other child of a group with room takes."""
        same = seconds == groups
        last = (groups * 40503 + self.offset_key + (self.second - 1) * self.stride) % self.second
        return np.where(same, last, seconds)

    def _ranks(self, groups: np.ndarray) -> np.ndarray:
        return group_ranks(groups, self.taken)


def group_ranks(groups: np.ndarray, taken: np.ndarray) -> np.ndarray:
    """Each child's place among its group parent's children: after the `taken` earlier ones,
    in row order; `taken` counts this batch's children too afterwards."""
    order = np.argsort(groups, kind="stable")
    ordered = groups[order]
    starts = np.r_[0, np.flatnonzero(np.diff(ordered)) + 1]
    first_of_row = np.repeat(starts, np.diff(np.r_[starts, len(ordered)]))
    ranks = np.empty(len(groups), dtype=np.int64)
    ranks[order] = np.arange(len(ordered)) - first_of_row
    ranks += taken[groups]
    taken += np.bincount(groups, minlength=len(taken))
    return ranks


class KeyStore:
    """The key columns of generated entities that other entities reference."""

    def __init__(self):
        self._chunks: dict[str, dict[str, list[pa.Array]]] = {}
        self._tables: dict[str, dict[str, pa.Array]] = {}

    def want(self, entity: str, columns: tuple[str, ...]) -> None:
        wanted = self._chunks.setdefault(entity, {})
        for column in columns:
            wanted.setdefault(column, [])

    def wanted(self, entity: str) -> tuple[str, ...]:
        return tuple(self._chunks.get(entity, {}))

    def add(self, entity: str, columns: dict[str, pa.Array]) -> None:
        """Store the wanted ones among `columns`, a batch of the entity's rows."""
        for column, chunks in self._chunks.get(entity, {}).items():
            if column in columns:
                chunks.append(columns[column])
                self._tables.pop(entity, None)

    def take(self, entity: str, column: str, rows: np.ndarray) -> pa.Array:
        table = self._tables.setdefault(entity, {})
        if column not in table:  # one contiguous array: a take from it beats one over chunks
            table[column] = pa.concat_arrays(self._chunks[entity][column])
        return table[column].take(pa.array(rows))
