"""The audit pattern (issue 16): `patterns: [audit]` records every insert, update and delete of
the entity's rows in one audit log, with the acting user (a session setting, else the database
user), the key, the row before and after as JSON, and the transaction. On PostgreSQL, MariaDB
and SQLite a row that existed before auditing began is recorded like any other; DuckDB and
ClickHouse have no triggers and say so; SQL Server's and Oracle's triggers hold statements that
parse in their dialects."""

from __future__ import annotations

import json
import re
import sqlite3
import uuid

import pytest
import sqlglot
from sqlglot import exp

from conftest import ROOT, mariadb_rows, psql_file
from schemaforge.ddl.render import render_ddl
from schemaforge.design.loader import load_design_text
from schemaforge.patterns.audit import AUDIT_LOGS

HELPDESK = ROOT / "tests" / "designs" / "helpdesk.yaml"
SHOWN = "tests/designs/helpdesk.yaml"


@pytest.fixture(scope="module")
def helpdesk(helpdesk_build):
    design, root = helpdesk_build
    return design, root / "seed"


def unaudited(design):
    """The same design without the audit pattern: what a database held before auditing began."""
    text = HELPDESK.read_text().replace("patterns: [audit, temporal, event_sourcing]", "patterns: [temporal, event_sourcing]", 1)
    assert text != HELPDESK.read_text()
    return load_design_text(text, SHOWN, "helpdesk")


class Engine:
    """What the scenario needs of one engine: run SQL, name the acting user, read JSON."""

    def __init__(self, target, execute, set_actor, database_user, transactions):
        self.target, self.execute, self.set_actor = target, execute, set_actor
        self.database_user, self.transactions = database_user, transactions

    def audit_rows(self, key: int, after: int = 0) -> list[tuple]:
        rows = self.execute(f"SELECT actor, operation, row_key, row_before, row_after, transaction_id FROM audit_log "
                            f"WHERE table_name = 'ticket' AND id > {after} ORDER BY id")
        found = []
        for actor, operation, row_key, before, after, transaction in rows:
            row_key, before, after = (json.loads(v) if isinstance(v, str) else v for v in (row_key, before, after))
            if row_key == {"id": key}:
                found.append((actor, operation, before and before["subject"], after and after["subject"], transaction))
        return found


def scenario(engine: Engine, design, add_audit) -> None:
    """A ticket written before auditing began, then updated twice in one transaction and deleted
    in another; a new ticket inserted, updated and deleted without a named user."""
    [(company, customer)] = engine.execute("SELECT company_id, id FROM customer ORDER BY id LIMIT 1")
    insert = ("INSERT INTO ticket (company_id, number, customer_id, subject, priority) "
              f"VALUES ('{company}', {{number}}, {customer}, 'first', 3)")
    engine.execute(insert.format(number=900001))
    [(old,)] = engine.execute("SELECT id FROM ticket WHERE number = 900001")
    add_audit()  # auditing begins: the row above has no insert in the log
    assert engine.audit_rows(old) == []
    engine.set_actor("alice")
    engine.transactions([f"UPDATE ticket SET subject = 'second' WHERE id = {old}",
                         f"UPDATE ticket SET subject = 'third' WHERE id = {old}"])
    engine.transactions([f"DELETE FROM ticket WHERE id = {old}"])
    rows = engine.audit_rows(old)
    assert [row[:4] for row in rows] == [("alice", "update", "first", "second"), ("alice", "update", "second", "third"),
                                         ("alice", "delete", "third", None)]
    # The two updates share their transaction; the delete has its own.
    assert rows[0][4] == rows[1][4] and rows[2][4] not in (None, rows[0][4])
    engine.set_actor(None)
    [(last,)] = engine.execute("SELECT max(id) FROM audit_log")  # SQLite may give the new row the old key
    engine.execute(insert.format(number=900002))
    [(new,)] = engine.execute("SELECT id FROM ticket WHERE number = 900002")
    engine.execute(f"UPDATE ticket SET subject = 'changed' WHERE id = {new}")
    engine.execute(f"DELETE FROM ticket WHERE id = {new}")
    assert [row[:4] for row in engine.audit_rows(new, last)] == [
        (engine.database_user, "insert", None, "first"), (engine.database_user, "update", "first", "changed"),
        (engine.database_user, "delete", "changed", None)]


def audit_statements(design, target: str, quote) -> list[str]:
    log = AUDIT_LOGS[target](quote, lambda entity: quote(entity.table))
    return [s.sql for s in log.statements([design.entities["ticket"]])]


def test_on_postgresql_every_change_of_an_audited_row_is_recorded_with_its_actor(helpdesk, pg_database):
    design, seed = helpdesk
    pg_database.execute(render_ddl(unaudited(design), "postgres").sql)
    psql_file(pg_database, seed / "postgres.sql")

    def transactions(statements):
        with pg_database.transaction():
            for statement in statements:
                pg_database.execute(statement)

    def set_actor(name):
        pg_database.execute("RESET app.actor" if name is None else f"SET app.actor = '{name}'")
    engine = Engine("postgres", lambda sql: pg_database.execute(sql).fetchall() if re.match(r"\s*SELECT", sql) else
                    pg_database.execute(sql), set_actor, "postgres", transactions)
    scenario(engine, design, lambda: [pg_database.execute(s) for s in audit_statements(design, "postgres", str)])


def test_on_postgresql_the_seed_loads_with_auditing_on(helpdesk, pg_database):
    """The design's own DDL: each seeded ticket is an insert in the log, by the loading user."""
    design, seed = helpdesk
    pg_database.execute(render_ddl(design, "postgres").sql)
    psql_file(pg_database, seed / "postgres.sql")
    [(tickets,)] = pg_database.execute("SELECT count(*) FROM ticket").fetchall()
    assert pg_database.execute("SELECT count(*), count(DISTINCT row_key), min(actor), min(operation) FROM audit_log "
                               "WHERE table_name = 'ticket'").fetchall() == [(tickets, tickets, "postgres", "insert")]
    assert pg_database.execute("SELECT count(*) FROM audit_log WHERE table_name <> 'ticket'").fetchone() == (0,)


def test_on_mariadb_every_change_of_an_audited_row_is_recorded_with_its_actor(helpdesk, mariadb_database):
    design, seed = helpdesk
    mariadb_database.run(render_ddl(unaudited(design), "mysql").sql)
    mariadb_database.run((seed / "mysql.sql").read_text())
    conn = mariadb_database.conn

    execute = mariadb_rows(mariadb_database)

    def transactions(statements):
        """MariaDB tells a trigger no transaction id: the application names its transactions."""
        conn.begin()
        execute(f"SET @app_transaction = '{uuid.uuid4()}'")
        for statement in statements:
            execute(statement)
        conn.commit()

    def set_actor(name):
        execute("SET @app_actor = NULL" if name is None else f"SET @app_actor = '{name}'")
    [(user,)] = execute("SELECT USER()")
    engine = Engine("mysql", execute, set_actor, user, transactions)
    scenario(engine, design, lambda: [execute(s) for s in audit_statements(design, "mysql", str)])


def test_on_sqlite_every_change_of_an_audited_row_is_recorded_with_its_actor(helpdesk):
    design, seed = helpdesk
    lite = sqlite3.connect(":memory:", isolation_level=None)
    lite.executescript(render_ddl(unaudited(design), "sqlite").sql)
    lite.executescript((seed / "sqlite.sql").read_text())

    def execute(sql):
        return lite.execute(sql).fetchall()

    def transactions(statements):
        """SQLite has no transaction ids: the application names its transactions."""
        lite.executescript(f"BEGIN; UPDATE audit_session SET transaction_id = '{uuid.uuid4()}'; "
                           + "; ".join(statements) + "; COMMIT;")

    def set_actor(name):
        execute("DELETE FROM audit_session" if name is None else
                f"INSERT OR REPLACE INTO audit_session (id, actor) VALUES (1, '{name}')")
    engine = Engine("sqlite", execute, set_actor, "anonymous", transactions)
    scenario(engine, design, lambda: [execute(s) for s in audit_statements(design, "sqlite", str)])


@pytest.mark.parametrize("target", ["duckdb", "clickhouse"])
def test_a_target_without_triggers_says_so_at_the_pattern(helpdesk, target):
    design, _ = helpdesk
    result = render_ddl(design, target)
    [finding] = [f for f in result.findings if f.code == "TG114"]
    line = next(i for i, text in enumerate(HELPDESK.read_text().splitlines(), 1) if "patterns: [audit, temporal, event_sourcing]" in text)
    assert finding.location.line == line and finding.fix
    assert "audit_log" not in result.sql
    # The twin: without the pattern there is nothing to say.
    assert not [f for f in render_ddl(unaudited(design), target).findings if f.code == "TG114"]


@pytest.mark.parametrize("target,dialect", [("sqlserver", "tsql"), ("oracle", "oracle")])
def test_the_sql_server_and_oracle_audit_triggers_hold_statements_that_parse(helpdesk, target, dialect):
    """sqlglot has no tree for CREATE TRIGGER: the log table parses whole, and the INSERT inside
    each trigger body parses as an INSERT into the log of the entity's columns."""
    design, _ = helpdesk
    statements = audit_statements(design, target, str)
    table = statements[0].split(" CREATE TABLE ", 1)[-1] if target == "sqlserver" else statements[0]
    created = sqlglot.parse_one(table if table.startswith("CREATE") else "CREATE TABLE " + table, read=dialect)
    assert isinstance(created, exp.Create)
    assert {c.name for c in created.this.expressions if isinstance(c, exp.ColumnDef)} >= {
        "actor", "login", "table_name", "operation", "row_key", "row_before", "row_after", "transaction_id"}
    [trigger] = statements[1:]
    assert re.match(r"CREATE OR (ALTER|REPLACE) TRIGGER audit_ticket .*AFTER INSERT,? (OR )?UPDATE,? (OR )?DELETE", trigger)
    body = re.search(r"(INSERT INTO audit_log .*?);\s*\n?END", trigger, re.S).group(1)
    if target == "sqlserver":  # sqlglot does not know FOR JSON: the key, before and after use it
        assert body.count(" FOR JSON PATH, WITHOUT_ARRAY_WRAPPER)") == 3
        body = body.replace(" FOR JSON PATH, WITHOUT_ARRAY_WRAPPER)", ")")
    inserted = sqlglot.parse_one(body.replace(":OLD.", "OLD_.").replace(":NEW.", "NEW_."), read=dialect)
    assert isinstance(inserted, exp.Insert) and inserted.this.this.name == "audit_log"
    if target == "oracle":  # every column of the row is in the before and after JSON
        for column in design.entities["ticket"].columns:
            assert f"'{column.physical}' VALUE :OLD." in trigger and f"'{column.physical}' VALUE :NEW." in trigger
