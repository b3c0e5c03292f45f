"""Shared fixtures: example designs, and real database servers (a fresh database per test).

Under CI=true a server that does not answer is an error, never a skip (.ci/run starts them).
"""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DESIGNS = ROOT / "designs"
EXAMPLES = sorted(p.stem for p in DESIGNS.glob("*.yaml"))


def _targets(name: str) -> list[str]:
    import yaml

    data = yaml.safe_load((DESIGNS / f"{name}.yaml").read_text())
    return data.get("targets") or [data.get("database", "postgres")]


# The examples built for SQL stores (every SQL target's seed script): the load tests run on them.
SQL_EXAMPLES = [name for name in EXAMPLES if "postgres" in _targets(name)]
PG_DSN = os.environ.get("SCHEMAFORGE_TEST_PG", "host=127.0.0.1 port=5432 user=postgres")
IN_CI = os.environ.get("CI", "").lower() == "true"


def unavailable(reason: str):
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: real servers are required)")
    pytest.skip(reason)


def require_module(name: str):
    """Import a database driver; without it the test skips, except under CI=true, where it fails."""
    try:
        return __import__(name, fromlist=["_"])
    except ImportError as error:
        unavailable(f"the driver {name} is not installed ({error}); ./setup.sh installs it")


def _fresh_pg_database():
    """A fresh, empty PostgreSQL database; yields a psycopg connection in autocommit."""
    psycopg = require_module("psycopg")
    try:
        admin = psycopg.connect(f"{PG_DSN} dbname=postgres", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        unavailable(f"PostgreSQL not reachable at {PG_DSN}: {error}")
    name = f"sf_test_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        with psycopg.connect(f"{PG_DSN} dbname={name}", autocommit=True) as conn:
            yield conn
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def pg_database():
    yield from _fresh_pg_database()


def psql_file(conn, path) -> str:
    """Run a script file with psql on `conn`'s database, as a user loads a seed; stops at the
    first error, raised (PsqlFailed) with psql's message."""
    from schemaforge.performance.analyze import run_psql_file

    return run_psql_file(conn, path)


@pytest.fixture
def pg_database_2():
    """A second fresh database, for comparing two in one test."""
    yield from _fresh_pg_database()


def shop_project(tmp_path: Path, monkeypatch) -> tuple[Path, Path]:
    """(designs, build): a designs/ folder holding shop.yaml with its releases, and a build/
    folder, both set for the engine and the definitions."""
    import shutil

    designs, build = tmp_path / "designs", tmp_path / "build"
    designs.mkdir()
    shutil.copy(DESIGNS / "shop.yaml", designs / "shop.yaml")
    shutil.copytree(DESIGNS / "shop.history", designs / "shop.history")
    monkeypatch.setenv("SCHEMAFORGE_DESIGNS", str(designs))
    monkeypatch.setenv("SCHEMAFORGE_BUILD", str(build))
    return designs, build


def load_example(name: str):
    from schemaforge.design.loader import load_design

    return load_design(DESIGNS / f"{name}.yaml", shown_as=f"designs/{name}.yaml")


MARIADB = dict(host=os.environ.get("SCHEMAFORGE_TEST_MYSQL_HOST", "127.0.0.1"), port=3306, user="root", password="")
# MySQL 8's default strictness, and more: what a careful production server runs with.
STRICT_SQL_MODE = "STRICT_ALL_TABLES,ONLY_FULL_GROUP_BY,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION"


class MariaDB:
    """A connection to a fresh MariaDB database that runs whole scripts."""

    def __init__(self, conn):
        self.conn = conn

    def run(self, script: str) -> None:
        with self.conn.cursor() as cur:
            cur.execute(script)
            while cur.nextset():  # surfaces an error of any later statement
                pass

    def query(self, sql: str) -> list[tuple]:
        with self.conn.cursor() as cur:
            cur.execute(sql)
            return list(cur.fetchall())


def _fresh_mariadb_database():
    """A fresh MariaDB database in strict mode (MySQL-compatible target); yields a MariaDB."""
    pymysql = require_module("pymysql")
    try:
        admin = pymysql.connect(**MARIADB, autocommit=True, connect_timeout=3)
    except pymysql.err.OperationalError as error:
        unavailable(f"MariaDB not reachable at {MARIADB['host']}:3306: {error}")
    name = f"sf_test_{uuid.uuid4().hex[:12]}"
    admin.cursor().execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
    conn = pymysql.connect(**MARIADB, database=name, autocommit=True,
                           client_flag=pymysql.constants.CLIENT.MULTI_STATEMENTS)
    conn.cursor().execute(f"SET SESSION sql_mode = '{STRICT_SQL_MODE}'")
    try:
        yield MariaDB(conn)
    finally:
        conn.close()
        admin.cursor().execute(f"DROP DATABASE IF EXISTS `{name}`")
        admin.close()


@pytest.fixture
def mariadb_database():
    yield from _fresh_mariadb_database()


@pytest.fixture
def mariadb_database_2():
    yield from _fresh_mariadb_database()


class ClickHouse:
    """A fresh database in embedded ClickHouse (chdb), which takes one statement at a time."""

    def __init__(self, session, name: str):
        self.session, self.name = session, name

    def run(self, script: str) -> None:
        """Run a generated script: its statements end a line with ';' (no data value holds one)."""
        self.session.query(f"USE {self.name}")  # the session is shared by the databases of a test
        for statement in re.split(r";\n", script):
            code = "\n".join(line for line in statement.splitlines() if not line.startswith("--")).strip()
            if code:
                self.session.query(code)

    def query(self, sql: str) -> list[list]:
        import json

        self.session.query(f"USE {self.name}")
        text = self.session.query(sql, "JSONCompact").bytes()
        return json.loads(text)["data"] if text else []


_CHDB_SESSION = None


def _fresh_clickhouse_database():
    global _CHDB_SESSION
    session_module = require_module("chdb.session")
    if _CHDB_SESSION is None:  # chdb runs one engine per process: share it, a database per test
        _CHDB_SESSION = session_module.Session()
    name = f"sf_test_{uuid.uuid4().hex[:12]}"
    _CHDB_SESSION.query(f"CREATE DATABASE {name}")
    _CHDB_SESSION.query(f"USE {name}")
    try:
        yield ClickHouse(_CHDB_SESSION, name)
    finally:
        _CHDB_SESSION.query(f"DROP DATABASE IF EXISTS {name}")


@pytest.fixture
def clickhouse_database():
    yield from _fresh_clickhouse_database()


@pytest.fixture
def clickhouse_database_2():
    yield from _fresh_clickhouse_database()


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    """The library design (tests/library_design.py) with its seed built: (design, seed folder)."""
    from library_design import LIBRARY
    from schemaforge.deliverables.seed import build_seed
    from schemaforge.design.loader import load_design

    folder = tmp_path_factory.mktemp("library")
    (folder / "library.yaml").write_text(LIBRARY)
    design = load_design(folder / "library.yaml")
    assert build_seed(design, folder).problems == []
    return design, folder / "seed"


@pytest.fixture(scope="session")
def instrumented_postgres():
    """The URL of a private PostgreSQL that preloads pg_stat_statements and pg_qualstats (and has
    HypoPG), started from the machine's binaries for this test session."""
    require_module("psycopg")
    from schemaforge.performance.server import NoPostgresServer, preloadable, server_binaries, throwaway_postgres

    try:
        missing = {"pg_stat_statements", "pg_qualstats"} - set(preloadable(server_binaries()))
        if missing:
            unavailable(f"PostgreSQL lacks {', '.join(sorted(missing))}; ./setup.sh installs them")
        with throwaway_postgres() as url:
            yield url
    except NoPostgresServer as error:
        unavailable(str(error))


def fresh_database_on(url: str):
    """A fresh database on the server at `url`; yields a psycopg connection in autocommit."""
    psycopg = require_module("psycopg")
    name = f"sf_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            with psycopg.connect(psycopg.conninfo.make_conninfo(url, dbname=name), autocommit=True) as conn:
                yield conn
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


HELPDESK = ROOT / "tests" / "designs" / "helpdesk.yaml"


@pytest.fixture(scope="session")
def helpdesk_build(tmp_path_factory):
    """(design, build folder with its seed) of tests/designs/helpdesk.yaml, the design of the
    patterns' tests (multi_tenant, audit, temporal, event_sourcing, rule triggers), built once."""
    from schemaforge.deliverables.seed import build_seed
    from schemaforge.design.loader import load_design

    design = load_design(HELPDESK, shown_as="tests/designs/helpdesk.yaml")
    root = tmp_path_factory.mktemp("helpdesk")
    result = build_seed(design, root)
    assert result.problems == [] and "reply_count_matches" in result.repaired_rules
    return design, root


def pg_rows(conn):
    """execute(sql, params=None) on a psycopg connection: the rows, or [] for a statement."""
    def execute(sql, params=None):
        cursor = conn.execute(sql, params)
        return cursor.fetchall() if cursor.description else []
    return execute


def mariadb_rows(database: MariaDB):
    """execute(sql, params=None) on a MariaDB test database: the rows as a list."""
    def execute(sql, params=None):
        with database.conn.cursor() as cursor:
            cursor.execute(sql, params)
            return list(cursor.fetchall())
    return execute
