"""Turning patterns on and off in a new release (issue 16): helpdesk 1.0.0 has no audit, no
history, no event store and its rule is an expectation; 1.1.0 turns all four on. On PostgreSQL,
MariaDB and SQLite the forward migration keeps the rows already there and, from then on, audits
their changes, keeps their versions, refuses a change to an event and enforces the rule; the
rollback takes the triggers away and keeps the audit log and the history with their rows."""

from __future__ import annotations

import sqlite3

import pytest

from conftest import ROOT, mariadb_rows, pg_rows
from schemaforge.ddl.render import render_ddl
from schemaforge.design.loader import load_design_text
from schemaforge.migrate.changes import Change
from schemaforge.migrate.render import render_migration, target_changes
from schemaforge.ddl.targets import SQL_TARGETS

HELPDESK = ROOT / "tests" / "designs" / "helpdesk.yaml"
SHOWN = "tests/designs/helpdesk.yaml"
COMPANY = "00000000-0000-0000-0000-00000000000a"


def releases():
    text = HELPDESK.read_text()
    newer = load_design_text(text.replace("version: 1.0.0", "version: 1.1.0"), SHOWN, "helpdesk")
    older_text = (text.replace("    patterns: [audit, temporal, event_sourcing]\n", "")
                  .replace("    enforce: trigger", "    enforce: expectation").replace(", ticket_event: 4000}", "}"))
    return load_design_text(older_text, SHOWN, "helpdesk"), newer


def migrations(target: str) -> tuple[str, str, object, object]:
    older, newer = releases()
    forward = target_changes(older, newer, SQL_TARGETS[target]())
    up = render_migration(older, newer, target, forward)
    down = render_migration(newer, older, target, [Change.reversed(c) for c in forward])
    return up, down, older, newer


ROWS = [
    f"INSERT INTO company (id, name) VALUES ('{COMPANY}', 'A')",
    "INSERT INTO country (code, name) VALUES ('FR', 'France')",
    f"INSERT INTO customer (company_id, email, country_code) VALUES ('{COMPANY}', 'a@b.io', 'FR')",
    f"INSERT INTO ticket (company_id, number, customer_id, subject) SELECT '{COMPANY}', 1, id, 'before' FROM customer",
]


def after_upgrade(execute, errors) -> None:
    """The row written before the release: audited, versioned; its events append-only."""
    [(ticket,)] = execute("SELECT id FROM ticket")
    execute(f"UPDATE ticket SET subject = 'after' WHERE id = {ticket}")
    assert [row[0] for row in execute("SELECT operation FROM audit_log WHERE table_name = 'ticket'")] == ["update"]
    assert execute("SELECT subject FROM ticket_history") == [("before",)]
    execute(f"INSERT INTO ticket_event (company_id, stream_id, version, event_type, payload) "
            f"VALUES ('{COMPANY}', {ticket}, 1, 'renamed', '{{}}')")
    with pytest.raises(errors):
        execute("DELETE FROM ticket_event")


def after_rollback(execute) -> None:
    [(ticket,)] = execute("SELECT id FROM ticket")
    execute(f"UPDATE ticket SET subject = 'back' WHERE id = {ticket}")
    assert len(execute("SELECT * FROM audit_log")) == 1  # kept with its row; nothing new written
    assert execute("SELECT subject FROM ticket_history") == [("before",)]


def test_the_migration_says_what_it_makes_and_keeps():
    up, down, _, _ = migrations("postgres")
    assert "pattern objects:" in up and "CREATE OR REPLACE TRIGGER audit_ticket" in up
    assert "CREATE CONSTRAINT TRIGGER rule_reply_count_matches_ticket" in up
    assert "DROP TRIGGER IF EXISTS audit_ticket ON ticket" in down and "DROP TABLE IF EXISTS audit_log" not in down
    assert "audit_log is kept with its rows" in down and "ticket_history is kept with its rows" in down


def test_on_postgresql_turning_the_patterns_on_and_off_keeps_the_rows(pg_database):
    psycopg = pytest.importorskip("psycopg")
    up, down, older, _ = migrations("postgres")
    pg_database.execute(render_ddl(older, "postgres").sql)
    for row in ROWS:
        pg_database.execute(row)

    execute = pg_rows(pg_database)
    pg_database.execute(up)
    after_upgrade(execute, psycopg.errors.RestrictViolation)
    with pytest.raises(psycopg.errors.CheckViolation):  # the rule, now a deferred trigger
        with pg_database.transaction():
            execute("INSERT INTO reply (company_id, ticket_id, body) SELECT company_id, id, 'hi' FROM ticket")
            execute("UPDATE ticket SET replies = 5")
    pg_database.execute(down)
    after_rollback(execute)


def test_on_mariadb_turning_the_patterns_on_and_off_keeps_the_rows(mariadb_database):
    pymysql = pytest.importorskip("pymysql")
    up, down, older, _ = migrations("mysql")
    mariadb_database.run(render_ddl(older, "mysql").sql)
    mariadb_database.run(";\n".join(ROWS) + ";")

    execute = mariadb_rows(mariadb_database)
    mariadb_database.run(up)
    after_upgrade(execute, pymysql.err.OperationalError)
    mariadb_database.run(down)
    after_rollback(execute)


def test_on_sqlite_turning_the_patterns_on_and_off_keeps_the_rows():
    up, down, older, _ = migrations("sqlite")
    lite = sqlite3.connect(":memory:", isolation_level=None)
    lite.executescript(render_ddl(older, "sqlite").sql)
    lite.executescript(";\n".join(ROWS) + ";")
    lite.execute("PRAGMA foreign_keys = ON")

    def execute(sql):
        return lite.execute(sql).fetchall()
    lite.executescript(up)
    after_upgrade(execute, sqlite3.IntegrityError)
    lite.executescript(down)
    after_rollback(execute)
