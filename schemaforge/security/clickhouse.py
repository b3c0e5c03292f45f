"""ClickHouse's security script: roles, users that log in with a TLS certificate (no password),
column SELECT grants, row policies for the tenants (reads only: ClickHouse checks no write
against a policy), and retention as table TTLs."""

from __future__ import annotations

from sqlglot import exp

from schemaforge.design.model import Entity
from schemaforge.security.grants import Access
from schemaforge.security.tenancy import TenantScope
from schemaforge.security.writer import SecurityWriter, privilege

TENANT_SETTING = "SQL_tenant_id"  # a custom setting: custom_settings_prefixes must hold SQL_
# The design's privileges as ClickHouse names them (it has no REFERENCES).
PRIVILEGE_NAMES = {"select": "SELECT", "insert": "INSERT", "update": "ALTER UPDATE", "delete": "ALTER DELETE",
                   "truncate": "TRUNCATE"}


class ClickHouseSecurity(SecurityWriter):
    target = "clickhouse"
    PRIVILEGES = tuple(PRIVILEGE_NAMES)
    TENANCY = "row policies"
    AUDIT = None  # no triggers; system.query_log records the statements
    GRANT_KIND = None

    def create_roles(self, group: str) -> list[str]:
        login = f"{group}_login"
        return [f"CREATE ROLE IF NOT EXISTS {group};",
                f"CREATE USER IF NOT EXISTS {login} IDENTIFIED WITH ssl_certificate CN '{login}' DEFAULT ROLE {group};",
                f"GRANT {group} TO {login};"]

    def table_grant(self, entity: Entity, access: Access, role: str) -> str | None:
        privileges = [exp.GrantPrivilege(this=exp.var(PRIVILEGE_NAMES[p])) for p in self.PRIVILEGES if p in access.privileges]
        if access.readable is not None:
            privileges.append(privilege("select", [exp.column(self.renderer.ident(entity.physical(c))) for c in access.readable]))
        return self.grant(privileges, self.renderer.table(entity), self.GRANT_KIND, [role]) if privileges else None

    def row_level_security(self, scopes: dict[str, TenantScope]) -> list[str]:
        self.finding(("security", "tenancy", "isolation"), "SC115", "info",
                     "ClickHouse's row policies filter reads only: a write into another tenant's rows is not refused "
                     "there; write through the application")
        lines = [f"-- The session names its tenant: SET {TENANT_SETTING} = '<tenant key>' (the server's",
                 "-- custom_settings_prefixes must include SQL_)."]
        roles = ", ".join(self.roles.values()) or "ALL"
        for scope in scopes.values():
            entity = self.design.entities[scope.entity]
            if scope.how == "parent":
                condition = self.parent_subquery(scope)
            else:
                condition = f"toString({self.column_name(entity, scope.columns[0])}) = getSetting('{TENANT_SETTING}')"
            lines.append(f"CREATE ROW POLICY OR REPLACE tenant_isolation ON {self.table_name(entity)} "
                         f"USING {condition} TO {roles};")
        return lines

    def write_retention(self, purges) -> list[str]:
        return [f"ALTER TABLE {self.name(p.table)} MODIFY TTL {self.name(p.column)} + INTERVAL {p.amount} {p.unit.upper()};"
                for p in purges if p.entity is not None]
