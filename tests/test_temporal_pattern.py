"""The temporal pattern (issue 16): helpdesk's tickets keep every version. After updates in
separate transactions and a delete, `<table>_history` holds each ended version with its period,
and the `ticket_as_of` query (on PostgreSQL also the function) returns, for a moment inside each
period, the version that held then, on PostgreSQL, MariaDB and SQLite. A row written before the
pattern was turned on gets its history too. SQL Server's and Oracle's history DDL parses; DuckDB
and ClickHouse say they keep no versions."""

from __future__ import annotations

import sqlite3
import time

import pytest
import sqlglot

from conftest import ROOT, mariadb_rows, pg_rows, psql_file
from schemaforge.ddl.render import DdlRenderer, render_ddl
from schemaforge.ddl.targets import SQL_TARGETS
from schemaforge.design.loader import load_design_text
from schemaforge.patterns.temporal import TEMPORAL_TABLES
from schemaforge.queries.render import render_queries

HELPDESK = ROOT / "tests" / "designs" / "helpdesk.yaml"
SHOWN = "tests/designs/helpdesk.yaml"
STATES = ["first", "second", "third"]


@pytest.fixture(scope="module")
def helpdesk(helpdesk_build):
    design, root = helpdesk_build
    return design, root / "seed"


def as_of(design, target: str) -> str:
    [query] = [q for q in render_queries(design, target) if q.name == "ticket_as_of"]
    return query.sql


def scenario(execute, now, as_of_sql, params) -> None:
    """A ticket with no reply is written, changed twice and deleted, each in its own transaction,
    with a moment taken inside each period; then the history and the as-of query are read."""
    [(ticket,)] = execute("SELECT min(id) FROM ticket WHERE id NOT IN (SELECT ticket_id FROM reply) "
                         "AND id NOT IN (SELECT stream_id FROM ticket_event)")
    moments = []
    for state in STATES[1:]:
        moments.append(now())
        execute(f"UPDATE ticket SET subject = '{state}' WHERE id = {ticket}")
    moments.append(now())
    execute(f"DELETE FROM ticket_label WHERE ticket_id = {ticket}")
    execute(f"DELETE FROM ticket WHERE id = {ticket}")
    moments.append(now())
    history = execute(f"SELECT subject, valid_from, valid_to FROM ticket_history WHERE id = {ticket} ORDER BY valid_to")
    assert [row[0] for row in history] == STATES
    for (_, start, end), (_, next_start, _) in zip(history, history[1:]):
        assert start < end and end == next_start  # the periods follow one another without a gap
    for moment, expected in zip(moments, STATES + [None]):
        rows = [row for row in execute(as_of_sql, params(moment)) if row[1] == ticket]
        assert [row[5] for row in rows] == ([expected] if expected else []), (moment, expected)


def prepared(execute, ticket_state: str = "first") -> None:
    [(ticket,)] = execute("SELECT min(id) FROM ticket WHERE id NOT IN (SELECT ticket_id FROM reply) "
                         "AND id NOT IN (SELECT stream_id FROM ticket_event)")
    execute(f"UPDATE ticket SET subject = '{ticket_state}' WHERE id = {ticket}")
    execute("DELETE FROM ticket_history")


def tick():
    time.sleep(0.02)  # SQLite's clock has milliseconds; the periods must not share one


def test_on_postgresql_the_history_and_as_of_return_each_past_state(helpdesk, pg_database):
    design, seed = helpdesk
    pg_database.execute(render_ddl(design, "postgres").sql)
    psql_file(pg_database, seed / "postgres.sql")

    execute = pg_rows(pg_database)

    def now():
        tick()
        [(moment,)] = execute("SELECT clock_timestamp()")
        tick()
        return moment
    prepared(execute)
    scenario(execute, now, as_of(design, "postgres"), lambda moment: {"at": moment})
    [(count,)] = execute("SELECT count(*) FROM ticket_as_of(now() - interval '1 day')")
    assert count > 0  # the function: the versions that held a day ago


def test_on_mariadb_the_history_and_as_of_return_each_past_state(helpdesk, mariadb_database):
    design, seed = helpdesk
    mariadb_database.run(render_ddl(design, "mysql").sql)
    mariadb_database.run((seed / "mysql.sql").read_text())

    execute = mariadb_rows(mariadb_database)

    def now():
        tick()
        [(moment,)] = execute("SELECT CURRENT_TIMESTAMP(6)")
        tick()
        return moment
    prepared(execute)
    scenario(execute, now, as_of(design, "mysql"), lambda moment: {"at": moment})


def test_on_sqlite_the_history_and_as_of_return_each_past_state(helpdesk):
    design, seed = helpdesk
    lite = sqlite3.connect(":memory:", isolation_level=None)
    lite.executescript(render_ddl(design, "sqlite").sql)
    lite.executescript((seed / "sqlite.sql").read_text())

    def execute(sql, params=()):
        return lite.execute(sql, params).fetchall()

    def now():
        tick()
        [(moment,)] = execute("SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')")
        tick()
        return moment
    prepared(execute)
    scenario(execute, now, as_of(design, "sqlite"), lambda moment: {"at": moment})


def test_a_row_written_before_the_pattern_gets_its_history(helpdesk, pg_database):
    """The design without temporal, a row written; then the history and triggers are added (as
    turning the pattern on does) and the row's next change is kept."""
    design, _ = helpdesk
    text = HELPDESK.read_text().replace("patterns: [audit, temporal, event_sourcing]", "patterns: [audit, event_sourcing]")
    before = load_design_text(text, SHOWN, "helpdesk")
    pg_database.execute(render_ddl(before, "postgres").sql)
    pg_database.execute("ALTER TABLE ticket ADD COLUMN valid_from timestamptz NOT NULL DEFAULT now()")
    # The design's columns in its order: the pattern puts valid_from before the timestamps.
    company = "00000000-0000-0000-0000-000000000001"
    pg_database.execute(f"INSERT INTO company (id, name) VALUES ('{company}', 'A')")
    pg_database.execute("INSERT INTO country (code, name) VALUES ('FR', 'France')")
    pg_database.execute(f"INSERT INTO customer (company_id, email, country_code) VALUES ('{company}', 'a@b.io', 'FR')")
    pg_database.execute(f"INSERT INTO ticket (company_id, number, customer_id, subject) "
                        f"SELECT '{company}', 1, id, 'old' FROM customer")
    tables = TEMPORAL_TABLES["postgres"](DdlRenderer(design, SQL_TARGETS["postgres"]()))
    ticket = design.entities["ticket"]
    for statement in tables.functions() + tables.statements(ticket):
        pg_database.execute(statement.sql)
    pg_database.execute("UPDATE ticket SET subject = 'new'")
    assert pg_database.execute("SELECT subject FROM ticket_history").fetchall() == [("old",)]


@pytest.mark.parametrize("target,dialect", [("sqlserver", "tsql"), ("oracle", "oracle")])
def test_the_sql_server_and_oracle_history_parses(helpdesk, target, dialect):
    design, _ = helpdesk
    sql = render_ddl(design, target).sql
    for name in ("ticket_history", "ticket_versions"):
        statement = next(s for s in sql.split("\n\n") if s.startswith(f"CREATE TABLE {name}") or
                         s.startswith(f"CREATE VIEW {name}"))
        tree = sqlglot.parse_one(statement.replace("\nGO", "").rstrip(";"), read=dialect)
        assert tree.find(sqlglot.exp.Create) is not None
    assert sqlglot.parse_one(as_of(design, target).split(" /*")[0].replace("@at", ":at").replace(":at", "'2026-01-01'"),
                             read=dialect).find(sqlglot.exp.Table).name == "ticket_versions"


@pytest.mark.parametrize("target", ["duckdb", "clickhouse"])
def test_a_target_without_triggers_says_it_keeps_no_versions(helpdesk, target):
    design, _ = helpdesk
    [finding] = [f for f in render_ddl(design, target).findings if f.code == "TG117"]
    line = next(i for i, text in enumerate(HELPDESK.read_text().splitlines(), 1) if "patterns: [audit, temporal, event_sourcing]" in text)
    assert finding.location.line == line and finding.fix


def test_the_seeds_earlier_versions_follow_one_another_up_to_the_current_one(helpdesk):
    import duckdb

    _, seed = helpdesk
    history, current = f"read_parquet('{seed}/ticket.history.parquet')", f"read_parquet('{seed}/ticket.parquet')"
    [(versions, tickets_with_history)] = duckdb.sql(f"SELECT count(*), count(DISTINCT id) FROM {history}").fetchall()
    [(tickets,)] = duckdb.sql(f"SELECT count(*) FROM {current}").fetchall()
    assert 0 < tickets_with_history < tickets and versions > tickets_with_history  # none, one or two each
    # Each version ends where the next begins, the newest where the ticket's current one began.
    [(broken,)] = duckdb.sql(
        f"WITH chain AS (SELECT id, valid_from, valid_to FROM {history} UNION ALL SELECT id, valid_from, NULL FROM {current}), "
        "ordered AS (SELECT *, lead(valid_from) OVER (PARTITION BY id ORDER BY valid_from) AS next_from FROM chain) "
        "SELECT count(*) FROM ordered WHERE valid_to IS NOT NULL AND (valid_to <> next_from OR valid_from >= valid_to)").fetchall()
    assert broken == 0
    [(same_key,)] = duckdb.sql(f"SELECT count(*) FROM {history} h JOIN {current} c USING (id) "
                               "WHERE h.company_id = c.company_id AND h.customer_id = c.customer_id").fetchall()
    assert same_key == versions  # a version keeps the row's tenant and references


@pytest.mark.parametrize("target", ["postgres", "mysql", "sqlite"])
def test_the_seeds_earlier_versions_load_and_as_of_returns_them(helpdesk, target, request):
    """Loaded with the seed, each earlier version is what `ticket_as_of` returns at its start."""
    import duckdb

    design, seed = helpdesk
    if target == "postgres":
        connection = request.getfixturevalue("pg_database")
        connection.execute(render_ddl(design, target).sql)
        psql_file(connection, seed / "postgres.sql")
        execute = pg_rows(connection)
    elif target == "mysql":
        database = request.getfixturevalue("mariadb_database")
        database.run(render_ddl(design, target).sql)
        database.run((seed / "mysql.sql").read_text())
        execute = mariadb_rows(database)
    else:
        lite = sqlite3.connect(":memory:", isolation_level=None)
        lite.executescript(render_ddl(design, target).sql)
        lite.executescript((seed / "sqlite.sql").read_text())
        def execute(sql, params=()):
            return lite.execute(sql, params).fetchall()
    [(versions,)] = duckdb.sql(f"SELECT count(*) FROM read_parquet('{seed}/ticket.history.parquet')").fetchall()
    assert execute("SELECT count(*) FROM ticket_history")[0][0] == versions
    for ticket, subject, start in execute("SELECT id, subject, valid_from FROM ticket_history ORDER BY id, valid_from")[:20]:
        held = [row[5] for row in execute(as_of(design, target), {"at": start}) if row[1] == ticket]
        assert held == [subject], (ticket, start)
