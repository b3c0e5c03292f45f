"""SQL Server's security script: database roles and users without logins, a security policy with
filter and block predicates for the tenants, Dynamic Data Masking with UNMASK for the roles that
read personal data in clear, Always Encrypted column definitions, an audit log kept by triggers
and a database audit specification, a purge procedure, and TDE."""

from __future__ import annotations

from schemaforge.design.model import Entity
from schemaforge.security.grants import Access
from schemaforge.security.masking import Mask

from schemaforge.security.tenancy import TenantScope, tenant_key_type_column
from schemaforge.security.writer import WITHOUT_TRUNCATE, SecurityWriter

SESSION_KEY = "tenant_id"  # EXEC sp_set_session_context @key = N'tenant_id', @value = ...
# Dynamic Data Masking's functions per (mask, what partial keeps).
DDM_FUNCTIONS = {("partial", "email"): "email()", ("partial", "last_four"): 'partial(0,"****",4)',
                 ("partial", "initial"): 'partial(1,"***",0)'}
DATEADD_UNITS = {"hour": "hour", "day": "day", "week": "week", "month": "month", "year": "year"}


class SqlServerSecurity(SecurityWriter):
    target = "sqlserver"
    PRIVILEGES = WITHOUT_TRUNCATE
    TENANCY = "security policy"
    MASKING = "dynamic data masking"
    COLUMN_ENCRYPTION = "Always Encrypted"
    SCHEMA = "dbo"
    GRANT_KIND = None
    AT_REST = ("-- At rest: Transparent Data Encryption (the certificate tde_certificate is made in master).",
               "IF NOT EXISTS (SELECT 1 FROM sys.dm_database_encryption_keys WHERE database_id = DB_ID()) "
               "CREATE DATABASE ENCRYPTION KEY WITH ALGORITHM = AES_256 ENCRYPTION BY SERVER CERTIFICATE tde_certificate;",
               "ALTER DATABASE CURRENT SET ENCRYPTION ON;")
    IN_TRANSIT = ("-- In transit: force encryption on the server (mssql-conf set network.forceencryption 1).",)

    def qualified(self, entity: Entity) -> str:
        """Schema-bound objects (the predicates) name tables with their schema."""
        return f"{self.SCHEMA}.{self.table_name(entity)}"

    def create_roles(self, group: str) -> list[str]:
        login = f"{group}_login"
        return [f"IF DATABASE_PRINCIPAL_ID('{group}') IS NULL CREATE ROLE {group};",
                f"IF DATABASE_PRINCIPAL_ID('{login}') IS NULL CREATE USER {login} WITHOUT LOGIN;",
                f"ALTER ROLE {group} ADD MEMBER {login};"]

    def nothing_for_everyone(self) -> list[str]:
        return ["REVOKE CONNECT FROM guest;"]

    def membership(self, parent: str, child: str) -> str:
        return f"ALTER ROLE {parent} ADD MEMBER {child};"

    def table_grant(self, entity: Entity, access: Access, role: str) -> str | None:
        """A masked role reads the whole table: Dynamic Data Masking shows it the masks."""
        name = next(n for n, physical in self.roles.items() if physical == role)
        if access.readable is not None and self.design.doc.security.roles[name].pii == "masked":
            access = Access(access.privileges | {"select"}, None)
        return super().table_grant(entity, access, role)

    # -- tenancy -------------------------------------------------------------------------------
    def predicate(self, entity: Entity) -> str:
        return f"security.tenant_of_{entity.table}"

    def row_level_security(self, scopes: dict[str, TenantScope]) -> list[str]:
        key = tenant_key_type_column(self.design)
        key_type = self.renderer.type_text(key.type, key)
        lines = [f"-- The session names its tenant: EXEC sp_set_session_context @key = N'{SESSION_KEY}', @value = ...;",
                 "IF SCHEMA_ID('security') IS NULL EXEC('CREATE SCHEMA security');",
                 "DROP SECURITY POLICY IF EXISTS security.tenant_isolation;",
                 f"CREATE OR ALTER FUNCTION security.tenant_is(@tenant {key_type}) RETURNS TABLE WITH SCHEMABINDING AS "
                 f"RETURN SELECT 1 AS allowed WHERE @tenant = CAST(SESSION_CONTEXT(N'{SESSION_KEY}') AS {key_type});"]
        predicates, functions = [], {}
        for scope in scopes.values():
            entity = self.design.entities[scope.entity]
            columns = ", ".join(self.column_name(entity, c) for c in scope.columns)
            if scope.how == "parent":
                parent = self.design.entities[scope.parent]
                parent_scope = scopes[parent.name]
                key_columns = [parent.column(c) for c in scope.parent_columns]
                parameters = ", ".join(f"@{c.physical} {self.renderer.type_text(c.type, c)}" for c in key_columns)
                matches = " AND ".join(f"p.{self.name(c.physical)} = @{c.physical}" for c in key_columns)
                inner = self.parent_condition(parent, parent_scope)
                function = self.predicate(parent)
                functions[function] = (f"CREATE OR ALTER FUNCTION {function}({parameters}) RETURNS TABLE WITH "
                                       f"SCHEMABINDING AS RETURN SELECT 1 AS allowed FROM {self.qualified(parent)} p "
                                       f"WHERE {matches} AND {inner};")
            else:
                function = "security.tenant_is"
            table = self.qualified(entity)
            predicates += [f"ADD FILTER PREDICATE {function}({columns}) ON {table}"] + [
                f"ADD BLOCK PREDICATE {function}({columns}) ON {table} {event}"
                for event in ("AFTER INSERT", "AFTER UPDATE", "BEFORE UPDATE", "BEFORE DELETE")]
        lines += functions.values()
        lines.append("CREATE SECURITY POLICY security.tenant_isolation " + ", ".join(predicates) + " WITH (STATE = ON);")
        return lines

    def parent_condition(self, parent: Entity, scope: TenantScope) -> str:
        columns = ", ".join(f"p.{self.column_name(parent, c)}" for c in scope.columns)
        if scope.how == "parent":
            return f"EXISTS (SELECT 1 FROM {self.predicate(self.design.entities[scope.parent])}({columns}))"
        return f"EXISTS (SELECT 1 FROM security.tenant_is({columns}))"

    # -- masking -------------------------------------------------------------------------------
    def write_masks(self, masks: dict[str, list[Mask]]) -> list[str]:
        lines = ["-- Dynamic Data Masking: every role without UNMASK reads the masks. A masked value can still be",
                 "-- inferred by filtering on it (WHERE email LIKE 'a%'): masking limits what is shown, not what is asked."]
        for entity_name, entity_masks in masks.items():
            entity = self.design.entities[entity_name]
            for mask in entity_masks:
                if mask.how == "none":
                    continue
                function = DDM_FUNCTIONS.get((mask.how, mask.shape), "default()") if mask.is_text else "default()"
                if mask.how == "hash":
                    self.finding(("security", "masking", mask.column.pii), "SC106", "info",
                                 "SQL Server's masking has no hash: hashed columns are shown as default() there")
                lines.append(f"ALTER TABLE {self.qualified(entity)} ALTER COLUMN {self.column_name(entity, mask.column.name)} "
                             f"ADD MASKED WITH (FUNCTION = '{function}');")
            for name, by_entity in self.matrix.items():
                access = by_entity.get(entity_name)
                if access is not None and access.readable is None and "select" in access.privileges:
                    lines.append(f"GRANT UNMASK ON {self.qualified(entity)} TO {self.roles[name]};")
                elif access is not None and access.readable:
                    clear = [c for c in access.readable if entity.column(c).pii]
                    lines += [f"GRANT UNMASK ON {self.qualified(entity)}({self.column_name(entity, c)}) TO {self.roles[name]};"
                              for c in clear]
        return lines

    # -- column encryption ---------------------------------------------------------------------
    def encrypt_columns(self, columns) -> list[str]:
        lines = ["-- Always Encrypted: the keys are made with SSMS or PowerShell (the column master key stays in the",
                 "-- key store, never in the database), and existing values are encrypted by that tool, not by T-SQL.",
                 "-- The definitions each column gets:"]
        for entity, column in columns:
            lines.append(f"--   ALTER TABLE {self.qualified(entity)} ALTER COLUMN {self.column_name(entity, column.name)} "
                         f"{self.renderer.type_text(column.type, column)} COLLATE Latin1_General_BIN2 ENCRYPTED WITH "
                         "(COLUMN_ENCRYPTION_KEY = cek_schemaforge, ENCRYPTION_TYPE = RANDOMIZED, "
                         f"ALGORITHM = 'AEAD_AES_256_CBC_HMAC_SHA_256'){'' if column.nullable else ' NOT NULL'};")
        return lines

    # -- audit ---------------------------------------------------------------------------------
    def audited_table(self, entity: Entity) -> str:
        return self.qualified(entity)

    def write_audit(self, entities: list[Entity], operations: list[str]) -> list[str]:
        lines = self.audit_log(entities, operations)
        actions = ", ".join(f"{op.upper()} ON OBJECT::{self.qualified(e)} BY public"
                            for e in entities for op in self.design.doc.security.audit.operations)
        name = f"{self.design.name}_audit"
        lines += [f"-- Statement audit: CREATE SERVER AUDIT {name} TO FILE (FILEPATH = N'/var/opt/mssql/audit/') runs "
                  "in master first.",
                  f"-- CREATE DATABASE AUDIT SPECIFICATION {name} FOR SERVER AUDIT {name} ADD ({actions.replace(', ', '), ADD (')}) "
                  "WITH (STATE = ON);"]
        return lines

    def write_retention(self, purges) -> list[str]:
        deletes = " ".join(f"DELETE FROM {self.SCHEMA}.{self.name(p.table)} WHERE {self.name(p.column)} < "
                           f"DATEADD({DATEADD_UNITS[p.unit]}, -{p.amount}, SYSUTCDATETIME());" for p in purges)
        return ["-- Run daily by a SQL Server Agent job: EXEC dbo.purge_expired;",
                f"CREATE OR ALTER PROCEDURE {self.SCHEMA}.purge_expired AS BEGIN {deletes} END;"]
