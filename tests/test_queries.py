"""Every access pattern rendered per target (queries/<target>.sql) gives the same answer on each
engine that runs here, with parameters drawn from the seed, and that answer is the one the
pattern means, computed from the seed's Parquet files in Python (the model's answer). SQL
Server's and Oracle's queries, which no engine here runs, parse back in their dialects into the
same conditions."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
import sqlglot
from sqlglot import exp

from conftest import psql_file
from schemaforge.ddl.render import render_ddl
from schemaforge.queries.render import queries_sql, render_queries

def rows_of(seed: Path, entity: str) -> list[dict]:
    return pq.read_table(seed / f"{entity}.parquet").to_pylist()


def parameters(seed: Path) -> dict[str, object]:
    """Values every pattern's parameters take, drawn from the seed so that each query finds rows."""
    members = [m for m in rows_of(seed, "member") if m["deleted_at"] is None]
    loans = rows_of(seed, "loan")
    books = rows_of(seed, "book")
    member = max(members, key=lambda m: sum(loan["member_id"] == m["id"] for loan in loans))
    lent = sorted(loan["lent_at"] for loan in loans if loan["member_id"] == member["id"])
    returned_book = next(loan["book_id"] for loan in loans if loan["returned_at"] is not None)
    return {
        "handle": member["handle"], "member_id": member["id"],
        "lent_at_from": lent[0], "lent_at_to": lent[len(lent) // 2 + 1] if len(lent) > 2 else lent[-1] + timedelta(1),
        "genre": ["science", "poetry"], "title_prefix": books[0]["title"][:3], "book_id": returned_book,
    }


def model_answer(name: str, seed: Path, p: dict) -> list[tuple]:
    """What each pattern means, over the Parquet rows: the oracle every engine is compared with."""
    members, books, loans = rows_of(seed, "member"), rows_of(seed, "book"), rows_of(seed, "loan")
    nulls_first_desc = lambda value: (value is None, value)  # noqa: E731  PostgreSQL: DESC puts NULLs first
    if name == "member_by_handle":
        return [tuple(m.values()) for m in members if m["handle"] == p["handle"] and m["deleted_at"] is None]
    if name == "loans_of_member":
        found = [r for r in loans if r["member_id"] == p["member_id"] and p["lent_at_from"] <= r["lent_at"] < p["lent_at_to"]]
        found.sort(key=lambda r: r["id"])
        found.sort(key=lambda r: r["lent_at"], reverse=True)
        return [(r["id"], r["book_id"], r["lent_at"]) for r in found[:20]]
    if name == "books_in_genres":
        return [tuple(b.values()) for b in sorted(books, key=lambda b: b["id"]) if b["genre"] in p["genre"]][:50]
    if name == "books_by_title_prefix":
        found = sorted((b for b in books if b["title"].startswith(p["title_prefix"])), key=lambda b: (b["title"], b["id"]))
        return [tuple(b.values()) for b in found[:20]]
    if name == "returned_loans_of_book":
        found = [r for r in loans if r["book_id"] == p["book_id"] and r["returned_at"] is not None]
        found.sort(key=lambda r: r["id"])
        found.sort(key=lambda r: r["returned_at"], reverse=True)
        return [tuple(r.values()) for r in found]
    if name == "open_loans":
        return [tuple(r.values()) for r in sorted((r for r in loans if r["status"] == "open"),
                                                   key=lambda r: (r["lent_at"], r["id"]))[:100]]
    if name == "books_by_publication":
        found = sorted(books, key=lambda b: b["id"])
        found.sort(key=lambda b: nulls_first_desc(b["published_on"]), reverse=True)
        return [tuple(b.values()) for b in found[:10]]
    if name == "titles_lent_to_member":
        titles = {b["id"]: b["title"] for b in books}
        return [(r["id"], titles[r["book_id"]]) for r in sorted(loans, key=lambda r: r["id"]) if r["member_id"] == p["member_id"]]
    raise AssertionError(name)


_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}(:?\d{2})?|Z)?$")


def canonical(value):
    """One form for a value whatever engine and driver returned it."""
    if isinstance(value, str) and _TIMESTAMP.match(value):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        value = date.fromisoformat(value)
    if isinstance(value, datetime):
        value = value.astimezone(timezone.utc).replace(tzinfo=None) if value.tzinfo else value
        return value.isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (Decimal, float)):
        return f"{float(value):.6g}"
    return value


def canonical_rows(rows) -> list[tuple]:
    return [tuple(canonical(v) for v in row) for row in rows]


def for_sqlite(value):
    """SQLite holds timestamps as the seed wrote them: text, UTC."""
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, list):
        return json.dumps(value)
    return value


def for_mysql(value):
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).replace(tzinfo=None)
    if isinstance(value, list):
        return tuple(value)
    return value


def for_clickhouse(value):
    """chdb hands a parameter to the server as text: an array in ClickHouse's own literal form."""
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, list):
        return "[" + ", ".join("'" + str(v).replace("\\", "\\\\").replace("'", "\\'") + "'" for v in value) + "]"
    return value


def needed(query, p: dict) -> dict:
    return {parameter.name: p[parameter.name] for parameter in query.parameters}


def test_the_model_answers_are_not_empty(library):
    """The parameters find rows for every pattern, so that the comparisons below compare something;
    and the soft delete hides a member the seed deleted."""
    design, seed = library
    p = parameters(seed)
    assert all(model_answer(name, seed, p) for name in design.queries)
    deleted = next(m for m in rows_of(seed, "member") if m["deleted_at"] is not None)
    assert model_answer("member_by_handle", seed, {**p, "handle": deleted["handle"]}) == []


def test_duckdb_and_sqlite_answer_every_pattern_as_the_model_does(library):
    design, seed = library
    p = parameters(seed)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(render_ddl(design, "duckdb").sql)
    con.execute((seed / "duckdb.sql").read_text())
    lite = sqlite3.connect(":memory:")
    lite.executescript(render_ddl(design, "sqlite").sql)
    lite.executescript((seed / "sqlite.sql").read_text())
    duck_queries = {q.name: q for q in render_queries(design, "duckdb")}
    for query in render_queries(design, "sqlite"):
        expected = canonical_rows(model_answer(query.name, seed, p))
        duck = duck_queries[query.name]
        assert canonical_rows(con.execute(duck.sql, needed(duck, p)).fetchall()) == expected, duck.sql
        values = {k: for_sqlite(v) for k, v in needed(query, p).items()}
        assert canonical_rows(lite.execute(query.sql, values).fetchall()) == expected, query.sql
    # A member the seed deleted is not found by handle: the soft delete hides it.
    deleted = next(m["handle"] for m in rows_of(seed, "member") if m["deleted_at"] is not None)
    assert con.execute(duck_queries["member_by_handle"].sql, {"handle": deleted}).fetchall() == []
    assert con.execute("SELECT count(*) FROM member WHERE handle = $handle", {"handle": deleted}).fetchone()[0] == 1


def answers_as_the_model(library, target: str, execute, convert=lambda value: value) -> None:
    """Run each of the target's queries through `execute(sql, parameters)` (the rows it returns)
    with parameters from the seed, `convert`ed for the driver, and compare with the model's."""
    design, seed = library
    p = parameters(seed)
    for query in render_queries(design, target):
        rows = execute(query.sql, {k: convert(v) for k, v in needed(query, p).items()})
        assert canonical_rows(rows) == canonical_rows(model_answer(query.name, seed, p)), query.sql


def test_postgresql_answers_every_pattern_as_the_model_does(library, pg_database):
    design, seed = library
    pg_database.execute(render_ddl(design, "postgres").sql)
    psql_file(pg_database, seed / "postgres.sql")
    answers_as_the_model(library, "postgres", lambda sql, values: pg_database.execute(sql, values).fetchall())


def test_mariadb_answers_every_pattern_as_the_model_does(library, mariadb_database):
    design, seed = library
    mariadb_database.run(render_ddl(design, "mysql").sql)
    mariadb_database.run((seed / "mysql.sql").read_text())

    def execute(sql: str, values: dict) -> list:
        with mariadb_database.conn.cursor() as cursor:
            cursor.execute(sql, values)
            return list(cursor.fetchall())
    answers_as_the_model(library, "mysql", execute, for_mysql)


def test_clickhouse_answers_every_pattern_as_the_model_does(library, clickhouse_database):
    design, seed = library
    clickhouse_database.run(render_ddl(design, "clickhouse").sql)
    clickhouse_database.run((seed / "clickhouse.sql").read_text())

    def execute(sql: str, values: dict) -> list:
        clickhouse_database.session.query(f"USE {clickhouse_database.name}")
        text = clickhouse_database.session.query(sql, "JSONCompact", params=values).bytes()
        return json.loads(text)["data"] if text else []
    answers_as_the_model(library, "clickhouse", execute, for_clickhouse)


@pytest.mark.parametrize("target,dialect", [("sqlserver", "tsql"), ("oracle", "oracle")])
def test_queries_for_servers_we_lack_parse_back_into_the_same_conditions(library, target, dialect):
    """No SQL Server or Oracle runs here: each query parses in its dialect, reads the pattern's
    table, and compares the same columns as PostgreSQL's query does."""
    design, _ = library
    postgres = {q.name: q for q in render_queries(design, "postgres")}
    for query in render_queries(design, target):
        tree = sqlglot.parse_one(query.sql, read=dialect)
        assert isinstance(tree, exp.Select), query.sql
        reference = sqlglot.parse_one(postgres[query.name].sql, read="postgres")
        list_form = {"value", "v"}  # what OPENJSON and JSON_TABLE call a list parameter's items
        columns = lambda t: {c.name for c in t.find_all(exp.Column)} - list_form  # noqa: E731
        assert columns(tree) == columns(reference), query.sql
        assert {t.name for t in tree.find_all(exp.Table)} >= {t.name for t in reference.find_all(exp.Table)}


def test_the_queries_file_names_each_pattern_with_its_parameters(library):
    design, _ = library
    text = queries_sql(design, "postgres")
    assert re.findall(r"^-- name: (\w+)$", text, re.M) == list(design.queries)
    assert "-- parameters: member_id; lent_at_from, inclusive; lent_at_to, exclusive" in text
    assert "-- 500 calls/s at peak, p95 under 20 ms" in text
    member_by_handle = text.split("-- name: member_by_handle")[1].split("-- name:")[0]
    assert "deleted_at IS NULL" in member_by_handle  # the soft delete hides deleted members


def test_a_sort_over_a_column_without_nulls_is_written_plainly_so_an_index_can_serve_it(library):
    """MySQL and SQL Server sort NULLs first where PostgreSQL sorts them last: a nullable sort
    column keeps PostgreSQL's order with a CASE (books_by_publication, whose answers above hold
    NULLs); a column that holds no NULL there (NOT NULL, or filtered by the query) is sorted
    plainly, which an index on it can serve."""
    design, _ = library
    for target in ("mysql", "sqlserver"):
        queries = {q.name: q.sql for q in render_queries(design, target)}
        assert "CASE WHEN" not in queries["loans_of_member"]  # NOT NULL columns
        assert "CASE WHEN" not in queries["returned_loans_of_book"]  # filtered NOT NULL
        assert "CASE WHEN" not in queries["titles_lent_to_member"]  # a key, through its alias
        assert "CASE WHEN published_on IS NULL" in queries["books_by_publication"]
