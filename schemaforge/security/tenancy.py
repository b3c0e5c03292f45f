"""Which tables belong to a tenant, and how a row finds its tenant (`security.tenancy`).

The tenant entity's own rows belong to themselves (by key). An entity that references the tenant
holds the tenant key. An entity that holds no tenant key but references a tenant-owned entity
belongs to a tenant through that parent: its policy asks whether the parent row is visible,
which the parent's own policy decides, so isolation holds down the chain (and the lint asks for
the key, which makes the check a column comparison). An entity reached by none of these is
shared by every tenant (a plan, a country list) and has no policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from schemaforge.design.model import Design, ForeignKey

# The session setting that names the current tenant (PostgreSQL's custom settings need a dot).
TENANT_SETTING = "app.tenant_id"


@dataclass(frozen=True)
class TenantScope:
    """How the rows of one entity find their tenant."""

    entity: str
    how: Literal["tenant", "key", "parent"]
    columns: tuple[str, ...]  # logical columns compared: the tenant's key, the tenant key, the parent reference
    parent: str | None = None  # the referenced entity, for "key" (the tenant) and "parent"
    parent_columns: tuple[str, ...] = ()


def _reference(design: Design, entity: str, to: set[str]) -> ForeignKey | None:
    """The reference from `entity` to one of `to` that scopes it best: a required one first."""
    candidates = [fk for fk in design.entities[entity].foreign_keys if fk.target in to and fk.target != entity]
    return min(candidates, key=lambda fk: fk.nullable, default=None)


def tenant_scopes(design: Design) -> dict[str, TenantScope]:
    """entity -> its scope, for every tenant-owned entity (the tenant's included), in the order
    a policy can be written: each parent before the entities that go through it; found once per
    loaded design."""
    return design.derived("tenant scopes", lambda: _scopes(design))


def _scopes(design: Design) -> dict[str, TenantScope]:
    tenancy = design.doc.security.tenancy
    if tenancy is None or tenancy.entity not in design.entities:
        return {}
    tenant = design.entities[tenancy.entity]
    scopes = {tenant.name: TenantScope(tenant.name, "tenant", tenant.primary_key)}
    for name in design.entities:
        fk = _reference(design, name, {tenant.name})
        if fk is not None and name not in scopes:
            scopes[name] = TenantScope(name, "key", fk.columns, tenant.name, fk.target_columns)
    while True:  # entities reached through a parent, one level more each pass
        found = {}
        for name in design.entities:
            if name in scopes:
                continue
            fk = _reference(design, name, set(scopes))
            if fk is not None:
                found[name] = TenantScope(name, "parent", fk.columns, fk.target, fk.target_columns)
        if not found:
            return scopes
        scopes.update(found)


def tenant_key_type_column(design: Design):
    """The tenant entity's key column (its type is the setting's cast)."""
    tenant = design.entities[design.doc.security.tenancy.entity]
    return tenant.column(tenant.primary_key[0])
