"""What every target's security script holds, in order, and the parts all targets share.

A writer is one target's class; what differs between targets is a class table or a method of
its own (the way the DDL's targets are written). The script, applied after the DDL by the
tables' owner, has these sections; a section a target cannot write is a finding, never a
silent gap:
1. Roles: each group role and a login for it (no password: it is set out of band), created
   unless it exists (roles outlive a database); then what the engine gives everyone by default
   is taken back.
2. Column encryption. 3. Tenancy (before the grants: MySQL grants its tenant views).
4. Grants: each role's table privileges, its readable columns where its `pii:` setting limits
   them, and membership in the roles it inherits.
5. Masking, 6. audit, 7. retention, 8. at rest and in transit.

GRANT statements are sqlglot trees rendered in the target's dialect; what sqlglot does not model
(creating roles, policies, procedures) is each target's own text.
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from schemaforge import __version__
from schemaforge.ddl.render import DdlRenderer, comment_safe
from schemaforge.ddl.targets import SQL_TARGETS
from schemaforge.design.model import Design, Entity
from schemaforge.findings import Finding
from schemaforge.security.grants import TABLE_PRIVILEGES, Access, privilege_matrix, role_name
from schemaforge.security.masking import Mask, mask_of, masked_entities
from schemaforge.patterns import audit
from schemaforge.security.policy import (
    audited_entities, audited_operations, encrypted_columns, key_columns, retentions,
)
from schemaforge.security.tenancy import TenantScope, tenant_scopes


WITHOUT_TRUNCATE = ("select", "insert", "update", "delete", "references")  # MySQL, SQL Server, Oracle


def privilege(name: str, columns: list[exp.Expression] | None = None) -> exp.GrantPrivilege:
    return exp.GrantPrivilege(this=exp.var(name.upper()), expressions=columns or [])


class SecurityWriter:
    target: ClassVar[str]
    PRIVILEGES: ClassVar[tuple[str, ...]] = TABLE_PRIVILEGES  # what the target grants on a table
    # What each section is called in the findings where the target cannot write it.
    TENANCY: ClassVar[str | None] = None  # how the target isolates tenants; None: it cannot
    MASKING: ClassVar[str | None] = None
    COLUMN_ENCRYPTION: ClassVar[str | None] = None
    AUDIT: ClassVar[str | None] = "triggers"
    GRANT_KIND: ClassVar[str | None] = "TABLE"  # GRANT ... ON TABLE t; SQL Server and Oracle name no kind
    # What the target writes for `at_rest: true` and for `in_transit: required`.
    AT_REST: ClassVar[tuple[str, ...]] = ()
    IN_TRANSIT: ClassVar[tuple[str, ...]] = ()
    # How a masked view reads a personal text column `{c}`, per (mask, what partial keeps); a
    # mask of a column that is not text is NULL.
    TEXT_MASKS: ClassVar[dict[tuple[str, str], str]] = {}
    HASH_MASK: ClassVar[str] = ""
    ENCRYPTED_IN_VIEW: ClassVar[str] = "'[encrypted]'"  # a masked role holds no key: it never sees a decrypted value
    ENCRYPTS_IN_PLACE: ClassVar[bool] = False  # the script turns the encrypted columns into ciphertext

    def __init__(self, design: Design):
        self.design = design
        self.renderer = DdlRenderer(design, SQL_TARGETS[self.target]())
        self.findings: list[Finding] = []
        self.matrix = privilege_matrix(design)
        self.roles = {name: role_name(design, name) for name in self.matrix}

    # -- helpers -------------------------------------------------------------------------------
    @property
    def title(self) -> str:
        return self.renderer.target.title

    def sql(self, tree: exp.Expression) -> str:
        return self.renderer.sql(tree)

    def name(self, name: str) -> str:
        """A physical name as the target writes it (quoted where it must be)."""
        return self.sql(self.renderer.ident(name))

    def table_name(self, entity: Entity) -> str:
        return self.sql(self.renderer.table(entity))

    def column_name(self, entity: Entity, column: str) -> str:
        return self.name(entity.physical(column))

    def finding(self, path, code: str, severity: str, message: str, fix: str | None = None) -> None:
        self.findings.append(Finding(self.design.source.value(path), message, code, severity, fix))

    def grant(self, privileges: list[exp.Expression], securable: exp.Expression, kind: str | None,
              roles: list[str]) -> str:
        tree = exp.Grant(privileges=privileges, kind=kind, securable=securable,
                         principals=[exp.GrantPrincipal(this=self.renderer.ident(r)) for r in roles])
        return self.sql(tree) + ";"

    def roles_with(self, entity: Entity, wanted: set[str]) -> list[str]:
        """The physical roles holding any of `wanted` on `entity` (a column SELECT counts as select)."""
        found = []
        for name, by_entity in self.matrix.items():
            access = by_entity.get(entity.name)
            if access is None:
                continue
            held = set(access.privileges) | ({"select"} if access.readable else set())
            if held & wanted:
                found.append(self.roles[name])
        return found

    # -- the script ----------------------------------------------------------------------------
    def script(self) -> str:
        design = self.design
        sections = [
            ("Group roles, and a login for each (set its password out of band).", self.create_all_roles()),
            ("Nothing for everyone: what the engine grants by default is taken back.", self.nothing_for_everyone()),
            ("Column encryption (security.encryption.columns).", self.encryption()),
            ("Tenant isolation (security.tenancy).", self.tenancy()),
            ("Grants: each role gets what the design grants and nothing else.", self.grants()),
            ("Masked reads for the roles with pii: masked (security.masking).", self.masking()),
            ("Audit (security.audit): who, when, before and after.", self.audit()),
            ("Retention (security.retention): what is purged when.", self.retention()),
            ("At rest and in transit (security.encryption).", self.at_rest_and_in_transit()),
        ]
        lines = [f"-- Security policy of design '{design.name}' for {self.title}: apply after ddl/{self.target}.sql,",
                 "-- as the tables' owner (an administrator where roles are created).",
                 f"-- Generated by schemaforge {__version__} from {comment_safe(design.file)}."]
        for heading, statements in sections:
            if statements:
                lines += ["", f"-- {heading}", *statements]
        return "\n".join(lines) + "\n"

    def create_all_roles(self) -> list[str]:
        return [line for physical in self.roles.values() for line in self.create_roles(physical)]

    def create_roles(self, group: str) -> list[str]:
        raise NotImplementedError

    def nothing_for_everyone(self) -> list[str]:
        return []

    def schema_usage(self, roles: list[str]) -> list[str]:
        return []

    def membership(self, parent: str, child: str) -> str:
        return f"GRANT {self.name(parent)} TO {self.name(child)};"

    def grants(self) -> list[str]:
        lines = self.schema_usage(list(self.roles.values()))
        for name, physical in self.roles.items():
            lines.append(f"-- {name}")
            lines += [self.membership(self.roles[parent], physical)
                      for parent in self.design.doc.security.roles[name].inherits]
            lines += self.table_grants(name)
        return lines

    def table_grants(self, name: str) -> list[str]:
        """The table grants of one role (the design's name for it)."""
        statements = (self.table_grant(self.design.entities[entity], access, self.roles[name])
                      for entity, access in self.matrix[name].items())
        return [s for s in statements if s]

    def table_grant(self, entity: Entity, access: Access, role: str) -> str | None:
        privileges = [privilege(p) for p in self.PRIVILEGES if p in access.privileges]
        if access.readable is not None:
            privileges.append(privilege("select", [exp.column(self.renderer.ident(entity.physical(c)))
                                                   for c in access.readable]))
        return self.grant(privileges, self.granted_object(entity), self.GRANT_KIND, [role]) if privileges else None

    def granted_object(self, entity: Entity) -> exp.Expression:
        return self.renderer.table(entity)

    # -- sections a target writes its own way --------------------------------------------------
    def scopes(self) -> dict[str, TenantScope]:
        return tenant_scopes(self.design)

    def tenancy(self) -> list[str]:
        tenancy = self.design.doc.security.tenancy
        if tenancy is None:
            return []
        if tenancy.isolation != "row_level_security":
            return self.tenant_provisioning(tenancy.isolation)
        if self.TENANCY is None:
            self.finding(("security", "tenancy", "isolation"), "SC105", "warning",
                         f"{self.title} has no row-level security: tenants are not isolated there by the database",
                         "isolate tenants in the application on that target, or use schema_per_tenant")
            return []
        return self.row_level_security(self.scopes())

    def row_level_security(self, scopes: dict[str, TenantScope]) -> list[str]:
        return []

    def tenant_provisioning(self, isolation: str) -> list[str]:
        """schema_per_tenant / database_per_tenant: how a tenant's own copy is made."""
        return [f"-- {isolation}: this target provisions a tenant by applying ddl/{self.target}.sql and this "
                "script to the tenant's own database, one per tenant."]

    def masks(self) -> dict[str, list[Mask]]:
        """entity -> the masks of its personal columns, for the entities masked roles read."""
        return {e.name: [m for c in e.columns if (m := mask_of(self.design, c))] for e in masked_entities(self.design)}

    def masking(self) -> list[str]:
        masks = self.masks()
        if not masks:
            return []
        if self.MASKING is None:
            self.finding(("security", "masking") if self.design.doc.security.masking else ("security", "roles"),
                         "SC106", "info", f"{self.title} has no masking: roles with pii: masked read no personal "
                         "column there (their column grants leave them out)")
            return []
        return self.write_masks(masks)

    def write_masks(self, masks: dict[str, list[Mask]]) -> list[str]:
        return []

    def mask_expression(self, entity: Entity, mask: Mask) -> str:
        """What a masked view shows of a personal column."""
        column = self.column_name(entity, mask.column.name)
        if self.ENCRYPTS_IN_PLACE and any(c is mask.column for _, c in self.encrypted()):
            return self.ENCRYPTED_IN_VIEW
        if mask.how == "none":
            return column
        if mask.how == "hash":
            return self.HASH_MASK.format(c=column)
        template = self.TEXT_MASKS.get((mask.how, mask.shape)) if mask.is_text else None
        return template.format(c=column) if template else "NULL"

    def masked_view_items(self, entity: Entity, masks: list[Mask]) -> str:
        by_column = {m.column.name: m for m in masks}
        items = []
        for column in entity.columns:
            name = self.column_name(entity, column.name)
            mask = by_column.get(column.name)
            items.append(name if mask is None else f"{self.mask_expression(entity, mask)} AS {name}")
        return ", ".join(items)

    def masked_readers(self, entity: Entity) -> list[str]:
        masked_roles = {self.roles[n] for n, r in self.design.doc.security.roles.items() if r.pii == "masked"}
        return [r for r in self.roles_with(entity, {"select"}) if r in masked_roles]

    def encrypted(self) -> list[tuple[Entity, object]]:
        return [(e, c) for e, c in encrypted_columns(self.design) if c.name not in key_columns(e)]

    def encryption(self) -> list[str]:
        columns = self.encrypted()
        if not columns:
            return []
        if self.COLUMN_ENCRYPTION is None:
            self.finding(("security", "encryption", "columns"), "SC107", "info",
                         f"{self.title} has no column encryption in SQL: encrypt these columns in the application there")
            return []
        return self.encrypt_columns(columns)

    def encrypt_columns(self, columns) -> list[str]:
        return []

    def audit(self) -> list[str]:
        entities, operations = audited_entities(self.design), audited_operations(self.design)
        if entities and self.AUDIT is None:
            self.finding(("security", "audit"), "SC116", "info", f"{self.title} has no triggers: changes are not "
                         "recorded in an audit log there (its own statement log is the record)")
            return []
        return self.write_audit(entities, operations) if entities else []

    def write_audit(self, entities: list[Entity], operations: list[str]) -> list[str]:
        return self.audit_log(entities, operations)

    def audited_table(self, entity: Entity) -> str:
        return self.table_name(entity)

    def audit_log(self, entities: list[Entity], operations: list[str]) -> list[str]:
        """The audit log and its triggers (patterns/audit.py), for the entities the DDL does not
        audit already: an entity with the audit pattern has every change recorded there."""
        log = audit.AUDIT_LOGS[self.target](self.name, self.audited_table)
        unaudited = [e for e in entities if audit.PATTERN not in e.patterns]
        end = self.renderer.target.PROCEDURAL_END
        # One statement a line, as the rest of the policy script is written.
        return [" ".join(s.sql.split()) + (end if s.procedural else ";") for s in log.statements(unaudited, operations)]

    def retention(self) -> list[str]:
        purges = [r for r in retentions(self.design) if r.column and (r.entity or audited_entities(self.design))]
        return self.write_retention(purges) if purges else []

    def write_retention(self, purges) -> list[str]:
        return []

    def at_rest_and_in_transit(self) -> list[str]:
        encryption = self.design.doc.security.encryption
        if encryption is None:
            return []
        return (self.at_rest() if encryption.at_rest else []) + (
            list(self.IN_TRANSIT) if encryption.in_transit == "required" else [])

    def at_rest(self) -> list[str]:
        return list(self.AT_REST)

    def parent_subquery(self, scope: TenantScope) -> str:
        """A row belongs to its tenant when its parent row is visible: the parent's own policy
        filters the subquery, so the tenant carries down the chain (Oracle, ClickHouse)."""
        entity, parent = self.design.entities[scope.entity], self.design.entities[scope.parent]
        columns = ", ".join(self.column_name(entity, c) for c in scope.columns)
        keys = ", ".join(self.column_name(parent, c) for c in scope.parent_columns)
        return f"({columns}) IN (SELECT {keys} FROM {self.table_name(parent)})"
