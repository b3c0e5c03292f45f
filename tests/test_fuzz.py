"""Fuzzing the loader and renderers: mutated designs load and render (their DDL parses back in
each target's dialect), or end in located errors; never a traceback. test_fuzz_build.py fuzzes
whole builds applied on the engines.

SCHEMAFORGE_FUZZ_EXAMPLES sets the number of cases (200 by default, as in CI).
"""

from __future__ import annotations

import os

import sqlglot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzz_cases import LOCATION, design_text
from test_ddl_targets import PROCEDURAL, statements
from schemaforge.ddl.render import render_ddl
from schemaforge.ddl.targets import SQL_TARGETS
from schemaforge.erd.mermaid import render_mermaid
from schemaforge.findings import DesignErrors
from schemaforge.lint.rules import lint_design
from schemaforge.design.loader import load_design_text

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
    text = design_text(data.draw)
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
