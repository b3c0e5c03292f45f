"""Hardening on designs nobody here wrote (issue 11): literal defaults of every type, all errors
at once in the user's words, index methods against column types, seed problems located, the
CLI's report and exit code, and the registry the Dagster factory and the CLI share."""

from __future__ import annotations

import base64
import json
import re
import textwrap
from pathlib import Path

import pytest

from conftest import DESIGNS, ROOT, psql_file
from schemaforge.cli import main as cli_main
from schemaforge.ddl.render import render_ddl
from schemaforge.deliverables.seed import build_seed
from schemaforge.design.loader import load_design_text
from schemaforge.findings import DesignErrors

HEADER = "design: t\nversion: 1.0.0\ndescription: hardening case\n"


def load(body: str, header: str = HEADER):
    return load_design_text(header + textwrap.dedent(body), "designs/t.yaml", "t")


def errors(body: str, header: str = HEADER) -> list[tuple[int, int, str, str]]:
    with pytest.raises(DesignErrors) as caught:
        load(body, header)
    return [(f.location.line, f.location.column, f.code, f.message) for f in caught.value.findings]


# -- 3. literal defaults of every type ---------------------------------------------------------

EVERY_DEFAULT = """\
targets: [postgres, mysql, sqlite, sqlserver, oracle, duckdb, clickhouse]
entities:
  thing:
    fields:
      id: {type: bigint, pk: true}
      amount: {type: "decimal(18,2)", default: 0}
      fine: {type: "decimal(5,4)", default: 0.5}
      opens: {type: time, default: "09:30"}
      starts: {type: timestamptz, default: "2024-01-31T13:00:00+01:00"}
      local: {type: timestamp, default: "2024-01-31T12:00:00"}
      day: {type: date, default: "2024-02-29"}
      ratio: {type: double, default: 0.25}
      flag: {type: boolean, default: true}
      label: {type: "string(20)", default: "it's"}
      kind: {type: "enum(a, b)", default: b}
      qty: {type: smallint, default: -3}
      wait: {type: interval, default: "2 days"}
"""


@pytest.mark.parametrize("value,type_,problem", [
    ("12345.678", "decimal(5,2)", "more than 2 digits after the point"),
    ("1234.5", "decimal(5,2)", "more than 3 digits before the point"),
    ('"not a time"', "time", "write a time such as 09:30"),
    ('"25:00"', "time", "not a time of day"),
    ('"2023-02-29"', "date", "not a date on the calendar"),
    ('"2024-01-31T12:00:00Z"', "timestamp", "takes no offset"),
    ('"0001-01-01"', "date", "year 1 is outside"),
    ("40000", "smallint", "out of range for smallint"),
    ('"soon"', "interval", "write an interval"),
])
def test_a_literal_default_that_does_not_fit_its_type_is_a_located_error(value, type_, problem):
    body = f"""\
        entities:
          thing:
            fields:
              id: {{type: bigint, pk: true}}
              x: {{type: "{type_}", default: {value}}}
        """
    line, column, code, message = errors(body)[0]
    assert (line, code) == (8, "SP303") and problem in message
    written = textwrap.dedent(body).splitlines()[4]
    assert column == written.index("default: ") + len("default: ") + 1  # at the value


def test_every_literal_default_fits_in_canonical_form():
    design = load(EVERY_DEFAULT)
    defaults = {c.name: c.default.value for c in design.entities["thing"].columns if c.default}
    assert defaults["amount"] == "0.00" and defaults["fine"] == "0.5000"
    assert defaults["opens"] == "09:30:00" and defaults["day"] == "2024-02-29"
    assert defaults["starts"] == "2024-01-31 12:00:00"  # moved to UTC
    assert defaults["local"] == "2024-01-31 12:00:00"


def test_oracle_writes_date_and_time_defaults_as_typed_literals():
    sql = render_ddl(load(EVERY_DEFAULT), "oracle").sql
    assert "opens INTERVAL DAY TO SECOND DEFAULT INTERVAL '0 09:30:00' DAY TO SECOND" in sql
    assert "DEFAULT TIMESTAMP '2024-01-31 12:00:00 +00:00'" in sql
    assert "local TIMESTAMP(6) DEFAULT TIMESTAMP '2024-01-31 12:00:00'" in sql
    assert "day DATE DEFAULT DATE '2024-02-29'" in sql


def _write(tmp_path: Path, body: str, name: str = "t") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(HEADER.replace("design: t", f"design: {name}") + textwrap.dedent(body))
    return path


def _defaults_row(conn_query, table: str = "thing"):
    return conn_query(f"SELECT amount, fine, opens, day FROM {table} ORDER BY id DESC LIMIT 1")


def test_every_default_applies_and_fills_a_row_on_postgres_and_mariadb(tmp_path, pg_database, mariadb_database):
    design = load(EVERY_DEFAULT)
    build_seed(design, tmp_path)  # a decimal(18,2) default of 0 used to die in pyarrow
    pg_database.execute(render_ddl(design, "postgres").sql)
    psql_file(pg_database, tmp_path / "seed" / "postgres.sql")
    pg_database.execute("SET TIME ZONE 'America/New_York'")  # the default is an instant, not a wall time
    pg_database.execute("INSERT INTO thing DEFAULT VALUES")
    row = pg_database.execute("SELECT amount::text, fine::text, opens::text, day::text, "
                              "(starts AT TIME ZONE 'UTC')::text FROM thing ORDER BY id DESC LIMIT 1").fetchone()
    assert row == ("0.00", "0.5000", "09:30:00", "2024-02-29", "2024-01-31 12:00:00")
    mariadb_database.run(render_ddl(design, "mysql").sql)
    mariadb_database.run((tmp_path / "seed" / "mysql.sql").read_text())
    mariadb_database.run("INSERT INTO thing () VALUES ()")
    row = mariadb_database.query("SELECT CAST(amount AS CHAR), CAST(opens AS CHAR), CAST(starts AS CHAR) "
                                 "FROM thing ORDER BY id DESC LIMIT 1")[0]
    assert row == ("0.00", "09:30:00.000000", "2024-01-31 12:00:00.000000")


def test_every_default_applies_on_sqlite_duckdb_and_clickhouse(tmp_path, clickhouse_database):
    import sqlite3

    import duckdb

    design = load(EVERY_DEFAULT)
    build_seed(design, tmp_path)
    lite = sqlite3.connect(":memory:")
    lite.executescript(render_ddl(design, "sqlite").sql + (tmp_path / "seed" / "sqlite.sql").read_text())
    lite.execute("INSERT INTO thing DEFAULT VALUES")
    assert lite.execute("SELECT opens, day FROM thing ORDER BY id DESC LIMIT 1").fetchone() == ("09:30:00", "2024-02-29")
    duck = duckdb.connect()
    duck.execute(render_ddl(design, "duckdb").sql)
    duck.execute((tmp_path / "seed" / "duckdb.sql").read_text())
    duck.execute("INSERT INTO thing DEFAULT VALUES")
    assert duck.execute("SELECT CAST(amount AS VARCHAR), CAST(opens AS VARCHAR) FROM thing ORDER BY id DESC LIMIT 1"
                        ).fetchone() == ("0.00", "09:30:00")
    clickhouse_database.run(render_ddl(design, "clickhouse").sql)
    clickhouse_database.run((tmp_path / "seed" / "clickhouse.sql").read_text())
    assert clickhouse_database.query("SELECT count() FROM thing")[0][0] == 1000


# -- 4. null_fraction everywhere ---------------------------------------------------------------

def test_null_fraction_is_honoured_by_a_reference_that_closes_a_cycle(tmp_path):
    import pyarrow.parquet as pq

    body = """\
        entities:
          team:
            fields:
              id: {type: integer, pk: true}
              captain: {ref: player, nullable: true}
          player:
            fields:
              id: {type: integer, pk: true}
              team: {ref: team}
        seed:
          rows: {team: 2000, player: 3000}
          fields:
            team.captain: {null_fraction: 0.5}
        """
    build_seed(load(body), tmp_path)
    captains = pq.read_table(tmp_path / "seed" / "team.parquet").column("captain_id")
    assert 0.45 < captains.null_count / len(captains) < 0.55  # was a fixed 10%
    twin = body.replace("{null_fraction: 0.5}", "{null_fraction: 0.0}")
    build_seed(load(twin), tmp_path / "twin")
    assert pq.read_table(tmp_path / "twin" / "seed" / "team.parquet").column("captain_id").null_count == 0


# -- 6. a generator failure is a located seed problem ------------------------------------------

def test_a_generator_failure_names_the_entity_the_column_and_the_line(tmp_path, monkeypatch):
    from schemaforge.seed import generate

    real = generate.column_values

    def broken(spec, rng, rows):
        if spec.column.name == "label":
            raise ValueError("boom inside a library")
        return real(spec, rng, rows)

    monkeypatch.setattr(generate, "column_values", broken)
    design = load("""\
        entities:
          thing:
            fields:
              id: {type: bigint, pk: true}
              label: {type: "string(20)"}
        """)
    result = build_seed(design, tmp_path)
    [problem] = result.problems
    finding = problem.finding(design)
    assert (finding.code, finding.location.line) == ("SD104", 8)
    assert "'thing.label'" in finding.message and "ValueError: boom inside a library" in finding.message


# -- 7. the CLI says everything and exits non-zero on errors ------------------------------------

def test_build_prints_findings_with_counts_and_fails_on_a_lint_error(tmp_path, capsys):
    # A GIN index on a string loads, but the primary target cannot build it: lint error TG113.
    bad = _write(tmp_path, """\
        targets: [postgres, mysql]
        entities:
          thing:
            fields:
              id: {type: bigint, pk: true}
              title: {type: "string(20)"}
            indexes: [{fields: [title], using: gin}]
        """)
    assert cli_main(["build", str(bad), "--build", str(tmp_path / "out")]) == 1
    out = capsys.readouterr()
    assert "t.yaml:10:" in out.err and "[TG113]" in out.err and "1 errors" in out.out
    assert not (tmp_path / "out" / "t" / "ddl").exists()  # a design with errors builds nothing more
    good = _write(tmp_path, """\
        targets: [postgres, mysql]
        entities:
          thing:
            fields:
              id: {type: bigint, pk: true}
        """, "good")
    assert cli_main(["build", str(good), "--build", str(tmp_path / "out")]) == 0
    assert "0 errors" in capsys.readouterr().out
    assert (tmp_path / "out" / "good" / "manifest.json").exists()


def test_build_fails_when_the_seed_cannot_satisfy_the_design(tmp_path, capsys):
    path = _write(tmp_path, """\
        entities:
          thing:
            fields:
              id: {type: bigint, pk: true}
              flag: {type: boolean, unique: true}
        seed:
          rows: {thing: 10}
        """)
    assert cli_main(["build", str(path), "--build", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "t.yaml:8:" in err and "[SD101]" in err and "unique boolean" in err


# -- 8. every error at once, in the user's words -----------------------------------------------

def test_all_errors_at_once_without_internal_names():
    found = errors("""\
        database: postgress
        types:
          money: {type: "decimal(12,2)", chek: "value >= 0"}
        entities:
          customer:
            fields:
              id: {type: uuid, pk: true}
              balance: money
              kind: {type: integr}
          purchase:
            fields:
              id: {type: bigint, pk: true}
              customer: {ref: custmer}
              total: money
        """)
    messages = {code: message for _, _, code, message in found}
    assert len(found) == 4, found  # no `unknown type 'money'` for each use of the broken type
    assert "for 'database'; use one of postgres" in messages["SP104"] and "microservices" in messages["SP104"]
    assert "literal[" not in messages["SP104"] and "did you mean 'postgres'" in messages["SP104"]
    assert "did you mean 'check'" in messages["SP101"]
    assert "did you mean 'integer'" in messages["SP301"]
    assert "did you mean 'customer'" in messages["SP401"]


def test_the_clinic_design_loads_without_pydantic_warnings(recwarn):
    from schemaforge.deliverables.facets import code_version
    from schemaforge.design.loader import load_design

    design = load_design(DESIGNS / "clinic.yaml")
    code_version(design, "seed")  # dumps the whole document, literal filters included
    assert [str(w.message) for w in recwarn if "Pydantic" in str(w.message)] == []


# -- 9. index methods against column types ------------------------------------------------------

INDEXED = """\
database: postgres
entities:
  doc:
    fields:
      id: {type: bigint, pk: true}
      title: {type: "string(200)"}
      body: text
      tags: {type: "array(text)"}
      meta: json
    indexes:
      - {fields: [INDEX_FIELDS], using: METHOD}
"""


@pytest.mark.parametrize("fields,method,problem", [
    ("title", "gin", "no 'gin' operator class for title"),
    ("body", "gist", "no 'gist' operator class for body"),
    ("title, body", "hash", "'hash' indexes take one column"),
    ("meta", "brin", "no 'brin' operator class for meta"),
])
def test_an_index_method_a_column_type_cannot_take_is_an_error_on_the_primary_target(fields, method, problem, pg_database):
    design = load(INDEXED.replace("INDEX_FIELDS", fields).replace("METHOD", method))
    ddl = render_ddl(design, "postgres")
    [finding] = [f for f in ddl.findings if f.code == "TG113"]
    assert finding.severity == "error" and problem in finding.message
    assert finding.location.line == 14  # the index's using:
    pg_database.execute(ddl.sql)  # with the default method instead, the DDL applies


@pytest.mark.parametrize("fields,method", [("tags", "gin"), ("meta", "gin"), ("title", "hash"), ("title", "brin")])
def test_an_index_method_that_fits_is_kept_and_applies(fields, method, pg_database):
    ddl = render_ddl(load(INDEXED.replace("INDEX_FIELDS", fields).replace("METHOD", method)), "postgres")
    assert not [f for f in ddl.findings if f.code == "TG113"]
    assert f"USING {method}(" in ddl.sql
    pg_database.execute(ddl.sql)


# -- 15. the examples read the same in every YAML parser ----------------------------------------

def test_the_old_flow_form_is_accepted_with_an_info_finding_and_a_fix():
    from schemaforge.lint.rules import lint_design

    design = load("""\
        entities:
          thing:
            fields:
              id: {type: bigint, pk: true}
              kind: {type: enum(a, b), default: a}
        """)
    [note] = [f for f in lint_design(design) if f.code == "SP006"]
    assert (note.severity, note.location.line, note.fix) == ("info", 8, 'quote it: "enum(a, b)"')
    quoted = load("""\
        entities:
          thing:
            fields:
              id: {type: bigint, pk: true}
              kind: {type: "enum(a, b)", default: a}
        """)
    assert not [f for f in lint_design(quoted) if f.code == "SP006"]


# -- 18, 19. one registry; the Dagster UI ------------------------------------------------------

def test_one_registry_drives_both_front_ends():
    registry = (ROOT / "schemaforge" / "deliverables" / "registry.py").read_text()
    factory = (ROOT / "assets" / "design_assets.py").read_text()
    cli = (ROOT / "schemaforge" / "cli.py").read_text()
    assert "deliverables(plan)" in factory and "deliverables(plan)" in cli
    for branch in ('generator ==', 'generator in (', 'item.name ==', 'name == "'):
        assert branch not in factory, branch
    assert "_ENTRIES" in registry


def test_asset_names_are_unambiguous_in_the_lineage_graph():
    from assets.design_assets import design_definitions

    assets, _ = design_definitions(DESIGNS / "shop.yaml")
    keys = [key for a in assets for key in a.keys]
    last = [k.path[-1] for k in keys]
    assert len(last) == len(set(last)), sorted(last)
    assert {k.to_user_string() for k in keys} >= {"shop/ddl_duckdb", "shop/migrations_duckdb", "shop/erd"}


def test_the_erd_is_shown_as_a_picture_and_the_lint_by_severity(tmp_path, monkeypatch):
    from schemaforge.deliverables.registry import deliverables, plan_design
    from schemaforge.design.loader import load_design

    monkeypatch.setenv("SCHEMAFORGE_BUILD", str(tmp_path))
    plan = plan_design(DESIGNS / "shop.yaml", load_design(DESIGNS / "shop.yaml"))
    items = {d.name: d for d in deliverables(plan)}
    erd = items["erd"].build(tmp_path / "shop").shown["erd"]
    assert erd.kind == "md" and erd.value.startswith("![ERD](data:image/svg+xml;base64,")
    svg = base64.b64decode(erd.value.split(",", 1)[1].rstrip(")"))
    assert svg == (tmp_path / "shop" / "erd" / "erd.svg").read_bytes()
    lint = items["lint"].build(tmp_path / "shop").shown
    report = json.loads((tmp_path / "shop" / "lint.json").read_text())
    assert {k: lint[k].value for k in ("errors", "warnings", "infos")} == {
        f"{s}s": n for s, n in report["counts"].items()}


# -- 10. reserved words as JSON and array columns -----------------------------------------------

RESERVED_JSON = """\
targets: [postgres, mysql, sqlite, sqlserver, oracle, duckdb, clickhouse]
entities:
  thing:
    fields:
      id: {type: bigint, pk: true}
      select: json
      order: {type: "array(text)", nullable: true}
      from: {type: "enum(a, b)", default: a}
      group: {type: boolean, default: false}
"""


def test_json_and_array_columns_named_by_reserved_words_apply_everywhere(pg_database, mariadb_database, clickhouse_database):
    import sqlite3

    import duckdb
    from test_ddl_targets import assert_parses_back

    design = load(RESERVED_JSON)
    ddl = {target: render_ddl(design, target).sql for target in design.targets}
    lite = sqlite3.connect(":memory:")
    lite.executescript(ddl["sqlite"])
    lite.execute("""INSERT INTO thing (id, "select", "order") VALUES (1, '{"a": 1}', '["x"]')""")
    with pytest.raises(sqlite3.IntegrityError, match="ck_thing_select_json"):
        lite.execute("""INSERT INTO thing (id, "select") VALUES (2, 'not json')""")
    duckdb.connect().execute(ddl["duckdb"])
    pg_database.execute(ddl["postgres"])
    mariadb_database.run(ddl["mysql"])
    clickhouse_database.run(ddl["clickhouse"])
    with pytest.raises(Exception, match="ck_thing_select_json"):
        clickhouse_database.run("""INSERT INTO thing (id, "select") VALUES (2, 'not json')""")
    assert assert_parses_back(ddl["sqlserver"], "tsql") >= 1
    assert assert_parses_back(ddl["oracle"], "oracle") >= 1
    assert '"select" IS JSON' in ddl["oracle"] and "ISJSON([select]) = 1" in ddl["sqlserver"]


# -- 11. ClickHouse: big enums; index-only migrations (the round trips are in test_migrations) ---

@pytest.mark.parametrize("count,ch_type", [(127, "Enum8"), (128, "Enum16"), (300, "Enum16")])
def test_a_clickhouse_enum_takes_the_type_that_holds_its_values(count, ch_type, tmp_path, clickhouse_database):
    values = ", ".join(f"v{i}" for i in range(count))
    design = load(f"""\
        targets: [clickhouse]
        entities:
          thing:
            fields:
              id: {{type: bigint, pk: true}}
              code: {{type: "enum({values})"}}
        """)
    sql = render_ddl(design, "clickhouse").sql
    assert f"code {ch_type}(" in sql
    clickhouse_database.run(sql)
    build_seed(design, tmp_path)
    clickhouse_database.run((tmp_path / "seed" / "clickhouse.sql").read_text())
    clickhouse_database.run(f"INSERT INTO thing (id, code) VALUES (100000, 'v{count - 1}')")
    assert clickhouse_database.query("SELECT code FROM thing WHERE id = 100000") == [[f"v{count - 1}"]]


# -- 1. regex checks hold by construction --------------------------------------------------------

REGEX_DESIGN = """\
targets: [postgres, mysql, sqlite, duckdb]
entities:
  account:
    fields:
      id: {type: bigint, pk: true}
      slug: {type: "string(40)", unique: true, check: "value ~ '^[a-z0-9-]+$'"}
      code: {type: "string(12)", unique: true, check: "value ~ '^[A-Z]{2}-[0-9]{6}$'"}
      sku: {type: "string(20)", check: "value SIMILAR TO 'SKU-[0-9]{4}%'"}
      hex: {type: "string(10)", check: "regexp_like(value, '^#[0-9a-f]{6}$')"}
      phone: {type: "string(30)", check: "value ~* '^\\\\+?[0-9 ]{7,15}$'"}
      email: {type: "string(200)", format: email, unique: true}
seed:
  rows: {account: ROWS}
"""


def test_regex_checks_hold_and_unique_ones_stay_unique(tmp_path):
    import duckdb

    design = load(REGEX_DESIGN.replace("ROWS", "300000"))
    result = build_seed(design, tmp_path)
    assert result.problems == []
    stats = duckdb.sql(f"""SELECT count(*), count(DISTINCT slug), count(DISTINCT code), count(DISTINCT email),
        count(*) FILTER (WHERE NOT regexp_full_match(code, '[A-Z]{{2}}-[0-9]{{6}}')),
        count(*) FILTER (WHERE NOT regexp_full_match(sku, 'SKU-[0-9]{{4}}.*'))
        FROM '{tmp_path}/seed/account.parquet'""").fetchone()
    assert stats == (300000, 300000, 300000, 300000, 0, 0)
    emails = duckdb.sql(f"SELECT email FROM '{tmp_path}/seed/account.parquet' LIMIT 3").fetchall()
    assert all("@example" in e for (e,) in emails)  # the email format keeps real-looking emails


def test_regex_seed_loads_with_constraints_on_postgres_and_mariadb(tmp_path, pg_database, mariadb_database):
    design = load(REGEX_DESIGN.replace("ROWS", "3000"))
    assert build_seed(design, tmp_path).problems == []
    pg_database.execute(render_ddl(design, "postgres").sql)
    psql_file(pg_database, tmp_path / "seed" / "postgres.sql")
    assert pg_database.execute("SELECT count(*) FROM account").fetchone()[0] == 3000
    with pytest.raises(Exception, match="ck_account_code"):  # the checks are really on
        pg_database.execute("INSERT INTO account (slug, code, sku, hex, phone, email) "
                            "VALUES ('x', 'ab-123456', 'SKU-1234', '#aaaaaa', '1234567', 'a@b.co')")
    mariadb_database.run(render_ddl(design, "mysql").sql)
    mariadb_database.run((tmp_path / "seed" / "mysql.sql").read_text())
    assert mariadb_database.query("SELECT count(*) FROM account")[0][0] == 3000
    with pytest.raises(Exception, match="ck_account_phone"):
        mariadb_database.run("INSERT INTO account (slug, code, sku, hex, phone, email) "
                             "VALUES ('x', 'AB-123456', 'SKU-1234', '#aaaaaa', 'call me', 'a@b.co')")


@pytest.mark.parametrize("check,problem", [
    ("value ~ '^(a)\\\\1$'", "back reference"),
    ("value ~ '^(?=x)x+$'", "look-ahead"),
    ("value ~ '^[ab]{2}$'", "hold fewer than 1000 distinct values"),
])
def test_a_regex_that_cannot_be_generated_is_a_located_seed_problem(check, problem, tmp_path):
    design = load(f"""\
        entities:
          thing:
            fields:
              id: {{type: bigint, pk: true}}
              tag: {{type: "string(20)", unique: true, check: "{check}"}}
        """)
    [found] = [p for p in build_seed(design, tmp_path).problems if p.kind == "regex"]
    finding = found.finding(design)
    assert finding.code == "SD105" and finding.location.line == 8 and problem in finding.message


def test_similar_to_means_what_postgres_means_on_every_target():
    from schemaforge.design.expressions import similar_to_regex

    assert similar_to_regex("SKU-[0-9]{4}%") == "^(?:SKU-[0-9]{4}.*)$"
    assert similar_to_regex("a.b_c") == r"^(?:a\.b.c)$"  # `.` is literal in SIMILAR TO
    ddl = render_ddl(load(REGEX_DESIGN.replace("ROWS", "10")), "duckdb").sql
    assert "SIMILAR TO" not in ddl and "'^(?:SKU-[0-9]{4}.*)$'" in ddl


# -- 2. comparisons between two columns hold -----------------------------------------------------

COMPARISONS = """\
targets: [postgres, sqlite, duckdb]
entities:
  member:
    fields:
      id: {type: bigint, pk: true}
      handle: {type: "string(30)", unique: true}
  follow:
    fields:
      follower: {ref: member}
      followee: {ref: member}
    primary_key: [follower, followee]
    checks:
      not_self: "follower_id <> followee_id"
  transfer:
    fields:
      id: {type: bigint, pk: true}
      source: {ref: member}
      target: {ref: member}
      amount: {type: "decimal(12,2)", check: "value > 0"}
      fee: {type: "decimal(12,2)", default: 0}
    checks:
      distinct_parties: "source_id <> target_id"
      fee_below_amount: "fee <= amount"
  shift:
    fields:
      id: {type: integer, pk: true}
      starts: time
      ends: time
      day_from: date
      day_to: date
      low: smallint
      high: smallint
      ratio_min: real
      ratio_max: double
      opened_at: timestamp
      closed_on: date
      base_price: "decimal(8,2)"
      units: integer
    checks:
      ends_after_starts: "ends > starts"
      days: "day_from <= day_to"
      bounds: "low < high"
      ratios: "ratio_min <= ratio_max"
      closed_after_open: "closed_on > opened_at"
      units_over_price: "units > base_price"
seed:
  rows: {member: 40, follow: 1000, transfer: 5000, shift: 5000}
"""


def test_comparisons_between_columns_hold_and_load_with_constraints_on(tmp_path, pg_database):
    import sqlite3

    import duckdb

    design = load(COMPARISONS)
    assert build_seed(design, tmp_path).problems == []  # 40 members: follows and transfers collide often
    lite = sqlite3.connect(":memory:")
    lite.execute("PRAGMA foreign_keys = ON")
    lite.executescript(render_ddl(design, "sqlite").sql + (tmp_path / "seed" / "sqlite.sql").read_text())
    assert lite.execute("SELECT count(*) FROM follow WHERE follower_id = followee_id").fetchone() == (0,)
    duck = duckdb.connect()
    duck.execute(render_ddl(design, "duckdb").sql)
    duck.execute((tmp_path / "seed" / "duckdb.sql").read_text())
    assert duck.execute("SELECT count(*) FROM shift WHERE ends <= starts OR closed_on <= opened_at").fetchone() == (0,)
    pg_database.execute(render_ddl(design, "postgres").sql)
    psql_file(pg_database, tmp_path / "seed" / "postgres.sql")
    assert pg_database.execute("SELECT count(*) FROM transfer").fetchone() == (5000,)


# -- 5. realism by column meaning ---------------------------------------------------------------

def test_columns_look_like_what_their_names_say(tmp_path):
    import duckdb

    from schemaforge.seed import words

    design = load("""\
        entities:
          person:
            fields:
              id: {type: bigint, pk: true}
              first_name: {type: "string(50)", pii: name}
              last_name: {type: "string(50)", pii: name}
              city: "string(80)"
              country: "string(60)"
              state: "string(2)"
              postal_code: "string(10)"
              password_hash: "string(100)"
              title: "string(100)"
              is_active: smallint
              year: integer
          line:
            fields:
              id: {type: bigint, pk: true}
              unit_price: "decimal(10,2)"
              quantity: integer
              discount: "decimal(4,3)"
              duration_ms: integer
              size_bytes: bigint
        seed:
          rows: {person: 20000, line: 20000}
        """)
    assert build_seed(design, tmp_path).problems == []
    person = duckdb.sql(f"SELECT * FROM '{tmp_path}/seed/person.parquet'").fetchdf()
    assert set(person.first_name) <= set(words.FIRST_NAMES) and set(person.last_name) <= set(words.LAST_NAMES)
    assert person.city.nunique() >= 200 and set(person.country) <= set(words.COUNTRY_NAMES)
    assert set(person.state) <= set(words.STATE_CODES) and person.postal_code.str.fullmatch(r"\d{5}").all()
    assert person.password_hash.str.fullmatch(r"\$2b\$12\$[./A-Za-z0-9]{53}").all()
    assert set(person.is_active) == {0, 1} and person.year.between(1990, 2026).all()
    line = duckdb.sql(f"SELECT * FROM '{tmp_path}/seed/line.parquet'").fetchdf()
    assert line.unit_price.astype(float).between(1, 500).all() and line.quantity.between(1, 20).all()
    assert line.discount.astype(float).between(0, 1).all() and line.duration_ms.between(1, 5000).all()
    assert line.size_bytes.between(1_000, 10_000_000).all()


# -- 19. the picture says what the Mermaid says ------------------------------------------------

def test_the_erd_picture_and_the_mermaid_agree_on_names_and_cardinality():
    import re

    from schemaforge.design.loader import load_design
    from schemaforge.erd.mermaid import render_mermaid
    from schemaforge.erd.picture import render_d2

    design = load_design(DESIGNS / "social.yaml")  # snake_plural: the entity user is the table users
    mermaid, d2 = render_mermaid(design), render_d2(design)
    marks = {"||": "exactly_one", "|o": "zero_or_one", "o{": "zero_or_many", "o|": "zero_or_one"}
    heads = {"cf-one-required": "exactly_one", "cf-one": "zero_or_one", "cf-many": "zero_or_many"}
    said = sorted((parent, marks[p], marks[c], child)
                  for parent, p, c, child in re.findall(r"^    (\w+) (\|\||\|o)--(o\{|o\|) (\w+) :", mermaid, re.M))
    labels = dict(re.findall(r'^(t\d+): \{\n  shape: sql_table\n  label: "(\w+)"', d2, re.M))
    drawn = sorted((labels[target], heads[parent_head], heads[child_head], labels[source])
                   for source, target, child_head, parent_head in re.findall(
                       r'^(t\d+)\.\S+ <-> (t\d+)\.\S+: \{\n  source-arrowhead: \{shape: ([\w-]+)\}\n'
                       r'  target-arrowhead: \{shape: ([\w-]+)\}', d2, re.M))
    assert said == drawn and len(said) == sum(len(e.foreign_keys) for e in design.entities.values())
    assert ("users", "exactly_one", "zero_or_many", "follows") in said
    assert ("posts", "zero_or_one", "zero_or_many", "posts") in said  # an optional self reference
    assert "users {" in mermaid and "user {" not in mermaid
    ledger = render_mermaid(load_design(DESIGNS / "ledger.yaml"))
    assert "journal_entry |o--o| journal_entry" in ledger  # a one-to-one, optional at both ends


# -- 14. under CI a missing driver fails, never skips --------------------------------------------

def test_a_missing_driver_fails_under_ci_and_skips_elsewhere(monkeypatch):
    import conftest

    monkeypatch.setattr(conftest, "IN_CI", True)
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        conftest.require_module("schemaforge_no_such_driver")
    monkeypatch.setattr(conftest, "IN_CI", False)
    with pytest.raises(pytest.skip.Exception, match="not installed"):
        conftest.require_module("schemaforge_no_such_driver")
    assert conftest.require_module("sqlite3").connect  # an installed one is simply imported


def test_a_unique_regex_counter_spans_several_repeats_when_one_is_too_small():
    import re

    import numpy as np

    from schemaforge.seed.regex import RegexGenerator

    rows = 1_500_000  # more than [0-9]{5} holds alone; [0-9]{4} and [0-9]{5} together hold 10**9
    values = RegexGenerator("^INV-[0-9]{4}-[0-9]{5}$").column(
        np.random.default_rng(0), np.arange(rows), rows, True, 16, key=7).to_pylist()
    assert len(set(values)) == rows and all(re.fullmatch(r"INV-\d{4}-\d{5}", v) for v in values[:10000])


def test_a_newline_in_the_design_folder_stays_inside_the_header_comment(tmp_path):
    """Issue 12: a folder named with a newline ended the generated header comment."""
    import sqlite3

    from schemaforge.design.loader import load_design

    folder = tmp_path / "x\nCREATE TABLE canary (id int);\n--"
    folder.mkdir()
    path = folder / "t.yaml"
    path.write_text(HEADER + "entities: {thing: {fields: {id: {type: bigint, pk: true}}}}\n")
    sql = render_ddl(load_design(path), "sqlite").sql
    assert "\nCREATE TABLE canary" not in sql and "\\x0aCREATE TABLE canary" in sql
    db = sqlite3.connect(":memory:")
    db.executescript(sql)
    assert db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall() == [("thing",)]


# -- issue 12, point 8: deep expressions ---------------------------------------------------------

@pytest.mark.parametrize("check", [" AND ".join(["value > 0"] * 2000), "(" * 1000 + "value > 0" + ")" * 1000])
def test_deep_checks_load_render_and_seed_and_sqlite_says_what_it_leaves_out(check, tmp_path, pg_database):
    """2,000 ANDed terms and 1,000 nested parentheses raised RecursionError; PostgreSQL takes both."""
    import sqlite3

    design = load(f"""\
        targets: [postgres, sqlite, duckdb]
        entities:
          a:
            fields:
              id: {{type: integer, pk: true}}
              x: {{type: integer, check: "{check}"}}
        seed:
          rows: {{a: 50}}
        """)
    assert build_seed(design, tmp_path).problems == []
    pg_database.execute(render_ddl(design, "postgres").sql)
    psql_file(pg_database, tmp_path / "seed" / "postgres.sql")
    with pytest.raises(Exception, match="ck_a_x"):
        pg_database.execute("INSERT INTO a (id, x) VALUES (1000, -1)")
    lite = render_ddl(design, "sqlite")
    deep = [f for f in lite.findings if f.code == "TG101" and "levels deep" in f.message]
    assert deep  # SQLite evaluates at most 1,000 levels (and its parser stack is shallower still)
    sqlite3.connect(":memory:").executescript(lite.sql)


def test_an_absurdly_deep_check_is_a_located_error():
    [(line, _, code, message)] = errors(f"""\
        entities:
          a:
            fields:
              id: {{type: integer, pk: true}}
              x: {{type: integer, check: "{'(' * 30000}value > 0{')' * 30000}"}}
        """)
    assert (line, code) == (8, "SP501") and "nests too deep" in message


# -- issue 12, point 12: names the seed engine uses itself ----------------------------------------

def test_columns_named_like_the_seed_engines_own_build_and_load(tmp_path):
    """`n`, `depth` and friends broke the load-script writer's DuckDB query (a binder error)."""
    import sqlite3

    design = load("""\
        targets: [sqlite]
        entities:
          node:
            fields:
              id: {type: bigint, pk: true}
              parent: {ref: node, nullable: true}
              n: {type: integer, default: 3}
              depth: integer
              k: integer
              rows: integer
              seed_value: integer
        seed:
          rows: {node: 300}
        """)
    assert build_seed(design, tmp_path).problems == []
    db = sqlite3.connect(":memory:")
    db.executescript(render_ddl(design, "sqlite").sql + (tmp_path / "seed" / "sqlite.sql").read_text())
    assert db.execute("SELECT count(*) FROM node").fetchone() == (300,)


def test_a_column_named_file_row_number_is_a_located_error():
    from schemaforge.lint.rules import lint_design

    design = load("""\
        entities:
          thing:
            fields:
              id: {type: bigint, pk: true}
              file_row_number: integer
        """)
    [finding] = [f for f in lint_design(design) if f.code == "NM106"]
    assert finding.severity == "error" and finding.location.line == 8 and "`column:`" in finding.fix


def test_an_array_of_enums_seeds_and_loads(tmp_path, pg_database, mariadb_database):
    """The load-script writer formatted an array's item type by hand and died on enums (KeyError)."""
    import sqlite3

    import duckdb

    design = load("""\
        targets: [postgres, mysql, sqlite, duckdb]
        entities:
          thing:
            fields:
              id: {type: bigint, pk: true}
              tags: {type: "array(enum(red, green))", nullable: true}
        seed:
          rows: {thing: 200}
        """)
    assert build_seed(design, tmp_path).problems == []
    pg_database.execute(render_ddl(design, "postgres").sql)
    psql_file(pg_database, tmp_path / "seed" / "postgres.sql")
    mariadb_database.run(render_ddl(design, "mysql").sql)
    mariadb_database.run((tmp_path / "seed" / "mysql.sql").read_text())
    lite = sqlite3.connect(":memory:")
    lite.executescript(render_ddl(design, "sqlite").sql + (tmp_path / "seed" / "sqlite.sql").read_text())
    duck = duckdb.connect()
    duck.execute(render_ddl(design, "duckdb").sql)
    duck.execute((tmp_path / "seed" / "duckdb.sql").read_text())
    assert duck.execute("SELECT count(*) FROM thing").fetchone() == (200,)


def test_a_lone_surrogate_in_a_description_is_located():
    [(line, _, code, message)] = errors("""\
        entities:
          a:
            fields:
              id: {type: integer, pk: true, description: "half \\ud800 of a pair"}
        """)
    assert (line, code) == (7, "SP007") and "U+D800" in message


def test_the_seed_engine_reads_only_its_own_folder(tmp_path):
    """Issue 12, point 4: design SQL that slipped past the loader still cannot read a file."""
    import duckdb

    from schemaforge.seed.sql import sandboxed_connection

    con = sandboxed_connection(tmp_path)
    con.execute(f"COPY (SELECT 1 AS x) TO '{tmp_path}/own.parquet' (FORMAT parquet)")
    assert con.execute(f"SELECT x FROM read_parquet('{tmp_path}/own.parquet')").fetchall() == [(1,)]
    with pytest.raises(duckdb.PermissionException):
        con.execute("SELECT * FROM read_csv('/etc/passwd')")
    with pytest.raises(duckdb.Error):  # and no statement can lift it
        con.execute("SET enable_external_access = true")


def test_the_expectations_engine_reads_only_the_seed_folder(tmp_path):
    """Issue 12, point 4: Great Expectations' DuckDB connections are sandboxed too. A rule query
    that slipped past the loader and reads /etc/passwd fails there (the file's lines are never
    copied into the results); its good twin, the same kind of query over the seed, runs."""
    from schemaforge.expectations.run import run_suite
    from schemaforge.expectations.suites import Expectation, Suite, view_name

    design = load("entities: {thing: {fields: {id: {type: bigint, pk: true}}}}\nseed: {rows: {thing: 5}}\n")
    build_seed(design, tmp_path)
    query = "SELECT * FROM {batch} WHERE id < 0"
    hostile = "SELECT * FROM read_csv('/etc/passwd', header = false, sep = ':') WHERE id IS NOT NULL OR true"
    suite = Suite("thing", view_name(design.entities["thing"]), [
        Expectation("own_rows", "UnexpectedRowsExpectation", {"unexpected_rows_query": query}),
        Expectation("passwd", "UnexpectedRowsExpectation", {"unexpected_rows_query": hostile}),
    ])
    result = run_suite(design, suite, tmp_path / "seed")
    outcomes = {o["name"]: o for o in result.expectations}
    assert outcomes["own_rows"]["success"] is True
    assert outcomes["passwd"]["success"] is False and "root:" not in json.dumps(outcomes["passwd"])
    assert "Permission Error" in outcomes["passwd"]["error"] or "disabled" in outcomes["passwd"]["error"]


def test_every_connection_the_expectations_open_at_once_is_sandboxed_and_usable(tmp_path):
    """Connections to one DuckDB file share its settings. The second connection Great
    Expectations opened set them again, and DuckDB refused it ("the configuration has been
    locked"), failing each metric computed on that connection; GX retried each one three times."""
    import duckdb
    import sqlalchemy

    from schemaforge.expectations import dialect
    from schemaforge.expectations.run import _sandbox
    from schemaforge.seed.sql import NO_EXTENSIONS

    database = tmp_path / "seed.duckdb"
    duckdb.connect(str(database)).close()
    engine = sqlalchemy.create_engine(f"{dialect.SCHEME}:///{database}",
                                      connect_args={"read_only": True, "config": NO_EXTENSIONS})
    _sandbox(engine, tmp_path)
    with engine.connect() as first, engine.connect() as second:  # open side by side, as GX does
        for connection in (first, second):
            setting = connection.exec_driver_sql("SELECT current_setting('enable_external_access')").scalar()
            assert setting is False
            with pytest.raises(sqlalchemy.exc.DBAPIError, match="disabled|Permission"):
                connection.exec_driver_sql("SELECT * FROM read_csv('/etc/passwd')")
    engine.dispose()


# -- issue 12, point 1: every literal form is re-rendered as the target's literal ---------------

PAYLOAD = "x'); CREATE TABLE canary (id int); --"
LITERAL_FORMS = {
    "escape string": "E'x\\\\'); CREATE TABLE canary (id int); --'",
    "dollar quotes": "$$x'); CREATE TABLE canary (id int); --$$",
    "tagged dollar quotes": "$q$x'); CREATE TABLE canary (id int); --$q$",
    "national": "N'x''); CREATE TABLE canary (id int); --'",
    "unicode escapes": "U&'x\\\\0027); CREATE TABLE canary (id int); --'",
}


@pytest.mark.parametrize("form", sorted(LITERAL_FORMS))
def test_every_literal_form_stays_a_literal_on_every_target(form, tmp_path, pg_database, mariadb_database, clickhouse_database):
    """An E'' string passed the loader and five renderers wrote its content unquoted: applied on
    MariaDB and SQLite, the payload created tables of its own."""
    import sqlite3

    import duckdb
    from test_ddl_targets import assert_parses_back

    literal = LITERAL_FORMS[form].replace('"', '\\\\"')
    design = load(f"""\
        targets: [postgres, mysql, sqlite, sqlserver, oracle, duckdb, clickhouse]
        entities:
          thing:
            fields:
              id: {{type: bigint, pk: true}}
              label: {{type: "string(80)", check: "value <> {literal}"}}
        """)
    ddl = {target: render_ddl(design, target).sql for target in design.targets}
    pg_database.execute(ddl["postgres"])
    assert pg_database.execute("SELECT to_regclass('canary')").fetchone() == (None,)
    with pytest.raises(Exception, match="ck_thing_label"):  # the literal means the same text there
        pg_database.execute("INSERT INTO thing (label) VALUES (%s)", (PAYLOAD,))
    mariadb_database.run(ddl["mysql"])
    assert mariadb_database.query("SHOW TABLES") == [("thing",)]
    lite = sqlite3.connect(":memory:")
    lite.executescript(ddl["sqlite"])
    assert lite.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall() == [("thing",)]
    with pytest.raises(sqlite3.IntegrityError):
        lite.execute("INSERT INTO thing (label) VALUES (?)", (PAYLOAD,))
    duck = duckdb.connect()
    duck.execute(ddl["duckdb"])
    assert duck.execute("SELECT table_name FROM duckdb_tables()").fetchall() == [("thing",)]
    clickhouse_database.run(ddl["clickhouse"])
    assert clickhouse_database.query("SELECT name FROM system.tables WHERE database = currentDatabase()") == [["thing"]]
    assert assert_parses_back(ddl["sqlserver"], "tsql") >= 1 and assert_parses_back(ddl["oracle"], "oracle") >= 1


@pytest.mark.parametrize("literal", ["B'0101'", "X'1F'"])
def test_bit_and_hex_strings_are_located_errors(literal):
    [(line, _, code, message)] = errors(f"""\
        entities:
          thing:
            fields:
              id: {{type: bigint, pk: true}}
              label: {{type: "string(80)", check: "value <> {literal}"}}
        """)
    assert (line, code) == (8, "SP506") and "bit or hex string" in message


# -- issue 12, point 11 (in part): what killed builds leave, and who may read the output ---------

def test_seed_output_is_readable_and_killed_builds_leave_nothing_behind(tmp_path):
    import os
    import stat

    from schemaforge.deliverables.seed import recover_seed_folder

    design = load("entities: {thing: {fields: {id: {type: bigint, pk: true}}}}\nseed: {rows: {thing: 10}}\n")
    root = tmp_path / "t"
    (root / ".seed.k1ll3d").mkdir(parents=True)  # the staging folder of a build killed mid-seed
    (root / ".seed.k1ll3d" / "thing.parquet").write_bytes(b"half a file")
    build_seed(design, root)
    assert sorted(p.name for p in root.iterdir()) == ["seed"]
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE((root / "seed").stat().st_mode) == 0o777 & ~umask  # not mkdtemp's 0700
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o666 & ~umask for p in (root / "seed").iterdir())
    # Killed between the swap's two renames: the previous seed is put back, whole.
    os.replace(root / "seed", root / ".seed.retired")
    recover_seed_folder(root)
    assert (root / "seed" / "thing.parquet").exists() and not (root / ".seed.retired").exists()


def test_atomic_writes_leave_files_readable_by_the_group(tmp_path):
    import os
    import stat

    from schemaforge.deliverables.files import write_atomic

    write_atomic(tmp_path / "ddl" / "postgres.sql", b"SELECT 1;\n")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE((tmp_path / "ddl" / "postgres.sql").stat().st_mode) == 0o666 & ~umask  # not 0600


# -- issue 12: user text in a message cannot forge lines or drive the terminal --------------------

ENTITY = "entities: {thing: {fields: {id: {type: bigint, pk: true}}}}\n"


def test_a_finding_is_one_line_whatever_text_the_design_brought(tmp_path, capsys):
    """A design name holding a newline printed a second line that read as SQL: control
    characters and line separators in a message are written as escapes."""
    path = tmp_path / "t.yaml"
    path.write_text('design: "x\\nCREATE TABLE canary (id int);\\u2028"\nversion: 1.0.0\ndescription: d\n' + ENTITY)
    assert cli_main(["check", str(path)]) == 1
    err = capsys.readouterr().err
    [line] = [line for line in err.splitlines() if "[SP201]" in line]
    assert "x\\nCREATE TABLE canary (id int);\\u2028" in line and "\u2028" not in err
    assert not any(line.startswith("CREATE") for line in err.splitlines())
    good = tmp_path / "g.yaml"  # its good twin: plain text is printed as it is
    good.write_text('design: "Shop é"\nversion: 1.0.0\ndescription: d\n' + ENTITY)
    assert cli_main(["check", str(good)]) == 1
    assert "design name 'Shop é' must" in capsys.readouterr().err


# -- issue 12, point 9: a large seed says what it will cost, then how far it is --------------------

def test_a_large_seed_gives_an_estimate_before_it_starts_and_then_its_progress(tmp_path, monkeypatch, caplog):
    import logging

    from schemaforge.seed import estimate, generate

    monkeypatch.setattr(estimate, "LARGE_SEED_ROWS", 500)
    monkeypatch.setattr(generate, "LARGE_SEED_ROWS", 500)
    monkeypatch.setattr("schemaforge.deliverables.seed.LARGE_SEED_ROWS", 500)
    design = load("""\
        targets: [postgres, sqlite]
        entities:
          thing:
            fields:
              id: {type: bigint, pk: true}
              label: string(20)
        seed: {rows: {thing: 600}}
        """)
    with caplog.at_level(logging.INFO, logger="schemaforge"):
        build_seed(design, tmp_path / "t")
    lines = [r.getMessage() for r in caplog.records]
    assert re.match(r"t: seed of 600 rows: about \d+ s and [\d.]+ MiB of disk \([\d.,]+ [GM]iB free\)$", lines[0]), lines[0]
    assert lines[1:] == ["t: seed: thing, 0 of 600 rows", "t: seed: the rules made to hold, every constraint counted again",
                         "t: seed: the postgres load script",
                         "t: seed: the sqlite load script"]
    caplog.clear()  # its good twin: a small seed builds quietly
    with caplog.at_level(logging.INFO, logger="schemaforge"):
        build_seed(load(ENTITY + "seed: {rows: {thing: 499}}\n"), tmp_path / "u")
    assert caplog.records == []


def test_the_seed_estimate_is_near_what_the_build_writes(tmp_path):
    """The disk estimate of shop's seed is within a factor of two of the files written."""
    from conftest import load_example
    from schemaforge.deliverables.generate import sql_targets
    from schemaforge.seed.estimate import seed_cost
    from schemaforge.seed.plan import row_counts

    design = load_example("shop")
    build_seed(design, tmp_path)
    written = sum(p.stat().st_size for p in (tmp_path / "seed").iterdir())
    cost = seed_cost(design, row_counts(design), sql_targets(design))
    assert written / 2 < cost.bytes < written * 2, (cost.bytes, written)


# -- issue 12, point 12: text compared with a number is a located error, not an engine's ----------

def test_comparing_text_with_a_number_is_a_located_lint_error():
    """`label > 5` over a text column passed the loader, and the seed's DuckDB raised a binder
    error (PostgreSQL refuses the table too). The lint says where, with a good twin for each."""
    from schemaforge.lint.rules import lint_design

    design = load("""\
        entities:
          thing:
            fields:
              id: {type: bigint, pk: true}
              label: {type: string(20), check: "value > 5"}
              code: {type: integer, check: "value <> 'abc'"}
              quoted: {type: string(20), check: "value > '5'"}
              amount: {type: integer, check: "value <> '12'"}
              name: {type: text, generated: "CASE WHEN code = 1 THEN 'a' ELSE 'b' END"}
            checks:
              sane: "quoted <> 7 OR amount > 1"
        """)
    found = sorted((f.location.line, f.code) for f in lint_design(design) if f.code.startswith("TY"))
    assert found == [(8, "TY101"), (9, "TY102"), (14, "TY101")]


@pytest.mark.parametrize("check,code", [("0/0", "SP504"), ("value * 2", "SP504"), ("'yes'", "SP504"), ("(value + 1)", "SP504"),
                                        ("value / 2 > 0", None), ("value IS NOT NULL", None), ("true", None)])
def test_a_check_must_be_a_condition(check, code):
    """A check `0/0` loaded, and the engines refused the table (PostgreSQL: the argument of CHECK
    must be boolean). A value is a located error; a condition over the same arithmetic loads."""
    body = f"""\
        entities:
          thing:
            fields:
              id: {{type: bigint, pk: true}}
              amount: {{type: integer, check: "{check}"}}
        """
    if code is None:
        assert load(body).entities["thing"].checks
    else:
        [(line, _, found, message)] = errors(body)
        assert (line, found) == (8, code) and "must be a condition (true or false)" in message
