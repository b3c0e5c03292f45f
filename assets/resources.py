"""Dagster resources: what a run may configure beyond the designs."""

from __future__ import annotations

import os
from typing import Optional

import dagster as dg

from schemaforge.performance.server import SERVER_URL_VARIABLE


class PostgresServer(dg.ConfigurableResource):
    """The PostgreSQL the performance analysis measures on (it creates and drops a database of
    its own there). None: a throwaway server from this machine's PostgreSQL, else from the
    pgserver wheel. Set it per run in the launchpad, or with $SCHEMAFORGE_POSTGRES_URL."""

    url: Optional[str] = None  # noqa: UP045 (Dagster reads the annotation at run time)


def postgres_server() -> PostgresServer:
    return PostgresServer(url=os.environ.get(SERVER_URL_VARIABLE) or None)
