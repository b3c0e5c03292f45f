"""The NoSQL targets that render, one class each: what files it writes and how.

A target's class says its schema files (`ddl/...`), its requests file (`queries/<name>.json`)
and its seed file (`seed/<name>.<ext>`), and makes each from the design (and, where it sizes
its keys, the seed). Adding a NoSQL target is a class here and its modules under nosql/.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar

from schemaforge.design.model import Design
from schemaforge.findings import Finding


def _json(value, ordered: bool = False) -> str:
    """JSON text, its keys sorted unless their order means something (`ordered`)."""
    return json.dumps(value, indent=2, sort_keys=not ordered, ensure_ascii=False) + "\n"


class NoSqlTarget:
    name: ClassVar[str]
    SEED_EXTENSION: ClassVar[str]
    SCHEMA_FILES: ClassVar[tuple[str, ...]]  # under ddl/
    SCHEMA_READS_SEED: ClassVar[bool] = False  # its schema is sized from the seed

    @property
    def schema_paths(self) -> list[str]:
        return [f"ddl/{file}" for file in self.SCHEMA_FILES]

    @property
    def queries_path(self) -> str:
        return f"queries/{self.name}.json"

    @property
    def seed_path(self) -> str:
        return f"seed/{self.name}.{self.SEED_EXTENSION}"

    def schema(self, design: Design, seed_dir: Path | None) -> dict[str, str]:
        """Each schema file's text by its path."""
        raise NotImplementedError

    def queries(self, design: Design) -> str:
        raise NotImplementedError

    def write_seed(self, design: Design, seed_dir: Path) -> None:
        """The seed's load file, from the Parquet files in `seed_dir`, into `seed_dir`."""
        raise NotImplementedError

    def findings(self, design: Design) -> list[Finding]:
        raise NotImplementedError


class Redis(NoSqlTarget):
    name = "redis"
    SEED_EXTENSION = "redis"  # a `redis-cli --pipe` file
    SCHEMA_FILES = ("redis.md", "redis.json")
    SCHEMA_READS_SEED = True  # the memory of each key family

    def schema(self, design: Design, seed_dir: Path | None) -> dict[str, str]:
        from schemaforge.nosql.redis.render import redis_ddl

        markdown, body = redis_ddl(design, seed_dir)
        return dict(zip(self.schema_paths, (markdown, body)))

    def queries(self, design: Design) -> str:
        from schemaforge.nosql.redis.model import redis_model
        from schemaforge.nosql.redis.requests import requests

        return _json(requests(design, redis_model(design)))

    def write_seed(self, design: Design, seed_dir: Path) -> None:
        from schemaforge.nosql.redis.seed import write_redis_seed

        write_redis_seed(design, seed_dir, seed_dir / Path(self.seed_path).name)

    def findings(self, design: Design) -> list[Finding]:
        from schemaforge.nosql.redis.model import redis_model

        return list(redis_model(design).findings)


class DynamoDB(NoSqlTarget):
    name = "dynamodb"
    SEED_EXTENSION = "json"  # BatchWriteItem inputs
    SCHEMA_FILES = ("dynamodb.md", "dynamodb.json")

    def schema(self, design: Design, seed_dir: Path | None) -> dict[str, str]:
        from schemaforge.nosql.dynamodb.render import dynamodb_ddl

        return dict(zip(self.schema_paths, dynamodb_ddl(design)))

    def queries(self, design: Design) -> str:
        from schemaforge.nosql.dynamodb.model import dynamodb_model
        from schemaforge.nosql.dynamodb.requests import requests

        return _json(requests(design, dynamodb_model(design)))

    def write_seed(self, design: Design, seed_dir: Path) -> None:
        from schemaforge.nosql.dynamodb.seed import write_dynamodb_seed

        write_dynamodb_seed(design, seed_dir, seed_dir / Path(self.seed_path).name)

    def findings(self, design: Design) -> list[Finding]:
        from schemaforge.nosql.dynamodb.model import dynamodb_model

        return list(dynamodb_model(design).findings)


class MongoDB(NoSqlTarget):
    name = "mongodb"
    SEED_EXTENSION = "jsonl"  # `insert` commands in Extended JSON, a line each
    SCHEMA_FILES = ("mongodb.js", "mongodb.json")

    def schema(self, design: Design, seed_dir: Path | None) -> dict[str, str]:
        from schemaforge.nosql.mongodb.render import mongodb_ddl

        return dict(zip(self.schema_paths, mongodb_ddl(design)))

    def queries(self, design: Design) -> str:
        from schemaforge.nosql.mongodb.model import mongodb_model
        from schemaforge.nosql.mongodb.requests import requests

        return _json(requests(design, mongodb_model(design)), ordered=True)  # a $sort's keys are in order

    def write_seed(self, design: Design, seed_dir: Path) -> None:
        from schemaforge.nosql.mongodb.documents import write_mongodb_seed

        write_mongodb_seed(design, seed_dir, seed_dir / Path(self.seed_path).name)

    def findings(self, design: Design) -> list[Finding]:
        from schemaforge.nosql.mongodb.model import mongodb_model

        return list(mongodb_model(design).findings)


class Cassandra(NoSqlTarget):
    name = "cassandra"
    SEED_EXTENSION = "cql"  # INSERT JSON statements, a line each
    SCHEMA_FILES = ("cassandra.cql",)

    def schema(self, design: Design, seed_dir: Path | None) -> dict[str, str]:
        from schemaforge.nosql.cassandra.cql import cassandra_cql

        return {self.schema_paths[0]: cassandra_cql(design)}

    def queries(self, design: Design) -> str:
        from schemaforge.nosql.cassandra.requests import requests

        return _json(requests(design))

    def write_seed(self, design: Design, seed_dir: Path) -> None:
        from schemaforge.nosql.cassandra.seed import write_cassandra_seed

        write_cassandra_seed(design, seed_dir, seed_dir / Path(self.seed_path).name)

    def findings(self, design: Design) -> list[Finding]:
        from schemaforge.nosql.cassandra.model import cassandra_model

        return list(cassandra_model(design).findings)


class Firestore(NoSqlTarget):
    name = "firestore"
    SEED_EXTENSION = "json"  # commit requests
    SCHEMA_FILES = ("firestore.indexes.json", "firestore.rules")

    def schema(self, design: Design, seed_dir: Path | None) -> dict[str, str]:
        from schemaforge.nosql.firestore.render import firestore_ddl

        return dict(zip(self.schema_paths, firestore_ddl(design)))

    def queries(self, design: Design) -> str:
        from schemaforge.nosql.firestore.requests import requests

        return _json(requests(design), ordered=True)  # orderBy and the index fields are in order

    def write_seed(self, design: Design, seed_dir: Path) -> None:
        from schemaforge.nosql.firestore.seed import write_firestore_seed

        write_firestore_seed(design, seed_dir, seed_dir / Path(self.seed_path).name)

    def findings(self, design: Design) -> list[Finding]:
        from schemaforge.nosql.firestore.render import firestore_findings

        return firestore_findings(design)


NOSQL_TARGETS: dict[str, NoSqlTarget] = {
    target.name: target for target in (Redis(), DynamoDB(), MongoDB(), Cassandra(), Firestore())}


def nosql_targets(design: Design) -> list[NoSqlTarget]:
    """The design's NoSQL targets whose generator has landed, in the design's order."""
    return [NOSQL_TARGETS[name] for name in design.targets if name in NOSQL_TARGETS]
