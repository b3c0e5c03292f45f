"""Polyglot and microservice designs (`stores:`): which store holds each entity, the references
that cross stores, and each target's part of the design.

A store's entities render by the store's target and nothing else does: a target's part of the
design is a design of its own (the same source, so its findings point into the same file) that
holds the entities of the stores on that target. A reference to an entity of another store
cannot be a foreign key; in the part it is a plain column of the referenced key's type, and the
design's architecture says how the application keeps it consistent. In a microservice design a
service owns its stores, and every service with a SQL store gets a transactional outbox table
(`<service>_outbox`), written in the same transaction as the change it publishes.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemaforge.design.model import Design
from schemaforge.design.syntax import SQL_TARGETS, DesignDoc, EntityDef, FieldDef

OUTBOX_FIELDS = {
    "id": FieldDef(type="uuid", pk=True, description="the event's ID, which consumers deduplicate by"),
    "aggregate": FieldDef(type="string(63)", description="the entity that changed"),
    "aggregate_id": FieldDef(type="string(200)", description="the changed row's key, as text"),
    "event_type": FieldDef(type="enum(created, updated, deleted)"),
    "payload": FieldDef(type="json", description="the event as its JSON Schema (events/) describes it"),
    "occurred_at": FieldDef(type="timestamptz", default="now"),
    "published_at": FieldDef(type="timestamptz", nullable=True, description="set by the relay once sent"),
}


@dataclass(frozen=True)
class CrossReference:
    """A reference from an entity of one store to an entity of another."""

    entity: str
    field: str
    target: str
    from_store: str
    to_store: str
    nullable: bool

    def consistency(self, microservices: bool, services: dict[str, str | None]) -> str:
        if microservices and services[self.from_store] != services[self.to_store]:
            return (f"eventually: {services[self.to_store] or self.to_store} publishes {self.target} events through its "
                    f"outbox; {services[self.from_store] or self.from_store} checks the key against the last event it "
                    f"received and, on `deleted`, " + ("sets it to NULL" if self.nullable else "removes the row"))
        return (f"by the application: it reads the {self.target} from store '{self.to_store}' before writing the "
                f"{self.entity}, and deletes (or nulls) the {self.entity} rows when that {self.target} is deleted")


def has_stores(design: Design) -> bool:
    return bool(design.doc.stores)


def store_of(design: Design) -> dict[str, str]:
    """entity -> the store that holds it."""
    return {entity: name for name, store in design.doc.stores.items() for entity in store.entities}


def services(design: Design) -> dict[str, str | None]:
    return {name: store.service for name, store in design.doc.stores.items()}


def cross_references(design: Design) -> list[CrossReference]:
    if not has_stores(design):
        return []
    where = store_of(design)
    found = []
    for entity in design.entities.values():
        for fk in entity.foreign_keys:
            if entity.name in where and fk.target in where and where[entity.name] != where[fk.target]:
                found.append(CrossReference(entity.name, fk.field, fk.target, where[entity.name], where[fk.target],
                                            fk.nullable))
    return found


def outbox_name(service: str) -> str:
    return f"{service}_outbox"


def with_outboxes(doc: DesignDoc) -> DesignDoc:
    """A microservice design with an outbox entity for each service that has a SQL store, in
    that store (the first of the service's SQL stores)."""
    if doc.database != "microservices":
        return doc
    entities, stores, rows = dict(doc.entities), dict(doc.stores), dict(doc.seed.rows)
    for store_name, store in doc.stores.items():
        name = outbox_name(store.service) if store.service else None
        if name is None or store.database not in SQL_TARGETS or name in entities:
            continue
        entities[name] = EntityDef(description=f"the changes {store.service} publishes, written in the transaction "
                                   "that makes them (a transactional outbox)", fields=dict(OUTBOX_FIELDS))
        stores[store_name] = store.model_copy(update={"entities": [*store.entities, name]})
        rows.setdefault(name, 0)
    return doc.model_copy(update={"entities": entities, "stores": stores,
                                  "seed": doc.seed.model_copy(update={"rows": rows})})


def _as_plain_reference(design: Design, entity_name: str, fk, store: str) -> FieldDef:
    """A reference to an entity of another store, as a plain column of the referenced key's type."""
    entity, target = design.entities[entity_name], design.entities[fk.target]
    return FieldDef(type=str(target.column(fk.target_columns[0]).type), nullable=fk.nullable,
                    column=entity.column(fk.columns[0]).physical,
                    description=f"the key of a {fk.target} in store '{store}' (an application-level reference)")


def _without_tenancy(uses: list) -> list:
    return [u for u in uses if _pattern_name(u) != "multi_tenant"]


def _part_doc(design: Design, targets: tuple[str, ...]) -> DesignDoc:
    doc = design.doc
    where = store_of(design)
    kept = {name for name, store in doc.stores.items() if store.database in targets}
    keep = {e for e in design.entities if where.get(e) in kept}
    tenancy = doc.security.tenancy if doc.security.tenancy is None or doc.security.tenancy.entity in keep else None
    entities = {}
    for name, spec in doc.entities.items():
        if name not in keep:
            continue
        fields = dict(spec.fields)
        for fk in design.entities[name].foreign_keys:  # a reference to another store's entity: no foreign key
            if where.get(fk.target, where[name]) != where[name] and fk.field in fields:
                fields[fk.field] = _as_plain_reference(design, name, fk, where[fk.target])
        update = {"fields": fields}
        if tenancy is None:
            update["patterns"] = _without_tenancy(spec.patterns)
        entities[name] = spec.model_copy(update=update)
    security = doc.security
    roles = {name: role.model_copy(update={"grants": {k: v for k, v in role.grants.items() if k == "*" or k in keep}})
             for name, role in security.roles.items()}
    audit = security.audit.model_copy(update={"entities": [e for e in security.audit.entities if e in keep]}) \
        if security.audit is not None else None
    security = security.model_copy(update={
        "roles": roles, "audit": audit, "tenancy": tenancy,
        "retention": {k: v for k, v in security.retention.items() if k in keep}})
    scaling = doc.scaling.model_copy(update={
        "partitions": {k: v for k, v in doc.scaling.partitions.items() if k in keep},
        "read_models": {k: v for k, v in doc.scaling.read_models.items() if v.from_ in keep}})
    seed = doc.seed.model_copy(update={
        "rows": {k: v for k, v in doc.seed.rows.items() if k in keep},
        "fields": {k: v for k, v in doc.seed.fields.items() if k.split(".")[0] in keep}})
    return doc.model_copy(update={
        "entities": entities, "security": security, "scaling": scaling, "seed": seed, "stores": {},
        "database": targets[0], "targets": list(targets),
        "patterns": doc.patterns if tenancy is not None else _without_tenancy(doc.patterns),
        "relationships": [r for r in doc.relationships if set(r.many_to_many) <= keep],
        "queries": {name: q for name, q in doc.queries.items() if _reads_only(design, name, keep)},
        "rules": [r for r in doc.rules if r.entity in keep],
    })


def _pattern_name(use) -> str:
    return use if isinstance(use, str) else getattr(use, "pattern", "")


def _reads_only(design: Design, query: str, keep: set[str]) -> bool:
    pattern = design.queries.get(query)
    if pattern is None:
        return False
    if pattern.sql is not None:
        from sqlglot import exp

        return {t.name for t in pattern.sql.find_all(exp.Table)} <= keep
    return pattern.entity in keep


def target_part(design: Design, targets: tuple[str, ...]) -> Design:
    """The design of the entities in the stores on `targets` (the design itself without stores)."""
    if not has_stores(design):
        return design
    return design.derived(("target part", targets), lambda: _resolve_part(design, targets))


def _resolve_part(design: Design, targets: tuple[str, ...]) -> Design:
    from schemaforge.design.resolve import resolve
    from schemaforge.findings import DesignErrors

    from schemaforge.design.sections import check_sections

    part, findings = resolve(_part_doc(design, targets), design.source, design.name, design.text_sha256)
    findings += check_sections(part)
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        raise DesignErrors(errors)
    return part


def sql_part(design: Design) -> Design:
    """The design's SQL stores as one design (every SQL deliverable is built from it; they are on
    one SQL target, which the design's check says)."""
    sql = tuple(t for t in design.targets if t in SQL_TARGETS)
    return target_part(design, sql) if has_stores(design) and sql else design


def nosql_part(design: Design, target: str) -> Design:
    return target_part(design, (target,))


def store_parts(design: Design) -> list[Design]:
    """The design's parts: its SQL stores as one, then each NoSQL target's."""
    parts = [sql_part(design)] if any(t in SQL_TARGETS for t in design.targets) else []
    return parts + [nosql_part(design, t) for t in design.targets if t not in SQL_TARGETS]
