"""Shared fixtures: example designs, and real database servers (a fresh database per test).

Under CI=true a server that does not answer is an error, never a skip (.ci/run starts them).
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DESIGNS = ROOT / "designs"
EXAMPLES = sorted(p.stem for p in DESIGNS.glob("*.yaml"))
PG_DSN = os.environ.get("SCHEMAFORGE_TEST_PG", "host=127.0.0.1 port=5432 user=postgres")
IN_CI = os.environ.get("CI", "").lower() == "true"


def unavailable(reason: str):
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: real servers are required)")
    pytest.skip(reason)


@pytest.fixture
def pg_database():
    """A fresh, empty PostgreSQL database; yields a psycopg connection in autocommit."""
    psycopg = pytest.importorskip("psycopg")
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


def load_example(name: str):
    from schemaforge.spec.loader import load_design

    return load_design(DESIGNS / f"{name}.yaml", shown_as=f"designs/{name}.yaml")
