"""Full-text search (`search:` on an entity, `filter: {search: match}`), issue 18: each target's own
mechanism, proven where an engine runs (PostgreSQL, MariaDB, SQLite), parsed back elsewhere."""

from __future__ import annotations

import re
import sqlite3

import duckdb
import pytest
import sqlglot

from schemaforge.ddl.render import render_ddl
from schemaforge.deliverables.generate import ddl_artifacts
from schemaforge.design.loader import load_design_text
from schemaforge.findings import DesignErrors
from schemaforge.queries.render import render_queries

LIBRARY = """\
design: library
version: 1.0.0
description: Books to search
targets: [postgres, mysql, sqlite, sqlserver, oracle, duckdb, clickhouse]
entities:
  book:
    description: a book on a shelf
    search: {fields: [title, blurb], language: english}
    fields:
      id: {type: bigint, pk: true}
      title: {type: string(200)}
      blurb: {type: text, nullable: true}
      shelf: {type: integer, check: "value BETWEEN 1 AND 3"}
queries:
  books_about:
    entity: book
    filter: {search: match, shelf: eq}
    order_by: [id]
seed:
  rows: {book: 400}
"""


def _design(text: str = LIBRARY):
    return load_design_text(text, "designs/library.yaml", "library")


def _ddl(target: str, text: str = LIBRARY) -> str:
    return ddl_artifacts(_design(text), target)[0].content.decode()


def _query(target: str) -> str:
    return render_queries(_design(), target)[0].sql


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """The library's seed, and a word to search for with the rows that hold it as a word (DuckDB)."""
    from schemaforge.deliverables.seed import build_seed
    from schemaforge.performance.parameters import draw_parameters

    root = tmp_path_factory.mktemp("library")
    design = _design()
    assert build_seed(design, root).problems == []
    drawn = draw_parameters(design, render_queries(design, "postgres")[0], root / "seed")
    word, shelf = drawn["search"], drawn["shelf"]
    rows = duckdb.connect().execute(
        f"SELECT id, lower(coalesce(title, '') || ' ' || coalesce(blurb, '')) FROM '{root}/seed/book.parquet' "
        "WHERE shelf = ?", [shelf]).fetchall()
    exact = {i for i, text in rows if re.search(rf"\b{word}\b", text)}
    stem = {i for i, text in rows if re.search(rf"\b{word[:4]}", text)}
    return root / "seed", word, shelf, exact, stem


def test_a_search_is_answered_through_each_engines_index_and_finds_the_rows_with_the_word(seeded, pg_database,
                                                                                          mariadb_database):
    from conftest import psql_file

    seed, word, shelf, exact, stem = seeded
    assert exact, f"the drawn word {word!r} is in some row of shelf {shelf}"
    pg_database.execute(_ddl("postgres"))
    psql_file(pg_database, seed / "postgres.sql")
    pg_database.execute("SET enable_seqscan = off")
    plan = "\n".join(r[0] for r in pg_database.execute("EXPLAIN " + _query("postgres"), {"search": word, "shelf": shelf}))
    assert "ft_book" in plan, plan  # the GIN index over the same document serves the match
    found = {"postgres": {r[0] for r in pg_database.execute(_query("postgres"), {"search": word, "shelf": shelf})}}
    # MySQL's full-text search follows the collation: the usual case-insensitive one, not the
    # fixture's strict utf8mb4_bin (under which it is case-sensitive, as the docs say)
    mariadb_database.run("ALTER DATABASE COLLATE utf8mb4_unicode_ci")
    mariadb_database.run(_ddl("mysql") + (seed / "mysql.sql").read_text())
    with mariadb_database.conn.cursor() as cursor:
        cursor.execute(_query("mysql"), {"search": word, "shelf": shelf})
        found["mysql"] = {r[0] for r in cursor.fetchall()}
    lite = sqlite3.connect(":memory:")
    lite.executescript(_ddl("sqlite") + (seed / "sqlite.sql").read_text())
    found["sqlite"] = {r[0] for r in lite.execute(_query("sqlite"), {"search": word, "shelf": shelf})}
    for engine, ids in found.items():
        assert exact <= ids <= stem, f"{engine}: {sorted(ids)} for {word!r}; rows with the word: {sorted(exact)}"


def test_the_sqlite_index_follows_updates_and_deletes_and_a_quote_in_the_words_is_text():
    lite = sqlite3.connect(":memory:")
    lite.executescript(_ddl("sqlite"))
    lite.execute("INSERT INTO book (id, title, blurb, shelf) VALUES (1, 'Gardens of the moon', NULL, 1)")
    search = lambda words: [r[0] for r in lite.execute(_query("sqlite"), {"search": words, "shelf": 1})]  # noqa: E731
    assert search("gardens") == [1] and search("garden") == [1]  # porter stems
    lite.execute("UPDATE book SET title = 'Deadhouse gates' WHERE id = 1")
    assert search("gardens") == [] and search("gates") == [1]
    assert search('gates" OR "x') == []  # the parameter is one phrase: no FTS5 syntax gets through
    lite.execute("DELETE FROM book")
    assert search("gates") == []


def test_other_targets_get_their_own_index_and_condition_which_parse_back():
    expected = {"sqlserver": ("CREATE FULLTEXT INDEX ON book (title LANGUAGE 1033, blurb LANGUAGE 1033) KEY INDEX pk_book",
                              "FREETEXT((title, blurb), @search)"),
                "oracle": ("INDEXTYPE IS CTXSYS.CONTEXT", "CONTAINS(title, :search, 1) > 0"),
                "duckdb": ("PRAGMA create_fts_index('book', 'id', 'title', 'blurb', stemmer = 'english', overwrite = 1)",
                           "fts_main_book.match_bm25(id, $search)")}
    dialects = {"sqlserver": "tsql", "oracle": "oracle", "duckdb": "duckdb"}
    for target, (index, condition) in expected.items():
        assert index in _ddl(target) and condition in _query(target), target
        sqlglot.parse_one(_query(target).split(" /*")[0].replace("$search", "'w'").replace("$shelf", "1"),
                          read=dialects[target])


def test_a_target_without_a_full_text_index_says_so_at_the_search():
    line = next(i for i, row in enumerate(LIBRARY.splitlines(), 1) if "search: {fields" in row)
    findings = [(f.code, f.location.line) for f in render_ddl(_design(), "clickhouse").findings if f.code == "TG123"]
    assert findings == [("TG123", line)]
    assert not [f for f in render_ddl(_design(), "postgres").findings if f.code == "TG123"]
    composite = LIBRARY.replace("      id: {type: bigint, pk: true}", "      id: {type: bigint}\n      part: {type: integer}").replace(
        "  book:\n", "  book:\n    primary_key: [id, part]\n")
    assert [f.code for f in render_ddl(_design(composite), "sqlserver").findings if f.code == "TG123"] == ["TG123"]


def test_a_nosql_target_leaves_a_search_query_unanswered_with_a_finding():
    from schemaforge.nosql.reads import design_reads

    reads, findings = design_reads(_design(), "Redis")
    assert reads == [] and [f.code for f in findings] == ["NQ102"] and "full text" in findings[0].message


@pytest.mark.parametrize("bad, good", [
    ("search: {fields: [title, shelf], language: english}", "search: {fields: [title, blurb], language: english}"),
    ("search: {fields: [title, blurb], language: klingon}", "search: {fields: [title, blurb], language: english}"),
    ("filter: {search: match, shelf: eq}\n    entity: book", None),
])
def test_search_misdesigned_is_a_located_error(bad, good):
    if good is None:  # a match on an entity without search:
        text = LIBRARY.replace("    search: {fields: [title, blurb], language: english}\n", "")
        bad_line = next(i for i, row in enumerate(text.splitlines(), 1) if "filter: {search: match" in row)
    else:
        text = LIBRARY.replace(good, bad)
        bad_line = next(i for i, row in enumerate(text.splitlines(), 1) if bad in row)
    with pytest.raises(DesignErrors) as raised:
        _design(text)
    assert [f.location.line for f in raised.value.findings] == [bad_line]
    _design()  # its twin


@pytest.mark.parametrize("engine", ["postgres", "mysql", "sqlite"])
def test_a_migration_adds_and_drops_a_search(engine, request):
    from test_language_additions import _EMPTIED, _engine

    from schemaforge.migrate.render import render_migration

    without = LIBRARY.replace("    search: {fields: [title, blurb], language: english}\n", "").replace(
        "    filter: {search: match, shelf: eq}", "    filter: {shelf: eq}")
    before, after = _design(without), _design(LIBRARY.replace("1.0.0", "1.1.0"))
    run, read = _engine(engine, request)
    run(_ddl(engine, without))
    for old, new, text in ((before, after, LIBRARY), (after, before, without)):
        run(render_migration(old, new, engine))
        other_run, other_read = _engine(engine, request, second=True)
        if engine in _EMPTIED:
            other_run(_EMPTIED[engine].replace("best_customers, customer_value", "x").replace("`order`, customer", "book"))
        other_run(_ddl(engine, text))
        assert read() == other_read(), f"{engine}: {old.version} -> {new.version}"
