"""Migrations proven on real engines: PostgreSQL, MariaDB (the MySQL target), SQLite and DuckDB.

For each change kind, alone and all together: the first version's DDL, then its seed data, then
the up migration gives the catalog that the second version's fresh DDL gives; renamed columns
keep their data; and the down migration returns to exactly the first version's catalog.
"""

from __future__ import annotations

import copy
import os
import sqlite3
import subprocess
from pathlib import Path

import duckdb as duckdb_module
import pytest
import yaml

import catalog
from conftest import EXAMPLES, PG_DSN
from schemaforge.deliverables.seed import build_seed
from schemaforge.ddl.render import render_ddl
from schemaforge.migrate.changes import classify
from schemaforge.migrate.plan import Migration, MigrationBlocked, migration_artifacts
from schemaforge.design.loader import load_design_text

BASE = {
    "design": "mig",
    "version": "1.0.0",
    "description": "A catalogue of authors and books, to migrate",
    "targets": ["postgres", "mysql", "sqlite", "duckdb", "clickhouse"],
    "patterns": ["timestamps"],
    "entities": {
        "author": {
            "description": "Someone who writes",
            "fields": {
                "id": {"type": "bigint", "pk": True},
                "name": {"type": "string(100)", "description": "As printed on covers"},
                "email": {"type": "string(200)", "unique": True},
                "nickname": {"type": "string(50)", "nullable": True},
                "status": {"type": "enum(active, retired)", "default": "active"},
                "rating": {"type": "integer", "default": 0, "check": "value >= 0"},
            },
        },
        "book": {
            "fields": {
                "id": {"type": "bigint", "pk": True},
                "title": "string(200)",
                "author": {"ref": "author", "on_delete": "cascade"},
                "pages": {"type": "integer", "nullable": True},
                "price": {"type": "decimal(10,2)", "check": "value >= 0"},
            },
            "indexes": [{"fields": ["title"]}],
        },
        "credit": {
            "fields": {
                "author": {"ref": "author", "on_delete": "cascade"},
                "book": {"ref": "book", "on_delete": "cascade"},
                "role": {"type": "string(20)", "default": "writer"},
            },
            "primary_key": ["author", "book"],
        },
        "note": {"fields": {"id": {"type": "integer", "pk": True}, "body": {"type": "text", "nullable": True}}},
    },
    "seed": {
        "random_seed": 7,
        "rows": {"author": 30, "book": 80, "credit": 60, "note": 10},
        "fields": {"author.nickname": {"null_fraction": 0}, "author.name": {"values": ["Ann Lee", "Bo Yang", "Cy Dunn"]}},
    },
}


def _author(d):
    return d["entities"]["author"]["fields"]


def _book(d):
    return d["entities"]["book"]


def add_entity_and_fields(d):
    _author(d)["bio"] = {"type": "text", "nullable": True}
    _book(d)["fields"]["in_print"] = {"type": "boolean", "default": True}
    d["entities"]["review"] = {"fields": {
        "id": {"type": "bigint", "pk": True}, "book": {"ref": "book"}, "stars": {"type": "smallint", "check": "value BETWEEN 1 AND 5"},
    }}


def drop_entity_and_field(d):
    d["allow_destructive"] = True
    del d["entities"]["note"]
    del d["seed"]["rows"]["note"]
    del _author(d)["nickname"]
    del d["seed"]["fields"]["author.nickname"]


def rename_entity_and_field(d):
    fields = _author(d)
    fields["full_name"] = {**fields.pop("name"), "renamed_from": "name"}
    d["seed"]["fields"]["author.full_name"] = d["seed"]["fields"].pop("author.name")
    d["entities"]["volume"] = {**d["entities"].pop("book"), "renamed_from": "book"}
    d["seed"]["rows"]["volume"] = d["seed"]["rows"].pop("book")
    d["entities"]["credit"]["fields"]["volume"] = {**d["entities"]["credit"]["fields"].pop("book"), "ref": "volume", "renamed_from": "book"}
    d["entities"]["credit"]["primary_key"] = [f if f != "book" else "volume" for f in d["entities"]["credit"]["primary_key"]]
    # What other changes of the same version say about the old names.
    for entity in d["entities"].values():
        for spec in entity["fields"].values():
            if isinstance(spec, dict) and spec.get("ref") == "book":
                spec["ref"] = "volume"
    for index in d["entities"]["author"].get("indexes", []):
        index["fields"] = [f if f != "name" else "full_name" for f in index["fields"]]
    d["entities"]["credit"]["unique"] = [[f if f != "book" else "volume" for f in group] for group in d["entities"]["credit"].get("unique", [])]


def change_types(d):
    _book(d)["fields"]["title"] = "string(300)"
    _author(d)["rating"]["type"] = "bigint"
    _book(d)["fields"]["price"]["type"] = "decimal(12,2)"


def change_nullability(d):
    _author(d)["nickname"]["nullable"] = False  # the seed leaves no NULL in it
    _book(d)["fields"]["pages"]["nullable"] = True
    _book(d)["fields"]["price"]["nullable"] = True


def change_defaults(d):
    _author(d)["rating"]["default"] = 5
    _book(d)["fields"]["pages"]["default"] = 100
    del d["entities"]["credit"]["fields"]["role"]["default"]


def change_key(d):
    d["entities"]["credit"]["primary_key"] = ["author", "book", "role"]


def change_uniques(d):
    _author(d)["email"]["unique"] = False
    d["entities"]["credit"]["unique"] = [["book", "author", "role"]]


def change_checks(d):
    _author(d)["rating"]["check"] = "value >= -1"
    d["entities"]["book"]["checks"] = {"price_sane": "price < 100000000"}


def change_foreign_keys(d):
    _book(d)["fields"]["author"]["on_delete"] = "restrict"
    d["entities"]["note"]["fields"]["author"] = {"ref": "author", "nullable": True, "on_delete": "set_null"}


def change_indexes(d):
    _book(d)["indexes"] = [{"fields": ["author", "title"]}]
    d["entities"]["author"]["indexes"] = [{"fields": ["name"]}]


def change_enum_values(d):
    _author(d)["status"]["type"] = "enum(active, on_leave, retired, emeritus)"


def change_identity(d):
    """The note's key becomes one the application supplies (identity: false): the rows keep their keys."""
    d["entities"]["note"]["fields"]["id"]["identity"] = False


def change_widths(d):
    """Counts become unsigned (the author's key with them, and so the references to it) and a code
    becomes fixed-width (char(n))."""
    _author(d)["rating"]["unsigned"] = True
    _author(d)["id"]["unsigned"] = True
    d["entities"]["credit"]["fields"]["role"]["type"] = "char(20)"


def change_descriptions(d):
    _author(d)["name"]["description"] = "As the author signs"
    d["entities"]["book"]["description"] = "A title in the catalogue"


CHANGES = [
    add_entity_and_fields, drop_entity_and_field, rename_entity_and_field, change_types, change_nullability,
    change_defaults, change_key, change_uniques, change_checks, change_foreign_keys, change_indexes,
    change_enum_values, change_descriptions, change_identity, change_widths,
]


def everything(d):
    for change in CHANGES:
        if change not in (drop_entity_and_field, rename_entity_and_field, change_key):
            change(d)
    rename_entity_and_field(d)
    drop_entity_and_field(d)


VARIANTS = {c.__name__: c for c in CHANGES} | {"everything": everything}


def design_of(doc: dict, version: str):
    text = yaml.safe_dump({**doc, "version": version}, sort_keys=False)
    return load_design_text(text, "designs/mig.yaml", "mig")


def versions(variant: str):
    new = copy.deepcopy(BASE)
    VARIANTS[variant](new)
    return design_of(BASE, "1.0.0"), design_of(new, "2.0.0")


@pytest.fixture(scope="module")
def v1_seed(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("mig_seed")
    assert build_seed(design_of(BASE, "1.0.0"), root).problems == []
    return root / "seed"


# -- one engine each: run a script, read the catalog, read rows --------------------------------
class Engine:
    target: str

    def run(self, sql: str) -> None: ...
    def catalog(self) -> dict: ...
    def rows(self, sql: str) -> list[tuple]: ...


class Postgres(Engine):
    target = "postgres"

    def __init__(self, conn):
        self.conn = conn
        self.dbname = conn.info.dbname

    def run(self, sql: str) -> None:
        """As a user would: psql, statement by statement (CONCURRENTLY needs that)."""
        dsn = dict(item.split("=", 1) for item in PG_DSN.split())
        result = subprocess.run(
            ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", dsn.get("host", "127.0.0.1"), "-p", dsn.get("port", "5432"),
             "-U", dsn.get("user", "postgres"), "-d", self.dbname],
            input=sql, capture_output=True, text=True, env={**os.environ, "PGOPTIONS": "--client-min-messages=warning"},
        )
        if result.returncode:
            raise RuntimeError(result.stderr)

    def catalog(self) -> dict:
        return catalog.postgres(self.conn)

    def rows(self, sql: str) -> list[tuple]:
        return [tuple(r) for r in self.conn.execute(sql).fetchall()]


class MariaDB(Engine):
    target = "mysql"

    def __init__(self, db):
        self.db = db

    def run(self, sql: str) -> None:
        self.db.run(sql)

    def catalog(self) -> dict:
        return catalog.mariadb(self.db)

    def rows(self, sql: str) -> list[tuple]:
        return [tuple(r) for r in self.db.query(sql.replace('"', "`"))]


class Sqlite(Engine):
    target = "sqlite"

    def __init__(self):
        self.conn = sqlite3.connect(":memory:", isolation_level=None)
        self.conn.execute("PRAGMA foreign_keys = ON")

    def run(self, sql: str) -> None:
        self.conn.executescript(sql)
        assert self.conn.execute("PRAGMA foreign_key_check").fetchall() == []

    def catalog(self) -> dict:
        return catalog.sqlite(self.conn)

    def rows(self, sql: str) -> list[tuple]:
        return self.conn.execute(sql).fetchall()


class DuckDB(Engine):
    target = "duckdb"

    def __init__(self):
        self.conn = duckdb_module.connect()

    def run(self, sql: str) -> None:
        self.conn.execute(sql)

    def catalog(self) -> dict:
        return catalog.duckdb(self.conn)

    def rows(self, sql: str) -> list[tuple]:
        return self.conn.execute(sql).fetchall()


class ClickHouse(Engine):
    target = "clickhouse"

    def __init__(self, db):
        self.db = db

    def run(self, sql: str) -> None:
        self.db.run(sql)

    def catalog(self) -> dict:
        """Each table's CREATE statement as the server keeps it (columns, types, defaults,
        codecs, constraints, skipping indexes, engine and sorting key), and its comments."""
        tables = self.db.query(f"SELECT name, create_table_query FROM system.tables WHERE database = '{self.db.name}'")
        return {name: query.replace(f"{self.db.name}.", "") for name, query in tables}

    def rows(self, sql: str) -> list[tuple]:
        return [tuple(r) for r in self.db.query(sql)]


@pytest.fixture
def engines(request):
    """Two fresh databases of one engine: one to migrate, one for fresh DDL."""
    kind = request.param
    if kind == "postgres":
        first = request.getfixturevalue("pg_database")
        second = request.getfixturevalue("pg_database_2")
        return Postgres(first), Postgres(second)
    if kind == "mariadb":
        return MariaDB(request.getfixturevalue("mariadb_database")), MariaDB(request.getfixturevalue("mariadb_database_2"))
    if kind == "clickhouse":
        return (ClickHouse(request.getfixturevalue("clickhouse_database")),
                ClickHouse(request.getfixturevalue("clickhouse_database_2")))
    return (Sqlite(), Sqlite()) if kind == "sqlite" else (DuckDB(), DuckDB())


def fresh_catalog(engine: Engine, design) -> dict:
    engine.run(render_ddl(design, engine.target).sql)
    return engine.catalog()


def snapshot(engine: Engine, design, table: str, columns: list[str]) -> list[tuple]:
    entity = design.entities[table]
    names = ", ".join(f'"{entity.physical(c)}"' for c in columns)
    keys = ", ".join(f'"{entity.physical(c)}"' for c in entity.primary_key)
    return [tuple(str(v) for v in row) for row in engine.rows(f'SELECT {names} FROM "{entity.table}" ORDER BY {keys}')]


def load_seed(engine: Engine, seed_dir: Path) -> None:
    engine.run((seed_dir / f"{engine.target}.sql").read_text())


ENGINES = ["postgres", "mariadb", "sqlite", "duckdb", "clickhouse"]


@pytest.mark.parametrize("engines", ENGINES, indirect=True)
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_round_trip_keeps_data_and_reaches_each_catalog(variant, engines, v1_seed):
    migrated, fresh = engines
    old, new = versions(variant)
    up, down = Migration(old, new).sql(migrated.target)
    v2_catalog = fresh_catalog(fresh, new)

    v1_catalog = fresh_catalog(migrated, old)
    load_seed(migrated, v1_seed)
    authors = snapshot(migrated, old, "author", ["id", "name", "email"])
    credits = snapshot(migrated, old, "credit", ["author_id", "book_id"])
    migrated.run(up)
    assert migrated.catalog() == v2_catalog, up

    renamed = variant in ("rename_entity_and_field", "everything")
    assert snapshot(migrated, new, "author", ["id", "full_name" if renamed else "name", "email"]) == authors
    assert snapshot(migrated, new, "credit", ["author_id", "volume_id" if renamed else "book_id"]) == credits

    migrated.run(down)
    assert migrated.catalog() == v1_catalog, down
    assert snapshot(migrated, old, "author", ["id", "name", "email"]) == authors


def test_every_change_kind_is_in_the_matrix():
    kinds = set()
    for variant in VARIANTS:
        old, new = versions(variant)
        kinds |= {(c.action, c.kind) for c in Migration(old, new).changes}
    expected = {(a, k) for a in ("add", "drop") for k in ("table", "column", "unique", "check", "foreign_key", "index")}
    expected |= {("rename", "table"), ("rename", "column"), ("alter", "column"), ("alter", "primary_key"), ("alter", "enum_type")}
    assert expected <= kinds, expected - kinds


def test_destructive_change_without_permission_lists_what_is_lost():
    old, new_doc = design_of(BASE, "1.0.0"), copy.deepcopy(BASE)
    del new_doc["entities"]["note"]
    del new_doc["seed"]["rows"]["note"]
    del new_doc["entities"]["author"]["fields"]["nickname"]
    del new_doc["seed"]["fields"]["author.nickname"]
    migration = Migration(old, design_of(new_doc, "1.1.0"))
    with pytest.raises(MigrationBlocked) as blocked:
        migration_artifacts([migration], "postgres")
    message = str(blocked.value)
    assert "drop table note" in message and "drop column author.nickname" in message
    assert "allow_destructive: true" in message
    assert all(f.code == "MG101" and f.severity == "error" for f in blocked.value.findings)
    assert len(blocked.value.findings) == 2
    # A dropped object points at the line of the release that had it.
    assert {f.location.file for f in blocked.value.findings} == {"designs/mig.yaml"}

    allowed = Migration(old, design_of({**new_doc, "allow_destructive": True}, "1.1.0"))
    files = {a.path for a in migration_artifacts([allowed], "postgres")}
    assert files == {"migrations/postgres/1.0.0__1.1.0.up.sql", "migrations/postgres/1.0.0__1.1.0.down.sql"}


def test_rename_is_never_a_drop_and_an_add():
    old, new = versions("rename_entity_and_field")
    changes = Migration(old, new).changes
    assert not [c for c in changes if c.action == "drop" and c.kind in ("table", "column")]
    assert {("rename", "table"), ("rename", "column")} <= {(c.action, c.kind) for c in changes}
    assert all(v.safety == "additive" for c in changes for v in classify(c) if c.action == "rename")


def test_each_change_reversed_twice_is_itself():
    old, new = versions("everything")
    for change in Migration(old, new).changes:
        assert change.reversed().reversed().identity() == change.identity()
        assert change.reversed().before is change.after


@pytest.mark.parametrize("variant, expected", [
    ("add_entity_and_fields", {"additive"}),
    ("drop_entity_and_field", {"destructive"}),
    ("change_nullability", {"data-dependent", "locking", "additive"}),
    ("change_key", {"data-dependent", "locking"}),
])
def test_safety_classes(variant, expected):
    old, new = versions(variant)
    found = {v.safety for c in Migration(old, new).changes for v in classify(c)}
    assert found == expected


def test_narrowing_a_type_fails_on_rows_that_do_not_fit(pg_database):
    doc = copy.deepcopy(BASE)
    doc["entities"]["author"]["fields"]["name"] = "string(3)"
    old, new = design_of(BASE, "1.0.0"), design_of(doc, "1.1.0")
    verdicts = {v.safety for c in Migration(old, new).changes for v in classify(c)}
    assert "data-dependent" in verdicts
    engine = Postgres(pg_database)
    engine.run(render_ddl(old, "postgres").sql)
    engine.run("INSERT INTO author (name, email) VALUES ('Ann Lee', 'ann@example.com')")
    with pytest.raises(RuntimeError, match="value too long"):
        engine.run(Migration(old, new).sql("postgres")[0])
    assert engine.rows("SELECT name FROM author") == [("Ann Lee",)]  # the transaction rolled back


# -- the other SQL targets -------------------------------------------------------------------
@pytest.mark.parametrize("target, dialect", [("sqlserver", "tsql"), ("oracle", "oracle")])
@pytest.mark.parametrize("variant", ["everything", "change_key", "change_enum_values"])
def test_migrations_for_servers_we_lack_parse_back_in_their_dialect(variant, target, dialect):
    """No SQL Server or Oracle here: each statement of both directions parses in its dialect."""
    from test_ddl_targets import assert_parses_back

    old, new = versions(variant)
    for sql in Migration(old, new).sql(target):
        # sqlglot has no tree for SQL Server's session switches (SET IDENTITY_INSERT, XACT_ABORT).
        sql = "\n".join(line for line in sql.splitlines() if not line.startswith("SET "))
        assert assert_parses_back(sql, dialect) > 0


@pytest.mark.parametrize("variant", ["everything", "change_types", "rename_entity_and_field"])
def test_clickhouse_round_trip_keeps_data(variant, clickhouse_database):
    old, new = versions(variant)
    up, down = Migration(old, new).sql("clickhouse")
    ch = clickhouse_database
    ch.run(render_ddl(old, "clickhouse").sql)
    ch.run("INSERT INTO author (id, name, email) VALUES (1, 'Ann Lee', 'ann@example.com'), (2, 'Bo Yang', 'bo@example.com')")

    def tables():
        return {r[0]: r[1] for r in ch.query(f"SELECT name, create_table_query FROM system.tables WHERE database = '{ch.name}'")}

    v1 = tables()
    ch.run(up)
    name = "full_name" if variant in ("rename_entity_and_field", "everything") else "name"
    assert ch.query(f"SELECT id, {name} FROM author ORDER BY id") == [[1, "Ann Lee"], [2, "Bo Yang"]]
    ch.run(down)
    assert tables() == v1
    assert ch.query("SELECT id, name FROM author ORDER BY id") == [[1, "Ann Lee"], [2, "Bo Yang"]]


# -- history, lint ---------------------------------------------------------------------------
def write_project(tmp_path: Path, releases: dict[str, dict], current: dict) -> Path:
    design = tmp_path / "mig.yaml"
    design.write_text(yaml.safe_dump(current, sort_keys=False))
    for version, doc in releases.items():
        snapshot = tmp_path / "mig.history" / f"{version}.yaml"
        snapshot.parent.mkdir(exist_ok=True)
        snapshot.write_text(yaml.safe_dump({**doc, "version": version}, sort_keys=False))
    return design


def test_history_orders_releases_and_keeps_the_current_one(tmp_path):
    from schemaforge.migrate.history import read_history
    from schemaforge.design.loader import load_design

    newer = copy.deepcopy(BASE)
    change_types(newer)
    path = write_project(tmp_path, {"1.0.0": BASE, "1.0.0-rc.1": BASE}, {**newer, "version": "1.10.0"})
    history = read_history(path, load_design(path))
    assert [r.version for r in history.releases] == ["1.0.0-rc.1", "1.0.0", "1.10.0"]
    assert [f"{a.version}__{b.version}" for a, b in history.pairs()] == ["1.0.0-rc.1__1.0.0", "1.0.0__1.10.0"]
    assert history.keep_current() and not history.keep_current()  # written once, then unchanged
    assert (tmp_path / "mig.history" / "1.10.0.yaml").read_bytes() == path.read_bytes()


def test_a_version_older_than_a_release_is_refused(tmp_path):
    from schemaforge.findings import DesignErrors
    from schemaforge.migrate.history import read_history
    from schemaforge.design.loader import load_design

    path = write_project(tmp_path, {"2.0.0": BASE}, {**BASE, "version": "1.5.0"})
    (tmp_path / "mig.history" / "latest.yaml").write_text("x")
    with pytest.raises(DesignErrors) as errors:
        read_history(path, load_design(path))
    messages = [f"{f} " for f in errors.value.findings]
    assert any("version 1.5.0 is older than the released 2.0.0" in m and "mig.yaml:2:10" in m for m in messages), messages
    assert any("named <version>.yaml" in m and "latest.yaml:1:1" in m for m in messages), messages


def test_lint_reports_migration_safety_and_squawk(tmp_path):
    from schemaforge.deliverables.generate import lint_artifacts
    from schemaforge.migrate.history import read_history
    from schemaforge.design.loader import load_design

    newer = copy.deepcopy(BASE)
    change_nullability(newer)
    change_indexes(newer)
    path = write_project(tmp_path, {"1.0.0": BASE}, {**newer, "version": "1.1.0"})
    design = load_design(path)
    findings, _ = lint_artifacts(design, read_history(path, design))
    codes = {f.code for f in findings}
    assert {"MG102", "MG103", "MG201"} <= codes
    squawk = [f for f in findings if f.code == "MG201"]
    assert any("setting-not-nullable-field" in f.message or "adding-not-nullable-field" in f.message for f in squawk)
    assert all(f.location.file.endswith(("1.0.0__1.1.0.up.sql", "1.0.0__1.1.0.down.sql")) for f in squawk)
    up = Migration(load_design_text(yaml.safe_dump(BASE), "x", "mig"), design).sql("postgres")[0]
    # The safe forms Squawk asks for: no index built under a write lock, timeouts set.
    assert "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_author_name" in up
    assert "SET lock_timeout" in up
    assert not [f for f in squawk if "require-concurrent-index-creation" in f.message]


def test_renamed_from_an_existing_name_is_an_error():
    from schemaforge.findings import DesignErrors

    doc = copy.deepcopy(BASE)
    doc["entities"]["author"]["fields"]["alias"] = {"type": "text", "renamed_from": "email"}
    with pytest.raises(DesignErrors, match=r"mig.yaml:\d+:\d+: renamed_from: 'email' names a field of 'author' that still exists"):
        design_of(doc, "1.1.0")


@pytest.mark.parametrize("example", EXAMPLES)
def test_example_histories_read_and_their_migrations_build(example):
    """The shipped designs' release folders are in step with them (what `dagster asset
    materialize` and `schemaforge build` read)."""
    from conftest import DESIGNS
    from schemaforge.migrate.history import read_history
    from schemaforge.migrate.plan import migration_artifacts, migrations
    from schemaforge.design.loader import load_design

    path = DESIGNS / f"{example}.yaml"
    design = load_design(path)
    history = read_history(path, design)
    assert (history.snapshot_path.read_bytes() == path.read_bytes()), "commit the current snapshot"
    plans = migrations(history, example)
    for target in design.targets:
        assert len(migration_artifacts(plans, target)) == 2 * len(plans)


@pytest.fixture(scope="module")
def shop_release(tmp_path_factory):
    """shop 1.0.0 -> 1.1.0, with 1.0.0's full seed data (self references included)."""
    from conftest import DESIGNS
    from schemaforge.migrate.history import read_history
    from schemaforge.migrate.plan import migrations
    from schemaforge.design.loader import load_design

    path = DESIGNS / "shop.yaml"
    (plan,) = migrations(read_history(path, load_design(path)), "shop")
    root = tmp_path_factory.mktemp("shop_seed")
    assert build_seed(plan.old, root).problems == []
    return plan, root / "seed"


@pytest.mark.parametrize("engines", ENGINES, indirect=True)
def test_shop_release_round_trips_with_its_seed(engines, shop_release):
    plan, seed = shop_release
    migrated, fresh = engines
    up, down = plan.sql(migrated.target)
    v2_catalog = fresh_catalog(fresh, plan.new)
    v1_catalog = fresh_catalog(migrated, plan.old)
    load_seed(migrated, seed)
    customers = snapshot(migrated, plan.old, "customer", ["id", "name", "referred_by_id"])
    migrated.run(up)
    assert migrated.catalog() == v2_catalog
    assert snapshot(migrated, plan.new, "customer", ["id", "full_name", "referred_by_id"]) == customers
    migrated.run(down)
    assert migrated.catalog() == v1_catalog
    assert snapshot(migrated, plan.old, "customer", ["id", "name", "referred_by_id"]) == customers


def test_duckdb_identity_goes_on_after_a_table_rename():
    old, new = versions("rename_entity_and_field")
    conn = DuckDB()
    conn.run(render_ddl(old, "duckdb").sql)
    conn.run("INSERT INTO author (name, email) VALUES ('A', 'a@x.io'); INSERT INTO book (title, author_id, price) "
             "VALUES ('T1', 1, 1), ('T2', 1, 2)")
    conn.run(Migration(old, new).sql("duckdb")[0])
    conn.run("INSERT INTO volume (title, author_id, price) VALUES ('T3', 1, 3)")
    assert conn.rows("SELECT id, title FROM volume ORDER BY id") == [(1, "T1"), (2, "T2"), (3, "T3")]
