"""Rules enforced by triggers (issue 16): `enforce: trigger` on helpdesk's reply_count_matches (a
ticket's `replies` is the number of its replies). PostgreSQL and SQLite check it at COMMIT, so a
reply and its ticket's new count commit together, and the seed loads with the triggers on;
MariaDB checks it after each row (TG115), and its seed load checks it once every row is in; SQL
Server and Oracle triggers hold the rule's query in their dialects; DuckDB and ClickHouse say
they cannot enforce it."""

from __future__ import annotations

import re
import sqlite3

import pytest
import sqlglot

from conftest import ROOT, mariadb_rows, psql_file
from schemaforge.ddl.render import render_ddl
from schemaforge.design.loader import load_design_text

HELPDESK = ROOT / "tests" / "designs" / "helpdesk.yaml"
SHOWN = "tests/designs/helpdesk.yaml"
BUSIEST = ("SELECT t.id, t.replies FROM ticket t WHERE t.id IN (SELECT ticket_id FROM reply) "
           "ORDER BY t.replies DESC, t.id LIMIT 1")


@pytest.fixture(scope="module")
def helpdesk(helpdesk_build):
    design, root = helpdesk_build
    return design, root / "seed"


def a_reply(ticket: int, company) -> str:
    return f"INSERT INTO reply (company_id, ticket_id, body) SELECT company_id, id, 'hello' FROM ticket WHERE id = {ticket}"


def test_on_postgresql_the_rule_is_checked_at_commit(helpdesk, pg_database):
    psycopg = pytest.importorskip("psycopg")
    design, seed = helpdesk
    pg_database.execute(render_ddl(design, "postgres").sql)
    psql_file(pg_database, seed / "postgres.sql")  # one transaction, the triggers on
    [(ticket, replies)] = pg_database.execute(BUSIEST).fetchall()
    with pg_database.transaction():  # the reply first, then the count: held until COMMIT
        pg_database.execute(a_reply(ticket, None))
        pg_database.execute(f"UPDATE ticket SET replies = replies + 1 WHERE id = {ticket}")
    assert pg_database.execute(f"SELECT replies FROM ticket WHERE id = {ticket}").fetchone() == (replies + 1,)
    with pytest.raises(psycopg.errors.CheckViolation, match="rule reply_count_matches is violated"):
        with pg_database.transaction():  # a reply without its count
            pg_database.execute(a_reply(ticket, None))
    assert pg_database.execute(f"SELECT count(*) FROM reply WHERE ticket_id = {ticket}").fetchone() == (replies + 1,)
    # The rule is checked once however many rows a transaction touches, and again after a
    # SET CONSTRAINTS ... IMMEDIATE checked it mid-way.
    with pytest.raises(psycopg.errors.CheckViolation):
        with pg_database.transaction():
            pg_database.execute("SET CONSTRAINTS ALL IMMEDIATE")
            pg_database.execute("UPDATE ticket SET subject = subject || '!'")
            pg_database.execute(a_reply(ticket, None))


def test_on_sqlite_the_rule_is_checked_at_commit(helpdesk):
    design, seed = helpdesk
    lite = sqlite3.connect(":memory:", isolation_level=None)
    lite.executescript(render_ddl(design, "sqlite").sql)
    lite.executescript((seed / "sqlite.sql").read_text())  # one transaction, the triggers on
    lite.execute("PRAGMA foreign_keys = ON")
    [(ticket, replies)] = lite.execute(BUSIEST).fetchall()
    lite.executescript(f"BEGIN; {a_reply(ticket, None)}; UPDATE ticket SET replies = replies + 1 WHERE id = {ticket}; COMMIT;")
    assert lite.execute(f"SELECT replies FROM ticket WHERE id = {ticket}").fetchone() == (replies + 1,)
    lite.execute("BEGIN")
    lite.execute(a_reply(ticket, None))
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY constraint failed"):
        lite.execute("COMMIT")
    assert lite.execute("SELECT rule_name FROM rule_pending").fetchall() == [("reply_count_matches",)]
    lite.execute("ROLLBACK")
    assert lite.execute(f"SELECT count(*) FROM reply WHERE ticket_id = {ticket}").fetchone() == (replies + 1,)


def test_on_mariadb_the_rule_is_checked_after_each_row_and_once_after_the_seed(helpdesk, mariadb_database):
    pymysql = pytest.importorskip("pymysql")
    design, seed = helpdesk
    mariadb_database.run(render_ddl(design, "mysql").sql)
    mariadb_database.run((seed / "mysql.sql").read_text())

    execute = mariadb_rows(mariadb_database)
    [(ticket, _)] = execute(BUSIEST)
    with pytest.raises(pymysql.err.OperationalError, match="rule_reply_count_matches"):
        execute(a_reply(ticket, None))  # refused at once: the count is behind
    execute(f"UPDATE ticket SET subject = 'still right' WHERE id = {ticket}")  # a change that keeps it
    [(quiet,)] = execute("SELECT min(id) FROM ticket WHERE replies = 0 AND id NOT IN (SELECT ticket_id FROM reply)")
    execute(f"UPDATE ticket SET replies = 1 WHERE id = {quiet}")  # no reply yet: the join sees nothing
    execute(a_reply(quiet, None))
    # The seed load's last statements run the rule once: a load that breaks it is refused.
    epilogue = [line for line in (seed / "mysql.sql").read_text().splitlines() if line.startswith("INSERT INTO rule_violation")]
    assert len(epilogue) == 1
    execute("SET @schemaforge_seed_load = 1")
    execute(f"UPDATE ticket SET replies = replies + 5 WHERE id = {ticket}")
    with pytest.raises(pymysql.err.OperationalError, match="rule_reply_count_matches"):
        execute(epilogue[0])


@pytest.mark.parametrize("target,dialect", [("sqlserver", "tsql"), ("oracle", "oracle")])
def test_the_sql_server_and_oracle_triggers_hold_the_rule_query(helpdesk, target, dialect):
    design, _ = helpdesk
    result = render_ddl(design, target)
    triggers = re.findall(r"CREATE OR (?:ALTER|REPLACE) TRIGGER rule_reply_count_matches_(\w+) .*?END;", result.sql, re.S)
    assert sorted(triggers) == ["reply", "ticket"]
    for query in re.findall(r"(?:IF EXISTS|FROM) \((SELECT t\.id .*?)\)(?:\n| WHERE ROWNUM)", result.sql):
        tree = sqlglot.parse_one(query, read=dialect)
        assert {t.name for t in tree.find_all(sqlglot.exp.Table)} == {"ticket", "reply"}
    [finding] = [f for f in result.findings if f.code == "TG115"]
    assert finding.location.line == _line("    enforce: trigger")


@pytest.mark.parametrize("target", ["duckdb", "clickhouse"])
def test_a_target_without_triggers_says_the_rule_is_not_enforced(helpdesk, target):
    design, _ = helpdesk
    [finding] = [f for f in render_ddl(design, target).findings if f.code == "TG116"]
    assert finding.location.line == _line("    enforce: trigger")
    expectation = load_design_text(HELPDESK.read_text().replace("    enforce: trigger", "    enforce: expectation"),
                                   SHOWN, "helpdesk")
    assert not [f for f in render_ddl(expectation, target).findings if f.code == "TG116"]  # the twin
    assert "rule_reply_count_matches" not in render_ddl(expectation, "postgres").sql


def _line(needle: str) -> int:
    return next(i for i, line in enumerate(HELPDESK.read_text().splitlines(), 1) if line.startswith(needle))


def test_a_long_rule_name_gives_trigger_names_that_fit_mysql(mariadb_database):
    """rule_<rule>_<table>_<operation> would pass MySQL's 64 characters: shortened (with a hash
    of the whole name) as constraint names are, the DDL applies; the short name's twin is kept."""
    long_name = "reply_count_matches_the_replies_written_to_the_ticket_so_far"
    text = HELPDESK.read_text().replace("name: reply_count_matches", f"name: {long_name}")
    design = load_design_text(text, SHOWN, "helpdesk")
    mariadb_database.run(render_ddl(design, "mysql").sql)
    names = [name for (name,) in mariadb_rows(mariadb_database)(
        "SELECT trigger_name FROM information_schema.triggers WHERE trigger_schema = DATABASE() AND trigger_name LIKE 'rule%'")]
    assert names and all(len(name) <= 64 for name in names) and len(set(names)) == len(names)
    assert all(name.startswith("rule_reply_count_matches_the_replies") for name in names)
    assert "rule_reply_count_matches_ticket_insert" in render_ddl(load_design_text(
        HELPDESK.read_text(), SHOWN, "helpdesk"), "mysql").sql
