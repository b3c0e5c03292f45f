"""NoSQL seeds at scale: how fast the seed file is written, and how fast the store loads it.

Run: .venv/bin/python bench/nosql_load.py [--rows 1000000] [--design arcade] [--database 12]

The design's seed is generated at --rows rows (all entities together). Then, for Redis (the
local server, the numbered database --database, emptied before and after):

- writing `seed/redis.redis` from the Parquet files (rows/s and commands/s);
- loading it with `redis-cli --pipe` (rows/s and commands/s), against what a user would write
  instead: redis-py sending the same commands in pipelines of 10,000 (no transaction);
- the memory Redis reports after the load (used_memory's growth) beside the estimate the
  schema gives from the same seed.

With --dynamodb (the orderdesk design by default then), for a local DynamoDB (dynalite, which
setup.sh installs; started here on a free port, in memory):
- writing `seed/dynamodb.json` (items/s) and its size;
- CreateTable, then loading it with BatchWriteItem, 1 and 4 requests at a time (items/s).

With --mongodb (the chirp design by default then): writing `seed/mongodb.jsonl` (documents/s)
and its size, then reading it back and checking every document against its collection's
validator with the faithful validator the tests use (documents/s).

With --cassandra (telemetry) or --firestore (pocket): writing the seed file (`seed/cassandra.cql`,
INSERT JSON statements; `seed/firestore.json`, commit bodies) and its size.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from schemaforge.design.loader import load_design  # noqa: E402
from schemaforge.nosql.redis.memory import family_sizes  # noqa: E402
from schemaforge.nosql.redis.model import redis_model  # noqa: E402
from schemaforge.nosql.redis.seed import entries, records, write_redis_seed  # noqa: E402
from schemaforge.nosql.values import seed_connection  # noqa: E402
from schemaforge.seed.generate import generate_seed  # noqa: E402
from schemaforge.seed.plan import row_counts  # noqa: E402
from schemaforge.seed.sql import read_parquet  # noqa: E402

PIPELINE = 10_000


def commands_in(path: Path) -> int:
    """The commands of a RESP file: each starts a line with '*' (bulk strings start with '$')."""
    count = 0
    with open(path, "rb") as file:
        for line in file:
            count += line.startswith(b"*")
    return count


def load_with_pipe(path: Path, database: int) -> float:
    started = time.perf_counter()
    result = subprocess.run(["redis-cli", "-n", str(database), "--pipe"], stdin=path.open("rb"),
                            capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0 or "errors: 0" not in result.stdout:
        sys.exit(f"redis-cli --pipe failed: {result.stdout[-500:]}{result.stderr[-500:]}")
    return elapsed


def load_with_redis_py(design, seed_dir: Path, client) -> float:
    """The same records and index entries through redis-py pipelines, as an application's loader."""
    model = redis_model(design)
    con = seed_connection()
    started = time.perf_counter()
    pipe, queued = client.pipeline(transaction=False), 0

    def flush_when_full():
        nonlocal pipe, queued
        queued += 1
        if queued >= PIPELINE:
            pipe.execute()
            pipe, queued = client.pipeline(transaction=False), 0

    for name, entity in design.entities.items():
        source = read_parquet(seed_dir.resolve(), entity)
        record = model.records[name]
        for batch in records(con, entity, record, source):
            for key, pairs in batch:
                pipe.execute_command("HSET", key, *pairs)
                if record.ttl_seconds:
                    pipe.expire(key, record.ttl_seconds)
                flush_when_full()
        for family in (f for f in model.families if f.entity == name):
            for batch in entries(con, entity, family, source):
                for key, member, score in batch:
                    if family.structure == "string":
                        pipe.set(key, member)
                    elif family.structure == "set":
                        pipe.sadd(key, member)
                    else:
                        pipe.execute_command("ZADD", key, score, member)
                    flush_when_full()
    pipe.execute()
    return time.perf_counter() - started


def dynamodb(design, seed_dir: Path, rows: int) -> None:
    import socket

    import boto3

    from schemaforge.nosql.dynamodb.model import dynamodb_model
    from schemaforge.nosql.dynamodb.render import create_table_input
    from schemaforge.nosql.dynamodb.run import create_table, load_seed
    from schemaforge.nosql.dynamodb.seed import write_dynamodb_seed

    path = seed_dir / "dynamodb.json"
    started = time.perf_counter()
    items = write_dynamodb_seed(design, seed_dir, path)
    written = time.perf_counter() - started
    print(f"dynamodb.json: {path.stat().st_size / 1e6:,.0f} MB, {items:,} items, written in {written:.1f} s "
          f"({items / written:,.0f} items/s)")
    for writers in (1, 4):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = subprocess.Popen([str(ROOT / ".node/node_modules/.bin/dynalite"), "--port", str(port),
                                   "--createTableMs", "0"], stdout=subprocess.DEVNULL)
        try:
            client = boto3.client("dynamodb", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                                  aws_access_key_id="local", aws_secret_access_key="local")
            for _ in range(100):
                try:
                    client.list_tables()
                    break
                except Exception:
                    time.sleep(0.1)
            create_table(client, create_table_input(dynamodb_model(design)))
            started = time.perf_counter()
            loaded = load_seed(client, path, writers=writers)
            elapsed = time.perf_counter() - started
            print(f"dynalite, BatchWriteItem x{writers}: {elapsed:.1f} s, {loaded / elapsed:,.0f} items/s")
        finally:
            server.kill()


def seed_file(design, seed_dir: Path, target: str, rows: int) -> Path:
    """Write the target's seed file; print its size and how fast it was written."""
    from schemaforge.nosql.targets import NOSQL_TARGETS

    store = NOSQL_TARGETS[target]
    path = seed_dir / Path(store.seed_path).name
    started = time.perf_counter()
    store.write_seed(design, seed_dir)
    written = time.perf_counter() - started
    print(f"{path.name}: {path.stat().st_size / 1e6:,.0f} MB for {rows:,} rows, written in {written:.1f} s "
          f"({rows / written:,.0f} rows/s)")
    return path


def mongodb(design, seed_dir: Path, rows: int) -> None:
    from bson.json_util import loads

    from schemaforge.nosql.mongodb.model import mongodb_model
    from schemaforge.nosql.mongodb.render import collections
    from schemaforge.nosql.mongodb.schema import validate

    path = seed_file(design, seed_dir, "mongodb", rows)
    schemas = {c["name"]: c["options"]["validator"]["$jsonSchema"] for c in collections(design, mongodb_model(design))}
    started, checked = time.perf_counter(), 0
    with open(path) as lines:
        for line in lines:
            command = loads(line)
            for document in command["documents"]:
                assert not validate(schemas[command["insert"]], document)
                checked += 1
    elapsed = time.perf_counter() - started
    print(f"read back and validated: {checked:,} documents in {elapsed:.1f} s ({checked / elapsed:,.0f} documents/s)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--design", default=None)
    parser.add_argument("--database", type=int, default=12)
    parser.add_argument("--dynamodb", action="store_true")
    parser.add_argument("--mongodb", action="store_true")
    parser.add_argument("--cassandra", action="store_true")
    parser.add_argument("--firestore", action="store_true")
    args = parser.parse_args()
    defaults = {"dynamodb": "orderdesk", "mongodb": "chirp", "cassandra": "telemetry", "firestore": "pocket"}
    chosen = next((target for target in defaults if getattr(args, target)), None)
    args.design = args.design or defaults.get(chosen, "arcade")
    import redis

    design = load_design(ROOT / "designs" / f"{args.design}.yaml")
    scale = args.rows / sum(row_counts(design).values())
    client = redis.Redis(db=args.database)
    with tempfile.TemporaryDirectory() as folder:
        seed_dir = Path(folder)
        started = time.perf_counter()
        generate_seed(design, seed_dir, scale)
        rows = sum(row_counts(design, scale).values())
        print(f"seed: {rows:,} rows generated in {time.perf_counter() - started:.1f} s")
        if args.dynamodb:
            return dynamodb(design, seed_dir, rows)
        if args.mongodb:
            return mongodb(design, seed_dir, rows)
        if args.cassandra or args.firestore:
            seed_file(design, seed_dir, chosen, rows)
            return
        pipe_file = seed_dir / "redis.redis"
        started = time.perf_counter()
        write_redis_seed(design, seed_dir, pipe_file)
        written = time.perf_counter() - started
        commands = commands_in(pipe_file)
        print(f"redis.redis: {pipe_file.stat().st_size / 1e6:,.0f} MB, {commands:,} commands, written in "
              f"{written:.1f} s ({rows / written:,.0f} rows/s, {commands / written:,.0f} commands/s)")
        estimate = sum(size.bytes for size in family_sizes(design, redis_model(design), seed_dir).values())
        for how, load in (("redis-cli --pipe", lambda: load_with_pipe(pipe_file, args.database)),
                          (f"redis-py, pipelines of {PIPELINE:,}", lambda: load_with_redis_py(design, seed_dir, client))):
            client.flushdb()
            before = client.info("memory")["used_memory"]
            elapsed = load()
            used = client.info("memory")["used_memory"] - before
            print(f"{how}: {elapsed:.1f} s, {rows / elapsed:,.0f} rows/s, {commands / elapsed:,.0f} commands/s; "
                  f"{client.dbsize():,} keys, used_memory +{used / 2**20:,.0f} MiB (estimate {estimate / 2**20:,.0f} MiB)")
        client.flushdb()


if __name__ == "__main__":
    main()
