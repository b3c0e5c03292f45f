"""A DDL file, read by the engine whose dialect it is written in where one runs here: PostgreSQL's
DDL is run in a scratch database (PostgreSQL's own parser and catalog, nothing guessed), SQLite's
in memory, and the catalog is read as from a live database; the other dialects are read by
sqlglot's parser for them (importer/parsed.py)."""

from __future__ import annotations

import os
import sqlite3
import uuid

from schemaforge.importer.catalog import SourceSchema

# Where PostgreSQL DDL is run to be read: a server we may create a database on.
SCRATCH_POSTGRES = "SCHEMAFORGE_SCRATCH_POSTGRES"
_DEFAULT_SCRATCH = "host=127.0.0.1 user=postgres dbname=postgres connect_timeout=5"


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
    import psycopg

    from schemaforge.importer.postgres import read_postgres
    from schemaforge.importer.run import ImportFailed

    scratch = f"sf_import_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(os.environ.get(SCRATCH_POSTGRES, _DEFAULT_SCRATCH), autocommit=True)
    except psycopg.Error as error:
        raise ImportFailed(f"PostgreSQL DDL is read by running it on a server, and none answers at ${SCRATCH_POSTGRES} "
                           f"(or 127.0.0.1): {str(error).strip()}") from None
    with admin:
        admin.execute(f"CREATE DATABASE {scratch}")
        try:
            info = admin.info
            with psycopg.connect(host=info.host, port=info.port, user=info.user, password=info.password or None,
                                 dbname=scratch, autocommit=True) as conn:
                try:
                    conn.execute(text)
                except psycopg.Error as error:
                    raise ImportFailed(f"PostgreSQL refuses the DDL: {str(error).strip()}") from None
                return read_postgres(conn)
        finally:
            admin.execute(f"DROP DATABASE IF EXISTS {scratch} WITH (FORCE)")
