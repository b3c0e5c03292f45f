"""The multi_tenant pattern: every tenant-owned entity holds the tenant key, and every reference
between tenant-owned entities leads with it, so the database itself refuses a row that points
at another tenant's row.

The tenant is `security.tenancy.entity`. With `patterns: [multi_tenant]` on the design, every
entity belongs to a tenant except the tenant itself and the ones listed as shared
(`{pattern: multi_tenant, shared: [country, plan]}`: what every tenant reads). On an entity,
`patterns: [multi_tenant]` makes that entity owned. An entity a pattern or a relationship
generates (a junction, a graph's edges, an event store, a closure table) belongs to a tenant
when it links an entity that does.

Two steps, around the resolution of fields into columns:
1. `owned_entities` + `tenant_fields`: the entities that belong to a tenant, and the reference to
   the tenant (`<tenant>: {ref: <tenant>, on_delete: cascade}`) added to those without one.
2. `scope_to_tenants`: each reference between owned entities gains the tenant key on both sides
   (the parent gets a UNIQUE (tenant key, key) for it to point at), and each unique of an owned
   entity is scoped by tenant (an email unique per tenant, not across all of them).
"""

from __future__ import annotations

from schemaforge.design.model import Entity, ForeignKey, Unique
from schemaforge.design.syntax import EntityDef, FieldDef

PATTERN = "multi_tenant"


def uses_pattern(doc) -> bool:
    return any(use.pattern == PATTERN for use in doc.patterns) or any(
        use.pattern == PATTERN for spec in doc.entities.values() for use in spec.patterns)


def _targets(spec: EntityDef) -> set[str]:
    return {f.ref.split(".")[0] for f in spec.fields.values() if f.ref}


def design_wide_use(doc):
    return next((use for use in doc.patterns if use.pattern == PATTERN), None)


def owned_entities(doc, specs: dict[str, EntityDef], generated: set[str], tenant: str) -> list[str]:
    """The entities that belong to a tenant, in the order of `specs` (the tenant itself excluded)."""
    design_wide = design_wide_use(doc)
    if design_wide is not None:  # every declared entity but the tenant and the shared ones
        shared = set(design_wide.shared or ())
        owned = {name for name in specs if name not in generated and name != tenant and name not in shared}
    else:
        owned = {name for name, spec in specs.items() if any(use.pattern == PATTERN for use in spec.patterns)} - {tenant}
    while True:  # a generated junction or edge entity belongs with an owned entity it links
        more = {name for name, spec in specs.items() if name in generated and name not in owned and _targets(spec) & owned}
        if not more:
            return [name for name in specs if name in owned]
        owned |= more


def tenant_reference(spec: EntityDef, tenant: str) -> str | None:
    """The field that references the tenant: a required one first."""
    fields = [(f.nullable, name) for name, f in spec.fields.items() if f.ref and f.ref.split(".")[0] == tenant]
    return min(fields)[1] if fields else None


def with_tenant_field(spec: EntityDef, tenant: str) -> EntityDef:
    """`spec` with a required reference to the tenant put first, named after the tenant."""
    field = FieldDef.model_validate({"ref": tenant, "on_delete": "cascade",
                                     "description": f"the {tenant} the row belongs to (multi_tenant pattern)"})
    return spec.model_copy(update={"fields": {tenant: field, **spec.fields}})


def scope_to_tenants(entities: dict[str, Entity], tenant: str, claim) -> None:
    """Lead every reference between owned entities, every unique and every explicit index of an
    owned entity with the tenant key. `claim(name)` makes a constraint name unique."""
    owned = {name: e for name, e in entities.items() if e.tenant_key is not None}
    for entity in owned.values():
        key = entity.tenant_key
        for unique in entity.uniques:
            if key not in unique.columns:
                unique.columns = (key,) + unique.columns
        for index in entity.indexes:
            if key not in index.columns:
                index.columns = (key,) + index.columns
    for entity in owned.values():
        for fk in entity.foreign_keys:
            parent = owned.get(fk.target)
            if parent is None or entity.tenant_key in fk.columns:
                continue
            target_columns = (parent.tenant_key,) + fk.target_columns
            _ensure_unique(parent, target_columns, fk, claim)
            fk.columns = (entity.tenant_key,) + fk.columns
            fk.target_columns = target_columns
            fk.tenant_scoped = True


def _ensure_unique(parent: Entity, columns: tuple[str, ...], fk: ForeignKey, claim) -> None:
    """A UNIQUE over `columns` on `parent`, for a tenant-scoped reference to point at."""
    if tuple(parent.primary_key) == columns or any(u.columns == columns for u in parent.uniques):
        return
    parent.uniques.append(Unique(claim(f"uq_{parent.name}_{'_'.join(columns)}"), columns, parent.path))
