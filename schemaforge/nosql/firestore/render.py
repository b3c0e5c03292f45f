"""The Firestore schema: `ddl/firestore.indexes.json` (what `firebase deploy --only
firestore:indexes` reads: the composite indexes, and the field overrides for collection group
queries and TTL policies) and `ddl/firestore.rules` (the security rules).

The rules follow `security.roles` and least privilege: a signed-in user's role is the `role`
claim of their token; a role may `get`/`list` an entity it may select and `create`, `update`,
`delete` what it may insert, update, delete, and nothing else; every other path is denied. With
`security.tenancy`, a tenant-owned document is read and written only by users whose `tenant_id`
claim is its tenant's (a write may not move it to another tenant), and a tenant's own document
only by its members. Firestore cannot hide some
fields of a document from a reader, so a role that may not read an entity's personal data
(`pii: masked`, `hidden` or a list of kinds) gets no read of that entity (FS102 says so). A
subcollection's rules are nested in its parent's; a collection group query reads through a
`{path=**}` match.
"""

from __future__ import annotations

import json
from typing import Any

from schemaforge.design.model import Design, Entity
from schemaforge.findings import Finding
from schemaforge.nosql.firestore.model import Collection, FirestoreModel, firestore_model
from schemaforge.security.grants import privilege_matrix
from schemaforge.security.policy import time_column

METHODS = {"select": ("get", "list"), "insert": ("create",), "update": ("update",), "delete": ("delete",)}


def indexes_json(design: Design, model: FirestoreModel) -> dict[str, Any]:
    indexes = [{"collectionGroup": i.collection, "queryScope": i.scope,
                "fields": [{"fieldPath": f.field, "order": "DESCENDING" if f.descending else "ASCENDING"}
                           for f in i.fields]} for i in model.indexes]
    overrides: dict[tuple[str, str], dict] = {}
    for collection, field in model.group_fields:
        overrides[(collection, field)] = {"collectionGroup": collection, "fieldPath": field, "indexes": [
            {"order": "ASCENDING", "queryScope": "COLLECTION"}, {"order": "DESCENDING", "queryScope": "COLLECTION"},
            {"arrayConfig": "CONTAINS", "queryScope": "COLLECTION"},
            {"order": "ASCENDING", "queryScope": "COLLECTION_GROUP"},
            {"order": "DESCENDING", "queryScope": "COLLECTION_GROUP"}]}
    for entity_name in design.doc.security.retention:
        entity = design.entities.get(entity_name)
        column = time_column(entity) if entity is not None else None
        if column is not None:
            key = (model.collections[entity_name].name, column.physical)
            overrides.setdefault(key, {"collectionGroup": key[0], "fieldPath": key[1], "indexes": []})["ttl"] = True
    return {"indexes": indexes, "fieldOverrides": [overrides[k] for k in sorted(overrides)]}


def _tenant_field(design: Design, entity: Entity) -> str | None:
    if design.doc.security.tenancy is None or entity.tenant_key is None:
        return None
    return entity.physical(entity.tenant_key)


def _condition(roles: list[str], tenant: str | None, data: list[str], tenant_document: str | None) -> str:
    condition = f"hasRole([{', '.join(repr(r) for r in roles)}])"
    if tenant_document:  # the tenant's own document: only its members reach it
        condition += f" && {tenant_document} == request.auth.token.tenant_id"
    return condition + "".join(f" && inTenant({d}, '{tenant}')" for d in data) if tenant else condition


def _allows(design: Design, entity: Entity) -> tuple[list[str], list[Finding]]:
    matrix = privilege_matrix(design)
    tenant = _tenant_field(design, entity)
    tenancy = design.doc.security.tenancy
    tenant_document = f"{entity.name}Id" if tenancy is not None and tenancy.entity == entity.name else None
    lines, findings = [], []
    for privilege, methods in METHODS.items():
        roles = sorted(r for r, access in matrix.items() if entity.name in access
                       and privilege in access[entity.name].privileges)
        if privilege == "select":
            refused = sorted(r for r, access in matrix.items() if entity.name in access
                             and access[entity.name].readable is not None)
            for role in refused:
                findings.append(Finding(
                    design.source.key(("security", "roles", role)), f"role '{role}' may not read every field of "
                    f"'{entity.name}' (its personal data), and Firestore rules cannot hide fields of a document: "
                    f"it gets no read of {entity.table}", "FS102", "warning",
                    fix="keep the personal fields in a subcollection of their own, or give the role pii: clear"))
        if not roles:
            continue
        data = {"get": ["resource.data"], "list": ["resource.data"], "create": ["request.resource.data"],
                "update": ["resource.data", "request.resource.data"], "delete": ["resource.data"]}
        by_data: dict[tuple, list[str]] = {}
        for method in methods:
            by_data.setdefault(tuple(data[method]), []).append(method)
        for checked, grouped in by_data.items():
            lines.append(f"allow {', '.join(grouped)}: if {_condition(roles, tenant, list(checked), tenant_document)};")
    return lines, findings


def _block(design: Design, model: FirestoreModel, collection: Collection, depth: int,
           findings: list[Finding]) -> list[str]:
    entity = design.entities[collection.entity]
    pad = "  " * depth
    allows, found = _allows(design, entity)
    findings += found
    lines = [f"{pad}match /{collection.name}/{{{entity.name}Id}} {{"]
    lines += [f"{pad}  {line}" for line in allows] or [f"{pad}  // no role is granted {entity.name}: denied"]
    for child in model.collections.values():
        if child.parent == entity.name:
            lines += _block(design, model, child, depth + 1, findings)
    return lines + [f"{pad}}}"]


def rules_text(design: Design, model: FirestoreModel) -> tuple[str, list[Finding]]:
    findings: list[Finding] = []
    lines = ["rules_version = '2';", f"// The {design.name} design (version {design.version}): least privilege, "
             "a role per `role` claim.", "service cloud.firestore {", "  match /databases/{database}/documents {",
             "    function hasRole(roles) {", "      return request.auth != null && request.auth.token.role in roles;",
             "    }"]
    if design.doc.security.tenancy is not None:
        lines += ["    function inTenant(data, field) {",
                  "      return data[field] == request.auth.token.tenant_id;", "    }"]
    for collection in model.collections.values():
        if collection.parent is None:
            lines += _block(design, model, collection, 2, findings)
    grouped = {lookup.collection.name: lookup.collection for lookup in model.lookups if lookup.group}
    for collection in (grouped[name] for name in sorted(grouped)):
        entity = design.entities[collection.entity]
        reads = [line for line in _allows(design, entity)[0] if line.startswith("allow get, list")]
        lines.append(f"    match /{{path=**}}/{collection.name}/{{{entity.name}Id}} {{  // collection group queries")
        lines += [f"      {line.replace('allow get, list', 'allow list')}" for line in reads] or \
            ["      // no role reads it: denied"]
        lines.append("    }")
    return "\n".join(lines + ["  }", "}"]) + "\n", findings


def _rules(design: Design) -> tuple[str, list[Finding]]:
    """The rules and their findings, made once per loaded design (the schema and the lint read them)."""
    return design.derived(("firestore rules",), lambda: rules_text(design, firestore_model(design)))


def firestore_ddl(design: Design) -> tuple[str, str]:
    """(firestore.indexes.json, firestore.rules)."""
    return json.dumps(indexes_json(design, firestore_model(design)), indent=2) + "\n", _rules(design)[0]


def firestore_findings(design: Design) -> list[Finding]:
    return list(firestore_model(design).findings) + _rules(design)[1]
