"""PostgreSQL's security script: roles in DO blocks (CREATE ROLE has no IF NOT EXISTS), PUBLIC
left nothing, pgcrypto column encryption with the key from a session setting, row-level
security forced on the owner too, masked views, a trigger-kept audit log with pgaudit for
statements, and a purge procedure."""

from __future__ import annotations

from sqlglot import exp

from schemaforge.ddl.render import render_ddl
from schemaforge.design.model import Entity
from schemaforge.security.masking import Mask, masked_view_name
from schemaforge.security.policy import KEY_SETTING
from schemaforge.security.tenancy import TENANT_SETTING, TenantScope, tenant_key_type_column
from schemaforge.security.writer import SecurityWriter, privilege

TENANT_POLICY = "tenant_isolation"


def _do(body: str) -> str:
    return f"DO $$ BEGIN {body} END $$;"


def _dollar_tag(name: str, *texts: str) -> str:
    """A dollar-quote tag that none of `texts` holds (the DDL carries the design's descriptions,
    which could hold any tag: a fixed one would let a description end the quote)."""
    tag, n = f"${name}$", 0
    while any(tag in text for text in texts):
        n += 1
        tag = f"${name}{n}$"
    return tag


class PostgresSecurity(SecurityWriter):
    target = "postgres"
    SCHEMA = "public"
    TENANCY = "row level security"
    MASKING = "masked views"
    COLUMN_ENCRYPTION = "pgcrypto"
    ENCRYPTS_IN_PLACE = True
    AT_REST = ("-- At rest: PostgreSQL has no transparent encryption; the platform must encrypt the volume "
               "(see security/checklist.md).",)
    IN_TRANSIT = ("-- In transit: security/postgresql.conf and security/pg_hba.conf accept TLS connections only.",)
    TEXT_MASKS = {
        ("partial", "email"): r"regexp_replace({c}, '^(.)[^@]*', '\1***')",
        ("partial", "last_four"): "repeat('*', greatest(length({c}) - 4, 0)) || right({c}, 4)",
        ("partial", "initial"): "left({c}, 1) || '***'",
        ("redact", ""): "'[redacted]'",
    }
    HASH_MASK = "encode(sha256(convert_to({c}::text, 'UTF8')), 'hex')"

    # -- roles ---------------------------------------------------------------------------------
    def create_roles(self, group: str) -> list[str]:
        create = "IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{name}') THEN CREATE ROLE {name} {options}; END IF;"
        return [_do(create.format(name=group, options="NOLOGIN")),
                _do(create.format(name=f"{group}_login", options=f"LOGIN IN ROLE {group}"))]

    def nothing_for_everyone(self) -> list[str]:
        return [f"REVOKE ALL ON SCHEMA {self.SCHEMA} FROM PUBLIC;",
                _do("EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());"),
                f"REVOKE ALL ON ALL TABLES IN SCHEMA {self.SCHEMA} FROM PUBLIC;",
                f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {self.SCHEMA} FROM PUBLIC;",
                f"REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA {self.SCHEMA} FROM PUBLIC;",
                "ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;"]

    def schema_usage(self, roles: list[str]) -> list[str]:
        if not roles:
            return []
        names = ", ".join(roles)
        return [self.grant([privilege("usage")], exp.Table(this=exp.to_identifier(self.SCHEMA)), "SCHEMA", roles),
                _do(f"EXECUTE format('GRANT CONNECT ON DATABASE %I TO {names}', current_database());")]

    def grants(self) -> list[str]:
        lines = super().grants()
        # pgcrypto's functions, to the roles that read or write an encrypted column in clear.
        readers, writers = {}, {}
        for entity, column in self.encrypted():
            readers |= dict.fromkeys(self.roles[name] for name, by in self.matrix.items() if (a := by.get(entity.name))
                                     and ("select" in a.privileges or column.name in (a.readable or ())))
            writers |= dict.fromkeys(self.roles_with(entity, {"insert", "update"}))
        if readers:
            lines.append(f"GRANT EXECUTE ON FUNCTION pgp_sym_decrypt(bytea, text) TO {', '.join(readers)};")
        if writers:
            lines.append(f"GRANT EXECUTE ON FUNCTION pgp_sym_encrypt(text, text) TO {', '.join(writers)};")
        return lines

    # -- column encryption ---------------------------------------------------------------------
    def encrypt_columns(self, columns) -> list[str]:
        lines = [f"-- The key is read from the session setting {KEY_SETTING}, never written here: set it",
                 f"-- (SET {KEY_SETTING} = '...') before applying. The application writes",
                 f"-- pgp_sym_encrypt(value, current_setting('{KEY_SETTING}')) and reads",
                 f"-- pgp_sym_decrypt(column, current_setting('{KEY_SETTING}')).",
                 "CREATE EXTENSION IF NOT EXISTS pgcrypto;",
                 _do(f"IF coalesce(current_setting('{KEY_SETTING}', true), '') = '' THEN RAISE EXCEPTION "
                     f"'set {KEY_SETTING} before applying this script: it encrypts columns with it'; END IF;")]
        for entity, column in columns:
            table, name = self.table_name(entity), self.column_name(entity, column.name)
            self.finding(column.path, "SC108", "info",
                         f"'{entity.name}.{column.field}' is encrypted on PostgreSQL: its uniques and checks cannot "
                         "hold on ciphertext and are dropped there, and no index finds a value by it")
            # Constraints that read the column would test ciphertext: they are dropped first.
            attribute = f"FROM pg_attribute WHERE attrelid = '{table}'::regclass AND attname = '{column.physical}'"
            lines.append(
                f"DO $$ DECLARE constraint_name text; BEGIN IF (SELECT atttypid {attribute}) <> 'bytea'::regtype THEN "
                f"FOR constraint_name IN SELECT conname FROM pg_constraint WHERE conrelid = '{table}'::regclass "
                f"AND contype IN ('c', 'u') AND conkey @> ARRAY[(SELECT attnum {attribute})] LOOP "
                f"EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', '{table}', constraint_name); END LOOP; "
                f"ALTER TABLE {table} ALTER COLUMN {name} DROP DEFAULT; "
                f"ALTER TABLE {table} ALTER COLUMN {name} TYPE bytea USING "
                f"pgp_sym_encrypt({name}::text, current_setting('{KEY_SETTING}')); END IF; END $$;")
        return lines

    # -- tenancy -------------------------------------------------------------------------------
    def tenant_provisioning(self, isolation: str) -> list[str]:
        if isolation == "database_per_tenant":
            return ["-- database_per_tenant: security/provision_tenant.sh TENANT makes the database "
                    f"{self.design.name}_<tenant> with ddl/postgres.sql and this script."]
        # schema_per_tenant: the DDL and the table grants run again in the tenant's own schema.
        ddl = render_ddl(self.design, "postgres").sql
        grants = "\n".join(line for name in self.roles for line in self.table_grants(name))
        roles = ", ".join(self.roles.values())
        usage = f"EXECUTE format('GRANT USAGE ON SCHEMA %I TO {roles}', schema_name); " if roles else ""
        self.finding(("security", "tenancy", "isolation"), "SC117", "info",
                     "schema_per_tenant on PostgreSQL: provision_tenant(key) makes schema tenant_<key> with the tables "
                     "and grants; the session picks its tenant with SET search_path, and masking views, audit "
                     "triggers and column encryption apply to the public schema only")
        ddl_tag, grants_tag = _dollar_tag("ddl", ddl), _dollar_tag("grants", grants)
        body = (f"DECLARE schema_name text := 'tenant_' || tenant; BEGIN "
                "IF tenant !~ '^[a-z0-9_]{1,40}$' THEN RAISE EXCEPTION 'a tenant key is 1 to 40 of a-z, 0-9 and _, "
                "not %', tenant; END IF; "
                "EXECUTE format('CREATE SCHEMA %I', schema_name); "
                "PERFORM set_config('search_path', quote_ident(schema_name), true); "
                f"EXECUTE {ddl_tag}\n{ddl}\n{ddl_tag}; "
                f"{usage}EXECUTE {grants_tag}\n{grants}\n{grants_tag}; "
                "RETURN schema_name; END")
        tag = _dollar_tag("provision", body)
        return [
            "-- Each tenant has a schema of its own, tenant_<key>, made by SELECT provision_tenant('<key>');",
            "-- tenant_template is made now. The session picks its tenant: SET search_path = tenant_<key>.",
            f"CREATE OR REPLACE FUNCTION provision_tenant(tenant text) RETURNS text LANGUAGE plpgsql AS {tag} {body} {tag};",
            "REVOKE EXECUTE ON FUNCTION provision_tenant(text) FROM PUBLIC;",
            "SELECT provision_tenant('template') WHERE NOT EXISTS (SELECT FROM pg_namespace WHERE nspname = 'tenant_template');",
        ]

    def tenant_value(self) -> str:
        key = tenant_key_type_column(self.design)
        return f"NULLIF(current_setting('{TENANT_SETTING}', true), '')::{self.renderer.type_text(key.type, key)}"

    @staticmethod
    def owner_function(entity: Entity) -> str:
        return f"tenant_owns_{entity.table}"

    def row_level_security(self, scopes: dict[str, TenantScope]) -> list[str]:
        lines = ["-- Each tenant-owned table shows and takes only the rows of the tenant named by the session",
                 f"-- setting {TENANT_SETTING} (SET {TENANT_SETTING} = '<tenant key>'); with none set, nothing.",
                 "-- FORCE: the tables' owner is held to it too (superusers and BYPASSRLS roles are not)."]
        for scope in scopes.values():
            entity = self.design.entities[scope.entity]
            table = self.table_name(entity)
            if scope.how == "parent":
                lines += self.parent_function(scope)
            condition = self.scope_condition(scope)
            lines += [f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;", f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY;",
                      f"DROP POLICY IF EXISTS {TENANT_POLICY} ON {table};",
                      f"CREATE POLICY {TENANT_POLICY} ON {table} USING ({condition}) WITH CHECK ({condition});"]
        return lines

    def scope_condition(self, scope: TenantScope, alias: str | None = None) -> str:
        """The condition a row of the scope's entity belongs to the session's tenant by."""
        entity = self.design.entities[scope.entity]
        prefix = f"{alias}." if alias else ""
        columns = [prefix + self.column_name(entity, c) for c in scope.columns]
        if scope.how in ("tenant", "key"):
            return f"{columns[0]} = {self.tenant_value()}"
        return f"{self.owner_function(self.design.entities[scope.parent])}({', '.join(columns)})"

    def parent_function(self, scope: TenantScope) -> list[str]:
        """Whether the tenant owns a parent row, asked by the policy of a table that holds no
        tenant key. It checks the parent's own condition itself rather than relying on the
        parent's policy, which a superuser owner would bypass."""
        parent = self.design.entities[scope.parent]
        parent_scope = self.scopes()[parent.name]
        key_columns = [parent.column(c) for c in scope.parent_columns]
        arguments = ", ".join(self.renderer.type_text(c.type, c) for c in key_columns)
        matches = " AND ".join(f"p.{self.name(c.physical)} = ${i}" for i, c in enumerate(key_columns, 1))
        function = self.owner_function(parent)
        return [
            f"CREATE OR REPLACE FUNCTION {function}({arguments}) RETURNS boolean LANGUAGE sql STABLE "
            f"SECURITY DEFINER SET search_path = {self.SCHEMA}, pg_temp AS $$ SELECT EXISTS (SELECT 1 FROM "
            f"{self.table_name(parent)} p WHERE {matches} AND {self.scope_condition(parent_scope, 'p')}) $$;",
            f"REVOKE EXECUTE ON FUNCTION {function}({arguments}) FROM PUBLIC;",
            *[f"GRANT EXECUTE ON FUNCTION {function}({arguments}) TO {role};"
              for role in self.roles_with(self.design.entities[scope.entity], {"select", "insert", "update", "delete"})],
        ]

    # -- masking -------------------------------------------------------------------------------
    def write_masks(self, masks: dict[str, list[Mask]]) -> list[str]:
        lines = ["-- A view per table with personal data: the masked roles read it, never the base columns",
                 "-- (their column grants leave those out). It runs as its owner, who may be a superuser that",
                 "-- row-level security does not hold, so a tenant-owned table's view applies the tenant itself."]
        scopes = self.scopes()
        for entity_name, entity_masks in masks.items():
            entity = self.design.entities[entity_name]
            view = self.name(masked_view_name(entity))
            where = f" WHERE {self.scope_condition(scopes[entity_name])}" if entity_name in scopes else ""
            lines += [f"DROP VIEW IF EXISTS {view};",
                      f"CREATE VIEW {view} WITH (security_barrier) AS SELECT {self.masked_view_items(entity, entity_masks)} "
                      f"FROM {self.table_name(entity)}{where};",
                      f"REVOKE ALL ON {view} FROM PUBLIC;"]
            readers = self.masked_readers(entity)
            if readers:
                lines.append(f"GRANT SELECT ON {view} TO {', '.join(readers)};")
        return lines

    # -- audit ---------------------------------------------------------------------------------
    def write_audit(self, entities: list[Entity], operations: list[str]) -> list[str]:
        return self.audit_log(entities, operations) + self.statement_audit(entities)

    def statement_audit(self, entities: list[Entity]) -> list[str]:
        """pgaudit (preloaded by the server) logs the statements of the login roles that touch an
        audited table: writes when they may write one, reads when `select` is audited."""
        reads_audited = "select" in self.design.doc.security.audit.operations
        lines = ["-- Statement audit: pgaudit must be in shared_preload_libraries; set as a superuser."]
        for role in self.roles.values():
            classes = []
            if any(role in self.roles_with(e, {"insert", "update", "delete"}) for e in entities):
                classes += ["write", "ddl"]
            if reads_audited and any(role in self.roles_with(e, {"select"}) for e in entities):
                classes.append("read")
            if classes:
                lines.append(f"ALTER ROLE {role}_login SET pgaudit.log = '{', '.join(classes)}';")
        return lines

    # -- retention -----------------------------------------------------------------------------
    def write_retention(self, purges) -> list[str]:
        deletes = " ".join(f"DELETE FROM {self.name(p.table)} WHERE {self.name(p.column)} < now() - interval "
                           f"'{p.words}';" for p in purges)
        return ["-- Run daily by a role that bypasses the tenant policies (CALL purge_expired();), for example",
                "-- with pg_cron: SELECT cron.schedule('purge_expired', '17 3 * * *', 'CALL purge_expired()');",
                f"CREATE OR REPLACE PROCEDURE purge_expired() LANGUAGE plpgsql AS $$ BEGIN {deletes} END $$;",
                "REVOKE EXECUTE ON PROCEDURE purge_expired() FROM PUBLIC;"]
