"""Security lint: what in a design's security policy is risky or cannot hold, located.

Codes: SC101 a role reads personal data in clear without a stated reason; SC103 a tenant-owned
entity that reaches its tenant only through a parent (no tenant key of its own); SC104 a role
that may write every entity; SC110 a target without roles, where no policy is written; SC111 a
default that looks like a secret; SC112 a retention on an entity with no time column to age
rows by; SC113 an encrypted key column; SC114 a retention of the audit log with no audit; SC118
an update, delete or truncate granted on an event store, which is never granted. The
writers add SC105-SC109 (what a target cannot express), the checklist SC2xx-SC5xx (a control
not met).
"""

from __future__ import annotations

import re

from schemaforge.ddl.targets import SQL_TARGETS
from schemaforge.design.model import Design
from schemaforge.findings import Finding
from schemaforge.security.checklist import WRITES, checklist_findings
from schemaforge.security.grants import REFUSED_ON_EVENTS, privilege_matrix
from schemaforge.security.policy import AUDIT_TABLE, audited_entities, encrypted_columns, key_columns, retentions
from schemaforge.security.render import WRITERS, security_findings
from schemaforge.security.tenancy import tenant_scopes

SECRET_NAME = re.compile(r"(password|passwd|secret|token|api_?key|private_?key|credential)", re.IGNORECASE)
SECRET_VALUE = re.compile(r"^(sk|pk|rk)_(live|test)_|^AKIA[0-9A-Z]{16}$|^-----BEGIN|^(changeme|password|secret|admin)$",
                          re.IGNORECASE)


def security_lint(design: Design) -> list[Finding]:
    security, source = design.doc.security, design.source
    if not security.roles and not security.tenancy and not security.encryption and not security.audit \
            and not security.retention and not security.compliance:
        return _secret_defaults(design)
    found = []
    matrix = privilege_matrix(design)
    for name, role in security.roles.items():
        path = ("security", "roles", name)
        reads_pii = any("select" in a.privileges or (a.readable and any(design.entities[e].column(c).pii
                        for c in a.readable)) for e, a in matrix[name].items()
                        if any(c.pii for c in design.entities[e].columns))
        if reads_pii and role.pii not in ("masked", "hidden") and not role.description:
            found.append(Finding(source.key(path), f"role '{name}' reads personal data in clear and says no reason",
                                 "SC101", "warning", "give it pii: masked (or the kinds it needs), or say why in "
                                 "its description:"))
        for entity_name, privileges in role.grants.items():
            changes = sorted(set(privileges) & REFUSED_ON_EVENTS)
            if entity_name in design.entities and design.entities[entity_name].append_only and changes:
                found.append(Finding(source.value(path + ("grants", entity_name)), f"role '{name}' is granted "
                                     f"{', '.join(changes)} on the event store '{entity_name}', which is append-only: "
                                     "it is not granted", "SC118", "warning", "grant select and insert on an event store"))
        if set(role.grants.get("*", [])) & WRITES:
            found.append(Finding(source.value(path + ("grants", "*")), f"role '{name}' may write every entity",
                                 "SC104", "warning", "grant its writes entity by entity"))
    for scope in tenant_scopes(design).values():
        if scope.how == "parent":
            entity = design.entities[scope.entity]
            tenant = security.tenancy.entity
            found.append(Finding(source.key(entity.path), f"'{entity.name}' reaches its tenant ('{tenant}') only "
                                 f"through '{scope.parent}': each row's tenant check looks the parent up", "SC103", "warning",
                                 f"add {tenant}: {{ref: {tenant}}} to '{entity.name}' (a key its policy compares)"))
    for i, target in enumerate(design.targets):
        if target in SQL_TARGETS and target not in WRITERS and security.roles:
            path = ("targets", i) if design.doc.targets else ("database",)
            found.append(Finding(source.value(path), f"{SQL_TARGETS[target].title} has no roles: no security policy "
                                 "is written for it; its access is the application's to control", "SC110", "info"))
    for entity, column in encrypted_columns(design):
        if column.name in key_columns(entity):
            found.append(Finding(source.value(column.path), f"'{entity.name}.{column.field}' is a key and cannot be "
                                 "encrypted: a key on ciphertext joins nothing", "SC113", "error",
                                 "leave keys out of security.encryption.columns"))
    for retention in retentions(design):
        path = ("security", "retention", retention.entity.name if retention.entity else AUDIT_TABLE)
        if retention.entity is not None and retention.column is None:
            found.append(Finding(source.key(path), f"'{retention.entity.name}' has no time column to age its rows by",
                                 "SC112", "error", "add created_at (patterns: [timestamps]) or one required "
                                 "timestamp field"))
        if retention.entity is None and not audited_entities(design):
            found.append(Finding(source.key(path), "audit_log has a retention but nothing is audited", "SC114",
                                 "warning", "name the audited entities under security.audit"))
    return found + _secret_defaults(design) + security_findings(design) + checklist_findings(design)


def _secret_defaults(design: Design) -> list[Finding]:
    found = []
    for entity in design.entities.values():
        for column in entity.columns:
            default = column.default
            if default is None or default.kind != "literal" or not isinstance(default.value, str):
                continue
            if SECRET_NAME.search(column.field) or SECRET_VALUE.search(default.value):
                found.append(Finding(design.source.value(column.path + ("default",)),
                                     f"'{entity.name}.{column.field}' has a default that looks like a secret; "
                                     "every row would share it, and it is written in the DDL", "SC111", "error",
                                     "remove the default: the application sets each secret"))
    return found
