"""The security policy on the targets besides PostgreSQL (issue 15).

MariaDB runs here: carenet's tenant views are tried as each role's login, table by table. SQL
Server, Oracle and ClickHouse do not run here: every statement of their scripts goes through
sqlglot's parser in the target's dialect; the GRANTs it parses into trees are compared with the
design's privilege matrix; the statements it keeps only as text (security policies, masking,
PL/SQL blocks, row policies) are checked for their structure against the design, and are named
in the README as checked by no server."""

from __future__ import annotations

import logging
import re
import uuid

import pytest
import sqlglot
from sqlglot import exp

from conftest import ROOT, require_module
from schemaforge.design.loader import load_design_text
from schemaforge.security.grants import privilege_matrix, role_name
from schemaforge.security.render import security_sql
from schemaforge.security.tenancy import tenant_scopes

CARENET = (ROOT / "tests" / "designs" / "carenet.yaml").read_text()
DIALECTS = {"sqlserver": "tsql", "oracle": "oracle", "clickhouse": "clickhouse"}


def _carenet(name: str = "carenet"):
    return load_design_text(CARENET.replace("design: carenet", f"design: {name}"), f"designs/{name}.yaml", name)


def _statements(script: str, target: str) -> list[str]:
    """The script's statements: one a line, and on Oracle a PL/SQL block up to its `/`."""
    return [line for line in script.splitlines() if line.strip() and not line.startswith("--") and line != "/"]


def _parsed(target: str) -> tuple[list[exp.Expression], list[str]]:
    """(the trees sqlglot parsed, the statements it keeps as text or cannot parse)."""
    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    trees, text = [], []
    for statement in _statements(security_sql(_carenet(), target), target):
        try:
            parsed = sqlglot.parse(statement, read=DIALECTS[target])
        except sqlglot.errors.ParseError:
            parsed = []
        if len(parsed) == 1 and not isinstance(parsed[0], exp.Command):
            trees.append(parsed[0])
        else:  # kept as text, not parsed, or a PL/SQL body sqlglot splits at its inner semicolons
            text.append(statement)
    return trees, text


# What sqlglot keeps as text, per target: the shape each statement must have.
SHAPES = {
    "sqlserver": [r"ALTER ROLE \w+ ADD MEMBER \w+;", r"REVOKE CONNECT FROM guest;",
                  r"DROP SECURITY POLICY IF EXISTS security\.tenant_isolation;",
                  r"CREATE SECURITY POLICY security\.tenant_isolation (ADD (FILTER|BLOCK) PREDICATE security\.\w+\([\w, ]+\) "
                  r"ON dbo\.\w+( (AFTER|BEFORE) (INSERT|UPDATE|DELETE))?(, )?)+ WITH \(STATE = ON\);",
                  r"ALTER TABLE dbo\.\w+ ALTER COLUMN \w+ ADD MASKED WITH \(FUNCTION = '(email\(\)|default\(\)|"
                  r"partial\(\d,\"\*+\",\d\))'\);",
                  r"CREATE OR ALTER TRIGGER audit_\w+ ON dbo\.\w+ AFTER [A-Z, ]+ AS BEGIN SET NOCOUNT ON; INSERT INTO audit_log .+ END;",
                  r"ALTER DATABASE CURRENT SET ENCRYPTION ON;"],
    "oracle": [r"BEGIN .+ END;", r"GRANT CREATE SESSION, \w+ TO \w+_login;",
               r"ALTER TABLE \w+ MODIFY \(\"?\w+\"? ENCRYPT USING 'AES256' NO SALT\);",
               r"CREATE OR REPLACE CONTEXT app_ctx USING set_tenant;",
               r"CREATE OR REPLACE PROCEDURE set_tenant\(tenant IN VARCHAR2\) AS BEGIN .+ END;",
               r"CREATE OR REPLACE FUNCTION tenant_predicate\(.+\) RETURN VARCHAR2 AS BEGIN CASE table_name .+ END CASE; END;",
               r"CREATE OR REPLACE TRIGGER audit_\w+ AFTER [A-Z ]+ ON \w+ FOR EACH ROW DECLARE op_name .+ BEGIN INSERT INTO audit_log .+ END;",
               r"AUDIT POLICY \w+;", r"ALTER TABLESPACE users ENCRYPTION ONLINE USING 'AES256' ENCRYPT;"],
    "clickhouse": [r"CREATE ROLE IF NOT EXISTS \w+;",
                   r"CREATE USER IF NOT EXISTS \w+_login IDENTIFIED WITH ssl_certificate CN '\w+_login' DEFAULT ROLE \w+;",
                   r"GRANT \w+ TO \w+_login;",
                   r"CREATE ROW POLICY OR REPLACE tenant_isolation ON \w+ USING .+ TO [\w, ]+;"],
}


@pytest.mark.parametrize("target", DIALECTS)
def test_every_statement_parses_in_its_dialect_or_has_a_known_shape(target):
    trees, text = _parsed(target)
    assert trees, target
    unknown = [s for s in text if not any(re.fullmatch(shape, s) for shape in SHAPES[target])]
    assert unknown == [], unknown[:3]


@pytest.mark.parametrize("target", DIALECTS)
def test_the_parsed_grants_are_the_design_s_privileges(target):
    """From the GRANT trees: each (role, table, privilege), against the matrix. Oracle grants no
    column SELECT (a role limited by pii: reads the table, its personal columns redacted); on SQL
    Server a masked role reads the whole table through Dynamic Data Masking."""
    design = _carenet()
    trees, _ = _parsed(target)
    names = {"ALTER UPDATE": "update", "ALTER DELETE": "delete"}
    granted = set()
    for tree in (t for t in trees if isinstance(t, exp.Grant)):
        if tree.args["privileges"][0].this.name.upper() == "UNMASK":
            continue  # SQL Server's masking: checked with the masks
        table = tree.args["securable"].name
        for principal in tree.args["principals"]:
            for privilege in tree.args["privileges"]:
                word = privilege.this.name.upper()
                columns = tuple(c.name for c in privilege.expressions)
                granted.add((principal.name, table, names.get(word, word.lower()), columns))
    expected = set()
    for role, by_entity in privilege_matrix(design).items():
        masked = design.doc.security.roles[role].pii == "masked"
        for entity_name, access in by_entity.items():
            entity = design.entities[entity_name]
            for privilege in access.privileges:
                expected.add((role_name(design, role), entity.table, privilege, ()))
            if access.readable is not None:
                whole = target == "oracle" or (target == "sqlserver" and masked)
                columns = () if whole else tuple(entity.physical(c) for c in access.readable)
                expected.add((role_name(design, role), entity.table, "select", columns))
    assert granted == expected


def test_each_tenant_owned_table_has_its_policy_on_each_target():
    design = _carenet()
    owned = {design.entities[e].table for e in tenant_scopes(design)}
    sqlserver = security_sql(design, "sqlserver")
    policy = next(line for line in sqlserver.splitlines() if line.startswith("CREATE SECURITY POLICY"))
    for table in owned:
        assert len(re.findall(rf"PREDICATE security\.\w+\([\w, ]+\) ON dbo\.{table}\b", policy)) == 5, table
    oracle = security_sql(design, "oracle")
    assert {m for m in re.findall(r"object_name => '(\w+)', policy_name => 'TENANT_ISOLATION'", oracle)} == {
        t.upper() for t in owned}
    clickhouse = security_sql(design, "clickhouse")
    assert set(re.findall(r"CREATE ROW POLICY OR REPLACE tenant_isolation ON (\w+)", clickhouse)) == owned
    assert "procedure_code" not in owned  # shared by every tenant: no policy


def test_each_personal_column_is_masked_on_sql_server_and_redacted_on_oracle():
    design = _carenet()
    sqlserver, oracle = security_sql(design, "sqlserver"), security_sql(design, "oracle")
    personal = {(e.table, c.physical) for e in design.entities.values() for c in e.columns if c.pii}
    masked = set(re.findall(r"ALTER TABLE dbo\.(\w+) ALTER COLUMN (\w+) ADD MASKED", sqlserver))
    redacted = {(t.lower(), c.lower()) for t, c in re.findall(r"object_name => '(\w+)', policy_name => '\w+_REDACTION', "
                                                              r"column_name => '(\w+)'", oracle)}
    assert masked == personal and redacted == personal
    assert "ALTER TABLE dbo.staff ALTER COLUMN email ADD MASKED WITH (FUNCTION = 'email()');" in sqlserver


# -- MariaDB: tenant views, tried as the logins ------------------------------------------------

@pytest.fixture(scope="module")
def mariadb_carenet(tmp_path_factory):
    """carenet under a fresh name (roles are server-wide), seeded and secured on MariaDB; each
    login given a password here, as an operator would out of band, and no TLS requirement (the
    test server has no certificate)."""
    pymysql = require_module("pymysql")
    from conftest import _fresh_mariadb_database
    from schemaforge.ddl.render import render_ddl
    from schemaforge.deliverables.seed import build_seed
    from schemaforge.seed.load import write_load_script

    name = f"care{uuid.uuid4().hex[:8]}"
    design = _carenet(name)
    folder = tmp_path_factory.mktemp(name)
    assert build_seed(design, folder).problems == []
    databases = _fresh_mariadb_database()
    db = next(databases)
    roles = [role_name(design, r) for r in design.doc.security.roles]
    try:
        db.run(render_ddl(design, "mysql").sql)
        write_load_script(design, "mysql", folder / "seed", folder / "load.sql")
        db.run((folder / "load.sql").read_text())
        db.run(security_sql(design, "mysql"))
        for role in roles:
            db.run(f"ALTER USER '{role}_login'@'%' IDENTIFIED BY 'pw-{name}' REQUIRE NONE")
        database = db.query("SELECT DATABASE()")[0][0]

        def login(role: str):
            from conftest import MARIADB

            return pymysql.connect(**{**MARIADB, "user": f"{role_name(design, role)}_login", "password": f"pw-{name}"},
                                   database=database, autocommit=True)

        yield design, db, login
    finally:
        for role in roles:
            db.run(f"DROP USER IF EXISTS '{role}_login'@'%'; DROP ROLE IF EXISTS {role}")
        databases.close()


OWNED = list(tenant_scopes(_carenet()))


@pytest.mark.parametrize("entity", OWNED)
def test_on_mariadb_each_tenant_view_shows_and_takes_only_its_tenants_rows(mariadb_carenet, entity):
    """As the app's login: the base table refused; with tenant A set, the view holds exactly A's
    rows; a row of B's copied in through the view is refused by its CHECK OPTION; with no
    tenant set, nothing."""
    pymysql = require_module("pymysql")
    design, db, login = mariadb_carenet
    table = design.entities[entity].table
    owner = {"organization": "t.id", "staff": "t.organization_id", "patient": "t.organization_id",
             "visit": "p.organization_id", "card": "p.organization_id", "charge": "p.organization_id"}[entity]
    joins = {"visit": "JOIN patient p ON p.id = t.patient_id", "card": "JOIN patient p ON p.id = t.patient_id",
             "charge": "JOIN card c ON c.id = t.card_id JOIN patient p ON p.id = c.patient_id"}.get(entity, "")
    counts = db.query(f"SELECT {owner}, COUNT(*) FROM {table} t {joins} GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 2")
    (a, rows_of_a), (b, _) = counts
    with login("app") as app, app.cursor() as cur:
        with pytest.raises(pymysql.err.OperationalError, match="denied"):
            cur.execute(f"SELECT COUNT(*) FROM {table}")
        cur.execute(f"SELECT COUNT(*) FROM {table}_tenant")
        assert cur.fetchone()[0] == 0  # no tenant set
        cur.execute("SET @tenant_id = %s", (a,))
        cur.execute(f"SELECT COUNT(*) FROM {table}_tenant")
        assert cur.fetchone()[0] == rows_of_a
        if entity == "organization":
            return
        foreign = db.query(f"SELECT t.* FROM {table} t {joins} WHERE {owner} = {b} LIMIT 1")[0]
        placeholders = ", ".join(["%s"] * len(foreign))
        with pytest.raises(pymysql.err.OperationalError, match="CHECK OPTION"):
            cur.execute(f"INSERT INTO {table}_tenant VALUES ({placeholders})", foreign)


def test_on_mariadb_an_update_and_a_delete_through_the_tenant_view_are_in_the_audit_log(mariadb_carenet):
    """As the app's login, tenant set: a charge updated and then deleted through its tenant view;
    the audit triggers record both, with the login and the row before and after."""
    design, db, login = mariadb_carenet
    charge, tenant = db.query("SELECT c.id, p.organization_id FROM charge c JOIN card k ON k.id = c.card_id "
                              "JOIN patient p ON p.id = k.patient_id ORDER BY c.id LIMIT 1")[0]
    with login("app") as app, app.cursor() as cur:
        cur.execute("SET @tenant_id = %s", (tenant,))
        assert cur.execute("UPDATE charge_tenant SET amount = amount + 1 WHERE id = %s", (charge,)) == 1
        assert cur.execute("DELETE FROM charge_tenant WHERE id = %s", (charge,)) == 1
    entries = db.query("SELECT actor, operation, row_before, row_after FROM audit_log WHERE table_name = 'charge' "
                       f"AND JSON_VALUE(COALESCE(row_before, row_after), '$.id') = {charge} ORDER BY id")
    login_name = f"{role_name(design, 'app')}_login"
    assert [(actor.split("@")[0], operation) for actor, operation, _, _ in entries] == [
        (login_name, "update"), (login_name, "delete")]
    import json

    (_, _, before, after), (_, _, deleted, nothing) = entries
    assert float(json.loads(after)["amount"]) == float(json.loads(before)["amount"]) + 1
    assert json.loads(deleted)["id"] == charge and nothing is None


def test_on_mariadb_the_masked_role_reads_the_masked_view_and_not_the_base_columns(mariadb_carenet):
    pymysql = require_module("pymysql")
    design, db, login = mariadb_carenet
    tenant, email = db.query("SELECT organization_id, email FROM staff ORDER BY id LIMIT 1")[0]
    with login("analyst") as analyst, analyst.cursor() as cur:
        cur.execute("SET @tenant_id = %s", (tenant,))
        cur.execute("SELECT email FROM staff_masked WHERE email LIKE %s ORDER BY id LIMIT 1", (email[0] + "***@%",))
        masked = cur.fetchone()[0]
        assert masked == email[0] + "***@" + email.split("@", 1)[1]
        with pytest.raises(pymysql.err.OperationalError, match="denied"):
            cur.execute("SELECT email FROM staff_tenant")
