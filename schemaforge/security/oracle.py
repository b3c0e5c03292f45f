"""Oracle's security script (run with SQL*Plus or SQLcl: PL/SQL blocks end with `/`): roles and
users without authentication, Virtual Private Database policies (DBMS_RLS) keyed by an
application context, Data Redaction (DBMS_REDACT) for the roles that may not read personal data
in clear, TDE column and tablespace encryption, an audit log kept by triggers with unified
auditing for statements, and a scheduler job that purges."""

from __future__ import annotations

from schemaforge.design.model import Entity
from schemaforge.security.grants import Access
from schemaforge.security.masking import Mask

from schemaforge.security.tenancy import TenantScope
from schemaforge.security.writer import WITHOUT_TRUNCATE, SecurityWriter

CONTEXT = "app_ctx"
# DBMS_REDACT per (mask, what partial keeps): (function type, its parameters).
REDACTIONS = {
    ("partial", "email"): "function_type => DBMS_REDACT.REGEXP, regexp_pattern => DBMS_REDACT.RE_PATTERN_EMAIL_ADDRESS, "
                          "regexp_replace_string => DBMS_REDACT.RE_REDACT_EMAIL_NAME",
    ("partial", "last_four"): "function_type => DBMS_REDACT.REGEXP, regexp_pattern => '^.*(.{4})$', "
                              "regexp_replace_string => '****\\1'",
    ("partial", "initial"): "function_type => DBMS_REDACT.REGEXP, regexp_pattern => '^(.).*$', "
                            "regexp_replace_string => '\\1***'",
}
FULL = "function_type => DBMS_REDACT.FULL"


def _block(body: str) -> list[str]:
    return [f"BEGIN {body} END;", "/"]


def _ignoring(statement: str, code: int) -> list[str]:
    """Run `statement`, taking error `code` (it exists already) as done."""
    quoted = statement.replace("'", "''")
    return _block(f"EXECUTE IMMEDIATE '{quoted}'; EXCEPTION WHEN OTHERS THEN IF SQLCODE != {code} THEN RAISE; END IF;")


class OracleSecurity(SecurityWriter):
    target = "oracle"
    PRIVILEGES = WITHOUT_TRUNCATE
    TENANCY = "virtual private database"
    MASKING = "data redaction"
    COLUMN_ENCRYPTION = "TDE column encryption"
    GRANT_KIND = None
    AT_REST = ("-- At rest: the tablespace encrypted online with TDE (keystore open).",
               "ALTER TABLESPACE users ENCRYPTION ONLINE USING 'AES256' ENCRYPT;")
    IN_TRANSIT = ("-- In transit: sqlnet.ora on the server: SQLNET.ENCRYPTION_SERVER = REQUIRED (or TCPS only).",)

    def create_roles(self, group: str) -> list[str]:
        login = f"{group}_login"
        return [*_ignoring(f"CREATE ROLE {group}", -1921), *_ignoring(f"CREATE USER {login} NO AUTHENTICATION", -1920),
                f"GRANT CREATE SESSION, {group} TO {login};"]

    def table_grant(self, entity: Entity, access: Access, role: str) -> str | None:
        """Oracle has no column SELECT: a role limited to some columns reads the table, and the
        personal columns it may not read are redacted for it (see the redaction section)."""
        if access.readable is not None and not any(f.code == "SC106" for f in self.findings):
            self.finding(("security", "roles"), "SC106", "info",
                         "Oracle grants SELECT per table only: the personal columns a role may not read are redacted "
                         "for it by DBMS_REDACT")
        if access.readable is not None:
            access = Access(access.privileges | {"select"}, None)
        return super().table_grant(entity, access, role)

    def masks(self) -> dict[str, list[Mask]]:
        """Every table whose personal columns some reader may not see: on Oracle the redaction is
        also what keeps them from the roles limited by `pii:` (not only the masked ones)."""
        from schemaforge.security.masking import mask_of

        limited = {e for by in self.matrix.values() for e, a in by.items() if a.readable is not None}
        return {e.name: [m for c in e.columns if (m := mask_of(self.design, c))]
                for e in self.design.entities.values() if e.name in limited and any(c.pii for c in e.columns)}

    # -- tenancy -------------------------------------------------------------------------------
    def row_level_security(self, scopes: dict[str, TenantScope]) -> list[str]:
        lines = [f"-- The session names its tenant: EXEC set_tenant('<tenant key>'); (the context {CONTEXT} is set only there).",
                 f"CREATE OR REPLACE CONTEXT {CONTEXT} USING set_tenant;",
                 f"CREATE OR REPLACE PROCEDURE set_tenant(tenant IN VARCHAR2) AS BEGIN "
                 f"DBMS_SESSION.SET_CONTEXT('{CONTEXT}', 'tenant_id', tenant); END;", "/"]
        cases = []
        for scope in scopes.values():
            entity = self.design.entities[scope.entity]
            if scope.how == "parent":
                predicate = self.parent_subquery(scope)
            else:
                predicate = f"{self.column_name(entity, scope.columns[0])} = SYS_CONTEXT(''{CONTEXT}'', ''tenant_id'')"
            cases.append(f"WHEN '{entity.table.upper()}' THEN RETURN '{predicate}';")
        lines += ["CREATE OR REPLACE FUNCTION tenant_predicate(schema_name IN VARCHAR2, table_name IN VARCHAR2) "
                  f"RETURN VARCHAR2 AS BEGIN CASE table_name {' '.join(cases)} ELSE RETURN '1 = 0'; END CASE; END;", "/"]
        for scope in scopes.values():
            table = self.design.entities[scope.entity].table.upper()
            lines += _block(f"DBMS_RLS.ADD_POLICY(object_schema => USER, object_name => '{table}', "
                            "policy_name => 'TENANT_ISOLATION', function_schema => USER, policy_function => 'TENANT_PREDICATE', "
                            "statement_types => 'SELECT, INSERT, UPDATE, DELETE', update_check => TRUE); "
                            "EXCEPTION WHEN OTHERS THEN IF SQLCODE != -28101 THEN RAISE; END IF;")
        return lines

    # -- redaction -----------------------------------------------------------------------------
    def write_masks(self, masks: dict[str, list[Mask]]) -> list[str]:
        lines = ["-- Redacted unless the session holds a role that reads the column in clear."]
        for entity_name, entity_masks in masks.items():
            entity = self.design.entities[entity_name]
            first = True
            for mask in entity_masks:
                clear = [self.roles[n] for n, by in self.matrix.items() if (a := by.get(entity_name)) is not None
                         and (a.readable is None or mask.column.name in a.readable) and "select" in a.privileges | (
                             {"select"} if a.readable else set())]
                expression = " AND ".join(f"SYS_CONTEXT(''SYS_SESSION_ROLES'', ''{r.upper()}'') = ''FALSE''" for r in clear) or "1 = 1"
                how = REDACTIONS.get((mask.how, mask.shape), FULL) if mask.is_text else FULL
                column = self.column_name(entity, mask.column.name)
                common = (f"object_schema => USER, object_name => '{entity.table.upper()}', policy_name => "
                          f"'{entity.table.upper()}_REDACTION', column_name => '{column.strip(chr(34)).upper()}', {how}")
                if first:
                    lines += _block(f"DBMS_REDACT.ADD_POLICY({common}, expression => '{expression}');")
                else:
                    lines += _block(f"DBMS_REDACT.ALTER_POLICY({common}, action => DBMS_REDACT.ADD_COLUMN);")
                first = False
        return lines

    def encrypt_columns(self, columns) -> list[str]:
        lines = ["-- TDE column encryption: the keystore (wallet) is open; the key never appears here."]
        for entity, column in columns:
            lines.append(f"ALTER TABLE {self.table_name(entity)} MODIFY ({self.column_name(entity, column.name)} "
                         "ENCRYPT USING 'AES256' NO SALT);")
        return lines

    # -- audit ---------------------------------------------------------------------------------
    def write_audit(self, entities: list[Entity], operations: list[str]) -> list[str]:
        lines = self.audit_log(entities, operations)
        if lines:  # the DDL of an audit pattern may have made the log already
            lines[:1] = _ignoring(lines[0].rstrip(";"), -955)
        actions = ", ".join(f"{op.upper()} ON {self.table_name(e)}" for e in entities
                            for op in self.design.doc.security.audit.operations)
        name = f"{self.design.name}_audit"
        lines += [*_ignoring(f"CREATE AUDIT POLICY {name} ACTIONS {actions}", -46358), f"AUDIT POLICY {name};"]
        return lines

    def write_retention(self, purges) -> list[str]:
        deletes = " ".join(f"DELETE FROM {self.name(p.table)} WHERE {self.name(p.column)} < SYSTIMESTAMP - "
                           f"NUMTO{'YM' if p.unit in ('month', 'year') else 'DS'}INTERVAL({p.amount * (7 if p.unit == 'week' else 1)}, "
                           f"''{'day' if p.unit == 'week' else p.unit}'');" for p in purges)
        return _block("DBMS_SCHEDULER.CREATE_JOB(job_name => 'PURGE_EXPIRED', job_type => 'PLSQL_BLOCK', "
                      f"job_action => 'BEGIN {deletes} END;', repeat_interval => 'FREQ=DAILY', enabled => TRUE); "
                      "EXCEPTION WHEN OTHERS THEN IF SQLCODE != -27477 THEN RAISE; END IF;")
