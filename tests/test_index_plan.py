"""The index plan: derived from the queries (equality, sort, range; constants make it partial;
`select` makes it covering), foreign keys covered by a full index, redundant indexes folded,
unneeded declared ones reported. Its DDL applies on every engine here, and on PostgreSQL each
query can be answered through the index planned for it."""

from __future__ import annotations

import sqlite3
import textwrap

import duckdb
import pytest
import sqlglot
from sqlglot import exp

from conftest import psql_file
from schemaforge.ddl.render import render_ddl
from schemaforge.design.loader import load_design_text
from schemaforge.indexes.render import index_plan, plan_sql
from library_design import LIBRARY


def library_design():
    return load_design_text(LIBRARY, "designs/library.yaml", "library")


def planned(design) -> dict[str, tuple]:
    """name -> (columns, descending, include, where, needs) of each planned index."""
    return {i.name: (i.columns, tuple(sorted(i.descending)), i.include, i.where_sql,
                     tuple(sorted(f"{n.kind}:{n.name}" for n in i.needs))) for i in index_plan(design).indexes}


def test_each_query_gets_the_index_that_serves_it_and_each_foreign_key_a_full_one():
    plan = planned(library_design())
    assert plan == {
        # eq member, then the sort (lent_at desc, id: mixed directions, so lent_at is stored
        # descending), the range on lent_at being the sort's own column; select's book_id included.
        # A full index leading with member_id: it covers the foreign key too, and the sql query's
        # own (member_id, id), a member having 10 loans at the seed's counts.
        "ix_loan_member_id_lent_at_id": (("member_id", "lent_at", "id"), ("lent_at",), ("book_id",), "",
                                         ("foreign_key:fk_loan_member", "query:loans_of_member",
                                          "query:titles_lent_to_member")),
        "ix_book_title_id": (("title", "id"), (), (), "", ("query:books_by_title_prefix",)),
        # not_null would make it partial, and a partial index cannot serve the foreign key, which
        # gets a full one; a book has 7 loans at the seed's counts: that index finds them, and
        # the query's own is left out (at 1M loans the proof shows dropping it changes nothing).
        "ix_loan_book": (("book_id",), (), (), "", ("foreign_key:fk_loan_book", "query:returned_loans_of_book")),
        # {eq: open} makes it partial, keyed by the sort.
        "ix_loan_lent_at_id": (("lent_at", "id"), (), (), "status = 'open'", ("query:open_loans",)),
        "ix_book_published_on_id": (("published_on", "id"), ("published_on",), (), "", ("query:books_by_publication",)),
    }
    served = index_plan(library_design()).served_by_keys
    # A unique's own index finds one row; the primary key's reads the books in id order, and
    # the genres, several seeks that would come back out of that order, only filter them.
    assert served == {"member_by_handle": "uq_member_handle", "books_in_genres": "pk_book"}


SMALL = """\
design: t
version: 1.0.0
description: test
entities:
  item:
    fields:
      id: {type: integer, pk: true}
      shelf: {type: integer}
      code: {type: string(20)}
      added_on: {type: date}
"""


def small(extra: str):
    return load_design_text(SMALL + textwrap.dedent(extra), "designs/t.yaml", "t")


def test_an_index_that_another_serves_is_folded_into_it_with_its_reasons():
    design = small("""\
        queries:
          by_shelf: {entity: item, filter: {shelf: eq}, rate: 10}
          by_shelf_and_day: {entity: item, filter: {shelf: eq, added_on: range}, rate: 20}
        """)
    plan = index_plan(design)
    assert [(i.name, i.columns, i.rate) for i in plan.indexes] == [("ix_item_shelf_added_on", ("shelf", "added_on"), 30)]
    assert plan.folded == [("ix_item_shelf", "ix_item_shelf_added_on", "a prefix of ix_item_shelf_added_on")]
    # Its twin: a different leading column is not a prefix, and both stay.
    other = small("""\
        queries:
          by_day: {entity: item, filter: {added_on: eq}}
          by_shelf_and_day: {entity: item, filter: {shelf: eq, added_on: range}}
        """)
    assert sorted(i.name for i in index_plan(other).indexes) == ["ix_item_added_on", "ix_item_shelf_added_on"]


def test_a_declared_index_no_query_needs_is_a_finding_and_one_a_query_uses_is_not():
    unused = small("""\
          indexes: [{fields: [code]}]
        queries:
          by_shelf: {entity: item, filter: {shelf: eq}}
        """.replace("  indexes", "    indexes", 1))
    findings = [(f.code, f.location.line, f.location.column) for f in index_plan(unused).findings]
    assert findings == [("IX101", 11, 15)]  # the index item of entity item
    used = small("""\
          indexes: [{fields: [code]}]
        queries:
          by_code: {entity: item, filter: {code: prefix}}
        """.replace("  indexes", "    indexes", 1))
    assert index_plan(used).findings == []
    assert [[n.kind for n in i.needs] for i in index_plan(used).indexes] == [["explicit", "query"]]


def test_the_plan_applies_on_every_engine_here(library, pg_database, mariadb_database, clickhouse_database):
    design, seed = library
    con = duckdb.connect()
    con.execute(render_ddl(design, "duckdb").sql)
    con.execute(plan_sql(design, "duckdb")[0])
    con.execute((seed / "duckdb.sql").read_text())
    names = {i.name for i in index_plan(design).indexes}
    assert names <= {r[0] for r in con.execute("SELECT index_name FROM duckdb_indexes()").fetchall()}
    lite = sqlite3.connect(":memory:")
    lite.executescript(render_ddl(design, "sqlite").sql + plan_sql(design, "sqlite")[0])
    assert names <= {r[0] for r in lite.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    mariadb_database.run(render_ddl(design, "mysql").sql)
    mariadb_database.run(plan_sql(design, "mysql")[0])
    mariadb_database.run((seed / "mysql.sql").read_text())
    indexed = {r[0] for r in mariadb_database.query("SELECT DISTINCT index_name FROM information_schema.statistics "
                                                     "WHERE table_schema = DATABASE()")}
    assert names - {"ix_loan_book"} <= indexed  # MySQL's DDL made the foreign key's index already
    clickhouse_database.run(render_ddl(design, "clickhouse").sql)
    clickhouse_database.run(plan_sql(design, "clickhouse")[0])
    skipping = {r[0] for r in clickhouse_database.query(
        f"SELECT name FROM system.data_skipping_indices WHERE database = '{clickhouse_database.name}'")}
    assert names - {"ix_loan_book"} <= skipping  # ClickHouse keeps no foreign keys to check
    pg_database.execute(render_ddl(design, "postgres").sql)
    pg_database.execute(plan_sql(design, "postgres")[0])
    psql_file(pg_database, seed / "postgres.sql")
    assert names <= {r[0] for r in pg_database.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")}


def test_on_postgresql_each_query_can_be_answered_through_its_planned_index(library, pg_database):
    """With sequential scans priced out, the planner reaches each query's rows through the index
    planned for it (at 1M rows it chooses so itself: the performance proof, issue 14)."""
    from schemaforge.queries.render import render_queries
    from test_queries import parameters

    design, seed = library
    pg_database.execute(render_ddl(design, "postgres").sql)
    pg_database.execute(plan_sql(design, "postgres")[0])
    psql_file(pg_database, seed / "postgres.sql")
    pg_database.execute("ANALYZE")
    pg_database.execute("SET enable_seqscan = off")
    plan = index_plan(design)
    wanted = {n.name: i.name for i in plan.indexes for n in i.needs if n.kind == "query"} | plan.served_by_keys
    p = parameters(seed)
    for query in render_queries(design, "postgres"):
        if query.name not in wanted:
            continue
        explained = pg_database.execute("EXPLAIN (FORMAT JSON) " + query.sql, {k.name: p[k.name] for k in query.parameters})
        text = str(explained.fetchone()[0])
        assert f"'Index Name': '{wanted[query.name]}'" in text, (query.name, text)


def test_a_prefix_search_seeks_through_its_index_whatever_the_collation(pg_database):
    """Under a linguistic collation a plain B-tree cannot serve LIKE 'x%'; the plan's index carries
    PostgreSQL's pattern operator class, and does. Its twin, the same index without it, does not."""
    design = small("""\
        queries:
          by_code: {entity: item, filter: {shelf: eq, code: prefix}}
        """)
    sql, _ = plan_sql(design, "postgres")
    assert "(shelf, code varchar_pattern_ops)" in sql
    pg_database.execute(render_ddl(design, "postgres").sql)
    pg_database.execute('ALTER TABLE item ALTER COLUMN code TYPE VARCHAR(20) COLLATE "en-US-x-icu"')
    pg_database.execute("INSERT INTO item SELECT g, g % 10, left(md5(g::text), 12), DATE '2025-01-01' FROM generate_series(1, 2000) g")
    pg_database.execute("ANALYZE item")
    pg_database.execute("SET enable_seqscan = off")
    query = "EXPLAIN SELECT * FROM item WHERE shelf = 3 AND code LIKE 'ab' || '%'"

    def seeks() -> bool:
        return "Index Cond: ((shelf = 3) AND ((code)::text ~>=~" in "\n".join(r[0] for r in pg_database.execute(query))

    plain = sql.replace(" varchar_pattern_ops", "")
    pg_database.execute(plain)
    assert not seeks()  # the plain index finds the shelf, then reads every code of it
    pg_database.execute("DROP INDEX ix_item_shelf_code")
    pg_database.execute(sql)
    assert seeks()


@pytest.mark.parametrize("target,dialect", [("sqlserver", "tsql"), ("oracle", "oracle")])
def test_the_plan_for_servers_we_lack_parses_back_with_every_index(target, dialect):
    design = library_design()
    sql, _ = plan_sql(design, target)
    created = []
    for statement in sqlglot.parse(sql.replace("\nGO\n", "\n"), read=dialect):
        if statement is not None:
            assert isinstance(statement, exp.Create) and statement.args["kind"] == "INDEX", statement
            created.append(statement.this.name)
    assert sorted(created) == sorted(i.name for i in index_plan(design).indexes)


SQL_QUERIES = """\
design: s
version: 1.0.0
description: sql queries read as the structured form
targets: [postgres]
entities:
  shelf:
    fields:
      id: {type: bigint, pk: true}
      code: {type: string(20)}
  item:
    fields:
      id: {type: bigint, pk: true}
      shelf: {ref: shelf}
      name: {type: string(100)}
      kind: {type: "enum(book, map, disc)"}
      added_at: {type: timestamptz}
      weight: {type: integer, nullable: true}
queries:
  recent_of_kind:
    sql: "SELECT id, name FROM item WHERE kind = 'map' AND added_at >= :since ORDER BY added_at DESC LIMIT 10"
  on_shelf_by_name:
    sql: "SELECT i.id FROM item i JOIN shelf s ON s.id = i.shelf_id WHERE s.code = :code AND i.name LIKE :start || '%'"
  named_in:
    sql: "SELECT id FROM item WHERE name IN (:a, :b) AND weight IS NOT NULL"
  sorted_by_shelf:
    sql: "SELECT i.id FROM item i JOIN shelf s ON s.id = i.shelf_id WHERE i.weight BETWEEN :low AND :high ORDER BY s.code"
  everything:
    sql: "SELECT count(*) FROM item WHERE lower(name) = 'x'"
seed:
  rows: {shelf: 10, item: 100000}
"""


def test_an_sql_query_gets_its_index_the_way_a_structured_one_does():
    """Its comparisons with parameters are read as filters of their table (a constant makes the
    index partial, IS NOT NULL too), the table with the most of them drives, its own ORDER BY is
    the sort; a query that compares no column with a parameter gets none."""
    design = load_design_text(SQL_QUERIES, "designs/s.yaml", "s")
    plan = index_plan(design)
    by_query = {n.name: i for i in plan.indexes for n in i.needs if n.kind == "query"}
    recent = by_query["recent_of_kind"]
    assert (recent.entity, recent.columns, recent.where_sql) == ("item", ("added_at",), "kind = 'map'")
    # The shelf's code is compared with a parameter, and so is the item's name: one each, and
    # the table named first drives: the item, by the name's prefix, with a pattern operator class.
    on_shelf = by_query["on_shelf_by_name"]
    assert (on_shelf.entity, on_shelf.columns, on_shelf.prefix) == ("item", ("name",), frozenset({"name"}))
    named = by_query["named_in"]
    assert (named.columns, named.where_sql) == (("name",), "NOT weight IS NULL")
    # Sorted by another table's column: the item's index serves the range only.
    assert by_query["sorted_by_shelf"].columns == ("weight",)
    assert "everything" in plan.unindexed_queries and "everything" not in by_query
