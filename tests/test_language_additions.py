"""The additions real schemas need (SPEC 1, issue 18), each on the real engines: `identity: false`."""

from __future__ import annotations

import sqlite3

import duckdb
import pytest

from schemaforge.deliverables.generate import ddl_artifacts
from schemaforge.design.loader import load_design_text
from schemaforge.findings import DesignErrors

KEYS = """\
design: keys
version: 1.0.0
description: A key the application supplies beside a generated one
targets: [postgres, mysql, sqlite, duckdb]
entities:
  supplied:
    description: rows loaded with the keys of the system they come from
    fields:
      id: {type: bigint, pk: true, identity: false}
      name: {type: string(40)}
  generated:
    description: rows whose keys the database makes
    fields:
      id: {type: bigint, pk: true}
      name: {type: string(40)}
"""


def _ddl(target: str) -> str:
    return ddl_artifacts(load_design_text(KEYS, "designs/keys.yaml", "keys"), target)[0].content.decode()


def _without_a_key(run, table: str) -> bool:
    """Whether a row inserted without its key is taken."""
    try:
        run(f"INSERT INTO {table} (name) VALUES ('no key')")
    except Exception:
        return False
    return True


def _engines(pg_database, mariadb_database):
    lite, duck = sqlite3.connect(":memory:"), duckdb.connect()
    lite.executescript(_ddl("sqlite"))
    duck.execute(_ddl("duckdb"))
    pg_database.execute(_ddl("postgres"))
    mariadb_database.run(_ddl("mysql"))
    return {"sqlite": lite.execute, "duckdb": duck.execute, "postgres": pg_database.execute,
            "mysql": mariadb_database.run}


def test_a_key_the_application_supplies_is_no_identity_on_any_engine_and_its_twin_is(pg_database, mariadb_database):
    for name, run in _engines(pg_database, mariadb_database).items():
        assert not _without_a_key(run, "supplied"), f"{name}: a row without its key was taken"
        run("INSERT INTO supplied (id, name) VALUES (9000000001, 'its own key')")
        assert _without_a_key(run, "generated"), f"{name}: the identity made no key"


@pytest.mark.parametrize("field", [
    "      id: {type: uuid, pk: true, identity: false}",  # not an integer
    "      id: {type: bigint, pk: true}\n      code: {type: integer, identity: false}",  # not the key
])
def test_identity_elsewhere_than_an_integer_key_is_a_located_error(field):
    bad = KEYS.replace("      id: {type: bigint, pk: true, identity: false}", field)
    with pytest.raises(DesignErrors) as raised:
        load_design_text(bad, "designs/keys.yaml", "keys")
    (finding,) = [f for f in raised.value.findings if "identity" in f.message]
    line = next(i for i, text in enumerate(bad.splitlines(), 1) if "identity: false" in text)
    assert (finding.code, finding.location.line) == ("SP105", line)
    load_design_text(KEYS, "designs/keys.yaml", "keys")  # its twin


def test_the_seed_loads_its_own_keys_into_a_supplied_key_and_the_next_row_brings_its_own(pg_database, tmp_path):
    from conftest import psql_file
    from schemaforge.deliverables.seed import build_seed

    design = load_design_text(KEYS, "designs/keys.yaml", "keys")
    assert build_seed(design, tmp_path).problems == []
    pg_database.execute(_ddl("postgres"))
    psql_file(pg_database, tmp_path / "seed" / "postgres.sql")
    loaded = pg_database.execute("SELECT count(*), max(id) FROM supplied").fetchone()
    assert loaded[0] > 0
    pg_database.execute("INSERT INTO supplied (id, name) VALUES (%s, 'next')", (loaded[1] + 1,))
    lite = sqlite3.connect(":memory:")
    lite.executescript(_ddl("sqlite") + (tmp_path / "seed" / "sqlite.sql").read_text())
    assert lite.execute("SELECT count(*) FROM supplied").fetchone()[0] == loaded[0]
