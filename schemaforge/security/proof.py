"""The security policy tried on a real PostgreSQL: a seeded database with the policy applied, and
the tenant isolation checked table by table, as the design's own roles.

For each tenant-owned table, as a role that may read and write it, with tenant A set:
- every visible row is A's, and all of A's rows are visible (counted beside the owner's view);
- copying one of B's rows in is refused by the policy (a row of A's tenant copied in is not:
  it fails on its own key instead, which proves the policy let it through);
- moving one of A's rows to B is refused;
- with no tenant set, nothing is visible.
Every check says what it found instead; an empty list is a pass.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from schemaforge.ddl.render import render_ddl
from schemaforge.design.model import Design, Entity
from schemaforge.security.grants import role_name
from schemaforge.security.policy import KEY_SETTING
from schemaforge.security.render import security_sql
from schemaforge.security.tenancy import TENANT_SETTING, TenantScope, tenant_scopes


def secure_database(design: Design, seed_dir: Path | None, connection, key: str, psql: str = "psql") -> None:
    """On `connection`'s empty database (as a superuser): the DDL, the seed when given, and the
    security policy applied with the encryption key set for this session only."""
    from schemaforge.performance.analyze import run_psql_file
    from schemaforge.seed.load import write_load_script

    connection.execute(render_ddl(design, "postgres").sql)
    if seed_dir is not None:
        with tempfile.TemporaryDirectory() as folder:
            script = Path(folder) / "postgres.sql"
            write_load_script(design, "postgres", seed_dir, script)
            run_psql_file(connection, script, psql)
    connection.execute("SELECT set_config(%s, %s, false)", (KEY_SETTING, key))
    connection.execute(security_sql(design, "postgres"))
    connection.execute("RESET ALL")


@dataclass(frozen=True)
class TableIsolation:
    table: str
    problems: tuple[str, ...]
    rows_of_a: int


def _owner_expression(design: Design, scopes: dict[str, TenantScope], scope: TenantScope, alias: str) -> tuple[str, str]:
    """(joins, tenant key expression) that tell, as a superuser, which tenant a row belongs to."""
    joins, current, key = "", scope, None
    while True:
        entity = design.entities[current.entity]
        if current.how in ("tenant", "key"):
            key = f'{alias}."{entity.physical(current.columns[0])}"'
            return joins, key
        parent = design.entities[current.parent]
        parent_alias = f"{alias}_p"
        matches = " AND ".join(f'{parent_alias}."{parent.physical(pc)}" = {alias}."{entity.physical(c)}"'
                               for c, pc in zip(current.columns, current.parent_columns))
        joins += f' JOIN "{parent.table}" {parent_alias} ON {matches}'
        current, alias = scopes[parent.name], parent_alias


def _acting_role(design: Design, entity: Entity) -> str | None:
    """A role that may read and write the table: the one the isolation is tried as."""
    from schemaforge.security.grants import privilege_matrix

    for name, by_entity in privilege_matrix(design).items():
        access = by_entity.get(entity.name)
        if access is not None and {"select", "insert", "update"} <= access.privileges:
            return role_name(design, name)
    return None


def tenant_isolation(design: Design, connection, entities: list[str] | None = None) -> list[TableIsolation]:
    """The isolation of every tenant-owned table (or of `entities`), on a secured and seeded
    database."""
    import psycopg  # imported when run: the engine loads without a driver
    scopes = tenant_scopes(design)
    results = []
    for scope in scopes.values():
        if entities is not None and scope.entity not in entities:
            continue
        entity = design.entities[scope.entity]
        joins, key = _owner_expression(design, scopes, scope, "t")
        counts = connection.execute(f'SELECT {key}::text, count(*) FROM "{entity.table}" t{joins} GROUP BY 1 '
                                    "ORDER BY 2 DESC, 1 LIMIT 2").fetchall()
        role = _acting_role(design, entity)
        problems: list[str] = []
        if len(counts) < 2 or role is None:
            problems.append("the seed has no two tenants with rows here" if role else "no role may read and write it")
            results.append(TableIsolation(entity.table, tuple(problems), 0))
            continue
        (a, rows_of_a), (b, _) = counts
        b_row = connection.execute(f'SELECT to_jsonb(t) FROM "{entity.table}" t{joins} WHERE {key}::text = %s LIMIT 1',
                                   (b,)).fetchone()[0]
        a_row = connection.execute(f'SELECT to_jsonb(t) FROM "{entity.table}" t{joins} WHERE {key}::text = %s LIMIT 1',
                                   (a,)).fetchone()[0]
        stored = ", ".join(f'"{name}"' for (name,) in connection.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped "
            "AND attgenerated = '' ORDER BY attnum", (f'"{entity.table}"',)))  # a generated column takes no value
        copy = (f'INSERT INTO "{entity.table}" ({stored}) OVERRIDING SYSTEM VALUE SELECT {stored} FROM '
                f'jsonb_populate_record(NULL::"{entity.table}", %s::jsonb)')
        connection.execute(f'SET ROLE "{role}"')
        try:
            connection.execute("SELECT set_config(%s, '', false)", (TENANT_SETTING,))
            if (seen := connection.execute(f'SELECT count(*) FROM "{entity.table}"').fetchone()[0]) != 0:
                problems.append(f"with no tenant set, {seen} rows are visible")
            connection.execute("SELECT set_config(%s, %s, false)", (TENANT_SETTING, a))
            visible = connection.execute(f'SELECT count(*) FROM "{entity.table}"').fetchone()[0]
            if visible != rows_of_a:
                problems.append(f"tenant {a} sees {visible} rows, not its {rows_of_a}")
            problems += _refused(connection, psycopg, copy, b_row, "copying in a row of another tenant")
            problems += _twin_passes(connection, psycopg, copy, a_row)
            problems += _moving_refused(design, connection, psycopg, scope, entity, a_row, b_row)
        finally:
            connection.execute("RESET ROLE")
            connection.execute("RESET ALL")
        results.append(TableIsolation(entity.table, tuple(problems), rows_of_a))
    return results


def _refused(connection, psycopg, statement: str, row, what: str) -> list[str]:
    try:
        with connection.transaction():
            connection.execute(statement, (psycopg.types.json.Jsonb(row),))
    except psycopg.errors.InsufficientPrivilege as refused:
        return [] if "row-level security" in str(refused) else [f"{what} failed otherwise: {refused}"]
    except psycopg.Error as error:
        return [f"{what} was not refused by the policy but failed otherwise: {str(error).splitlines()[0]}"]
    return [f"{what} was accepted"]


def _twin_passes(connection, psycopg, statement: str, row) -> list[str]:
    """A copy of the tenant's own row gets past the policy, to its key's unique violation."""
    try:
        with connection.transaction():
            connection.execute(statement, (psycopg.types.json.Jsonb(row),))
    except psycopg.errors.UniqueViolation:
        return []
    except psycopg.Error as error:
        return [f"copying in a row of the tenant's own failed: {str(error).splitlines()[0]}"]
    return ["copying in a row of the tenant's own, key and all, was accepted"]


def _moving_refused(design, connection, psycopg, scope: TenantScope, entity: Entity, a_row, b_row) -> list[str]:
    """One of A's rows moved to B (its tenant key, or its reference to a parent of B's) is refused."""
    if scope.how == "tenant":
        return []  # the tenant row's key is the tenant itself: moving it is changing its key
    sets = ", ".join(f'"{entity.physical(c)}" = (%s::jsonb ->> \'{entity.physical(c)}\')::'
                     f'{_column_type(connection, entity, c)}' for c in scope.columns)
    keys = " AND ".join(f'"{entity.physical(c)}"::text = %s::jsonb ->> \'{entity.physical(c)}\'' for c in entity.primary_key)
    statement = f'UPDATE "{entity.table}" SET {sets} WHERE {keys}'
    arguments = [psycopg.types.json.Jsonb(b_row)] * len(scope.columns) + [psycopg.types.json.Jsonb(a_row)] * len(entity.primary_key)
    try:
        with connection.transaction():
            updated = connection.execute(statement, arguments).rowcount
    except psycopg.errors.InsufficientPrivilege as refused:
        return [] if "row-level security" in str(refused) else [f"moving a row to another tenant failed otherwise: {refused}"]
    except psycopg.Error as error:
        return [f"moving a row to another tenant failed otherwise: {str(error).splitlines()[0]}"]
    return [f"moving a row to another tenant was accepted ({updated} rows)"]


def _column_type(connection, entity: Entity, column: str) -> str:
    return connection.execute("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = %s::regclass "
                              "AND attname = %s", (f'"{entity.table}"', entity.physical(column))).fetchone()[0]


def privilege_problems(design: Design, connection) -> list[str]:
    """Each role (and its login) x each table x each privilege, and each column's SELECT, held
    exactly as the design grants; PUBLIC holding nothing on any table, view or function."""
    from schemaforge.security.grants import TABLE_PRIVILEGES, privilege_matrix

    problems = []
    for name, by_entity in privilege_matrix(design).items():
        for role in (role_name(design, name), role_name(design, name) + "_login"):
            for entity in design.entities.values():
                access = by_entity.get(entity.name)
                table = f'"{entity.table}"'
                held = connection.execute(
                    "SELECT " + ", ".join(f"has_table_privilege(%s, %s, '{p}')" for p in TABLE_PRIVILEGES),
                    [role, table] * len(TABLE_PRIVILEGES)).fetchone()
                for privilege, has in zip(TABLE_PRIVILEGES, held):
                    if has != (access is not None and privilege in access.privileges):
                        problems.append(f"{role} {'holds' if has else 'lacks'} {privilege.upper()} on {entity.table}")
                for column in entity.columns:
                    wanted = access is not None and ("select" in access.privileges or column.name in (access.readable or ()))
                    has = connection.execute("SELECT has_column_privilege(%s, %s, %s, 'SELECT')",
                                             (role, table, column.physical)).fetchone()[0]
                    if has != wanted:
                        problems.append(f"{role} {'reads' if has else 'cannot read'} {entity.table}.{column.physical}")
    public = connection.execute(
        "SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm') AND ("
        + " OR ".join(f"has_table_privilege('public', c.oid, '{p}')" for p in TABLE_PRIVILEGES) + ")").fetchall()
    problems += [f"PUBLIC holds a privilege on {name}" for (name,) in public]
    functions = connection.execute(
        "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = 'public' AND has_function_privilege('public', p.oid, 'EXECUTE')").fetchall()
    problems += [f"PUBLIC may execute {name}" for (name,) in functions]
    return problems


def prove_policy(design: Design, seed_dir: Path, server) -> tuple[list[str], list[str]]:
    """(problems, what was tried) of the design's policy on a scratch database of `server`, with
    the seed loaded and a key made for this proof only."""
    import secrets

    from schemaforge.performance.server import scratch_database

    tried, problems = [], []
    with scratch_database(server.url, f"{design.name}_security") as connection:
        secure_database(design, seed_dir, connection, secrets.token_hex(16), server.psql)
        problems += privilege_problems(design, connection)
        tried.append(f"privileges of {len(design.doc.security.roles)} roles on {len(design.entities)} tables")
        if design.doc.security.tenancy and design.doc.security.tenancy.isolation == "row_level_security":
            for result in tenant_isolation(design, connection):
                tried.append(f"isolation of {result.table} ({result.rows_of_a} rows of one tenant)")
                problems += [f"{result.table}: {p}" for p in result.problems]
    return problems, tried
