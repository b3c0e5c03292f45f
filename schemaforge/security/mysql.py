"""MySQL's and MariaDB's security script. They have roles but no PUBLIC to take back from, no
TRUNCATE privilege (DROP grants it), and no row-level security: a tenant-owned table is read
and written through a view of the session's tenant (WITH CHECK OPTION), and the roles are
granted the views, never the table. Masked roles read masked views; the audit log is kept by
triggers, and the retention by events."""

from __future__ import annotations

from sqlglot import exp

from schemaforge.design.model import Entity
from schemaforge.security.masking import Mask, masked_view_name

from schemaforge.security.tenancy import TenantScope, tenant_key_type_column
from schemaforge.security.writer import WITHOUT_TRUNCATE, SecurityWriter

TENANT_VARIABLE = "@tenant_id"  # the session variable naming the current tenant
KEY_VARIABLE = "@encryption_key"


class MysqlSecurity(SecurityWriter):
    target = "mysql"
    PRIVILEGES = WITHOUT_TRUNCATE
    TENANCY = "tenant views"
    MASKING = "masked views"
    COLUMN_ENCRYPTION = "AES_ENCRYPT helpers"
    TEXT_MASKS = {
        ("partial", "email"): r"REGEXP_REPLACE({c}, '^(.)[^@]*', '\\1***')",
        ("partial", "last_four"): "CONCAT(REPEAT('*', GREATEST(CHAR_LENGTH({c}) - 4, 0)), RIGHT({c}, 4))",
        ("partial", "initial"): "CONCAT(LEFT({c}, 1), '***')",
        ("redact", ""): "'[redacted]'",
    }
    HASH_MASK = "SHA2(CAST({c} AS CHAR), 256)"
    IN_TRANSIT = ("-- In transit: the logins REQUIRE SSL; set require_secure_transport = ON in the server's my.cnf.",)

    def create_roles(self, group: str) -> list[str]:
        encryption = self.design.doc.security.encryption
        tls = " REQUIRE SSL" if encryption is not None and encryption.in_transit == "required" else ""
        login = f"'{group}_login'@'%'"
        return [f"CREATE ROLE IF NOT EXISTS {group};", f"CREATE USER IF NOT EXISTS {login}{tls};",
                f"GRANT {group} TO {login};", f"SET DEFAULT ROLE {group} FOR {login};"]

    # -- tenancy: views of the session's tenant ------------------------------------------------
    @staticmethod
    def tenant_view(entity: Entity) -> str:
        return f"{entity.table}_tenant"

    def isolates(self) -> bool:
        tenancy = self.design.doc.security.tenancy
        return tenancy is not None and tenancy.isolation == "row_level_security"

    def granted_object(self, entity: Entity):
        """The view of the session's tenant is granted instead of a tenant-owned table."""
        if self.isolates() and entity.name in self.scopes():
            return exp.Table(this=self.renderer.ident(self.tenant_view(entity)))
        return super().granted_object(entity)

    def row_level_security(self, scopes: dict[str, TenantScope]) -> list[str]:
        self.finding(("security", "tenancy", "isolation"), "SC109", "info",
                     "MySQL has no row-level security: each tenant-owned table is read and written through a view "
                     f"of the session's tenant (SET {TENANT_VARIABLE} = ...), and the roles are granted the views only")
        key = tenant_key_type_column(self.design)
        lines = ["DROP FUNCTION IF EXISTS current_tenant;",
                 f"CREATE FUNCTION current_tenant() RETURNS {self.renderer.type_text(key.type, key)} NOT DETERMINISTIC "
                 f"NO SQL RETURN {TENANT_VARIABLE};"]
        for scope in scopes.values():
            entity = self.design.entities[scope.entity]
            columns = [self.column_name(entity, c) for c in scope.columns]
            if scope.how == "parent":
                parent = self.design.entities[scope.parent]
                matches = " AND ".join(f"p.{self.column_name(parent, pc)} = t.{c}" for pc, c in zip(scope.parent_columns, columns))
                condition = f"EXISTS (SELECT 1 FROM {self.name(self.tenant_view(parent))} p WHERE {matches})"
            else:
                condition = f"t.{columns[0]} = current_tenant()"
            lines.append(f"CREATE OR REPLACE SQL SECURITY DEFINER VIEW {self.name(self.tenant_view(entity))} AS "
                         f"SELECT * FROM {self.table_name(entity)} t WHERE {condition} WITH CHECK OPTION;")
        return lines

    # -- masking -------------------------------------------------------------------------------
    def write_masks(self, masks: dict[str, list[Mask]]) -> list[str]:
        lines = []
        for entity_name, entity_masks in masks.items():
            entity = self.design.entities[entity_name]
            source = (self.name(self.tenant_view(entity)) if self.isolates() and entity_name in self.scopes()
                      else self.table_name(entity))
            view = self.name(masked_view_name(entity))
            lines.append(f"CREATE OR REPLACE SQL SECURITY DEFINER VIEW {view} AS SELECT "
                         f"{self.masked_view_items(entity, entity_masks)} FROM {source};")
            lines += [f"GRANT SELECT ON {view} TO {role};" for role in self.masked_readers(entity)]
        return lines

    # -- column encryption: helpers the application calls --------------------------------------
    def encrypt_columns(self, columns) -> list[str]:
        names = ", ".join(f"{e.name}.{c.field}" for e, c in columns)
        return [f"-- Store {names} as encrypt_value(value) in a VARBINARY column and read decrypt_value(column);",
                f"-- the key is the session's {KEY_VARIABLE}, never written here.",
                "DROP FUNCTION IF EXISTS encrypt_value;",
                f"CREATE FUNCTION encrypt_value(plain TEXT) RETURNS VARBINARY(4096) NOT DETERMINISTIC NO SQL "
                f"RETURN AES_ENCRYPT(plain, UNHEX(SHA2({KEY_VARIABLE}, 256)));",
                "DROP FUNCTION IF EXISTS decrypt_value;",
                f"CREATE FUNCTION decrypt_value(cipher VARBINARY(4096)) RETURNS TEXT NOT DETERMINISTIC NO SQL "
                f"RETURN CAST(AES_DECRYPT(cipher, UNHEX(SHA2({KEY_VARIABLE}, 256))) AS CHAR);"]

    # -- retention: a daily event per table ----------------------------------------------------
    def write_retention(self, purges) -> list[str]:
        lines = ["-- The event scheduler must be on (event_scheduler = ON)."]
        for purge in purges:
            unit = purge.unit.upper()
            lines += [f"CREATE EVENT IF NOT EXISTS {self.name('purge_' + purge.table)} ON SCHEDULE EVERY 1 DAY DO "
                      f"DELETE FROM {self.name(purge.table)} WHERE {self.name(purge.column)} < NOW() - INTERVAL "
                      f"{purge.amount} {unit};"]
        return lines

    def at_rest(self) -> list[str]:
        lines = ["-- At rest: with a keyring (MySQL) or a key management plugin (MariaDB) loaded, run"]
        for entity in self.design.entities.values():
            table = self.table_name(entity)
            lines.append(f"--   ALTER TABLE {table} ENCRYPTION = 'Y';  (MariaDB: ALTER TABLE {table} ENCRYPTED = YES;)")
        return lines
