"""The Redis model's decisions and findings, made without a server: which key family serves each
access pattern, what no key can serve (NQ101, NQ102, KV101, KV102, each with a twin that must
not be reported), the text and score forms both sides agree on, and a seed file that is the
same for the same seed."""

from __future__ import annotations

import hashlib
import json
import textwrap
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import duckdb
import pytest

from conftest import DESIGNS
from schemaforge.deliverables.seed import build_seed
from schemaforge.design.loader import load_design, load_design_text
from schemaforge.design.types import parse_type
from schemaforge.lint.rules import lint_design
from schemaforge.nosql.redis.model import redis_model
from schemaforge.nosql.targets import NOSQL_TARGETS
from schemaforge.nosql.values import score_of, score_sql, text_of, text_sql

BASE = """
design: board
version: 1.0.0
description: a message board
database: redis
entities:
  member:
    description: someone who posts
    fields:
      id: {type: bigint, pk: true}
      handle: {type: string(40), unique: true}
      profile: {type: json, nullable: true}
      joined_at: {type: timestamptz}
  note:
    description: a post
    fields:
      id: {type: bigint, pk: true}
      member: {ref: member}
      body: {type: text}
      posted_at: {type: timestamptz}
      likes: {type: integer}
queries:
"""


def _design(queries: str):
    return load_design_text(BASE + textwrap.indent(textwrap.dedent(queries), "  "), "designs/board.yaml", "board")


def _codes(design) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for finding in lint_design(design):
        found.setdefault(finding.code, []).append(str(finding))
    return found


def test_arcade_patterns_get_the_key_family_their_shape_calls_for():
    model = redis_model(load_design(DESIGNS / "arcade.yaml"))
    chosen = {lookup.read.name: (lookup.family.structure, lookup.family.by, lookup.family.order)
              for lookup in model.lookups}
    assert chosen == {
        "session_by_id": ("hash", None, None),  # the whole key: the record itself
        "sessions_of_player": ("zset", "score", "last_seen_at"),
        "mobile_sessions_of_player": ("set", None, None),  # every row, no order
        "player_by_handle": ("string", None, None),  # a unique: handle -> key
        "players_by_handle_prefix": ("zset", "lex", "handle"),
        "players_by_id": ("hash", None, None),  # a list of keys
        "top_scores_of_game": ("zset", "score", "points"),
        "global_top_scores": ("zset", "score", "points"),
        "scores_of_player_in_window": ("zset", "score", "achieved_at"),
        "best_recent_runs_of_game": ("zset", "score", "achieved_at"),  # the range orders; the client sorts
        "favorites_of_player": ("set", None, None),
    }
    ios = next(f for f in model.families if f.queries == ["mobile_sessions_of_player"])
    assert ios.constants == (("device", "ios"),) and "device=ios" in ios.name  # a sparse index


def test_a_query_that_joins_is_located_nq101_and_its_single_entity_twin_renders():
    design = _design("""
        notes_with_authors:
          sql: "SELECT n.id, m.handle FROM note n JOIN member m ON m.id = n.member_id WHERE n.member_id = :member"
        notes_of_member:
          sql: "SELECT id, body FROM note WHERE member_id = :member ORDER BY id DESC LIMIT 5"
    """)
    findings = _codes(design)["NQ101"]
    assert len(findings) == 1 and "notes_with_authors" in findings[0] and "reads more than one entity" in findings[0]
    assert findings[0].startswith("designs/board.yaml:25:10:")  # the value of its sql:
    lookups = {lookup.read.name: lookup for lookup in redis_model(design).lookups}
    assert set(lookups) == {"notes_of_member"}
    read = lookups["notes_of_member"].read
    assert read.equal == (("member_id", "member"),) and read.order == (("id", True),) and read.limit == 5
    assert read.select == ("id", "body")


def test_two_ranges_are_nq102_and_one_range_is_served():
    design = _design("""
        liked_in_window:
          entity: note
          filter: {posted_at: range, likes: range}
        in_window:
          entity: note
          filter: {posted_at: range}
          order_by: [posted_at]
    """)
    findings = _codes(design)
    assert len(findings["NQ102"]) == 1 and "liked_in_window" in findings["NQ102"][0]
    assert [lookup.read.name for lookup in redis_model(design).lookups] == ["in_window"]


def test_a_sort_by_json_is_kv101_and_a_sort_by_time_is_not():
    design = _design("""
        by_profile:
          entity: member
          order_by: [profile]
          limit: 10
        by_joining:
          entity: member
          order_by: [joined_at desc]
          limit: 10
    """)
    findings = _codes(design)
    assert len(findings["KV101"]) == 1 and "by_profile" in findings["KV101"][0]
    joined = next(lookup for lookup in redis_model(design).lookups if lookup.read.name == "by_joining")
    assert (joined.family.by, joined.client_sort) == ("score", False)


def test_a_sort_the_index_cannot_give_is_kv102_and_the_ranges_own_sort_is_not():
    design = _design("""
        popular_in_window:
          entity: note
          filter: {posted_at: range}
          order_by: [likes desc]
          limit: 10
        latest_in_window:
          entity: note
          filter: {posted_at: range}
          order_by: [posted_at desc]
          limit: 10
    """)
    findings = _codes(design)
    assert len(findings["KV102"]) == 1 and "popular_in_window" in findings["KV102"][0]
    sorts = {lookup.read.name: lookup.client_sort for lookup in redis_model(design).lookups}
    assert sorts == {"popular_in_window": True, "latest_in_window": False}


def test_gn101_is_said_of_no_nosql_target_and_still_of_a_section_to_come():
    text = BASE.replace("database: redis", "database: redis\ntargets: [redis, dynamodb, mongodb, cassandra, firestore]")
    text = text.replace("queries:\n", "queries: {}\n") if "queries:\n" in text else text
    findings = [f for f in lint_design(load_design_text(text, "designs/board.yaml", "board")) if f.code == "GN101"]
    assert findings == []
    assert set(NOSQL_TARGETS) == {"redis", "dynamodb", "mongodb", "cassandra", "firestore"}
    sharded = text + "scaling:\n  sharding: {key: handle}\n"
    findings = [f for f in lint_design(load_design_text(sharded, "designs/board.yaml", "board")) if f.code == "GN101"]
    assert [f.message.split()[0] for f in findings] == ["scaling.sharding"]


VALUES = [
    ("boolean", [True, False]),
    ("smallint", [0, -7, 32767]),
    ("bigint", [9_007_199_254_740_000, -1]),
    ("decimal(12,2)", [Decimal("12.50"), Decimal("-0.01")]),
    ("double", [0.1, 1e20, -2.5]),
    ("real", [0.5, 123.25]),
    ("date", [date(2024, 2, 29), date(1969, 12, 31)]),
    ("time", [time(13, 45), time(0, 0, 0, 1)]),
    ("timestamp", [datetime(2024, 5, 1, 13, 45, 0, 123456), datetime(1970, 1, 1)]),
    ("timestamptz", [datetime(2024, 5, 1, 13, 45, tzinfo=timezone.utc),
                     datetime(2024, 5, 1, 15, 45, tzinfo=timezone(timedelta(hours=2)))]),
    ("string(20)", ["a b:c", "ünï"]),
    ("uuid", ["2f1b6c1e-8f43-4c4c-9d1a-0d3f0b8a1c2e"]),
]


@pytest.mark.parametrize("type_text, values", VALUES, ids=[v[0] for v in VALUES])
def test_the_seeds_text_and_score_of_a_value_are_those_a_request_gives_its_parameter(type_text, values):
    typ = parse_type(type_text, {})
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    duck_type = {"string(20)": "VARCHAR", "decimal(12,2)": "DECIMAL(12,2)"}.get(type_text, type_text.upper())
    for value in values:
        con.execute(f"CREATE OR REPLACE TABLE t AS SELECT CAST(? AS {duck_type}) AS v", [value])
        text, = con.execute(f"SELECT {text_sql(typ, 'v')} FROM t").fetchone()
        assert text == text_of(typ, value), (type_text, value)
        if typ.kind not in ("string", "uuid"):
            score, = con.execute(f"SELECT {score_sql(typ, 'v')} FROM t").fetchone()
            assert score == score_of(typ, value) == score_of(typ, text), (type_text, value)
    if typ.kind not in ("string", "uuid", "boolean"):  # scores keep the values' order
        ordered = sorted(values, key=lambda v: v.astimezone(timezone.utc) if isinstance(v, datetime) and v.tzinfo else v)
        assert [score_of(typ, v) for v in ordered] == sorted(score_of(typ, v) for v in values)


def test_a_null_scores_after_every_value_as_the_designs_order_puts_it():
    typ = parse_type("integer", {})
    assert score_of(typ, None) == float("inf") > score_of(typ, 2**31)
    assert duckdb.sql(f"SELECT {score_sql(typ, 'NULL::INTEGER')}").fetchone()[0] == float("inf")


def test_the_seed_file_is_the_same_for_the_same_seed(tmp_path):
    design = load_design(DESIGNS / "arcade.yaml")
    digests = []
    for run in ("one", "two"):
        build_seed(design, tmp_path / run)
        digests.append(hashlib.sha256((tmp_path / run / "seed" / "redis.redis").read_bytes()).hexdigest())
    assert digests[0] == digests[1]
    schema = json.loads(NOSQL_TARGETS["redis"].schema(design, tmp_path / "one" / "seed")["ddl/redis.json"])
    assert schema["records"]["score"]["keys"] == 30_000  # sized from the seed's rows


def test_a_read_that_lands_on_one_partition_at_a_high_rate_is_dy103_and_its_slow_twin_is_not():
    text = BASE.replace("database: redis", "database: dynamodb") + textwrap.indent(textwrap.dedent("""
        newest_notes:
          entity: note
          order_by: [posted_at desc]
          limit: 20
          rate: 2000
        newest_notes_slowly:
          entity: note
          order_by: [posted_at desc]
          limit: 20
          rate: 100
        notes_of_member:
          entity: note
          filter: {member: eq}
          rate: 50000
    """), "  ")
    findings = _codes(load_design_text(text, "designs/board.yaml", "board"))
    assert len(findings["DY103"]) == 1, findings["DY103"]
    assert "newest_notes'" in findings["DY103"][0] and "20,000 read units" in findings["DY103"][0]


@pytest.mark.parametrize("length, reported", [(120_000, True), (90_000, False)])
def test_an_item_that_may_pass_400_kb_is_dy102(length, reported):
    text = BASE.replace("database: redis", "database: dynamodb").replace(
        "      body: {type: text}", f"      body: {{type: string({length})}}") + "  {}\n"
    design = load_design_text(text.replace("queries:\n  {}", "queries: {}"), "designs/board.yaml", "board")
    found = _codes(design).get("DY102", [])
    assert bool(found) == reported, found
    if reported:  # 4 bytes a character at most in UTF-8: 480,000 bytes and more
        assert "'note'" in found[0] and found[0].startswith("designs/board.yaml:14:3:")  # the entity note


OWNED = """
design: blog
version: 1.0.0
description: posts and their comments
database: mongodb
entities:
  post:
    description: a post
    fields:
      id: {type: bigint, pk: true}
      title: {type: string(200)}
  comment:
    description: a comment on a post
    fields:
      id: {type: bigint, pk: true}
      post: {ref: post, on_delete: cascade}
      body: {type: string(2000)}
queries:
  comments_of_post: {entity: comment, filter: {post: eq}}
  every_post: {entity: post}
  post_by_title: {entity: post, filter: {title: eq}}
seed:
  rows: {post: 100, comment: COMMENTS}
"""


@pytest.mark.parametrize("comments, embedded", [(5000, True), (5100, False)])
def test_an_owned_child_is_embedded_up_to_fifty_a_parent_and_dm102_says_why_not_past_that(comments, embedded):
    from schemaforge.nosql.mongodb.model import mongodb_model

    design = load_design_text(OWNED.replace("COMMENTS", str(comments)), "designs/blog.yaml", "blog")
    model = mongodb_model(design)
    assert ("comment" in model.embedded) == embedded
    found = _codes(design).get("DM102", [])
    assert bool(found) != embedded and (not found or found[0].startswith("designs/blog.yaml:12:3:"))  # at comment:
    # DM101: a query with no filter, sort or range reads the whole collection; its twin with one does not
    assert [f for f in _codes(design)["DM101"]] and all("every_post" in f for f in _codes(design)["DM101"])
