"""Fuzzing the loader: mutated designs end in a clean build or located errors, never a traceback.

SCHEMAFORGE_FUZZ_EXAMPLES sets the number of cases (200 by default, as in CI).
"""

from __future__ import annotations

import copy
import os
import re

import sqlglot
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import DESIGNS, EXAMPLES
from test_ddl_targets import PROCEDURAL, statements
from schemaforge.ddl.render import render_ddl
from schemaforge.ddl.targets import SQL_TARGETS
from schemaforge.erd.mermaid import render_mermaid
from schemaforge.findings import DesignErrors
from schemaforge.lint.rules import lint_design
from schemaforge.design.loader import load_design_text

EXAMPLES_DATA = {name: yaml.safe_load((DESIGNS / f"{name}.yaml").read_text()) for name in EXAMPLES}
HOSTILE = ['x"; DROP TABLE y; --', "Robert'); DROP TABLE students;--", "a b", "ORDER", "order", "user", "🙂", "é"]
LOCATION = re.compile(r"^designs/fz\.yaml:(\d+):(\d+): ")

values = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False),
    st.text(max_size=20), st.sampled_from(HOSTILE), st.text(min_size=2000, max_size=3000),
    st.just(""), st.just([]), st.just({}), st.lists(st.text(max_size=8), max_size=3),
    st.dictionaries(st.sampled_from(["type", "ref", "pk", "zzz", "check", "fields"]), st.text(max_size=10), max_size=3),
    st.sampled_from(["hugeint", "enum()", "decimal(99,1)", "string(0)", "array(array(int))", "customer", "order.id"]),
)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, child in node.items():
            yield from _paths(child, prefix + (key,))
    elif isinstance(node, list):
        for i, child in enumerate(node):
            yield from _paths(child, prefix + (i,))


def _parent(data, path):
    node = data
    for part in path[:-1]:
        node = node[part]
    return node


def mutate(data, draw) -> None:
    paths = [p for p in _paths(data) if p]
    path = draw(st.sampled_from(paths))
    parent = _parent(data, path)
    action = draw(st.sampled_from(["set", "delete", "add_key", "rename_key"]))
    if action == "set":
        parent[path[-1]] = draw(values)
    elif action == "delete":
        del parent[path[-1]]
    elif isinstance(parent, dict) and action == "add_key":
        parent[draw(st.one_of(st.sampled_from(HOSTILE), st.text(min_size=1, max_size=12)))] = draw(values)
    elif isinstance(parent, dict) and action == "rename_key":
        parent[draw(st.sampled_from(HOSTILE + ["zz", "fields", "ref", "x" * 70]))] = parent.pop(path[-1])


def _assert_builds_safely(design) -> None:
    render_mermaid(design)
    lint_design(design)
    for target in design.targets:
        if target not in SQL_TARGETS:
            continue
        sql = render_ddl(design, target).sql
        # Statement by statement, as the targets' clients run them (SQL Server's GO batches,
        # Oracle's / after a block); procedural bodies are left to the engines.
        parsed = [sqlglot.parse_one(text, read=SQL_TARGETS[target].dialect)
                  for text in statements(sql) if not PROCEDURAL.match(text)]
        tables = {t.name for tree in parsed for t in tree.find_all(sqlglot.exp.Table)}
        assert {e.table for e in design.entities.values()} <= tables


@settings(
    max_examples=int(os.environ.get("SCHEMAFORGE_FUZZ_EXAMPLES", "200")), deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.data())
def test_mutated_designs_build_or_fail_with_located_errors(data):
    name = data.draw(st.sampled_from(EXAMPLES))
    design_data = copy.deepcopy(EXAMPLES_DATA[name])
    design_data["design"] = "fz"
    for _ in range(data.draw(st.integers(1, 3))):
        mutate(design_data, data.draw)
    text = yaml.safe_dump(design_data, sort_keys=False, allow_unicode=True)
    if data.draw(st.booleans()) and text:  # sometimes break the YAML itself
        at = data.draw(st.integers(0, len(text) - 1))
        text = text[:at] + data.draw(st.sampled_from(["{", "]", ":", "\t", "'", "&a", "*b", "- "])) + text[at:]
    line_count = text.count("\n") + 2
    try:
        design = load_design_text(text, "designs/fz.yaml", "fz")
    except DesignErrors as errors:
        assert errors.findings
        for finding in errors.findings:
            match = LOCATION.match(str(finding))
            assert match, str(finding)
            assert 1 <= int(match.group(1)) <= line_count and int(match.group(2)) >= 1
        return
    _assert_builds_safely(design)
