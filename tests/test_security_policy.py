"""The security policy applied to seeded databases on a real PostgreSQL (issue 15): tenant
isolation table by table, forced on the owner; masked reads; encrypted columns; the audit log and
pgaudit; retention. The saas example and carenet (tests/designs), a multi-tenant design written
for these tests, with tenants reached through a key and through two levels of parents."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ROOT, fresh_database_on, load_example, require_module
from schemaforge.design.loader import load_design
from schemaforge.security.grants import role_name
from schemaforge.security.policy import KEY_SETTING
from schemaforge.security.tenancy import TENANT_SETTING, tenant_scopes

KEY = "test key, never in any output"


def _carenet():
    return load_design(ROOT / "tests" / "designs" / "carenet.yaml", shown_as="tests/designs/carenet.yaml")


LOADERS = {"saas": lambda: load_example("saas"), "carenet": _carenet}


def _seeded(name: str, tmp_path_factory):
    from schemaforge.deliverables.seed import build_seed

    design = LOADERS[name]()
    folder = tmp_path_factory.mktemp(name)
    assert build_seed(design, folder).problems == []
    return design, folder / "seed"


@pytest.fixture(scope="module")
def secured(instrumented_postgres, tmp_path_factory):
    """name -> (design, seed folder, connection): each design seeded and secured, once."""
    from schemaforge.security.proof import secure_database

    made, generators = {}, []

    def get(name: str):
        if name not in made:
            design, seed = _seeded(name, tmp_path_factory)
            databases = fresh_database_on(instrumented_postgres)
            connection = next(databases)
            generators.append(databases)
            secure_database(design, seed, connection, KEY)
            made[name] = (design, seed, connection)
        return made[name]

    yield get
    for databases in generators:
        databases.close()


CASES = [(name, entity) for name, load in LOADERS.items() for entity in tenant_scopes(load())]


@pytest.mark.parametrize(("name", "entity"), CASES, ids=[f"{n}-{e}" for n, e in CASES])
def test_each_tenant_owned_table_shows_and_takes_only_its_tenants_rows(secured, name, entity):
    """As a role that reads and writes the table, tenant A set: exactly A's rows; B's row copied
    in, or A's row moved to B, refused by the policy; with no tenant set, nothing."""
    from schemaforge.security.proof import tenant_isolation

    design, _, connection = secured(name)
    [result] = tenant_isolation(design, connection, [entity])
    assert result.problems == ()
    assert result.rows_of_a > 0


def test_the_tenants_cover_the_owned_tables_and_leave_the_shared_ones():
    """carenet: charge reaches its tenant through card and patient; procedure_code is shared."""
    scopes = tenant_scopes(_carenet())
    assert {n: s.how for n, s in scopes.items()} == {
        "organization": "tenant", "staff": "key", "patient": "key", "visit": "parent", "card": "parent",
        "charge": "parent"}
    assert scopes["charge"].parent == "card" and scopes["card"].parent == "patient"


def test_the_proof_finds_a_table_whose_policy_is_missing(instrumented_postgres, tmp_path_factory):
    """The twin: with one table's policy dropped (RLS still enabled, so nothing shows) and
    another's disabled, the proof reports both."""
    from schemaforge.security.proof import secure_database, tenant_isolation

    design, seed = _seeded("saas", tmp_path_factory)
    databases = fresh_database_on(instrumented_postgres)
    connection = next(databases)
    try:
        secure_database(design, seed, connection, KEY)
        connection.execute("ALTER TABLE member DISABLE ROW LEVEL SECURITY")
        connection.execute("DROP POLICY tenant_isolation ON api_key")
        results = {r.table: r.problems for r in tenant_isolation(design, connection, ["member", "api_key", "subscription"])}
        assert any("with no tenant set" in p for p in results["member"])
        assert any("copying in a row of another tenant was not refused by the policy" in p for p in results["member"])
        assert any("sees 0 rows" in p for p in results["api_key"])
        assert results["subscription"] == ()
    finally:
        databases.close()


def test_the_tables_owner_is_held_to_the_policy(secured):
    """FORCE: the owner (not a superuser) sees nothing with no tenant set; without FORCE it
    would see every row."""
    psycopg = require_module("psycopg")
    design, _, connection = secured("saas")
    owner = role_name(design, "owner_for_test")
    connection.execute(f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{owner}') THEN "
                       f"CREATE ROLE {owner} NOLOGIN; END IF; END $$")
    try:
        with connection.transaction():
            connection.execute(f"ALTER TABLE member OWNER TO {owner}")
            connection.execute(f"GRANT USAGE ON SCHEMA public TO {owner}")
            connection.execute(f"SET LOCAL ROLE {owner}")
            assert connection.execute("SELECT count(*) FROM member").fetchone()[0] == 0
            connection.execute("RESET ROLE")
            connection.execute("ALTER TABLE member NO FORCE ROW LEVEL SECURITY")
            connection.execute(f"SET LOCAL ROLE {owner}")
            assert connection.execute("SELECT count(*) FROM member").fetchone()[0] > 0  # the twin
            raise psycopg.Rollback()
    finally:
        connection.execute("RESET ROLE")
        connection.execute(f"DROP OWNED BY {owner}; DROP ROLE {owner}")


def _mask(how: str, value):
    """The masks, written again in Python."""
    if value is None or how == "null":
        return None
    if how == "partial_email":
        local, domain = value.split("@", 1)
        return f"{local[0]}***@{domain}"
    if how == "initial":
        return value[0] + "***"
    if how == "last_four":
        return "*" * max(len(value) - 4, 0) + value[-4:]
    if how == "hash":
        import hashlib

        return hashlib.sha256(str(value).encode()).hexdigest()
    return "[redacted]"


@pytest.mark.parametrize(("name", "table", "expected"), [
    ("saas", "member", {"email": "partial_email", "first_name": "initial", "last_name": "initial"}),
    ("carenet", "staff", {"email": "partial_email", "full_name": "hash"}),
    ("carenet", "patient", {"email": "partial_email", "full_name": "hash", "birth_date": "null",
                            "national_id": "encrypted"}),
])
def test_the_masked_role_reads_masked_values_and_is_refused_the_base_columns(secured, name, table, expected):
    """As the analyst (pii: masked), tenant A set: the masked view holds exactly the seed's values
    masked (compared row by row with the Parquet seed), and reading a personal base column is
    refused."""
    psycopg = require_module("psycopg")
    import pyarrow.parquet as pq

    design, seed, connection = secured(name)
    entity = design.entities[table]
    seed_rows = {row["id"]: row for row in pq.read_table(seed / f"{table}.parquet").to_pylist()}
    tenant = connection.execute(f'SELECT organization_id FROM {table} LIMIT 1' if name == "carenet"
                                else f"SELECT tenant_id FROM {table} LIMIT 1").fetchone()[0]
    connection.execute(f"SET ROLE {role_name(design, 'analyst')}")
    try:
        connection.execute("SELECT set_config(%s, %s, false)", (TENANT_SETTING, str(tenant)))
        columns = ", ".join(entity.physical(c) for c in expected)
        rows = connection.execute(f"SELECT id, {columns} FROM {table}_masked").fetchall()
        assert len(rows) > 0
        for row_id, *values in rows:
            for (column, how), value in zip(expected.items(), values):
                original = seed_rows[row_id][entity.physical(column)]
                assert value == ("[encrypted]" if how == "encrypted" else _mask(how, original)), (row_id, column)
        for column in expected:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                connection.execute(f"SELECT {entity.physical(column)} FROM {table}")
        assert connection.execute(f"SELECT count(id) FROM {table}").fetchone()[0] == len(rows)  # its own columns read
    finally:
        connection.execute("RESET ROLE")
        connection.execute("RESET ALL")


@pytest.mark.parametrize(("table", "column", "reader"), [
    ("patient", "national_id", "app"), ("card", "number", "app"), ("visit", "notes", "clinician")])
def test_an_encrypted_column_holds_no_plaintext_and_the_key_reads_it_back(secured, table, column, reader):
    """carenet encrypts ssn, card and health columns with pgcrypto: no stored value contains the
    seed's plaintext, and a role that may read the column, with the key set, reads the seed's
    value back; without the key it reads nothing."""
    psycopg = require_module("psycopg")
    import pyarrow.parquet as pq

    design, seed, connection = secured("carenet")
    seed_values = {r["id"]: r[column] for r in pq.read_table(seed / f"{table}.parquet").to_pylist()}
    stored = dict(connection.execute(f"SELECT id, {column} FROM {table}").fetchall())
    plain = {i: v for i, v in seed_values.items() if v is not None}
    assert plain and all(isinstance(stored[i], bytes) and v.encode() not in stored[i] for i, v in plain.items())
    scopes = tenant_scopes(design)
    tenant = connection.execute("SELECT id FROM organization ORDER BY id LIMIT 1").fetchone()[0]
    connection.execute(f"SET ROLE {role_name(design, reader)}")
    try:
        connection.execute("SELECT set_config(%s, %s, false)", (TENANT_SETTING, str(tenant)))
        # No key: never set in a new session, empty after a RESET in this one.
        with pytest.raises((psycopg.errors.UndefinedObject, psycopg.errors.ExternalRoutineInvocationException)), \
                connection.transaction():
            connection.execute(f"SELECT pgp_sym_decrypt({column}, current_setting('{KEY_SETTING}')) FROM {table}")
        connection.execute("SELECT set_config(%s, %s, false)", (KEY_SETTING, KEY))
        read = connection.execute(f"SELECT id, pgp_sym_decrypt({column}, current_setting('{KEY_SETTING}')) "
                                  f"FROM {table}").fetchall()
        assert read and table in scopes
        assert all(value == seed_values[row_id] for row_id, value in read)
    finally:
        connection.execute("RESET ROLE")
        connection.execute("RESET ALL")


def test_an_update_and_a_delete_by_a_named_role_are_in_the_audit_log(secured):
    """As saas' app role: an invoice updated, then deleted; the log has both, with the role, the
    time, and the row before and after."""
    design, _, connection = secured("saas")
    tenant, invoice = connection.execute(
        "SELECT s.tenant_id, i.id FROM invoice i JOIN subscription s ON s.id = i.subscription_id LIMIT 1").fetchone()
    app = role_name(design, "app")
    connection.execute(f"SET ROLE {app}")
    try:
        connection.execute("SELECT set_config(%s, %s, false)", (TENANT_SETTING, str(tenant)))
        connection.execute("UPDATE invoice SET tax = tax + 1 WHERE id = %s", (invoice,))
        connection.execute("DELETE FROM invoice WHERE id = %s", (invoice,))
        with pytest.raises(require_module("psycopg").errors.InsufficientPrivilege):
            connection.execute("SELECT * FROM audit_log")  # nobody but the owner reads the log
    finally:
        connection.execute("RESET ROLE")
        connection.execute("RESET ALL")
    entries = connection.execute(
        "SELECT actor, operation, row_before, row_after, at > now() - interval '1 minute' FROM audit_log "
        "WHERE table_name = 'invoice' AND coalesce(row_before, row_after) ->> 'id' = %s ORDER BY id", (str(invoice),)).fetchall()
    assert [(actor, operation) for actor, operation, *_ in entries] == [(app, "update"), (app, "delete")]
    (_, _, before, after, recent), (_, _, deleted, nothing, _) = entries
    assert float(after["tax"]) == float(before["tax"]) + 1 and recent
    assert deleted["id"] == invoice and nothing is None


def test_pgaudit_logs_a_statement_of_an_audited_role(secured, instrumented_postgres):
    """pgaudit is preloaded by the test cluster; saas_app_login has pgaudit.log = 'write, ddl',
    so its update is in the server's log, and its read (not audited) is not."""
    psycopg = require_module("psycopg")
    design, _, connection = secured("saas")
    log = Path(connection.execute("SHOW data_directory").fetchone()[0]).parent / "server.log"
    assert "pgaudit" in connection.execute("SHOW shared_preload_libraries").fetchone()[0]
    login = role_name(design, "app") + "_login"
    marker = "sf-audit-marker-" + design.name
    url = psycopg.conninfo.make_conninfo(instrumented_postgres, dbname=connection.info.dbname, user=login)
    with psycopg.connect(url, autocommit=True) as app:
        app.execute("SELECT set_config(%s, (SELECT tenant_id::text FROM member LIMIT 1), false)", (TENANT_SETTING,))
        assert app.execute("SELECT count(*) FROM member").fetchone()[0] == 0  # no tenant yet: a read, not logged
        tenant = connection.execute("SELECT tenant_id FROM member LIMIT 1").fetchone()[0]
        app.execute("SELECT set_config(%s, %s, false)", (TENANT_SETTING, str(tenant)))
        app.execute(f"UPDATE member SET last_login_at = now() WHERE tenant_id = %s /*{marker}*/", (tenant,))
    text = log.read_text(errors="replace")
    audited = [line for line in text.splitlines() if "AUDIT: SESSION" in line and marker in line]
    assert audited and "WRITE,UPDATE" in audited[0]
    assert not [line for line in text.splitlines() if "AUDIT: SESSION" in line and "count(*) FROM member" in line]


def test_retention_purges_what_is_older_than_kept(secured):
    """saas keeps usage records 400 days and the audit log 7 years: purge_expired() deletes an
    older row and keeps a newer one."""
    _, _, connection = secured("saas")
    with connection.transaction():
        api_key = connection.execute("SELECT id FROM api_key LIMIT 1").fetchone()[0]
        old, new = [connection.execute(
            "INSERT INTO usage_record (api_key_id, hour, created_at) VALUES (%s, now() - %s::interval, now() - %s::interval) "
            "RETURNING id", (api_key, age, age)).fetchone()[0] for age in ("401 days", "399 days")]
        connection.execute("INSERT INTO audit_log (at, actor, table_name, operation) VALUES "
                           "(now() - interval '7 years 1 day', 'x', 'invoice', 'update')")
        connection.execute("CALL purge_expired()")
        kept = {i for (i,) in connection.execute("SELECT id FROM usage_record WHERE id IN (%s, %s)", (old, new))}
        assert kept == {new}
        assert connection.execute("SELECT count(*) FROM audit_log WHERE at < now() - interval '7 years'").fetchone()[0] == 0


def test_applying_the_policy_twice_is_harmless(secured):
    from schemaforge.security.render import security_sql

    design, _, connection = secured("carenet")
    connection.execute("SELECT set_config(%s, %s, false)", (KEY_SETTING, KEY))
    connection.execute(security_sql(design))
    connection.execute("RESET ALL")
    assert connection.execute("SELECT count(*) FROM pg_policies WHERE policyname = 'tenant_isolation'").fetchone()[0] == 6


def test_without_the_key_the_policy_refuses_to_encrypt(instrumented_postgres):
    """Encrypting with no key would store NULL ciphertext: the script stops first, saying so."""
    psycopg = require_module("psycopg")
    from schemaforge.ddl.render import render_ddl
    from schemaforge.security.render import security_sql

    design = _carenet()
    databases = fresh_database_on(instrumented_postgres)
    connection = next(databases)
    try:
        connection.execute(render_ddl(design, "postgres").sql)
        with pytest.raises(psycopg.errors.RaiseException, match=f"set {KEY_SETTING}"):
            connection.execute(security_sql(design))
    finally:
        databases.close()


def test_the_checklists_erasure_path_erases_a_data_subject_on_the_seeded_database(secured):
    """Each erasure statement of carenet's checklist runs on the secured, seeded database for one
    real row (as the owner, in a transaction rolled back): the row is gone or holds no personal
    value it held before, and nothing refuses it."""
    psycopg = require_module("psycopg")
    from schemaforge.security.checklist import erasure_sql

    design, _, connection = secured("carenet")
    for entity in design.entities.values():
        personal = [c.physical for c in entity.columns if c.pii]
        if not personal:
            continue
        statement = erasure_sql(design, entity).splitlines()[1]
        key = entity.physical(entity.primary_key[0])
        with connection.transaction():
            row_id, *before = connection.execute(f"SELECT {key}, {', '.join(personal)} FROM {entity.table} "
                                                 f"ORDER BY {key} LIMIT 1").fetchone()
            connection.execute(statement.replace(f":{entity.primary_key[0]}", "%s"), (row_id,))
            after = connection.execute(f"SELECT {', '.join(personal)} FROM {entity.table} WHERE {key} = %s",
                                       (row_id,)).fetchone()
            assert after is None or all(a != b or b is None for a, b in zip(after, before)), entity.name
            raise psycopg.Rollback()


def _saas_isolated_by(isolation: str):
    from schemaforge.design.loader import load_design_text

    text = (ROOT / "designs" / "saas.yaml").read_text().replace("isolation: row_level_security", f"isolation: {isolation}")
    return load_design_text(text, "designs/saas.yaml", "saas")


def test_schema_per_tenant_provisions_each_tenant_a_schema_with_the_tables_and_grants(instrumented_postgres):
    """provision_tenant(key) makes tenant_<key> from the DDL with the design's grants there; what
    one tenant writes the other's schema does not hold; a key that is not a plain name is refused."""
    psycopg = require_module("psycopg")
    from schemaforge.security.proof import secure_database

    design = _saas_isolated_by("schema_per_tenant")
    databases = fresh_database_on(instrumented_postgres)
    connection = next(databases)
    try:
        secure_database(design, None, connection, KEY)
        assert connection.execute("SELECT to_regclass('tenant_template.member') IS NOT NULL").fetchone()[0]
        for key in ("acme", "globex"):
            assert connection.execute("SELECT provision_tenant(%s)", (key,)).fetchone()[0] == f"tenant_{key}"
        app, analyst = role_name(design, "app"), role_name(design, "analyst")
        assert connection.execute("SELECT has_table_privilege(%s, 'tenant_acme.member', 'INSERT')", (app,)).fetchone()[0]
        assert not connection.execute("SELECT has_column_privilege(%s, 'tenant_acme.member', 'email', 'SELECT')",
                                      (analyst,)).fetchone()[0]
        assert connection.execute("SELECT has_column_privilege(%s, 'tenant_acme.member', 'role', 'SELECT')",
                                  (analyst,)).fetchone()[0]
        connection.execute(f"SET ROLE {app}")
        connection.execute("SET search_path = tenant_acme")
        connection.execute("INSERT INTO tenant (slug, name, country) VALUES ('acme', 'Acme', 'DE')")
        connection.execute("SET search_path = tenant_globex")
        assert connection.execute("SELECT count(*) FROM tenant").fetchone()[0] == 0
        connection.execute("RESET ROLE")
        connection.execute("RESET search_path")
        with pytest.raises(psycopg.errors.RaiseException, match="a tenant key"):
            connection.execute("SELECT provision_tenant('x; DROP TABLE member')")
    finally:
        connection.execute("RESET ALL")
        databases.close()


def test_database_per_tenant_provisions_a_database_with_the_schema_and_the_policy(instrumented_postgres, tmp_path):
    """security/provision_tenant.sh, run with sh and psql against the server, makes saas_<key>
    with the tables and the roles' grants; a key with other characters is refused."""
    import subprocess

    psycopg = require_module("psycopg")
    from schemaforge.ddl.render import render_ddl
    from schemaforge.security.render import security_artifacts

    design = _saas_isolated_by("database_per_tenant")
    (tmp_path / "ddl").mkdir()
    (tmp_path / "ddl" / "postgres.sql").write_text(render_ddl(design, "postgres").sql)
    for artifact in security_artifacts(design, "postgres"):
        (tmp_path / artifact.path).parent.mkdir(exist_ok=True)
        (tmp_path / artifact.path).write_bytes(artifact.content)
    info = psycopg.conninfo.conninfo_to_dict(instrumented_postgres)
    env = {"PATH": "/usr/lib/postgresql/15/bin:/usr/bin:/bin", "PGHOST": info["host"], "PGPORT": str(info["port"]),
           "PGUSER": info["user"], "PGDATABASE": "postgres"}
    key = f"t{uuid_hex()}"
    script = tmp_path / "security" / "provision_tenant.sh"
    refused = subprocess.run(["sh", str(script), "Bad-Key"], env=env, capture_output=True, text=True)
    assert refused.returncode == 2 and "a tenant key" in refused.stderr
    done = subprocess.run(["sh", str(script), key], env=env, capture_output=True, text=True)
    try:
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == f"saas_{key}"
        with psycopg.connect(psycopg.conninfo.make_conninfo(instrumented_postgres, dbname=f"saas_{key}")) as tenant_db:
            assert tenant_db.execute("SELECT has_table_privilege(%s, 'member', 'INSERT')",
                                     (role_name(design, "app"),)).fetchone()[0]
    finally:
        with psycopg.connect(instrumented_postgres, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "saas_{key}" WITH (FORCE)')


def uuid_hex() -> str:
    import uuid

    return uuid.uuid4().hex[:10]


def test_a_description_holding_the_dollar_quotes_cannot_end_the_provisioning_function(instrumented_postgres):
    """The DDL carries descriptions: the provisioning function quotes it with tags it does not
    hold, so a description full of them stays text (applied on a real server: the tenant schema
    holds every table, the description among the comments)."""
    from schemaforge.design.loader import load_design_text
    from schemaforge.security.proof import secure_database

    text = (ROOT / "designs" / "saas.yaml").read_text().replace("isolation: row_level_security",
                                                                 "isolation: schema_per_tenant")
    hostile = text.replace("description: A customer organisation; everything else belongs to one",
                           "description: \"x $ddl$; DROP TABLE member; $provision$ $grants$ $ddl1$\"")
    assert hostile != text
    design = load_design_text(hostile, "designs/saas.yaml", "saas")
    databases = fresh_database_on(instrumented_postgres)
    connection = next(databases)
    try:
        secure_database(design, None, connection, KEY)
        connection.execute("SELECT provision_tenant('acme')")
        tables = {t for (t,) in connection.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'tenant_acme'")}
        assert tables == {e.table for e in design.entities.values()}
        comment = connection.execute("SELECT obj_description('tenant_acme.tenant'::regclass)").fetchone()[0]
        assert "$provision$" in comment and "DROP TABLE member" in comment
    finally:
        databases.close()
