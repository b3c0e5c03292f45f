"""The security policy on a real PostgreSQL (issue 15, in progress): roles and grants exactly as
the design says, PUBLIC with nothing. Roles are cluster-wide, so these tests run on the test
session's own server, never the shared one."""

from __future__ import annotations

import pytest

from conftest import fresh_database_on, load_example, require_module
from schemaforge.ddl.render import render_ddl
from schemaforge.security.grants import TABLE_PRIVILEGES, privilege_matrix, role_name
from schemaforge.security.render import security_sql


@pytest.fixture
def shop_secured(instrumented_postgres):
    design = load_example("shop")
    databases = fresh_database_on(instrumented_postgres)
    pg = next(databases)
    pg.execute(render_ddl(design, "postgres").sql)
    pg.execute(security_sql(design))
    yield design, pg
    databases.close()


def test_every_role_has_exactly_the_table_and_column_privileges_the_design_grants(shop_secured):
    """The whole matrix: each role (and its login role) x each table x each privilege, and each
    column's SELECT where a role's `pii:` setting limits what it reads."""
    design, pg = shop_secured
    matrix = privilege_matrix(design)
    assert set(matrix) == {"app", "analyst", "support"}
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
    assert checked == 2 * 3 * len(design.entities) * len(TABLE_PRIVILEGES)
    # The analyst (pii: masked) reads no personal column of customer; support (pii: [email]) its email only.
    customer = matrix["analyst"]["customer"]
    assert "select" not in customer.privileges and "email" not in customer.readable
    assert "email" in matrix["support"]["customer"].readable and "full_name" not in matrix["support"]["customer"].readable


def test_public_has_nothing(shop_secured):
    design, pg = shop_secured
    database = pg.info.dbname
    assert not pg.execute("SELECT has_database_privilege('public', %s, 'CONNECT') OR "
                          "has_database_privilege('public', %s, 'TEMP')", (database, database)).fetchone()[0]
    assert not pg.execute("SELECT has_schema_privilege('public', 'public', 'USAGE') OR "
                          "has_schema_privilege('public', 'public', 'CREATE')").fetchone()[0]
    for entity in design.entities.values():
        for privilege in TABLE_PRIVILEGES:
            assert not pg.execute("SELECT has_table_privilege('public', %s, %s)",
                                  (f'"{entity.table}"', privilege)).fetchone()[0], (entity.table, privilege)
    functions = pg.execute("SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                           "WHERE n.nspname = 'public' AND has_function_privilege('public', p.oid, 'EXECUTE')").fetchall()
    assert functions == []


def test_a_role_is_refused_what_it_was_not_granted_and_given_what_it_was(shop_secured):
    """As the analyst: customer's ids read, its email refused; as support: no product at all."""
    psycopg = require_module("psycopg")
    design, pg = shop_secured
    pg.execute("INSERT INTO customer (email, full_name) VALUES ('a@example.com', 'A')")
    pg.execute(f"SET ROLE {role_name(design, 'analyst')}")
    assert pg.execute("SELECT count(id) FROM customer").fetchone()[0] == 1
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        pg.execute("SELECT email FROM customer")
    pg.execute("RESET ROLE")
    pg.execute(f"SET ROLE {role_name(design, 'support')}")
    assert pg.execute("SELECT email FROM customer").fetchone()[0] == "a@example.com"
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        pg.execute("SELECT id FROM product")
    pg.execute("RESET ROLE")


def test_applying_the_grants_twice_is_harmless(shop_secured):
    """Roles outlive a database: the script creates each only if it is missing."""
    design, pg = shop_secured
    pg.execute(security_sql(design))
    count = pg.execute("SELECT count(*) FROM pg_roles WHERE rolname LIKE 'shop\\_%%'").fetchone()[0]
    assert count == 6  # three group roles, three login roles


def test_the_app_role_writes_through_the_tables_triggers(shop_secured):
    """PUBLIC lost EXECUTE on the schema's functions; the trigger that keeps `updated_at` still
    fires for a role that may update the table (PostgreSQL checks EXECUTE when a trigger is made,
    not when it fires)."""
    design, pg = shop_secured
    pg.execute(f"SET ROLE {role_name(design, 'app')}")
    pg.execute("INSERT INTO customer (email, full_name) VALUES ('b@example.com', 'B')")
    pg.execute("UPDATE customer SET full_name = 'Bee' WHERE email = 'b@example.com'")
    assert pg.execute("SELECT updated_at IS NOT NULL FROM customer WHERE email = 'b@example.com'").fetchone()[0]
    pg.execute("RESET ROLE")


def test_on_mariadb_the_grants_tables_hold_exactly_the_design(mariadb_database):
    """MariaDB's grants tables (information_schema's TABLE_PRIVILEGES and COLUMN_PRIVILEGES) list
    exactly the design's table and column privileges, for roles named afresh for this test (roles
    are server-wide, and the server is shared)."""
    import uuid

    from conftest import DESIGNS
    from schemaforge.design.loader import load_design_text
    from schemaforge.security.render import MysqlGrants

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
                           for e, access in by.items() for p in access.privileges if p in MysqlGrants.PRIVILEGES}
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
