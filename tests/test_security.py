"""The security policy on a real PostgreSQL (issue 15, in progress): roles and grants exactly as
the design says, PUBLIC with nothing. Roles are cluster-wide, so these tests run on the test
session's own server, never the shared one."""

from __future__ import annotations

import pytest

from conftest import fresh_database_on, load_example, require_module
from schemaforge.ddl.render import render_ddl
from schemaforge.security.grants import TABLE_PRIVILEGES, privilege_matrix, role_name
from schemaforge.security.policy import KEY_SETTING
from schemaforge.security.render import security_sql

KEY = "a test key"


def _secured(url: str, design):
    from schemaforge.security.proof import secure_database

    databases = fresh_database_on(url)
    pg = next(databases)
    secure_database(design, None, pg, KEY)
    return databases, pg


@pytest.fixture
def shop_secured(instrumented_postgres):
    design = load_example("shop")
    databases, pg = _secured(instrumented_postgres, design)
    yield design, pg
    databases.close()


def _design(name: str):
    if name == "carenet":
        from conftest import ROOT
        from schemaforge.design.loader import load_design

        return load_design(ROOT / "tests" / "designs" / "carenet.yaml", shown_as="tests/designs/carenet.yaml")
    return load_example(name)


@pytest.fixture(params=["shop", "saas", "carenet"])
def any_secured(request, instrumented_postgres):
    """Each design with roles: the shop example, the saas example (tenancy), carenet (tests/designs)."""
    design = _design(request.param)
    databases, pg = _secured(instrumented_postgres, design)
    yield design, pg
    databases.close()


def test_every_role_has_exactly_the_table_and_column_privileges_the_design_grants(any_secured):
    """The whole matrix: each role (and its login role) x each table x each privilege, and each
    column's SELECT where a role's `pii:` setting limits what it reads."""
    design, pg = any_secured
    matrix = privilege_matrix(design)
    assert set(matrix) == set(design.doc.security.roles)
    checked = 0
    for name, access_by_entity in matrix.items():
        for role in (role_name(design, name), role_name(design, name) + "_login"):
            for entity in design.entities.values():
                access = access_by_entity.get(entity.name)
                for privilege in TABLE_PRIVILEGES:
                    expected = access is not None and privilege in access.privileges
                    held = pg.execute("SELECT has_table_privilege(%s, %s, %s)",
                                      (role, f'"{entity.table}"', privilege)).fetchone()[0]
                    assert held == expected, (role, entity.table, privilege)
                    checked += 1
                for column in entity.columns:
                    expected = access is not None and ("select" in access.privileges or
                                                       column.name in (access.readable or ()))
                    held = pg.execute("SELECT has_column_privilege(%s, %s, %s, 'SELECT')",
                                      (role, f'"{entity.table}"', column.physical)).fetchone()[0]
                    assert held == expected, (role, entity.table, column.physical)
    assert checked == 2 * len(matrix) * len(design.entities) * len(TABLE_PRIVILEGES)
    if design.name != "shop":
        return
    # The analyst (pii: masked) reads no personal column of customer; support (pii: [email]) its email only.
    customer = matrix["analyst"]["customer"]
    assert "select" not in customer.privileges and "email" not in customer.readable
    assert "email" in matrix["support"]["customer"].readable and "full_name" not in matrix["support"]["customer"].readable


def test_public_has_nothing(any_secured):
    """Nothing on the database, the schema, any table or view, or any function (pgcrypto's and
    the policy's own included)."""
    design, pg = any_secured
    database = pg.info.dbname
    assert not pg.execute("SELECT has_database_privilege('public', %s, 'CONNECT') OR "
                          "has_database_privilege('public', %s, 'TEMP')", (database, database)).fetchone()[0]
    assert not pg.execute("SELECT has_schema_privilege('public', 'public', 'USAGE') OR "
                          "has_schema_privilege('public', 'public', 'CREATE')").fetchone()[0]
    relations = [name for (name,) in pg.execute("SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON "
                                                "n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN "
                                                "('r', 'p', 'v', 'm')")]
    assert len(relations) >= len(design.entities)
    for relation in relations:
        for privilege in TABLE_PRIVILEGES:
            assert not pg.execute("SELECT has_table_privilege('public', %s, %s)",
                                  (relation, privilege)).fetchone()[0], (relation, privilege)
    functions = pg.execute("SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                           "WHERE n.nspname = 'public' AND has_function_privilege('public', p.oid, 'EXECUTE')").fetchall()
    assert functions == []


def test_a_role_is_refused_what_it_was_not_granted_and_given_what_it_was(shop_secured):
    """As the analyst: customer's ids read, its email refused; as support: no product at all."""
    psycopg = require_module("psycopg")
    design, pg = shop_secured
    pg.execute("SELECT set_config(%s, %s, false)", (KEY_SETTING, KEY))
    pg.execute(f"INSERT INTO customer (email, full_name) VALUES (pgp_sym_encrypt('a@example.com', '{KEY}'), 'A')")
    pg.execute(f"SET ROLE {role_name(design, 'analyst')}")
    assert pg.execute("SELECT count(id) FROM customer").fetchone()[0] == 1
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        pg.execute("SELECT email FROM customer")
    pg.execute("RESET ROLE")
    pg.execute(f"SET ROLE {role_name(design, 'support')}")
    assert pg.execute(f"SELECT pgp_sym_decrypt(email, current_setting('{KEY_SETTING}')) FROM customer").fetchone()[0] \
        == "a@example.com"
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        pg.execute("SELECT id FROM product")
    pg.execute("RESET ROLE")


def test_applying_the_grants_twice_is_harmless(shop_secured):
    """Roles outlive a database: the script creates each only if it is missing."""
    design, pg = shop_secured
    pg.execute("SELECT set_config(%s, %s, false)", (KEY_SETTING, KEY))
    pg.execute(security_sql(design))
    count = pg.execute("SELECT count(*) FROM pg_roles WHERE rolname LIKE 'shop\\_%%'").fetchone()[0]
    assert count == 6  # three group roles, three login roles


def test_the_app_role_writes_through_the_tables_triggers(shop_secured):
    """PUBLIC lost EXECUTE on the schema's functions; the trigger that keeps `updated_at` still
    fires for a role that may update the table (PostgreSQL checks EXECUTE when a trigger is made,
    not when it fires)."""
    design, pg = shop_secured
    pg.execute("SELECT set_config(%s, %s, false)", (KEY_SETTING, KEY))
    pg.execute(f"SET ROLE {role_name(design, 'app')}")
    pg.execute(f"INSERT INTO customer (email, full_name) VALUES (pgp_sym_encrypt('b@example.com', '{KEY}'), 'B')")
    pg.execute("UPDATE customer SET full_name = 'Bee' WHERE full_name = 'B'")
    assert pg.execute("SELECT updated_at IS NOT NULL FROM customer WHERE full_name = 'Bee'").fetchone()[0]
    pg.execute("RESET ROLE")


def test_on_mariadb_the_grants_tables_hold_exactly_the_design(mariadb_database):
    """MariaDB's grants tables (information_schema's TABLE_PRIVILEGES and COLUMN_PRIVILEGES) list
    exactly the design's table and column privileges, for roles named afresh for this test (roles
    are server-wide, and the server is shared)."""
    import uuid

    from conftest import DESIGNS
    from schemaforge.design.loader import load_design_text
    from schemaforge.security.mysql import MysqlSecurity

    name = f"sec{uuid.uuid4().hex[:8]}"
    design = load_design_text((DESIGNS / "shop.yaml").read_text().replace("design: shop", f"design: {name}"),
                              f"designs/{name}.yaml", name)
    matrix = privilege_matrix(design)
    roles = [role_name(design, r) for r in matrix]
    try:
        mariadb_database.run(render_ddl(design, "mysql").sql)
        mariadb_database.run(security_sql(design, "mysql"))
        database = mariadb_database.query("SELECT DATABASE()")[0][0]
        tables = {(g.split("'")[1], t, p.lower()) for g, t, p in mariadb_database.query(
            "SELECT GRANTEE, TABLE_NAME, PRIVILEGE_TYPE FROM information_schema.TABLE_PRIVILEGES "
            f"WHERE TABLE_SCHEMA = '{database}'")}
        columns = {(g.split("'")[1], t, c, p.lower()) for g, t, c, p in mariadb_database.query(
            "SELECT GRANTEE, TABLE_NAME, COLUMN_NAME, PRIVILEGE_TYPE FROM information_schema.COLUMN_PRIVILEGES "
            f"WHERE TABLE_SCHEMA = '{database}'")}
        expected_tables = {(role_name(design, r), design.entities[e].table, p) for r, by in matrix.items()
                           for e, access in by.items() for p in access.privileges if p in MysqlSecurity.PRIVILEGES}
        # A masked role reads each table with personal columns through its masked view.
        expected_tables |= {(role_name(design, r), f"{design.entities[e].table}_masked", "select")
                            for r, by in matrix.items() if design.doc.security.roles[r].pii == "masked"
                            for e in by if any(c.pii for c in design.entities[e].columns)}
        expected_columns = {(role_name(design, r), design.entities[e].table, design.entities[e].physical(c), "select")
                            for r, by in matrix.items() for e, access in by.items() for c in (access.readable or ())}
        assert tables == expected_tables
        assert columns == expected_columns
        assert ("email" in {c for _, t, c, _ in columns if t == "customer"})  # support reads it
        logins = mariadb_database.query(f"SELECT User FROM mysql.user WHERE User LIKE '{name}\\_%%\\_login'")
        assert sorted(u for (u,) in logins) == sorted(f"{r}_login" for r in roles)
    finally:
        for role in roles:
            mariadb_database.run(f"DROP USER IF EXISTS '{role}_login'@'%'; DROP ROLE IF EXISTS {role}")
