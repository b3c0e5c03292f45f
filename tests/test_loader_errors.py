"""Every kind of design error is reported at its exact line and column, all at once."""

from __future__ import annotations

import textwrap

import pytest

from schemaforge.findings import DesignErrors
from schemaforge.design.loader import load_design, load_design_text

HEADER = """\
design: t
version: 1.0.0
description: test design
"""


def errors(body: str, header: str = HEADER) -> list[tuple[int, int, str, str]]:
    """(line, column, code, message) of every error of a design `t` made of header + body."""
    text = header + textwrap.dedent(body)
    with pytest.raises(DesignErrors) as caught:
        load_design_text(text, "designs/t.yaml", "t")
    return [(f.location.line, f.location.column, f.code, f.message) for f in caught.value.findings]


def only(body: str, header: str = HEADER) -> tuple[int, int, str, str]:
    found = errors(body, header)
    assert len(found) == 1, found
    return found[0]


def test_yaml_syntax_error_points_at_the_problem():
    line, col, code, message = only("entities:\n  a: {fields: [}\n")
    assert (line, col, code) == (5, 16, "SP001") and "YAML syntax error" in message


def test_unknown_key_suggests_the_near_name():
    found = only("""\
        entities:
          a:
            fields:
              id: {tpye: integer, pk: true}
        """)
    assert found[:3] == (7, 12, "SP101")
    assert "unknown key 'tpye' in field 'a.id'; did you mean 'type'?" in found[3]


def test_unknown_top_level_key_lists_the_allowed_ones_when_nothing_is_close():
    line, col, code, message = only("""\
        zzz: 1
        entities:
          a: {fields: {id: {type: integer, pk: true}}}
        """)
    assert (line, col, code) == (4, 1, "SP101") and "allowed: " in message and "entities" in message


def test_missing_required_key():
    found = only("entities:\n  a: {fields: {id: {type: integer, pk: true}}}\n", header="design: t\nversion: 1.0.0\n")
    assert found[:3] == (1, 1, "SP102") and "missing required key 'description'" in found[3]


def test_wrong_value_type():
    found = only("""\
        entities:
          a:
            fields:
              id: {type: integer, pk: yes}
        """)
    assert found[:3] == (7, 31, "SP103") and "must be true or false, not the string 'yes'" in found[3]


def test_version_given_as_a_number_says_to_quote_it():
    found = only("entities:\n  a: {fields: {id: {type: integer, pk: true}}}\n", header="design: t\nversion: 1.0\ndescription: d\n")
    assert found[:3] == (2, 10, "SP103") and "quote it" in found[3]


def test_value_not_in_allowed_set_suggests():
    found = only("""\
        entities:
          a:
            fields:
              id: {type: integer, pk: true}
              b: {ref: a, on_delete: cascde}
        """)
    assert found[:3] == (8, 30, "SP104") and "did you mean 'cascade'?" in found[3]


@pytest.mark.parametrize("name", ['x"; DROP TABLE y; --', "Order", "1abc", "a-b", "ü"])
def test_bad_identifiers_are_rejected(name):
    found = only(f"""\
        entities:
          '{name}':
            fields:
              id: {{type: integer, pk: true}}
        """)
    assert found[:3] == (5, 3, "SP201") and "must start with a lowercase letter" in found[3]


def test_duplicate_yaml_key():
    found = only("""\
        entities:
          a:
            fields:
              id: {type: integer, pk: true}
              id: {type: bigint}
        """)
    assert found[:3] == (8, 7, "SP005") and "duplicate key 'id' (first defined at line 7)" in found[3]


def test_duplicate_table_name():
    found = only("""\
        entities:
          a:
            fields: {id: {type: integer, pk: true}}
          b:
            table: a
            fields: {id: {type: integer, pk: true}}
        """)
    assert found[:3] == (7, 3, "SP202") and "both map to table 'a'" in found[3]


def test_duplicate_column_from_a_ref_and_a_field():
    found = only("""\
        entities:
          a:
            fields: {id: {type: integer, pk: true}}
          b:
            fields:
              id: {type: integer, pk: true}
              a: {ref: a}
              a_id: {type: integer}
        """)
    assert found[:3] == (11, 7, "SP202") and "two columns named 'a_id'" in found[3]


def test_dangling_ref_suggests():
    found = only("""\
        entities:
          customer:
            fields: {id: {type: integer, pk: true}}
          order:
            fields:
              id: {type: integer, pk: true}
              buyer: {ref: custmer}
        """)
    assert found[:3] == (10, 20, "SP401") and "unknown entity 'custmer'; did you mean 'customer'?" in found[3]


def test_ref_to_a_field_that_is_not_unique():
    found = only("""\
        entities:
          a:
            fields:
              id: {type: integer, pk: true}
              code: {type: string(5)}
          b:
            fields:
              id: {type: integer, pk: true}
              a: {ref: a.code}
        """)
    assert found[:3] == (12, 16, "SP402")


def test_entity_without_a_key():
    found = only("""\
        entities:
          a:
            fields:
              name: {type: text}
        """)
    assert found[:3] == (5, 3, "SP403") and "has no key" in found[3]


def test_unknown_type_suggests_the_near_builtin():
    found = only("""\
        entities:
          a:
            fields:
              id: {type: hugeint, pk: true}
        """)
    assert found[:3] == (7, 18, "SP301") and "unknown type 'hugeint'; did you mean 'bigint'?" in found[3]


def test_bad_check_sql_points_inside_the_expression():
    found = only("""\
        entities:
          a:
            fields:
              id: {type: integer, pk: true}
              n: {type: integer, check: "value >>= 0"}
        """)
    assert found[:3] == (8, 42, "SP501") and "SQL does not parse" in found[3]


def test_unknown_column_in_a_check_points_at_the_column():
    found = only("""\
        entities:
          a:
            fields:
              id: {type: integer, pk: true}
              starts: {type: date}
            checks:
              ordered: "starts <= finish"
        """)
    assert found[:3] == (10, 27, "SP502") and "unknown column 'finish'" in found[3]


def test_bad_rule_sql_in_a_block_scalar():
    found = only("""\
        entities:
          a:
            fields:
              id: {type: integer, pk: true}
              total: {type: integer}
        rules:
          - name: r
            assert: |
              SELECT x.id FROM a x
              WHERE x.totl > 0
        """)
    assert found[:3] == (13, 15, "SP502") and "unknown column 'totl' in rule 'r'; did you mean 'total'?" in found[3]


def test_unknown_entity_in_a_rule():
    found = only("""\
        entities:
          a:
            fields: {id: {type: integer, pk: true}}
        rules:
          - name: r
            assert: "SELECT id FROM b"
        """)
    assert found[:3] == (9, 29, "SP503") and "unknown entity 'b'" in found[3]


def test_subquery_in_a_check_is_refused():
    found = only("""\
        entities:
          a:
            fields:
              id: {type: integer, pk: true}
              n: {type: integer, check: "value IN (SELECT 1)"}
        """)
    assert found[2] == "SP504" and "rules:" in found[3]


def test_seed_rows_for_an_unknown_entity():
    found = only("""\
        entities:
          a:
            fields: {id: {type: integer, pk: true}}
        seed:
          rows: {a: 10, bee: 5}
        """)
    assert found[:3] == (8, 17, "SP601") and "unknown entity 'bee'" in found[3]


def test_foreign_key_cycle_of_not_null_refs():
    found = only("""\
        entities:
          a:
            fields:
              id: {type: integer, pk: true}
              b: {ref: b}
          b:
            fields:
              id: {type: integer, pk: true}
              a: {ref: a}
        """)
    assert found[:3] == (8, 10, "SP404") and "a.b -> b, b.a -> a" in found[3]


def test_design_name_must_match_the_file():
    found = only("entities:\n  a: {fields: {id: {type: integer, pk: true}}}\n", header="design: other\nversion: 1.0.0\ndescription: d\n")
    assert found[:3] == (1, 9, "SP203")


def test_every_error_is_reported_at_once():
    found = errors("""\
        entities:
          a:
            fields:
              id: {tpye: integer, pk: true}
          b:
            fields:
              id: {type: integer, pk: true}
              c: {ref: nowhere}
        seed:
          rows: {zzz: 1}
        """)
    codes = sorted(code for _, _, code, _ in found)
    assert codes == ["SP101", "SP401", "SP601"], found


def test_bad_file_bytes_and_empty_file(tmp_path):
    empty = tmp_path / "e.yaml"
    empty.write_text("")
    with pytest.raises(DesignErrors, match="e.yaml:1:1: the design file is empty"):
        load_design(empty)
    binary = tmp_path / "b.yaml"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(DesignErrors, match="not UTF-8"):
        load_design(binary)


def test_spec_flow_style_types_with_commas_parse():
    """SPEC.md writes `{type: enum(a, b), default: a}`; YAML alone would split at the commas."""
    text = HEADER + textwrap.dedent("""\
        entities:
          a:
            fields:
              id: {type: integer, pk: true}
              tier: {type: enum(bronze, silver, gold), default: bronze}
              price: {type: decimal(12,2), check: "value >= 0"}
        """)
    design = load_design_text(text, "designs/t.yaml", "t")
    entity = design.entities["a"]
    assert entity.column("tier").type.values == ("bronze", "silver", "gold")
    assert str(entity.column("price").type) == "decimal(12,2)"


def test_a_lattice_of_references_is_checked_for_cycles_in_linear_time():
    """Issue 12: walking every path of a 40-entity lattice took minutes; components take milliseconds."""
    import time

    lattice = ["entities:"]
    for i in range(40):
        refs = "".join(f"\n      r{j}: {{ref: e{j}}}" for j in (i + 1, i + 2) if j < 40)
        lattice.append(f"  e{i}:\n    fields:\n      id: {{type: integer, pk: true}}{refs}")
    acyclic = "\n".join(lattice) + "\n"
    start = time.perf_counter()
    load_design_text(HEADER + acyclic, "designs/t.yaml", "t")  # a DAG: no cycle, loads
    closing = acyclic + "      back: {ref: e0}\n"  # e39 -> e0 closes cycles through every entity
    with pytest.raises(DesignErrors) as caught:
        load_design_text(HEADER + closing, "designs/t.yaml", "t")
    assert time.perf_counter() - start < 5
    [cycle] = [f for f in caught.value.findings if f.code == "SP404"]  # one finding per tangle
    assert cycle.message.startswith("foreign keys form a cycle that no insert order can satisfy: e0.r1 -> e1")
    assert "e39.back -> e0" in cycle.message


def test_a_not_null_reference_to_itself_is_a_cycle_and_a_nullable_one_is_not():
    body = """\
        entities:
          node:
            fields:
              id: {type: integer, pk: true}
              parent: {ref: node}
        """
    assert only(body)[2:] == ("SP404", "foreign keys form a cycle that no insert order can satisfy: node.parent -> node")
    load_design_text(HEADER + textwrap.dedent(body).replace("{ref: node}", "{ref: node, nullable: true}"), "designs/t.yaml", "t")


# -- issue 12: hostile files, located within a second ---------------------------------------------

def test_aliases_that_repeat_each_other_are_refused_quickly():
    import time

    laughs = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        laughs.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    text = HEADER + "\n".join(laughs) + "\nentities: {e: {fields: {id: {type: integer, pk: true}}}}\n"
    start = time.perf_counter()
    with pytest.raises(DesignErrors) as caught:
        load_design_text(text, "designs/t.yaml", "t")
    assert time.perf_counter() - start < 5
    assert any(f.code == "SP003" and "expands to more than" in f.message for f in caught.value.findings)


@pytest.mark.parametrize("value,code,words", [
    ("1" * 5000, "SP004", "a number of 5000 digits"),
    ('"abc\\0def"', "SP007", "U+0000"),
    ('"line\\x1bbreak"', "SP007", "U+001B"),
])
def test_huge_numbers_and_control_characters_are_located(value, code, words):
    body = f"""\
        entities:
          a:
            fields:
              id: {{type: integer, pk: true}}
              x: {{type: text, description: {value}}}
        """
    found = [f for f in errors(body) if f[2] == code]
    assert found and found[0][0] == 8 and words in found[0][3]
    # The good twin: ordinary text with tabs and newlines loads.
    load_design_text(HEADER + textwrap.dedent(body.replace(value, '"tab\\there\\nand a new line"')), "designs/t.yaml", "t")


def test_files_that_are_not_regular_are_located_errors(tmp_path):
    import os

    from schemaforge.design.loader import load_design

    directory = tmp_path / "dir.yaml"
    directory.mkdir()
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)  # reading it would block forever
    zero = tmp_path / "zero.yaml"
    zero.symlink_to("/dev/zero")  # reading it would fill memory
    for path in (directory, fifo, zero):
        with pytest.raises(DesignErrors) as caught:
            load_design(path)
        [finding] = caught.value.findings
        assert finding.code == "SP001" and "not a regular file" in finding.message


def test_a_broken_release_snapshot_is_a_located_error(tmp_path):
    from schemaforge.design.loader import load_design
    from schemaforge.migrate.history import read_history

    design_path = tmp_path / "t.yaml"
    design_path.write_text(HEADER + "entities: {e: {fields: {id: {type: integer, pk: true}}}}\n")
    design = load_design(design_path)
    history = tmp_path / "t.history"
    history.mkdir()
    (history / "0.1.0.yaml").write_text("")  # empty
    (history / "0.2.0.yaml").write_bytes(b"design: t\n\xff\xfe")  # not UTF-8
    (history / "0.3.0.yaml").mkdir()  # a directory
    with pytest.raises(DesignErrors) as caught:
        read_history(design_path, design)
    messages = {f.location.file.rsplit("/", 1)[-1]: f.message for f in caught.value.findings}
    assert "empty" in messages["0.1.0.yaml"] and "UTF-8" in messages["0.2.0.yaml"]
    assert "not a regular file" in messages["0.3.0.yaml"]


@pytest.mark.parametrize("rows,words", [(10**12, "more than a seed of 10,000,000,000 rows"),
                                        (2**63, "more than a seed"), (40_000, "do not fit its smallint key 'id'")])
def test_a_row_count_nothing_can_hold_is_located(rows, words):
    body = f"""\
        entities:
          a:
            fields:
              id: {{type: smallint, pk: true}}
        seed:
          rows: {{a: {rows}}}
        """
    [(line, _, code, message)] = errors(body)
    assert (line, code) == (9, "SP105") and words in message
    load_design_text(HEADER + textwrap.dedent(body.replace(str(rows), "30000")), "designs/t.yaml", "t")  # fits


@pytest.mark.parametrize("rule,name", [
    ("SELECT * FROM read_csv('/etc/passwd')", "read_csv"),
    ("SELECT a.id FROM a WHERE pg_sleep(5) IS NULL", "pg_sleep"),
    ("SELECT a.id FROM a WHERE current_setting('is_superuser') = 'on'", "current_setting"),
    ("SELECT * FROM generate_series(1, 10)", "generate_series"),
])
def test_design_sql_may_not_call_functions_outside_sql(rule, name):
    """Issue 12: a rule reading /etc/passwd built, and Dagster copied the lines into its results."""
    body = f"""\
        entities:
          a:
            fields:
              id: {{type: integer, pk: true}}
              x: {{type: integer}}
        rules:
          - name: hostile
            assert: "{rule}"
        """
    found = [f for f in errors(body) if f[2] == "SP505"]
    assert found and found[0][0] == 11 and f"may not call {name}()" in found[0][3]
    good = body.replace(rule, "SELECT a.id FROM a WHERE char_length(CAST(a.x AS TEXT)) > 12 OR abs(a.x) < 0")
    load_design_text(HEADER + textwrap.dedent(good), "designs/t.yaml", "t")  # SQL's own functions pass


QUERY_ENTITY = """\
    entities:
      book:
        fields:
          id: {type: integer, pk: true}
          title: {type: string(200)}
          pages: {type: integer}
          genre: {type: "enum(fiction, poetry)"}
    queries:
"""


@pytest.mark.parametrize("bad,good,line,column,says", [
    ("q: {entity: book, filter: {pages: prefix}}", "q: {entity: book, filter: {title: prefix}}",
     12, 37, "prefix filters text, and 'pages' is integer"),
    ("q: {entity: book, filter: {genre: {eq: poem}}}", "q: {entity: book, filter: {genre: {eq: poetry}}}",
     12, 42, "'poem' is not a value of enum(fiction, poetry); did you mean 'poetry'?"),
])
def test_a_query_filter_its_field_cannot_answer_is_an_error_and_its_twin_loads(bad, good, line, column, says):
    found = only(QUERY_ENTITY + "      " + bad + "\n")
    assert found[:3] == (line, column, "SP507") and says in found[3], found
    design = load_design_text(HEADER + textwrap.dedent(QUERY_ENTITY + "      " + good + "\n"), "designs/t.yaml", "t")
    assert list(design.queries) == ["q"]
