"""Parameters drawn from the seed for an access pattern find rows the pattern returns."""

from __future__ import annotations

import duckdb

from schemaforge.design.loader import load_design_text
from schemaforge.performance.parameters import draw_parameters
from schemaforge.queries.render import render_queries
from schemaforge.seed.sql import parquet_path

DESIGN = """\
design: blog
version: 1.0.0
description: Posts by authors, some private, some deleted
targets: [postgres]
entities:
  author:
    fields:
      id: {type: bigint, pk: true}
  post:
    patterns: [soft_delete]
    fields:
      id: {type: bigint, pk: true}
      author: {ref: author}
      visibility: {type: "enum(public, private)"}
      title: {type: string(40)}
queries:
  posts_of_author:
    entity: post
    filter: {author: eq}
  public_posts_of_author:
    entity: post
    filter: {author: eq, visibility: {eq: public}}
  posts_of_authors:
    entity: post
    filter: {author: in, visibility: eq}
  titles_of_author:
    entity: post
    filter: {author: eq, title: prefix}
"""

# Author 2 holds the median number of posts, all of them private; author 3's are all deleted;
# authors 1 and 4 have public posts that are kept.
POSTS = [(1, 1, "public", None, "Apple"), (2, 2, "private", None, "Zebra"), (3, 2, "private", None, "Zulu"),
         (4, 3, "public", "2026-01-01", "Mango"), (5, 3, "public", "2026-01-01", "Melon"),
         (6, 4, "public", None, "Kiwi"), (7, 4, "public", None, "Lemon"), (8, 4, "public", None, "Lime")]


def _drawn(tmp_path, query_name: str) -> dict:
    design = load_design_text(DESIGN, "designs/blog.yaml", "blog")
    con = duckdb.connect()
    con.execute("CREATE TABLE post (id BIGINT, author_id BIGINT, visibility VARCHAR, deleted_at TIMESTAMPTZ, "
                "title VARCHAR)")
    con.executemany("INSERT INTO post VALUES (?, ?, ?, ?, ?)", POSTS)
    con.execute(f"COPY post TO '{parquet_path(tmp_path, design.entities['post'])}' (FORMAT parquet)")
    query = next(q for q in render_queries(design, "postgres") if q.name == query_name)
    return draw_parameters(design, query, tmp_path)


def test_a_key_is_drawn_among_the_rows_the_patterns_constant_conditions_and_soft_delete_keep(tmp_path):
    # Among authors 1 and 4 (public, not deleted), the median by number of rows is author 4.
    assert _drawn(tmp_path, "public_posts_of_author") == {"author_id": 4}


def test_without_a_constant_condition_the_median_key_of_the_kept_rows_is_drawn(tmp_path):
    # Kept rows: author 1 (one), 2 (two), 4 (three): the median is author 2, private posts and all.
    assert _drawn(tmp_path, "posts_of_author") == {"author_id": 2}


def test_a_list_is_drawn_among_the_rows_of_the_drawn_key(tmp_path):
    # Kept rows by visibility: private 2, public 4; the median is public, whose authors are 1 and 4
    # (the first two authors of the whole table, 1 and 2, would find author 2's private posts only).
    assert _drawn(tmp_path, "posts_of_authors") == {"visibility": "public", "author_id": [1, 4]}


def test_a_prefix_is_drawn_from_a_value_of_the_drawn_keys_rows(tmp_path):
    # The median author of the kept rows is 2, whose titles are Zebra and Zulu; the median title of
    # all the kept rows (Lime) would find none of author 2's.
    assert _drawn(tmp_path, "titles_of_author") == {"author_id": 2, "title_prefix": "Zul"}
