"""Property: any small random design, with checks of every shape (ranges, regexes, comparisons
between columns and between references) and literal defaults of every type, gets seed data that
loads with its constraints on into DuckDB and SQLite, and a sample of them into PostgreSQL."""

from __future__ import annotations

import os
import sqlite3

import duckdb
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import _fresh_pg_database, psql_file
from schemaforge.ddl.render import render_ddl
from schemaforge.seed.generate import generate_seed
from schemaforge.seed.load import write_load_script
from schemaforge.design.loader import load_design_text

SCALARS = {
    "integer": ["value >= 0", "value BETWEEN 1 AND 500", "value > 5", None],
    "bigint": ["value >= 1000", None],
    "smallint": ["value BETWEEN -50 AND 50", None],
    "decimal(10,2)": ["value >= 0", "value > 0.5", None],
    "decimal(18,4)": ["value BETWEEN 0 AND 1", None],
    "string(24)": ["value = upper(value)", "length(value) <= 20", "value ~ '^[a-z]{3,10}$'",
                   "value ~ '^[A-Z]{2}-[0-9]{4}$'", "value SIMILAR TO 'ab%'", None],
    "text": ["value ~* '^[a-f0-9]+$'", "regexp_like(value, '^[0-9]+(-[0-9]+)*$')", None],
    "boolean": [None],
    "date": [None],
    "time": [None],
    "timestamp": [None],
    "timestamptz": [None],
    "uuid": [None],
    "enum(red, green, blue)": ["value <> 'blue'", None],
    "double": ["value >= 0", None],
    "real": [None],
}
# A literal default of each type (used where the field has no check, which it might break).
DEFAULTS = {
    "integer": 7, "bigint": 0, "smallint": -3, "decimal(10,2)": 0, "decimal(18,4)": 0.125, "string(24)": "it's",
    "text": "plain", "boolean": True, "date": "2024-02-29", "time": "09:30", "timestamp": "2024-01-31T12:00:00",
    "timestamptz": "2024-01-31T12:00:00+01:00", "uuid": "1b4e28ba-2fa1-41d2-883f-0016d3cca427",
    "enum(red, green, blue)": "green", "double": 2.5, "real": 0.5,
}
# Two columns of these types, the second after the first (same type or across types).
COMPARISONS = [("integer", "integer", "<"), ("date", "date", "<="), ("time", "time", "<"),
               ("decimal(10,2)", "decimal(10,2)", "<="), ("timestamp", "date", "<"), ("decimal(10,2)", "integer", "<"),
               ("real", "double", "<="), ("timestamptz", "timestamptz", "<")]
UNIQUE_OK = ("integer", "bigint", "string(24)", "text", "uuid", "date", "timestamptz", "decimal(10,2)")
KEYS = ("integer", "bigint", "uuid", "string(24)")


@st.composite
def designs(draw):
    count = draw(st.integers(1, 4))
    rows = [draw(st.integers(1, 40)) for _ in range(count)]
    entities = {}
    for i in range(count):
        key_type = draw(st.sampled_from(KEYS))
        fields = {"id": {"type": key_type, "pk": True}}
        for f in range(draw(st.integers(0, 5))):
            typ = draw(st.sampled_from(sorted(SCALARS)))
            field = {"type": typ, "nullable": draw(st.booleans())}
            check = draw(st.sampled_from(SCALARS[typ]))
            if check:
                field["check"] = check
            if typ in UNIQUE_OK and draw(st.booleans()):
                field["unique"] = True
            elif not check and draw(st.booleans()):
                field["default"] = DEFAULTS[typ]
            fields[f"f{f}"] = field
        for j in range(i):
            if draw(st.booleans()):
                ref = {"ref": f"e{j}", "nullable": draw(st.booleans())}
                if draw(st.integers(0, 3)) == 0:
                    ref["unique"] = True
                    ref["nullable"] = ref["nullable"] or rows[i] > rows[j]
                fields[f"r{j}"] = ref
        if draw(st.booleans()):
            fields["parent"] = {"ref": f"e{i}", "nullable": True}
        entity = {"fields": fields, "checks": {}}
        if draw(st.booleans()):
            fields["starts"] = {"type": "timestamptz"}
            fields["ends"] = {"type": "timestamptz", "nullable": True}
            entity["checks"]["ends_after_starts"] = "ends IS NULL OR ends > starts"
        if draw(st.booleans()):
            first, second, op = draw(st.sampled_from(COMPARISONS))
            fields["low_end"], fields["high_end"] = {"type": first}, {"type": second, "nullable": draw(st.booleans())}
            entity["checks"]["ordered_ends"] = f"low_end {op} high_end"
        if i >= 1 and rows[0] >= 2 and draw(st.booleans()):  # two references that must differ
            fields["from_side"], fields["to_side"] = {"ref": "e0"}, {"ref": "e0"}
            entity["checks"]["two_sides"] = "from_side_id <> to_side_id"
        if not entity["checks"]:
            del entity["checks"]
        entities[f"e{i}"] = entity
    doc = {"design": "prop", "version": "1.0.0", "description": "random", "targets": ["duckdb", "sqlite", "postgres"],
           "database": "duckdb", "entities": entities,
           "seed": {"random_seed": draw(st.integers(0, 2**31)), "rows": {f"e{i}": rows[i] for i in range(count)}}}
    if count >= 2 and draw(st.booleans()):
        doc["relationships"] = [{"many_to_many": ["e0", "e1"], "through": "link"}]
        doc["seed"]["rows"]["link"] = draw(st.integers(0, rows[0] * rows[1]))
    return doc


POSTGRES_SAMPLE = 4  # every 4th example is loaded into PostgreSQL too (a fresh database each)


@settings(max_examples=int(os.environ.get("SCHEMAFORGE_SEED_EXAMPLES", "60")), deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(designs())
def test_random_designs_get_seed_data_that_loads_with_constraints_on(tmp_path_factory, doc):
    design = load_design_text(yaml.safe_dump(doc, sort_keys=False), "designs/prop.yaml", "prop")
    out = tmp_path_factory.mktemp("seed")
    result = generate_seed(design, out)
    assert result.problems == [], [p.message for p in result.problems]
    for target in design.targets:
        write_load_script(design, target, out, out / f"{target}.sql")
    con = duckdb.connect()
    con.execute(render_ddl(design, "duckdb").sql)
    con.execute((out / "duckdb.sql").read_text())
    lite = sqlite3.connect(":memory:", isolation_level=None)
    lite.execute("PRAGMA foreign_keys = ON")
    lite.executescript(render_ddl(design, "sqlite").sql + (out / "sqlite.sql").read_text())
    for name, entity in design.entities.items():
        assert con.execute(f'SELECT count(*) FROM "{entity.table}"').fetchone()[0] == result.rows[name]
        assert lite.execute(f'SELECT count(*) FROM "{entity.table}"').fetchone()[0] == result.rows[name]
        assert result.rows[name] == doc["seed"]["rows"].get(name, 1000)
    if doc["seed"]["random_seed"] % POSTGRES_SAMPLE == 0:
        for conn in _fresh_pg_database():
            conn.execute(render_ddl(design, "postgres").sql)
            psql_file(conn, out / "postgres.sql")
            for name, entity in design.entities.items():
                assert conn.execute(f'SELECT count(*) FROM "{entity.table}"').fetchone()[0] == result.rows[name]


@pytest.mark.parametrize("typ", ["bigint", "integer", "smallint", "decimal(10,2)", "date", "timestamptz", "string(24)", "uuid"])
def test_unique_columns_of_every_type_at_few_rows(typ, tmp_path):
    """Found by the property test: a unique bigint over 1 row spread its values past int64."""
    for rows in (1, 7, 40):
        doc = {"design": "prop", "version": "1.0.0", "description": "d", "targets": ["duckdb"], "database": "duckdb",
               "entities": {"e0": {"fields": {"id": {"type": "bigint", "pk": True}, "f0": {"type": typ, "unique": True}}}},
               "seed": {"random_seed": 0, "rows": {"e0": rows}}}
        design = load_design_text(yaml.safe_dump(doc), "designs/prop.yaml", "prop")
        result = generate_seed(design, tmp_path / f"{typ}-{rows}")
        assert result.problems == [] and result.rows == {"e0": rows}


@pytest.mark.parametrize("key", ["primary_key: [order]", "unique: [[order]]"])
def test_a_reference_that_is_the_whole_key_gets_one_row_per_parent(key, tmp_path):
    """Found by the build fuzz: shop's order_line with `primary_key: [product]` seeded skewed
    references, and every engine refused the load (duplicate key). A reference that alone is the
    key or a unique is drawn one per parent, like `ref` + `unique: true`."""
    import duckdb

    from schemaforge.deliverables.seed import build_seed
    from schemaforge.design.loader import load_design_text

    extra = "      id: {type: bigint, pk: true}\n" if key.startswith("unique") else ""
    design = load_design_text(f"""\
design: t
version: 1.0.0
description: d
entities:
  order:
    fields:
      id: {{type: bigint, pk: true}}
  line:
    fields:
{extra}      order: {{ref: order}}
      note: string(20)
    {key}
seed: {{rows: {{order: 60, line: 60}}}}
""", "designs/t.yaml", "t")
    result = build_seed(design, tmp_path)
    assert result.problems == []
    rows = duckdb.sql(f"SELECT count(*), count(DISTINCT order_id) FROM read_parquet('{tmp_path}/seed/line.parquet')").fetchone()
    assert rows == (60, 60)
