"""The security deliverable's files: `security/<target>.sql` for each SQL target whose engine has
roles, the PostgreSQL server's transport settings (`security/postgresql.conf`,
`security/pg_hba.conf`) when the design requires TLS, and `security/provision_tenant.sh` for a
database per tenant."""

from __future__ import annotations

from dataclasses import dataclass

from schemaforge.deliverables.files import Artifact
from schemaforge.design.model import Design
from schemaforge.findings import Finding
from schemaforge.security.clickhouse import ClickHouseSecurity
from schemaforge.security.mysql import MysqlSecurity
from schemaforge.security.oracle import OracleSecurity
from schemaforge.security.postgres import PostgresSecurity
from schemaforge.security.sqlserver import SqlServerSecurity
from schemaforge.security.writer import SecurityWriter

# SQLite and DuckDB have no roles: no policy is written for them (lint SC110).
WRITERS: dict[str, type[SecurityWriter]] = {
    "postgres": PostgresSecurity, "mysql": MysqlSecurity, "sqlserver": SqlServerSecurity, "oracle": OracleSecurity,
    "clickhouse": ClickHouseSecurity}


def security_targets(design: Design) -> list[str]:
    """The design's SQL targets that have roles to write a policy for."""
    return [t for t in design.targets if t in WRITERS]


@dataclass(frozen=True)
class WrittenPolicy:
    text: str
    findings: tuple[Finding, ...]  # what the target could not write, located


def written_policy(design: Design, target: str) -> WrittenPolicy:
    """The target's script and its findings, written once per loaded design (the deliverable and
    the lint share it)."""
    def write() -> WrittenPolicy:
        writer = WRITERS[target](design)
        text = writer.script()
        return WrittenPolicy(text, tuple(writer.findings))

    return design.derived(("security", target), write)


def security_sql(design: Design, target: str = "postgres") -> str:
    return written_policy(design, target).text


def security_findings(design: Design) -> list[Finding]:
    return [f for target in security_targets(design) for f in written_policy(design, target).findings]


POSTGRESQL_CONF = """# TLS only (security.encryption.in_transit: required): include from postgresql.conf.
ssl = on
ssl_cert_file = 'server.crt'
ssl_key_file = 'server.key'
ssl_min_protocol_version = 'TLSv1.2'
password_encryption = 'scram-sha-256'
"""

PG_HBA_CONF = """# TLS only (security.encryption.in_transit: required): every remote connection over TLS with
# SCRAM passwords; anything else is rejected. Local socket connections stay peer-authenticated.
# TYPE    DATABASE  USER  ADDRESS    METHOD
local     all       all              peer
hostssl   all       all   0.0.0.0/0  scram-sha-256
hostssl   all       all   ::/0       scram-sha-256
host      all       all   0.0.0.0/0  reject
host      all       all   ::/0       reject
"""


PROVISION_TENANT = """#!/bin/sh
# Provision a tenant of design '{design}' in a database of its own ({design}_<tenant>), with the
# schema and the security policy (security.tenancy.isolation: database_per_tenant).
# The server comes from the environment (PGHOST, PGPORT, PGUSER, as psql reads them); a design
# with encrypted columns needs the key too: PGOPTIONS='-c app.encryption_key=...'.
set -eu
tenant="${{1:?usage: provision_tenant.sh TENANT_KEY}}"
case "$tenant" in *[!a-z0-9_]*) echo "a tenant key is a-z, 0-9 and _, not $tenant" >&2; exit 2;; esac
here="$(cd "$(dirname "$0")" && pwd)"
database="{design}_$tenant"
createdb "$database"
psql -X -q -v ON_ERROR_STOP=1 -d "$database" -f "$here/../ddl/postgres.sql" -f "$here/postgres.sql"
echo "$database"
"""


def _side_files(design: Design, target: str) -> dict[str, str]:
    """The PostgreSQL server's TLS settings, and a tenant's provisioning script, where asked."""
    if target != "postgres":
        return {}
    files = {}
    encryption, tenancy = design.doc.security.encryption, design.doc.security.tenancy
    if encryption is not None and encryption.in_transit == "required":
        files |= {"security/postgresql.conf": POSTGRESQL_CONF, "security/pg_hba.conf": PG_HBA_CONF}
    if tenancy is not None and tenancy.isolation == "database_per_tenant":
        files["security/provision_tenant.sh"] = PROVISION_TENANT.format(design=design.name)
    return files


def policy_targets(design: Design) -> list[str]:
    """The targets a policy is written for: none when the design names no roles."""
    return security_targets(design) if design.doc.security.roles else []


def security_paths(design: Design) -> list[str]:
    """Every file of the security deliverables (the checklist's aside)."""
    return [path for target in policy_targets(design)
            for path in [f"security/{target}.sql", *_side_files(design, target)]]


def security_artifacts(design: Design, target: str) -> list[Artifact]:
    artifacts = [Artifact(f"security/{target}.sql", security_sql(design, target).encode())]
    return artifacts + [Artifact(path, text.encode()) for path, text in _side_files(design, target).items()]
