"""What a target cannot express is a lint finding naming the target and the object, with the
design file's line and column; the DDL leaves the object out (or degrades it as the message says)."""

from __future__ import annotations

import pytest

from schemaforge.ddl.render import render_ddl
from schemaforge.lint.rules import lint_design
from schemaforge.design.loader import load_design_text

LIMITS = """
design: limits
version: 1.0.0
description: what some targets cannot express
database: postgres
targets: [postgres, mysql, sqlite, sqlserver, oracle, duckdb, clickhouse]
entities:
  account:
    description: an account
    fields:
      id: {type: bigint, pk: true}
      parent: {ref: account, nullable: true, on_delete: set_null}
      owner: {ref: person, on_delete: cascade, on_update: cascade}
      notes: {type: text, unique: true}
      span: {type: interval, nullable: true}
      opened_on: {type: date, check: "value <= CURRENT_DATE"}
      code: {type: string(20), check: "value ~ '^[A-Z]+$'"}
    checks:
      owner_positive: "owner_id > 0"
      id_positive: "id > 0"
    indexes:
      - {fields: [code], where: "code = 'A' OR code = 'B'"}
  person:
    description: a person
    fields:
      id: {type: integer, pk: true}
      guardian: {ref: person, nullable: true, on_delete: set_default, default: 1}
"""


@pytest.fixture(scope="module")
def limits():
    return load_design_text(LIMITS, "designs/limits.yaml", "limits")


def findings(design, target: str, code: str) -> list[str]:
    return [str(f) for f in render_ddl(design, target).findings if f.code == code]


def one(design, target: str, code: str, *needles: str) -> str:
    """The one finding of `code` on `target` whose message holds every needle; it names the
    target and points into the design file."""
    matches = [f for f in findings(design, target, code) if all(n in f for n in needles)]
    assert len(matches) == 1, (target, code, needles, findings(design, target, code))
    assert matches[0].startswith("designs/limits.yaml:")
    return matches[0]


def test_tg101_regex_and_clock_functions_in_checks(limits):
    assert "SQL Server cannot evaluate" in one(limits, "sqlserver", "TG101", "check ck_account_code on 'account'")
    assert "ck_account_code" not in render_ddl(limits, "sqlserver").sql
    for target, title in (("mysql", "MySQL"), ("oracle", "Oracle")):
        message = one(limits, target, "TG101", "ck_account_opened_on", "CURRENT_DATE")
        assert f"{title} cannot evaluate" in message
        assert "ck_account_opened_on" not in render_ddl(limits, target).sql
    assert "ck_account_opened_on" in render_ddl(limits, "postgres").sql


def test_tg102_missing_actions_and_sql_server_cascade_paths(limits):
    assert "MySQL has no ON DELETE SET DEFAULT" in one(limits, "mysql", "TG102", "fk_person_guardian")
    assert "Oracle has no ON UPDATE CASCADE" in one(limits, "oracle", "TG102", "fk_account_owner")
    self_reference = one(limits, "sqlserver", "TG102", "fk_account_parent")
    assert "would close a cycle or open a second cascade path, which SQL Server refuses" in self_reference
    sql = render_ddl(limits, "sqlserver").sql
    assert "FOREIGN KEY (parent_id) REFERENCES account (id);" in sql.replace(",\n", ";\n")
    assert "FOREIGN KEY (owner_id) REFERENCES person (id) ON DELETE CASCADE ON UPDATE CASCADE" in sql


def test_tg104_filtered_index_predicates_sql_server_cannot_take(limits):
    message = one(limits, "sqlserver", "TG101", "index ix_account_code")
    assert "it covers all rows there" in message
    assert "CREATE INDEX ix_account_code ON account(code);" in render_ddl(limits, "sqlserver").sql
    for target, title in (("mysql", "MySQL"), ("oracle", "Oracle"), ("clickhouse", "ClickHouse")):
        assert f"{title} has no partial indexes" in one(limits, target, "TG104", "index ix_account_code")


def test_tg107_types_stored_approximately(limits):
    for target, title, what in (("mysql", "MySQL", "stored as text"), ("sqlserver", "SQL Server", "stored as text"),
                                ("oracle", "Oracle", "INTERVAL DAY TO SECOND"), ("clickhouse", "ClickHouse", "stored as text")):
        assert what in one(limits, target, "TG107", "'account.span' is interval", f"on {title}")
    assert findings(limits, "postgres", "TG107") == []


def test_tg108_to_tg110_clickhouse_keeps_keys_and_references_as_documentation(limits):
    one(limits, "clickhouse", "TG108", "foreign key fk_account_owner on 'account'", "ClickHouse has no foreign keys")
    one(limits, "clickhouse", "TG109", "unique uq_account_notes on 'account'", "does not enforce uniqueness")
    one(limits, "clickhouse", "TG109", "'account' is sorted by its key")
    one(limits, "clickhouse", "TG110", "'account.id'", "ClickHouse has no identity columns")
    sql = render_ddl(limits, "clickhouse").sql
    assert "FOREIGN KEY" not in sql and "UNIQUE" not in sql
    assert "owner_id Int32 COMMENT 'references person (id)'" in sql


def test_tg111_large_object_columns_cannot_be_keys(limits):
    for target, title in (("mysql", "MySQL"), ("sqlserver", "SQL Server"), ("oracle", "Oracle")):
        assert f"which {title} cannot index" in one(limits, target, "TG111", "unique uq_account_notes", "'notes' (text)")
        assert "uq_account_notes" not in render_ddl(limits, target).sql
    assert "uq_account_notes" in render_ddl(limits, "postgres").sql


def test_tg112_mysql_checks_over_identity_and_action_columns(limits):
    assert "foreign key fk_account_owner writes it" in one(limits, "mysql", "TG112", "check ck_account_owner_positive", "'owner_id'")
    assert "identity column" in one(limits, "mysql", "TG112", "check ck_account_id_positive", "'id'")
    sql = render_ddl(limits, "mysql").sql
    assert "ck_account_owner_positive" not in sql and "ck_account_id_positive" not in sql


def test_warnings_on_the_primary_target_are_errors():
    design = load_design_text(LIMITS.replace("database: postgres", "database: sqlserver"), "designs/limits.yaml", "limits")
    severities = {f.severity for f in lint_design(design) if f.code == "TG101" and "sqlserver" in f.message}
    assert severities == {"error"}


def long_names(entity: str, field: str) -> str:
    return f"""
design: long
version: 1.0.0
description: names near every target's limit
entities:
  {entity}:
    description: an entity with a long name
    fields:
      id: {{type: integer, pk: true}}
  child:
    description: refers to it twice
    fields:
      id: {{type: integer, pk: true}}
      {field}_a: {{ref: {entity}}}
      {field}_b: {{ref: {entity}}}
"""


@pytest.mark.parametrize("target,limit", [("postgres", 63), ("mysql", 64), ("sqlserver", 128), ("oracle", 128)])
def test_long_constraint_names_are_shortened_per_target_without_collisions(target, limit):
    design = load_design_text(long_names("e" * 60, "f" * 61), "designs/long.yaml", "long")
    names = [fk.name for fk in design.entities["child"].foreign_keys]
    assert all(len(n) > 63 for n in names)  # fk_child_<field>_a: 72 characters
    result = render_ddl(design, target)
    shortened = [f for f in result.findings if f.code == "NM102" and "'fk_" in f.message]
    if limit >= 72:
        assert shortened == [] and all(n in result.sql for n in names)
        return
    assert len(shortened) == 2
    shown = [line.split()[1] for line in result.sql.splitlines() if line.strip().startswith("CONSTRAINT fk_")]
    assert len(shown) == 2 and len(set(shown)) == 2 and all(len(n) <= limit for n in shown)
    assert all(n not in result.sql for n in names)


def test_names_over_oracle_and_sql_server_limits_are_shortened_too():
    design = load_design_text(long_names("e" * 62, "f" * 61), "designs/long.yaml", "long")
    design.entities["child"].foreign_keys[0].name = "fk_" + "x" * 130  # as long as a name can get
    for target in ("sqlserver", "oracle"):
        result = render_ddl(design, target)
        assert [f.code for f in result.findings if f.code == "NM102"] == ["NM102"]
        assert "fk_" + "x" * 116 + "_" in result.sql and "x" * 117 not in result.sql


def test_shortened_names_apply_on_postgres_and_mariadb(pg_database, mariadb_database):
    design = load_design_text(long_names("e" * 60, "f" * 56), "designs/long.yaml", "long")
    pg_database.execute(render_ddl(design, "postgres").sql)
    assert pg_database.execute("SELECT count(*) FROM pg_constraint WHERE contype = 'f'").fetchone()[0] == 2
    mariadb_database.run(render_ddl(design, "mysql").sql)
    fks = mariadb_database.query("SELECT count(*) FROM information_schema.referential_constraints "
                                 "WHERE constraint_schema = DATABASE()")
    assert fks[0][0] == 2


def test_nm103_a_column_name_too_long_for_a_target_is_an_error():
    design = load_design_text(long_names("e" * 60, "f" * 61), "designs/long.yaml", "long")
    found = [str(f) for f in lint_design(design) if f.code == "NM103"]
    assert found == ["designs/long.yaml:14:72: column name '" + "f" * 61 + "_a_id' has 66 characters, more than "
                     "PostgreSQL's 63; the postgres DDL will not apply (fix: name it with `column:` (at most 63 characters)) [NM103]",
                     "designs/long.yaml:15:72: column name '" + "f" * 61 + "_b_id' has 66 characters, more than "
                     "PostgreSQL's 63; the postgres DDL will not apply (fix: name it with `column:` (at most 63 characters)) [NM103]"]


SYSTEM_COLUMN = """\
design: t
version: 1.0.0
description: system column names
targets: [postgres, sqlite, duckdb, clickhouse]
entities:
  thing:
    fields:
      id: {type: bigint, pk: true}
      NAME: {type: integer, nullable: true}
"""


@pytest.mark.parametrize("name,code,target", [("xmin", "NM104", "PostgreSQL"), ("ctid", "NM104", "PostgreSQL"),
                                              ("flag: {type: integer, column: _row_exists", "NM104", "ClickHouse"),
                                              ("rowid", "NM105", "SQLite")])
def test_a_column_named_like_a_system_column_is_located(name, code, target, pg_database):
    """Issue 12: PostgreSQL refuses `xmin` ("conflicts with a system column name"); ClickHouse
    refuses `_row_exists` (named through `column:`, as fields start with a letter); SQLite lets
    `rowid` hide its row id."""
    from schemaforge.lint.rules import lint_design

    if name.startswith("flag:"):  # a physical name given with `column:`
        design = load_design_text(SYSTEM_COLUMN.replace("NAME: {type: integer", name), "designs/t.yaml", "t")
        assert [f.code for f in lint_design(design) if f.code == "NM104"] == ["NM104"]
        return
    design = load_design_text(SYSTEM_COLUMN.replace("NAME", name), "designs/t.yaml", "t")
    found = [f for f in lint_design(design) if f.code in ("NM104", "NM105") and target in f.message]
    assert [(f.code, f.location.line) for f in found] == [(code, 9)] and "`column:`" in found[0].fix
    renamed = load_design_text(SYSTEM_COLUMN.replace("NAME", name).replace("nullable: true}", f"nullable: true, column: {name}_value}}"),
                               "designs/t.yaml", "t")
    assert not [f for f in lint_design(renamed) if f.code in ("NM104", "NM105")]
    pg_database.execute(render_ddl(renamed, "postgres").sql)  # the renamed column applies
