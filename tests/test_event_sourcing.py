"""The event_sourcing pattern and the read models (issue 16). helpdesk's tickets have an event
store, `ticket_event`: PostgreSQL, MariaDB and SQLite refuse an UPDATE, a DELETE and a second
event of one version in a stream, and no role is granted more than reading and adding events.
The seed's streams are numbered without a gap. The read models (scaling.read_models and the
store's projection) are a SQLMesh project that SQLMesh, run in a process of its own, builds over
the seed equal to the same aggregates computed directly; sqlglot in this process is unchanged.
On PostgreSQL they are also materialized views, refreshed by the seed load."""

from __future__ import annotations

import shutil
import sqlite3
import sys
from datetime import datetime
from decimal import Decimal

import duckdb
import pytest
import sqlglot

from conftest import ROOT, mariadb_rows, pg_rows, psql_file
from schemaforge.ddl.render import render_ddl
from schemaforge.deliverables.files import write_artifacts
from schemaforge.design.loader import load_design
from schemaforge.read_models.project import read_model_artifacts, read_models
from schemaforge.read_models.run import run_read_models
from schemaforge.security.grants import privilege_matrix

HELPDESK = ROOT / "tests" / "designs" / "helpdesk.yaml"
SHOWN = "tests/designs/helpdesk.yaml"


@pytest.fixture(scope="module")
def helpdesk(helpdesk_build):
    design, root = helpdesk_build
    write_artifacts(root, read_model_artifacts(design))
    return design, root


def test_the_seed_numbers_every_stream_without_a_gap(helpdesk):
    _, root = helpdesk
    [(streams, events, broken)] = duckdb.sql(
        "SELECT count(*), sum(n), count(*) FILTER (WHERE lo <> 1 OR hi <> n OR distinct_versions <> n) FROM ("
        "SELECT stream_id, min(version) lo, max(version) hi, count(*) n, count(DISTINCT version) distinct_versions "
        f"FROM read_parquet('{root}/seed/ticket_event.parquet') GROUP BY stream_id)").fetchall()
    assert streams > 100 and events == 4000 and broken == 0


def no_role_changes_events(design) -> None:
    for role, access in privilege_matrix(design).items():
        if "ticket_event" in access:
            assert access["ticket_event"].privileges <= {"select", "insert", "references"}, role
    assert {"update", "delete"} <= privilege_matrix(design)["app"]["ticket"].privileges  # the twin: granted "*"


def test_no_role_may_update_or_delete_an_event(helpdesk):
    no_role_changes_events(helpdesk[0])


def refusals(execute, errors) -> None:
    """UPDATE, DELETE and a duplicate version are refused; the next version is taken."""
    [(stream, company, version)] = execute("SELECT stream_id, company_id, max(version) FROM ticket_event "
                                           "GROUP BY stream_id, company_id ORDER BY 3 DESC, 1 LIMIT 1")
    with pytest.raises(errors):
        execute(f"UPDATE ticket_event SET event_type = 'changed' WHERE stream_id = {stream}")
    with pytest.raises(errors):
        execute(f"DELETE FROM ticket_event WHERE stream_id = {stream}")
    add = ("INSERT INTO ticket_event (company_id, stream_id, version, event_type, payload) "
           f"VALUES ('{company}', {stream}, {{version}}, 'replied', '{{{{}}}}')")
    with pytest.raises(errors):
        execute(add.format(version=version))  # a second writer of the same version loses
    execute(add.format(version=version + 1))
    assert execute(f"SELECT count(*) FROM ticket_event WHERE stream_id = {stream}")[0][0] == version + 1


def test_on_postgresql_the_event_store_is_append_only(helpdesk, pg_database):
    psycopg = pytest.importorskip("psycopg")
    design, root = helpdesk
    pg_database.execute(render_ddl(design, "postgres").sql)
    psql_file(pg_database, root / "seed" / "postgres.sql")

    execute = pg_rows(pg_database)
    refusals(execute, (psycopg.errors.RestrictViolation, psycopg.errors.UniqueViolation))
    with pytest.raises(psycopg.errors.RestrictViolation):
        execute("TRUNCATE ticket_event")


def test_on_mariadb_the_event_store_is_append_only(helpdesk, mariadb_database):
    pymysql = pytest.importorskip("pymysql")
    design, root = helpdesk
    mariadb_database.run(render_ddl(design, "mysql").sql)
    mariadb_database.run((root / "seed" / "mysql.sql").read_text())

    execute = mariadb_rows(mariadb_database)
    refusals(execute, (pymysql.err.OperationalError, pymysql.err.IntegrityError))


def test_on_sqlite_the_event_store_is_append_only(helpdesk):
    design, root = helpdesk
    lite = sqlite3.connect(":memory:", isolation_level=None)
    lite.executescript(render_ddl(design, "sqlite").sql)
    lite.executescript((root / "seed" / "sqlite.sql").read_text())
    refusals(lambda sql: lite.execute(sql).fetchall(), sqlite3.IntegrityError)


def parser_tables() -> dict:
    """What importing SQLMesh would change: the parser's and the dialects' tables."""
    from sqlglot.dialects.duckdb import DuckDB
    from sqlglot.parser import Parser

    return {name: sorted(map(str, getattr(cls, name))) for cls in (Parser, DuckDB.Parser)
            for name in ("FUNCTIONS", "STATEMENT_PARSERS", "PROPERTY_PARSERS", "FUNCTION_PARSERS")}


def test_sqlmesh_builds_read_models_equal_to_the_aggregates_and_leaves_sqlglot_alone(helpdesk):
    design, root = helpdesk
    before = parser_tables()
    run = run_read_models(design, root)
    assert run.ok and run.failed_audits == [], run.output[-3000:]
    assert {m.name for m in run.models} == {"tickets_per_customer", "tickets_per_status", "ticket_event_streams"}
    for model in run.models:
        assert model.rows > 5 and model.mismatched == [], (model.name, model.mismatched)
    assert "passed" in run.output and "reply_count_matches" in run.output  # the rule ran as an audit
    assert "sqlmesh" not in sys.modules and parser_tables() == before
    # DuckDB's @ is absolute value; SQLMesh's parser would read a macro variable there.
    assert sqlglot.parse_one("SELECT @x", read="duckdb").sql("duckdb") == "SELECT ABS(x)"


def test_a_read_model_that_differs_from_the_seed_and_a_broken_rule_are_caught(helpdesk, tmp_path):
    design, root = helpdesk
    copy = tmp_path / "build"
    shutil.copytree(root, copy)
    model = copy / "read_models" / "models" / "tickets_per_status.sql"
    model.write_text(model.read_text().replace("MAX(", "MIN("))
    ticket = copy / "seed" / "ticket.parquet"
    duckdb.sql(f"COPY (SELECT * REPLACE (replies + 1 AS replies) FROM read_parquet('{ticket}')) TO '{copy}/t.parquet'")
    (copy / "t.parquet").replace(ticket)
    run = run_read_models(design, copy)
    mismatched = {m.name for m in run.models if m.mismatched}
    assert mismatched == {"tickets_per_status"}  # the edited model (the others read the same edited seed)
    assert any("reply_count_matches" in line for line in run.failed_audits), run.output[-2000:]


def normal(value):
    """A value as both engines give it back: numbers to 9 digits (AVG is NUMERIC on PostgreSQL,
    DOUBLE on DuckDB), moments as UTC seconds, identifiers as text."""
    if isinstance(value, bool) or isinstance(value, int) or value is None:
        return value
    if isinstance(value, (float, Decimal)):
        return round(float(value), 9)
    if isinstance(value, datetime):
        return value.timestamp()
    return str(value)


def test_on_postgresql_the_read_models_are_materialized_views_the_seed_load_refreshes(helpdesk, pg_database):
    design, root = helpdesk
    pg_database.execute(render_ddl(design, "postgres").sql)
    psql_file(pg_database, root / "seed" / "postgres.sql")  # ends with CALL refresh_read_models()
    for model in read_models(design):
        parquet = root / "seed" / f"{model.entity.name}.parquet"
        direct = sorted((tuple(map(normal, row)) for row in duckdb.sql(model.select(f"read_parquet('{parquet}')")).fetchall()), key=repr)
        stored = sorted((tuple(map(normal, row)) for row in pg_database.execute(f"SELECT * FROM {model.name}").fetchall()), key=repr)
        assert stored == direct and len(stored) > 5, model.name
    pg_database.execute("UPDATE ticket SET priority = 5 WHERE priority = 1")
    pg_database.execute("CALL refresh_read_models()")
    [(lowest,)] = pg_database.execute("SELECT min(priority) FROM tickets_per_customer").fetchall()
    assert lowest > 1


def test_a_grant_of_update_on_an_event_store_is_a_located_warning():
    from schemaforge.design.loader import load_design_text
    from schemaforge.lint.rules import lint_design

    text = HELPDESK.read_text().replace(
        '    app: {description: The help desk application, grants: {"*": [select, insert, update, delete]}}\n',
        '    app: {description: The help desk application, grants: {"*": [select, insert, update, delete]}}\n'
        '    fixer: {description: repairs events, grants: {ticket_event: [select, update]}}\n')
    design = load_design_text(text, SHOWN, "helpdesk")
    [finding] = [f for f in lint_design(design) if f.code == "SC118"]
    assert finding.location.line == next(i for i, line in enumerate(text.splitlines(), 1) if "fixer:" in line)
    assert privilege_matrix(design)["fixer"]["ticket_event"].privileges == {"select"}
    assert not [f for f in lint_design(load_design(HELPDESK, shown_as=SHOWN)) if f.code == "SC118"]  # the twin
