"""The additions real schemas need (SPEC 1, issue 18), each on the real engines: `identity: false`,
`unsigned`, `char(n)`."""

from __future__ import annotations

import re
import sqlite3

import duckdb
import pytest

from schemaforge.deliverables.generate import ddl_artifacts
from schemaforge.design.loader import load_design_text
from schemaforge.findings import DesignErrors

KEYS = """\
design: keys
version: 1.0.0
description: A key the application supplies beside a generated one
targets: [postgres, mysql, sqlite, duckdb]
entities:
  supplied:
    description: rows loaded with the keys of the system they come from
    fields:
      id: {type: bigint, pk: true, identity: false}
      name: {type: string(40)}
  generated:
    description: rows whose keys the database makes
    fields:
      id: {type: bigint, pk: true}
      name: {type: string(40)}
"""


WIDTHS = """\
design: widths
version: 1.0.0
description: Never-negative counts and fixed-width codes
targets: [postgres, mysql, sqlite, duckdb, clickhouse]
entities:
  warehouse:
    fields:
      id: {type: integer, pk: true, unsigned: true}
      code: {type: char(3), unique: true}
  stock:
    fields:
      id: {type: bigint, pk: true}
      warehouse: {ref: warehouse}
      quantity: {type: integer, unsigned: true}
      reorder_at: {type: smallint, unsigned: true, nullable: true}
"""


def _ddl(target: str, text: str = KEYS) -> str:
    design = load_design_text(text, f"designs/{text.split()[1]}.yaml", text.split()[1])
    return ddl_artifacts(design, target)[0].content.decode()


def _refused_at(text: str, good: str, code: str, marker) -> None:
    """`text` (a design) is refused with one finding, `code` at the line `marker` names (its
    number, a piece of it, or a test of it: the first that passes), and its twin `good` loads."""
    name = text.split()[1]
    with pytest.raises(DesignErrors) as raised:
        load_design_text(text, f"designs/{name}.yaml", name)
    matches = marker if callable(marker) else (lambda row: marker in row)
    line = marker if isinstance(marker, int) else next(i for i, row in enumerate(text.splitlines(), 1) if matches(row))
    assert [(f.code, f.location.line) for f in raised.value.findings] == [(code, line)]
    load_design_text(good, f"designs/{name}.yaml", name)


def _without_a_key(run, table: str) -> bool:
    """Whether a row inserted without its key is taken."""
    try:
        run(f"INSERT INTO {table} (name) VALUES ('no key')")
    except Exception:
        return False
    return True


def _engines(pg_database, mariadb_database, text: str = KEYS):
    lite, duck = sqlite3.connect(":memory:"), duckdb.connect()
    lite.executescript(_ddl("sqlite", text))
    duck.execute(_ddl("duckdb", text))
    pg_database.execute(_ddl("postgres", text))
    mariadb_database.run(_ddl("mysql", text))
    return {"sqlite": lite.execute, "duckdb": duck.execute, "postgres": pg_database.execute,
            "mysql": mariadb_database.run}


def test_a_key_the_application_supplies_is_no_identity_on_any_engine_and_its_twin_is(pg_database, mariadb_database):
    for name, run in _engines(pg_database, mariadb_database).items():
        assert not _without_a_key(run, "supplied"), f"{name}: a row without its key was taken"
        run("INSERT INTO supplied (id, name) VALUES (9000000001, 'its own key')")
        assert _without_a_key(run, "generated"), f"{name}: the identity made no key"


@pytest.mark.parametrize("field", [
    "      id: {type: uuid, pk: true, identity: false}",  # not an integer
    "      id: {type: bigint, pk: true}\n      code: {type: integer, identity: false}",  # not the key
])
def test_identity_elsewhere_than_an_integer_key_is_a_located_error(field):
    bad = KEYS.replace("      id: {type: bigint, pk: true, identity: false}", field)
    with pytest.raises(DesignErrors) as raised:
        load_design_text(bad, "designs/keys.yaml", "keys")
    (finding,) = [f for f in raised.value.findings if "identity" in f.message]
    line = next(i for i, text in enumerate(bad.splitlines(), 1) if "identity: false" in text)
    assert (finding.code, finding.location.line) == ("SP105", line)
    load_design_text(KEYS, "designs/keys.yaml", "keys")  # its twin


def test_the_seed_loads_its_own_keys_into_a_supplied_key_and_the_next_row_brings_its_own(pg_database, tmp_path):
    from conftest import psql_file
    from schemaforge.deliverables.seed import build_seed

    design = load_design_text(KEYS, "designs/keys.yaml", "keys")
    assert build_seed(design, tmp_path).problems == []
    pg_database.execute(_ddl("postgres"))
    psql_file(pg_database, tmp_path / "seed" / "postgres.sql")
    loaded = pg_database.execute("SELECT count(*), max(id) FROM supplied").fetchone()
    assert loaded[0] > 0
    pg_database.execute("INSERT INTO supplied (id, name) VALUES (%s, 'next')", (loaded[1] + 1,))
    lite = sqlite3.connect(":memory:")
    lite.executescript(_ddl("sqlite") + (tmp_path / "seed" / "sqlite.sql").read_text())
    assert lite.execute("SELECT count(*) FROM supplied").fetchone()[0] == loaded[0]


def _taken(run, statement: str) -> bool:
    try:
        run(statement)
    except Exception:
        return False
    return True


def test_an_unsigned_integer_refuses_a_negative_value_on_every_engine_and_takes_zero(pg_database, mariadb_database,
                                                                                     clickhouse_database):
    clickhouse_database.run(_ddl("clickhouse", WIDTHS))
    engines = {**_engines(pg_database, mariadb_database, WIDTHS), "clickhouse": clickhouse_database.run}
    for name, run in engines.items():
        run("INSERT INTO warehouse (id, code) VALUES (7, 'AMS')")
        assert not _taken(run, "INSERT INTO stock (id, warehouse_id, quantity) VALUES (1, 7, -1)"), name
        assert _taken(run, "INSERT INTO stock (id, warehouse_id, quantity, reorder_at) VALUES (2, 7, 0, 0)"), name
        assert not _taken(run, "INSERT INTO stock (id, warehouse_id, quantity, reorder_at) VALUES (3, 7, 5, -2)"), name


def test_unsigned_is_the_type_where_the_target_has_one_and_a_reference_inherits_it(mariadb_database, pg_database):
    mariadb_database.run(_ddl("mysql", WIDTHS))  # MySQL refuses a foreign key from INT to INT UNSIGNED
    types = dict(mariadb_database.query(
        "SELECT CONCAT(table_name, '.', column_name), column_type FROM information_schema.columns "
        "WHERE table_schema = DATABASE()"))
    assert types["warehouse.id"] == types["stock.warehouse_id"] == "int(10) unsigned"
    assert (types["stock.quantity"], types["stock.reorder_at"], types["stock.id"]) == (
        "int(10) unsigned", "smallint(5) unsigned", "bigint(20)")
    checks = [name for (name,) in mariadb_database.query(
        "SELECT constraint_name FROM information_schema.check_constraints WHERE constraint_schema = DATABASE()")]
    assert not [name for name in checks if name.endswith("_unsigned")], "the type holds it: no CHECK as well"
    pg_database.execute(_ddl("postgres", WIDTHS))
    pg_checks = {name for (name,) in pg_database.execute(
        "SELECT conname FROM pg_constraint WHERE contype = 'c' AND conname LIKE '%unsigned'").fetchall()}
    assert pg_checks == {"ck_warehouse_id_unsigned", "ck_stock_quantity_unsigned", "ck_stock_reorder_at_unsigned"}
    # ClickHouse's UInt32 would wrap -1 to 4294967295: there the CHECK it is.
    clickhouse = _ddl("clickhouse", WIDTHS)
    assert "UInt" not in clickhouse and "CONSTRAINT ck_stock_quantity_unsigned CHECK" in clickhouse


def test_a_char_column_is_fixed_width_where_the_target_has_the_type_and_refuses_a_longer_value(pg_database,
                                                                                              mariadb_database):
    engines = _engines(pg_database, mariadb_database, WIDTHS)
    for name, run in engines.items():
        assert not _taken(run, "INSERT INTO warehouse (id, code) VALUES (1, 'AMST')"), name
        assert _taken(run, "INSERT INTO warehouse (id, code) VALUES (2, 'AMS')"), name
    assert pg_database.execute("SELECT data_type, character_maximum_length FROM information_schema.columns "
                               "WHERE table_name = 'warehouse' AND column_name = 'code'").fetchone() == ("character", 3)
    assert pg_database.execute("SELECT code FROM warehouse WHERE code = 'AMS'").fetchone() == ("AMS",)
    assert mariadb_database.query("SELECT column_type FROM information_schema.columns WHERE table_schema = DATABASE() "
                                  "AND table_name = 'warehouse' AND column_name = 'code'") == [("char(3)",)]
    assert "NCHAR(3)" in _ddl("sqlserver", WIDTHS.replace("clickhouse]", "sqlserver]"))
    assert "CHAR(3 CHAR)" in _ddl("oracle", WIDTHS.replace("clickhouse]", "oracle]"))


@pytest.mark.parametrize("bad, good, code", [
    ("quantity: {type: decimal(9,2), unsigned: true}", "quantity: {type: decimal(9,2)}", "SP105"),
    ("warehouse: {ref: warehouse, unsigned: true}", "warehouse: {ref: warehouse}", "SP105"),
    ("code: {type: char, unique: true}", "code: {type: char(1), unique: true}", "SP302"),
    ("code: {type: char(0), unique: true}", "code: {type: char(9), unique: true}", "SP302"),
])
def test_unsigned_and_char_misused_are_located_errors(bad, good, code):
    original = good if good in WIDTHS else next(line.strip() for line in WIDTHS.splitlines()
                                                  if line.strip().startswith(good.split(":")[0] + ":"))
    text = WIDTHS.replace(original, bad)
    assert text != WIDTHS
    _refused_at(text, WIDTHS.replace(original, good), code, bad)


def test_the_seed_of_unsigned_and_char_columns_loads_and_keeps_to_them(pg_database, mariadb_database, tmp_path):
    from conftest import psql_file
    from schemaforge.deliverables.seed import build_seed

    design = load_design_text(WIDTHS, "designs/widths.yaml", "widths")
    assert build_seed(design, tmp_path).problems == []
    pg_database.execute(_ddl("postgres", WIDTHS))
    psql_file(pg_database, tmp_path / "seed" / "postgres.sql")
    assert pg_database.execute("SELECT count(*), min(quantity) >= 0 FROM stock").fetchone()[1] is True
    mariadb_database.run(_ddl("mysql", WIDTHS))
    mariadb_database.run((tmp_path / "seed" / "mysql.sql").read_text())
    assert mariadb_database.query("SELECT count(*) FROM stock")[0][0] > 0


EDITS = """\
design: edits
version: 1.0.0
description: Pages that remember when they were last touched
targets: [postgres, mysql, sqlite, duckdb]
entities:
  page:
    fields:
      id: {type: bigint, pk: true}
      body: {type: text}
      touched_at: {type: timestamptz, default: now, on_update: now}
  draft:
    patterns: [timestamps]
    fields:
      id: {type: bigint, pk: true}
      body: {type: text}
"""
LONG_AGO = "2001-02-03 04:05:06"


def _touched_by_update(run, query, table: str = "page", column: str = "touched_at") -> bool:
    """Whether an UPDATE that does not name the column moves it from long ago to now."""
    run(f"INSERT INTO {table} (id, body, {column}) VALUES (1, 'first', '{LONG_AGO}')")
    run(f"UPDATE {table} SET body = 'second' WHERE id = 1")
    (value,) = query(f"SELECT {column} FROM {table} WHERE id = 1")[0]
    return not str(value).startswith("2001")


def test_on_update_now_sets_the_time_on_every_update_on_each_engine_that_can(pg_database, mariadb_database):
    lite = sqlite3.connect(":memory:", isolation_level=None)
    lite.executescript(_ddl("sqlite", EDITS))
    pg_database.execute(_ddl("postgres", EDITS))
    mariadb_database.run(_ddl("mysql", EDITS))
    engines = {
        "postgres": (pg_database.execute, lambda q: pg_database.execute(q).fetchall()),
        "mysql": (mariadb_database.run, mariadb_database.query),
        "sqlite": (lite.execute, lambda q: lite.execute(q).fetchall()),
    }
    for name, (run, query) in engines.items():
        assert _touched_by_update(run, query), f"{name}: the UPDATE left touched_at as it was"
        assert _touched_by_update(run, query, "draft", "updated_at"), f"{name}: the pattern's updated_at"
    assert "ON UPDATE CURRENT_TIMESTAMP(6)" in _ddl("mysql", EDITS)
    functions = [line for line in _ddl("postgres", EDITS).splitlines() if line.startswith("CREATE OR REPLACE FUNCTION")]
    assert [f.split()[4] for f in functions] == ["set_touched_at()", "set_updated_at()"]


def test_on_update_now_where_the_target_has_no_triggers_is_a_finding_at_the_field():
    from schemaforge.ddl.render import render_ddl

    design = load_design_text(EDITS, "designs/edits.yaml", "edits")
    findings = [f for f in render_ddl(design, "duckdb").findings if f.code == "TG106"]
    line = next(i for i, row in enumerate(EDITS.splitlines(), 1) if "on_update: now" in row)
    assert [(f.location.line, "touched_at" in f.message) for f in findings if f.location.line == line] == [(line, True)]


@pytest.mark.parametrize("bad, good, reported", [
    ("touched_at: {type: date, on_update: now}", "touched_at: {type: timestamp, on_update: now}", "touched_at"),
    ("body: {type: text, on_update: now}", "body: {type: text}", "body"),
    # a second one in page: the later field is the one reported
    ("body: {type: timestamptz, on_update: now}", "body: {type: timestamptz}", "touched_at"),
    ("body: {type: text, on_update: cascade}", "body: {type: text}", "body"),
])
def test_on_update_now_misused_is_a_located_error(bad, good, reported):
    original = "touched_at: {type: timestamptz, default: now, on_update: now}" if "touched_at" in bad else "body: {type: text}"
    text = EDITS.replace(original, bad, 1)
    _refused_at(text, EDITS.replace(original, good, 1), "SP105", lambda row: row.strip().startswith(reported))


def test_a_migration_gives_and_takes_on_update_now_on_each_engine(pg_database, mariadb_database):
    from schemaforge.migrate.render import render_migration

    before_text = EDITS.replace("touched_at: {type: timestamptz, default: now, on_update: now}",
                                "touched_at: {type: timestamptz, default: now}")
    before = load_design_text(before_text, "designs/edits.yaml", "edits")
    after = load_design_text(EDITS.replace("1.0.0", "1.1.0"), "designs/edits.yaml", "edits")
    lite = sqlite3.connect(":memory:", isolation_level=None)
    engines = {
        "postgres": (pg_database.execute, lambda q: pg_database.execute(q).fetchall()),
        "mysql": (mariadb_database.run, mariadb_database.query),
        "sqlite": (lite.executescript, lambda q: lite.execute(q).fetchall()),
    }
    for name, (run, query) in engines.items():
        run(_ddl(name, before_text))
        run(render_migration(before, after, name))
        assert _touched_by_update(run, query), f"{name}: the migration did not give touched_at its upkeep"
        run("DELETE FROM page")
        run(render_migration(after, before, name))
        assert not _touched_by_update(run, query), f"{name}: the way back left the upkeep in place"


NAMES = """\
design: names
version: 1.0.0
description: A schema whose constraints carry the names its team gave them
targets: [postgres, mysql, sqlite, duckdb]
entities:
  account:
    fields:
      id: {type: bigint, pk: true, constraint: Account_PK}
      email: {type: string(200), unique: true, constraint: account_email_uq}
      credit: {type: integer, check: "value >= 0", constraint: {check: account_credit_ck}}
    indexes:
      - {fields: [credit], name: pk_entry}
  entry:
    primary_key: {name: entry_key, fields: [account, line]}
    unique:
      entry_reference_uq: [account, reference]
    checks:
      sensible: {check: "amount <> 0", constraint: entry_amount_ck}
    fields:
      account: {ref: account, constraint: entry_account_fk}
      line: {type: integer}
      reference: {type: string(40)}
      amount: {type: integer}
"""
GIVEN = {"Account_PK", "account_email_uq", "account_credit_ck", "entry_key", "entry_reference_uq", "entry_amount_ck",
         "entry_account_fk"}


def test_constraint_names_given_are_used_verbatim_on_each_engine(pg_database, mariadb_database):
    pg_database.execute(_ddl("postgres", NAMES))
    on_postgres = {name for (name,) in pg_database.execute("SELECT conname FROM pg_constraint JOIN pg_namespace n "
                                                           "ON n.oid = connamespace WHERE nspname = 'public'").fetchall()}
    assert on_postgres == GIVEN
    indexes = {name for (name,) in pg_database.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")}
    assert "pk_entry" in indexes  # an index named as the entry's key would have been: that one steps aside
    mariadb_database.run(_ddl("mysql", NAMES))
    on_mysql = {name for (name,) in mariadb_database.query(
        "SELECT constraint_name FROM information_schema.table_constraints WHERE constraint_schema = DATABASE()")}
    assert on_mysql == (GIVEN - {"Account_PK", "entry_key"}) | {"PRIMARY"}  # MySQL's key is always PRIMARY
    lite = sqlite3.connect(":memory:")
    lite.executescript(_ddl("sqlite", NAMES))
    schema = " ".join(sql for (sql,) in lite.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL"))
    assert all(re.search(f'CONSTRAINT "?{name}"? ', schema) for name in GIVEN), schema
    duckdb.connect().execute(_ddl("duckdb", NAMES))


@pytest.mark.parametrize("bad, good, code", [
    # given twice (case aside): the second is reported
    ("reference: {type: string(40), unique: true, constraint: ENTRY_KEY}",
     "reference: {type: string(40), unique: true, constraint: entry_ref_uq}", "SP202"),
    ("line: {type: integer, check: \"value > 0\", constraint: 9lives}",
     "line: {type: integer, check: \"value > 0\", constraint: nine_lives}", "SP201"),
    ("line: {type: integer, constraint: line_ck}", "line: {type: integer, check: \"value > 0\", constraint: line_ck}", "SP105"),
    ("amount: {type: integer, check: \"value <> 0\", unique: true, constraint: amount_ck}",
     "amount: {type: integer, check: \"value <> 0\", unique: true, constraint: {check: amount_ck, unique: amount_uq}}",
     "SP105"),
    ("amount: {type: integer, constraint: {ref: amount_fk}}", "amount: {type: integer}", "SP105"),
])
def test_constraint_names_misgiven_are_located_errors(bad, good, code):
    field = bad.split(":")[0]
    original = next(line.strip() for line in NAMES.splitlines() if line.strip().startswith(field + ":"))
    text = NAMES.replace(original, bad)
    _refused_at(text, NAMES.replace(original, good), code, bad)


CYCLE = """\
design: cycle
version: 1.0.0
description: Every department has a manager, who works in a department
targets: [postgres, mysql, sqlite, duckdb, sqlserver, oracle]
entities:
  department:
    fields:
      id: {type: bigint, pk: true, identity: false}
      name: {type: string(60)}
      manager: {ref: employee, deferrable: true}
  employee:
    fields:
      id: {type: bigint, pk: true, identity: false}
      name: {type: string(60)}
      department: {ref: department}
seed:
  rows: {department: 20, employee: 200}
"""


def test_a_not_null_cycle_is_refused_unless_one_of_its_references_is_deferrable():
    with pytest.raises(DesignErrors) as raised:
        load_design_text(CYCLE.replace(", deferrable: true", ""), "designs/cycle.yaml", "cycle")
    assert [f.code for f in raised.value.findings] == ["SP404"]
    load_design_text(CYCLE, "designs/cycle.yaml", "cycle")  # its twin


def _deferred_insert(run, commit, orphan: bool) -> bool:
    """A department whose manager arrives later in the transaction: taken at COMMIT, unless the
    manager never arrives."""
    try:
        run("INSERT INTO department (id, name, manager_id) VALUES (1, 'Sales', 10)")
        run(f"INSERT INTO employee (id, name, department_id) VALUES ({11 if orphan else 10}, 'Ann', 1)")
        commit()
    except Exception:
        return False
    return True


def test_a_deferrable_reference_is_checked_at_commit_on_postgres_and_sqlite(pg_database):
    import psycopg

    from conftest import PG_DSN

    for orphan in (False, True):
        with psycopg.connect(PG_DSN, dbname=pg_database.info.dbname) as conn:
            conn.execute("DROP TABLE IF EXISTS department, employee CASCADE")
            conn.execute(_ddl("postgres", CYCLE))
            conn.commit()
            assert _deferred_insert(conn.execute, conn.commit, orphan) is not orphan, f"postgres, orphan={orphan}"
        lite = sqlite3.connect(":memory:", isolation_level=None)
        lite.execute("PRAGMA foreign_keys = ON")
        lite.executescript(_ddl("sqlite", CYCLE))
        lite.execute("BEGIN")
        assert _deferred_insert(lite.execute, lambda: lite.execute("COMMIT"), orphan) is not orphan, f"sqlite, orphan={orphan}"
    assert "DEFERRABLE INITIALLY DEFERRED" in _ddl("oracle", CYCLE)


def test_where_a_reference_cannot_be_deferred_it_is_a_finding_at_the_ref():
    from schemaforge.ddl.render import render_ddl

    design = load_design_text(CYCLE, "designs/cycle.yaml", "cycle")
    line = next(i for i, row in enumerate(CYCLE.splitlines(), 1) if "deferrable: true" in row)
    for target in ("mysql", "sqlserver"):
        findings = [(f.code, f.severity, f.location.line) for f in render_ddl(design, target).findings if f.code == "TG121"]
        assert findings == [("TG121", "info", line)], target
    assert [f.code for f in render_ddl(design, "postgres").findings if f.code == "TG121"] == []


def test_the_seed_of_a_not_null_cycle_loads_on_every_engine(pg_database, mariadb_database, tmp_path):
    from conftest import psql_file
    from schemaforge.deliverables.seed import build_seed

    design = load_design_text(CYCLE, "designs/cycle.yaml", "cycle")
    assert build_seed(design, tmp_path).problems == []
    seed = tmp_path / "seed"
    pg_database.execute(_ddl("postgres", CYCLE))
    psql_file(pg_database, seed / "postgres.sql")
    assert pg_database.execute("SELECT count(*) FROM department d JOIN employee e ON e.id = d.manager_id").fetchone() == (20,)
    mariadb_database.run(_ddl("mysql", CYCLE))
    mariadb_database.run((seed / "mysql.sql").read_text())
    assert mariadb_database.query("SELECT count(*) FROM department d JOIN employee e ON e.id = d.manager_id") == [(20,)]
    assert mariadb_database.query("SELECT @@foreign_key_checks") == [(1,)]  # turned back on
    lite = sqlite3.connect(":memory:")
    lite.executescript(_ddl("sqlite", CYCLE) + (seed / "sqlite.sql").read_text())
    assert lite.execute("PRAGMA foreign_key_check").fetchall() == []
    assert lite.execute("SELECT count(*) FROM department WHERE manager_id IS NULL").fetchone() == (0,)
    duck = duckdb.connect()
    duck.execute(_ddl("duckdb", CYCLE))
    duck.execute((seed / "duckdb.sql").read_text())
    assert duck.execute("SELECT count(*) FROM employee").fetchone() == (200,)
    server = (seed / "sqlserver.sql").read_text()
    assert "NOCHECK CONSTRAINT fk_department_manager" in server and "WITH CHECK CHECK CONSTRAINT fk_department_manager" in server


def test_a_migration_makes_a_reference_deferrable_in_place(pg_database):
    from schemaforge.migrate.render import render_migration

    before_text = CYCLE.replace("      manager: {ref: employee, deferrable: true}", "      manager: {ref: employee, nullable: true}")
    after_text = CYCLE.replace("1.0.0", "1.1.0").replace("{ref: employee, deferrable: true}",
                                                         "{ref: employee, nullable: true, deferrable: true}")
    before = load_design_text(before_text, "designs/cycle.yaml", "cycle")
    after = load_design_text(after_text, "designs/cycle.yaml", "cycle")
    pg_database.execute(_ddl("postgres", before_text))
    pg_database.execute(render_migration(before, after, "postgres"))
    deferred = "SELECT condeferrable AND condeferred FROM pg_constraint WHERE conname = 'fk_department_manager'"
    assert pg_database.execute(deferred).fetchone() == (True,)
    pg_database.execute(render_migration(after, before, "postgres"))
    assert pg_database.execute(deferred).fetchone() == (False,)


DOMAINS = """\
design: domains
version: 1.0.0
description: Prices and codes held by named types
targets: [postgres, mysql, sqlite, duckdb]
types:
  money: {type: decimal(12,2), check: "value >= 0", default: 0, description: An amount in euros}
  code: {type: char(3), check: "value = upper(value)"}
  contact: {type: string(320), format: email}
  price: {type: integer, check: "value > 0"}
entities:
  product:
    fields:
      id: {type: bigint, pk: true}
      sku: {type: code, unique: true}
      list_price: money
      sale_price: {type: money, default: 5}
      support: {type: contact, nullable: true}
  price:
    description: a table named as a type
    fields:
      id: {type: bigint, pk: true}
      amount: price
"""


def test_named_types_are_domains_on_postgres_with_their_default_and_check(pg_database):
    pg_database.execute(_ddl("postgres", DOMAINS))
    domains = dict(pg_database.execute(
        "SELECT typname, format_type(typbasetype, typtypmod) || ' ' || coalesce(typdefault, '-') FROM pg_type "
        "WHERE typtype = 'd' AND typnamespace = 'public'::regnamespace").fetchall())
    # money is PostgreSQL's own type, price the row type of table price: their domains step aside
    assert domains == {"money_domain": "numeric(12,2) 0.00", "code": "character(3) -", "contact": "character varying(320) -",
                       "price_domain": "integer -"}
    columns = dict(pg_database.execute(
        "SELECT column_name, coalesce(domain_name, '-') || ' ' || coalesce(column_default, '-') "
        "FROM information_schema.columns WHERE table_name = 'product'").fetchall())
    assert columns == {"id": "- -", "sku": "code -", "list_price": "money_domain -", "sale_price": "money_domain 5.00",
                       "support": "contact -"}
    pg_database.execute("INSERT INTO product (id, sku) VALUES (1, 'ABC')")
    assert pg_database.execute("SELECT list_price, sale_price FROM product").fetchone() == (0, 5)
    for bad in ("INSERT INTO product (id, sku, list_price) VALUES (2, 'ABD', -1)",
                "INSERT INTO product (id, sku) VALUES (3, 'abc')",
                "INSERT INTO product (id, sku, support) VALUES (4, 'ABE', 'not an email')"):
        with pytest.raises(Exception, match="violates check constraint"):
            pg_database.execute(bad)
    assert not [c for (c,) in pg_database.execute("SELECT conname FROM pg_constraint WHERE contype = 'c' "
                                                  "AND conrelid <> 0").fetchall()], "the domains hold the checks"


def test_named_types_elsewhere_put_their_default_and_check_on_the_column(mariadb_database):
    mariadb_database.run(_ddl("mysql", DOMAINS))
    mariadb_database.run("INSERT INTO product (id, sku) VALUES (1, 'ABC')")
    assert mariadb_database.query("SELECT list_price, sale_price FROM product") == [(0, 5)]
    assert not _taken(mariadb_database.run, "INSERT INTO product (id, sku, list_price) VALUES (2, 'ABD', -1)")
    assert _taken(mariadb_database.run, "INSERT INTO product (id, sku, list_price) VALUES (2, 'ABD', 1)")
    lite = sqlite3.connect(":memory:")
    lite.executescript(_ddl("sqlite", DOMAINS))
    lite.execute("INSERT INTO product (id, sku) VALUES (1, 'ABC')")
    assert lite.execute("SELECT list_price, sale_price FROM product").fetchone() == (0, 5)
    assert not _taken(lite.execute, "INSERT INTO product (id, sku) VALUES (2, 'abc')")


@pytest.mark.parametrize("bad, good", [
    ('money: {type: decimal(12,2), check: "value >= 0", default: abc, description: An amount in euros}',
     'money: {type: decimal(12,2), check: "value >= 0", default: 1.5, description: An amount in euros}'),
    ('code: {type: char(3), check: "value = upper(value)", default: ABCD}',
     'code: {type: char(3), check: "value = upper(value)", default: ABC}'),
])
def test_a_named_type_default_that_does_not_fit_is_a_located_error(bad, good):
    original = next(line.strip() for line in DOMAINS.splitlines() if line.strip().startswith(bad.split(":")[0] + ":"))
    text = DOMAINS.replace(original, bad)
    _refused_at(text, DOMAINS.replace(original, good), "SP303", bad)


@pytest.mark.parametrize("change", ["field_takes_the_type", "check_changes", "base_type_changes", "type_dropped"])
def test_migrations_move_columns_into_and_out_of_domains_and_change_them_in_place(change, pg_database, pg_database_2):
    import catalog
    from schemaforge.migrate.render import render_migration

    before_text = DOMAINS.replace("      list_price: money", "      list_price: decimal(12,2)")
    after_text = {
        "field_takes_the_type": DOMAINS,
        "check_changes": before_text.replace('check: "value >= 0", default: 0', 'check: "value > 0", default: 1'),
        "base_type_changes": before_text.replace("money: {type: decimal(12,2)", "money: {type: decimal(14,2)"),
        "type_dropped": before_text.replace("      sale_price: {type: money, default: 5}", "      sale_price: {type: decimal(12,2), default: 5}"),
    }[change].replace("1.0.0", "1.1.0")
    before = load_design_text(before_text, "designs/domains.yaml", "domains")
    after = load_design_text(after_text, "designs/domains.yaml", "domains")
    pg_database.execute(_ddl("postgres", before_text))
    pg_database.execute("INSERT INTO product (id, sku, list_price, sale_price) VALUES (1, 'ABC', 7, 8)")
    pg_database.execute(render_migration(before, after, "postgres"))
    pg_database_2.execute(_ddl("postgres", after_text))
    assert catalog.postgres(pg_database) == catalog.postgres(pg_database_2)
    assert pg_database.execute("SELECT list_price, sale_price FROM product").fetchone() == (7, 8)
    pg_database.execute(render_migration(after, before, "postgres"))
    pg_database_2.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    pg_database_2.execute(_ddl("postgres", before_text))
    assert catalog.postgres(pg_database) == catalog.postgres(pg_database_2)


VIEWS = """\
design: views
version: 1.0.0
description: Customers, their orders, and what they are worth
targets: [postgres, mysql, sqlite, duckdb, clickhouse]
entities:
  customer:
    fields:
      id: {type: bigint, pk: true}
      name: {type: string(80)}
  order:
    fields:
      id: {type: bigint, pk: true}
      customer: {ref: customer}
      total: {type: decimal(10,2)}
      paid: {type: boolean, default: false}
views:
  best_customers:
    description: the customers worth more than 1000, best first
    sql: SELECT v.id, v.name, v.value FROM customer_value v WHERE v.value > 1000
    materialized: true
  customer_value:
    description: lifetime value per customer
    sql: |
      SELECT c.id, c.name, SUM(o.total) AS value FROM customer c JOIN order o ON o.customer_id = c.id
      WHERE o.paid GROUP BY c.id, c.name
seed:
  rows: {customer: 50, order: 400}
"""


def _views_answer(query) -> list[tuple]:
    return sorted((int(i), str(n), round(float(v), 2)) for i, n, v in query("SELECT id, name, value FROM best_customers"))


def test_views_are_made_after_what_they_read_and_answer_alike_on_every_engine(pg_database, mariadb_database,
                                                                             clickhouse_database, tmp_path):
    from conftest import psql_file
    from schemaforge.deliverables.seed import build_seed

    design = load_design_text(VIEWS, "designs/views.yaml", "views")
    assert list(design.views) == ["customer_value", "best_customers"]
    assert build_seed(design, tmp_path).problems == []
    seed = tmp_path / "seed"
    pg_database.execute(_ddl("postgres", VIEWS))
    psql_file(pg_database, seed / "postgres.sql")  # its end refreshes the materialized view
    assert pg_database.execute("SELECT count(*) FROM pg_matviews WHERE matviewname = 'best_customers'").fetchone() == (1,)
    expected = _views_answer(lambda q: pg_database.execute(q).fetchall())
    assert expected, "the seed gives some customer a value over 1000"
    mariadb_database.run(_ddl("mysql", VIEWS) + (seed / "mysql.sql").read_text())
    lite = sqlite3.connect(":memory:")
    lite.executescript(_ddl("sqlite", VIEWS) + (seed / "sqlite.sql").read_text())
    duck = duckdb.connect()
    duck.execute(_ddl("duckdb", VIEWS))
    duck.execute((seed / "duckdb.sql").read_text())
    clickhouse_database.run(_ddl("clickhouse", VIEWS))
    clickhouse_database.run((seed / "clickhouse.sql").read_text())
    answers = {"mysql": _views_answer(mariadb_database.query),
               "sqlite": _views_answer(lambda q: lite.execute(q).fetchall()),
               "duckdb": _views_answer(lambda q: duck.execute(q).fetchall()),
               "clickhouse": _views_answer(clickhouse_database.query)}
    assert answers == {target: expected for target in answers}


def test_a_materialized_view_where_the_target_has_none_is_a_finding_at_the_view():
    from schemaforge.ddl.render import render_ddl

    design = load_design_text(VIEWS, "designs/views.yaml", "views")
    line = next(i for i, row in enumerate(VIEWS.splitlines(), 1) if "materialized: true" in row)
    for target in ("mysql", "sqlite", "duckdb", "clickhouse"):
        assert [(f.code, f.location.line) for f in render_ddl(design, target).findings if f.code == "TG122"] == [("TG122", line)]
    assert not [f for f in render_ddl(design, "postgres").findings if f.code == "TG122"]
    assert "BUILD IMMEDIATE REFRESH COMPLETE ON DEMAND" in _ddl("oracle", VIEWS.replace("clickhouse]", "oracle]"))


@pytest.mark.parametrize("bad, good, code", [
    ("    sql: SELECT v.id FROM best_customers b JOIN customer_value v ON v.id = b.id",
     "    sql: SELECT v.id FROM customer_value v", "SP407"),  # it reads itself
    ("    sql: SELECT v.id, v.nme FROM customer_value v", "    sql: SELECT v.id, v.name FROM customer_value v", "SP502"),
    ("    sql: SELECT c.id FROM client c", "    sql: SELECT c.id FROM customer c", "SP503"),
    ("    sql: SELECT c.id, c.id FROM customer c", "    sql: SELECT c.id, c.id AS other FROM customer c", "SP504"),
])
def test_views_misdesigned_are_located_errors(bad, good, code):
    original = "    sql: SELECT v.id, v.name, v.value FROM customer_value v WHERE v.value > 1000"
    text = VIEWS.replace(original, bad)
    _refused_at(text, VIEWS.replace(original, good), code, bad)


def test_a_view_named_as_a_table_is_a_located_error():
    text = VIEWS.replace("views:\n", "views:\n  customer:\n    sql: SELECT c.id FROM customer c\n")
    view_line = text.splitlines().index("views:") + 2  # the view named `customer`, just under views:
    _refused_at(text, VIEWS, "SP202", view_line)


def test_two_views_that_read_each_other_are_a_located_error():
    text = VIEWS.replace("FROM customer c JOIN order o ON o.customer_id = c.id",
                         "FROM customer c JOIN order o ON o.customer_id = c.id JOIN best_customers b ON b.id = c.id")
    _refused_at(text, VIEWS, "SP407", "FROM customer_value v WHERE")


def _view_versions():
    v1 = VIEWS[:VIEWS.index("views:")] + VIEWS[VIEWS.index("seed:"):]
    v3 = VIEWS.replace("name: {type: string(80)}", "name: {type: string(120)}").replace(
        "WHERE o.paid GROUP BY", "WHERE o.paid AND o.total > 0 GROUP BY")
    return [load_design_text(text.replace("1.0.0", version), "designs/views.yaml", "views")
            for text, version in ((v1, "1.0.0"), (VIEWS, "2.0.0"), (v3, "3.0.0"))]


_EMPTIED = {  # a database of the second kind made empty again for the next comparison
    "postgres": "DROP SCHEMA public CASCADE; CREATE SCHEMA public",
    "mysql": "SET FOREIGN_KEY_CHECKS = 0; DROP VIEW IF EXISTS best_customers, customer_value; "
             "DROP TABLE IF EXISTS `order`, customer; SET FOREIGN_KEY_CHECKS = 1",
}


def _engine(engine: str, request, second: bool = False):
    """(run a script, read the catalog) of a fresh database of `engine`."""
    import catalog

    if engine == "postgres":
        conn = request.getfixturevalue("pg_database_2" if second else "pg_database")
        return conn.execute, lambda: catalog.postgres(conn)
    if engine == "mysql":
        db = request.getfixturevalue("mariadb_database_2" if second else "mariadb_database")
        return db.run, lambda: catalog.mariadb(db)
    if engine == "sqlite":
        lite = sqlite3.connect(":memory:")
        return lite.executescript, lambda: catalog.sqlite(lite)
    duck = duckdb.connect()
    return duck.execute, lambda: catalog.duckdb(duck)


@pytest.mark.parametrize("engine", ["postgres", "mysql", "sqlite", "duckdb"])
def test_migrations_add_change_and_drop_views_and_reach_the_fresh_catalog(engine, request):
    from schemaforge.migrate.render import render_migration

    run, read = _engine(engine, request)
    versions = _view_versions()
    run(render_ddl_text(versions[0], engine))
    for old, new in [*zip(versions, versions[1:]), *zip(versions[:0:-1], versions[-2::-1])]:
        run(render_migration(old, new, engine))
        other_run, other_read = _engine(engine, request, second=True)
        if engine in _EMPTIED:
            other_run(_EMPTIED[engine])
        other_run(render_ddl_text(new, engine))
        assert read() == other_read(), f"{engine}: {old.version} -> {new.version}"


def render_ddl_text(design, target: str) -> str:
    return ddl_artifacts(design, target)[0].content.decode()
