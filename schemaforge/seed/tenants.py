"""Seed rows that stay inside their tenant (the multi_tenant pattern).

Every tenant-owned entity lays its rows out the same way: one contiguous block per tenant, in
tenant order, each block's share of the rows the tenant's weight (skewed: a few big tenants, many
small ones, as in any SaaS). A row's tenant is then known from its row number alone, and a
tenant-scoped reference picks its parent inside the parent's block of the same tenant, so the
reference and the tenant key always agree, at any row count and without a lookup table.
"""

from __future__ import annotations

import numpy as np

from schemaforge.seed.keys import SKEW, group_ranks
from schemaforge.seed.streams import affine_permutation, stream
from schemaforge.seed.values import Unsatisfiable

TENANT_SKEW = 1.0  # weight of the k-th biggest tenant ~ 1 / (k + 1)


def tenant_blocks(design, counts: dict[str, int]) -> "TenantBlocks":
    """The one layout every tenant-owned entity of `design` shares."""
    tenant = design.doc.security.tenancy.entity
    key = int(stream(design.doc.seed.random_seed, tenant, "tenant blocks").integers(0, 2**62))
    return TenantBlocks(counts[tenant], key)


class TenantBlocks:
    def __init__(self, tenants: int, key: int):
        self.tenants = tenants
        a, b = affine_permutation(max(tenants, 1), key)
        sizes = 1.0 / (1.0 + (a * np.arange(tenants) + b) % max(tenants, 1)) ** TENANT_SKEW
        self.cumulative = np.r_[0.0, np.cumsum(sizes) / sizes.sum()] if tenants else np.zeros(1)

    def starts(self, n: int) -> np.ndarray:
        """The first row of each tenant's block of an entity of `n` rows, and `n` last: each
        tenant has a row while there are enough, the rest shared by weight."""
        t = self.tenants
        if n < t:
            return np.minimum(np.arange(t + 1), n)
        starts = np.arange(t + 1) + np.round((n - t) * self.cumulative).astype(np.int64)
        starts[-1] = n
        return starts

    def tenant_of(self, n: int, rows: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.starts(n), rows, side="right") - 1

    def parents(self, rng: np.random.Generator, n: int, parent_n: int, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(parent rows, has one): a parent in the row's own tenant, skewed like any reference."""
        lo, size = self._block(parent_n, self.tenant_of(n, rows))
        k = np.minimum((size * rng.random(len(rows)) ** SKEW).astype(np.int64), np.maximum(size - 1, 0))
        return lo + k, size > 0

    def earlier(self, rng: np.random.Generator, n: int, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(parent rows, has one): an earlier row of the same tenant (a self reference)."""
        lo = self.starts(n)[self.tenant_of(n, rows)]
        return lo + np.floor(rng.random(len(rows)) * (rows - lo)).astype(np.int64), rows > lo

    def one_each(self, n: int, parent_n: int, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(parent rows, has one): the k-th row of a tenant's block gets the k-th parent of the
        tenant's block, while they last (a one-to-one reference)."""
        tenants = self.tenant_of(n, rows)
        position = rows - self.starts(n)[tenants]
        lo, size = self._block(parent_n, tenants)
        has = position < size
        return np.where(has, lo + position, 0), has

    def _block(self, n: int, tenants: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        starts = self.starts(n)
        return starts[tenants], starts[tenants + 1] - starts[tenants]


class DistinctWithinTenant:
    """The second reference of a two-reference key, drawn so no pair repeats and both parents
    are of the child's tenant: the k-th child of a group parent gets the k-th row of a walk over
    its tenant's block of second parents; a full group hands its extra children to a group of
    the same tenant with room."""

    def __init__(self, blocks: TenantBlocks, group_n: int, second_n: int, key: int, excluding_own_group: bool = False):
        self.blocks = blocks
        self.group_n, self.second_n = group_n, second_n
        self.excluding = excluding_own_group
        self.taken = np.zeros(group_n, dtype=np.int64)
        self.offset_key = key % 1_000_003
        group_tenants = blocks.tenant_of(group_n, np.arange(group_n))
        self.second_lo, self.second_size = blocks._block(second_n, group_tenants)
        self.room = self.second_size - (1 if excluding_own_group else 0)

    def assign(self, rng: np.random.Generator, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        groups = groups.copy()
        ranks = self._ranks(groups)
        for _ in range(8):
            full = ranks >= self.room[groups]
            if not full.any():
                break
            np.subtract.at(self.taken, groups[full], 1)
            group_starts = self.blocks.starts(self.group_n)
            for tenant in np.unique(self.blocks.tenant_of(self.group_n, groups[full])):
                lo, hi = group_starts[tenant], group_starts[tenant + 1]
                mine = full & (groups >= lo) & (groups < hi)
                room = lo + np.flatnonzero(self.taken[lo:hi] < self.room[lo:hi])
                if len(room):
                    groups[mine] = room[rng.integers(0, len(room), int(mine.sum()))]
            ranks[full] = self._ranks(groups[full])
        if (ranks >= self.room[groups]).any():
            raise Unsatisfiable("more rows than distinct pairs of references inside one tenant")
        return groups, self._walk(groups, ranks)

    def avoiding_groups(self, groups: np.ndarray, seconds: np.ndarray) -> np.ndarray:
        """A second equal to its own group moved to the last place of that group's walk."""
        return np.where(seconds == groups, self._walk(groups, self.second_size[groups] - 1), seconds)

    def _walk(self, groups: np.ndarray, ranks: np.ndarray) -> np.ndarray:
        size = np.maximum(self.second_size[groups], 1)
        return self.second_lo[groups] + (groups * 40503 + self.offset_key + ranks) % size

    def _ranks(self, groups: np.ndarray) -> np.ndarray:
        return group_ranks(groups, self.taken)
