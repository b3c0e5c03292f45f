"""A DDL file, read by the engine whose dialect it is written in where one runs here: PostgreSQL's
DDL is run in a scratch database (PostgreSQL's own parser and catalog, nothing guessed), SQLite's
in memory, and the catalog is read as from a live database; the other dialects are read by
sqlglot's parser for them (importer/parsed.py)."""

from __future__ import annotations

import os
import sqlite3

from schemaforge.importer.catalog import SourceSchema

# Where PostgreSQL DDL is run to be read: a server we may create a database on.
SCRATCH_POSTGRES = "SCHEMAFORGE_SCRATCH_POSTGRES"
_DEFAULT_SCRATCH = "postgresql://postgres@127.0.0.1:5432/postgres?connect_timeout=5"


def read_ddl(text: str, dialect: str) -> SourceSchema:
    from schemaforge.importer.run import ImportFailed

    if dialect == "sqlite":
        from schemaforge.importer.sqlite import read_sqlite

        conn = sqlite3.connect(":memory:")
        try:
            conn.executescript(text)
        except sqlite3.Error as error:
            raise ImportFailed(f"SQLite refuses the DDL: {error}") from None
        return read_sqlite(conn)
    if dialect == "postgres":
        return _read_postgres_ddl(text)
    from schemaforge.importer.parsed import read_parsed_ddl

    return read_parsed_ddl(text, dialect)


def _read_postgres_ddl(text: str) -> SourceSchema:
    """Run the DDL in a scratch database and read its catalog: on $SCHEMAFORGE_SCRATCH_POSTGRES or
    the local server when one answers, else on a PostgreSQL started for it (this machine's
    binaries, or the pgserver wheel's)."""
    import psycopg

    from schemaforge.performance.server import NoPostgresServer, measurement_server

    url = os.environ.get(SCRATCH_POSTGRES, _DEFAULT_SCRATCH)
    try:
        psycopg.connect(url).close()
    except psycopg.Error:
        try:
            with measurement_server() as server:
                return _run_and_read(server.url, text)
        except NoPostgresServer as missing:
            from schemaforge.importer.run import ImportFailed

            raise ImportFailed(f"PostgreSQL DDL is read by running it on a PostgreSQL, and there is none: {missing}") from None
    return _run_and_read(url, text)


def _run_and_read(url: str, text: str) -> SourceSchema:
    import psycopg

    from schemaforge.importer.postgres import read_postgres
    from schemaforge.importer.run import ImportFailed
    from schemaforge.performance.server import scratch_database

    with scratch_database(url, "import") as conn:
        try:
            conn.execute(text)
        except psycopg.Error as error:
            raise ImportFailed(f"PostgreSQL refuses the DDL: {str(error).strip()}") from None
        return read_postgres(conn)
