"""The Redis target on the real Redis: the seed loaded with `redis-cli --pipe`, every access
pattern answered by following its request (queries/redis.json), and the answer compared with
DuckDB's answer to the design's own DuckDB query over the same seed.

The designs: arcade (written for Redis: sessions and leaderboards) and every other example
rendered for Redis. A pattern with a sort is compared as a sorted answer: the same
number of rows as DuckDB's up to the limit, the same sort values in the same order, and every
row one of DuckDB's (rows tied on the sort value at the limit may be any of the tied ones). A
pattern without a sort is compared as a multiset (a subset of the right size under a limit).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import EXAMPLES, require_module, unavailable
from nosql_answers import Reference, check_pattern, design_for
from schemaforge.deliverables.generate import nosql_queries_artifacts, nosql_schema_artifacts
from schemaforge.deliverables.seed import build_seed
from schemaforge.nosql.redis.model import redis_model
from schemaforge.nosql.redis.run import answer

REDIS_URL = "redis://127.0.0.1:6379"
# Redis's numbered databases, one per example, from the top (a developer's data is usually in 0).
TEST_DATABASES = {name: 15 - i for i, name in enumerate(EXAMPLES)}
assert len(TEST_DATABASES) <= 15, "more examples than Redis has spare databases"


def _redis(database: int):
    redis = require_module("redis")
    client = redis.Redis.from_url(REDIS_URL, db=database)
    try:
        client.ping()
    except redis.ConnectionError as error:
        unavailable(f"Redis not reachable at {REDIS_URL}: {error}")
    if shutil.which("redis-cli") is None:
        unavailable("redis-cli is not installed (Debian: redis-tools)")
    return client


class Built:
    def __init__(self, design, root: Path, client):
        self.design, self.root, self.client = design, root, client
        self.requests = json.loads(nosql_queries_artifacts(design, "redis")[0].content)["queries"]
        artifacts = {a.path: a.content for a in nosql_schema_artifacts(design, "redis", root / "seed")}
        self.model = json.loads(artifacts["ddl/redis.json"])
        self.markdown = artifacts["ddl/redis.md"].decode()
        self.reference = Reference(design, root / "seed")


def _load(name: str, root: Path) -> Built:
    """The design built and its seed loaded, with redis-cli --pipe, into a database emptied first."""
    design = design_for(name, "redis")
    client = _redis(TEST_DATABASES[name])
    build_seed(design, root)
    client.flushdb()
    loaded = subprocess.run(["redis-cli", "-u", f"{REDIS_URL}/{TEST_DATABASES[name]}", "--pipe"],
                            stdin=(root / "seed" / "redis.redis").open("rb"), capture_output=True, text=True)
    assert loaded.returncode == 0 and "errors: 0" in loaded.stdout, loaded.stdout + loaded.stderr
    return Built(design, root, client)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """Each design built and loaded once for the module (its patterns only read), emptied after."""
    made: dict[str, Built] = {}

    def get(name: str) -> Built:
        if name not in made:
            made[name] = _load(name, tmp_path_factory.mktemp(name))
        return made[name]

    yield get
    for built in made.values():
        built.client.flushdb()


def _cases():
    for name in sorted(TEST_DATABASES):
        for lookup in redis_model(design_for(name, "redis")).lookups:
            yield name, lookup.read.name


@pytest.mark.parametrize("design_name, query", list(_cases()))
def test_each_access_pattern_answers_from_redis_as_duckdb_does_over_the_same_seed(loaded, design_name, query):
    built = loaded(design_name)
    read = next(lookup.read for lookup in redis_model(built.design).lookups if lookup.read.name == query)
    check_pattern(built.reference, read, built.requests[query], lambda request, p: answer(built.client, request, p))


def _keys_of(client, family: dict) -> list[bytes]:
    """The keys of a family (ddl/redis.json) in the loaded database: its name, then one value per
    part (a record's composite key, an index's looked-up columns)."""
    fixed = family["key"].split("{")[0]
    parts = family["key"].count("{")
    found = []
    for key in client.scan_iter(match=re.sub(r"([*?\[\]])", r"\\\1", fixed) + "*", count=10_000):
        rest = key.decode()[len(fixed):]
        if (rest.count(":") + 1 if rest else 0) == parts and not (parts and ":idx:" in key.decode()[len(fixed) - 1:] and family["structure"] == "hash"):
            found.append(key)
    return found


@pytest.mark.parametrize("design_name", ["arcade", "shop"])
def test_each_key_familys_memory_estimate_is_within_a_fifth_of_what_redis_reports(loaded, design_name):
    built = loaded(design_name)
    families = [*built.model["records"].values(), *built.model["indexes"]]
    for family in families:
        keys = _keys_of(built.client, family)
        assert len(keys) == family["keys"], (family["key"], len(keys), family["keys"])
        used = sum(built.client.memory_usage(key, samples=0) for key in keys)
        assert abs(family["estimated_bytes"] - used) <= 0.2 * used, (family["key"], family["estimated_bytes"], used)


def test_a_retention_is_the_records_ttl_and_a_record_without_one_never_expires(loaded):
    built = loaded("arcade")
    session = built.model["records"]["session"]
    assert session["ttl_seconds"] == 86_400  # security.retention: {session: 1d}
    sessions = _keys_of(built.client, session)
    ttls = {built.client.ttl(key) for key in sessions[:200]}
    assert ttls and all(86_000 < ttl <= 86_400 for ttl in ttls), ttls
    players = _keys_of(built.client, built.model["records"]["player"])
    assert {built.client.ttl(key) for key in players[:200]} == {-1}  # no expiry


def test_a_record_expired_after_its_index_named_it_is_left_out_of_the_answer(loaded):
    built = loaded("arcade")
    request = built.requests["sessions_of_player"]
    parameters = built.reference.parameters("sessions_of_player")
    before = answer(built.client, request, parameters)
    assert len(before) >= 2
    record = f"arcade:session:{before[0]['id'].decode()}"
    kept = built.client.hgetall(record)
    built.client.delete(record)  # as its TTL would
    try:
        after = answer(built.client, request, parameters)
        assert [row["id"] for row in after] == [row["id"] for row in before[1:]]
    finally:  # the module's other tests read the same database
        built.client.hset(record, mapping=kept)
