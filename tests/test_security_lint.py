"""The compliance checklist and the security lint (issue 15): each control marked from facts of
the design, flipping with them, a control not met being a lint finding at the place to change;
each SC code on a bad input, and silent on its good twin."""

from __future__ import annotations

import pytest

from conftest import ROOT
from schemaforge.design.loader import load_design_text
from schemaforge.lint.rules import lint_design
from schemaforge.security.checklist import checklist_markdown, controls

CARENET = (ROOT / "tests" / "designs" / "carenet.yaml").read_text()


def _load(text: str, name: str = "carenet"):
    return load_design_text(text, f"designs/{name}.yaml", name)


def _status(design, code: str) -> str:
    return next(c.status for c in controls(design) if c.code == code)


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_the_checklist_covers_each_regime_with_controls_from_the_design():
    design = _load(CARENET)
    markdown = checklist_markdown(design)
    for heading in ("## GDPR", "## HIPAA", "## PCI DSS", "## SOX"):
        assert heading in markdown
    statuses = {c.code: c.status for c in controls(design)}
    assert statuses["SC301"] == statuses["SC401"] == "met"  # health and card data encrypted
    assert statuses["SC403"] == "met" and statuses["SC303"] == "met"  # card and visit audited, reads too
    assert statuses["SC503"] == "not met"  # app writes every table
    assert statuses["SC405"] == "outside the schema"
    assert "card.number: encrypted" in markdown and "UPDATE patient SET" in markdown


@pytest.mark.parametrize(("code", "edit", "where"), [
    ("SC401", lambda t: t.replace("columns: [ssn, card, health]", "columns: [ssn, health]"), "number: {type"),
    ("SC301", lambda t: t.replace("columns: [ssn, card, health]", "columns: [ssn, card]"), "notes: {type"),
    ("SC403", lambda t: t.replace("entities: [patient, visit, card, charge]", "entities: [patient, visit, charge]"),
     "audit: {entities"),
    ("SC303", lambda t: t.replace("operations: [insert, update, delete, select]", "operations: [insert, update, delete]"),
     "audit: {entities"),
    ("SC404", lambda t: t.replace("in_transit: required", "in_transit: preferred"), "encryption: {"),
    ("SC402", lambda t: t.replace("description: the practice software acts for the signed-in staff member, ", ""),
     "app: {grants"),
])
def test_a_control_flips_with_the_fact_it_reads_and_so_does_its_lint_finding(code, edit, where):
    """The design as written meets the control and lint says nothing of it; with one fact
    changed, the control is not met and the lint reports its code at the place to change."""
    good = _load(CARENET)
    assert _status(good, code) == "met"
    assert not [f for f in lint_design(good) if f.code == code]
    text = edit(CARENET)
    assert text != CARENET
    bad = _load(text)
    assert _status(bad, code) == "not met"
    [finding] = [f for f in lint_design(bad) if f.code == code]
    assert finding.location.line == _line_of(text, where)
    assert finding.severity == ("error" if code in ("SC301", "SC401") else "warning")
    assert f"| {code} |" in checklist_markdown(bad) and "**not met**" in checklist_markdown(bad)


BASE = """design: d
version: 1.0.0
description: d
entities:
  account:
    description: an account
    fields:
      id: {type: bigint, pk: true}
      owner: {ref: owner}
      created_at: {type: timestamptz, default: now}
{extra_fields}
  owner:
    description: a tenant
    fields:
      id: {type: bigint, pk: true}
      name: {type: "string(40)", pii: name}
{extra_entities}
security:
{security}
"""


def _design(security: str, extra_fields: str = "", extra_entities: str = ""):
    return _load(BASE.replace("{security}", security).replace("{extra_fields}", extra_fields)
                 .replace("{extra_entities}", extra_entities), "d")


def _codes(design, code: str):
    return [f for f in lint_design(design) if f.code == code]


@pytest.mark.parametrize(("code", "bad", "good", "line_has"), [
    ("SC101", dict(security="  roles:\n    reader: {grants: {owner: [select]}}"),
     dict(security="  roles:\n    reader: {grants: {owner: [select]}, pii: masked}"), "reader:"),
    ("SC104", dict(security="  roles:\n    app: {description: x, grants: {\"*\": [select, update]}}"),
     dict(security="  roles:\n    app: {description: x, grants: {\"*\": [select], account: [update]}}"), "\"*\""),
    ("SC103", dict(security="  tenancy: {entity: owner, isolation: row_level_security}",
                   extra_entities="  note:\n    description: n\n    fields:\n      id: {type: bigint, pk: true}\n"
                                  "      account: {ref: account}"),
     dict(security="  tenancy: {entity: owner, isolation: row_level_security}",
          extra_entities="  note:\n    description: n\n    fields:\n      id: {type: bigint, pk: true}\n"
                         "      account: {ref: account}\n      owner: {ref: owner}"), "  note:"),
    ("SC111", dict(security="  roles: {}", extra_fields="      api_token: {type: \"string(40)\", default: sk_live_abc}"),
     dict(security="  roles: {}", extra_fields="      label: {type: \"string(40)\", default: hello}"), "default: sk_live"),
    ("SC112", dict(security="  retention: {owner: 30d}"), dict(security="  retention: {account: 30d}"), "retention:"),
    ("SC113", dict(security="  encryption: {columns: [owner]}"), dict(security="  encryption: {columns: [name]}"),
     "owner: {ref"),
    ("SC114", dict(security="  retention: {audit_log: 1y}"),
     dict(security="  retention: {audit_log: 1y}\n  audit: {entities: [account]}"), "retention:"),
])
def test_each_security_lint_code_on_a_bad_design_and_not_on_its_twin(code, bad, good, line_has):
    bad_design, good_design = _design(**bad), _design(**good)
    found = _codes(bad_design, code)
    assert found, code
    text = BASE.replace("{security}", bad["security"]).replace("{extra_fields}", bad.get("extra_fields", "")) \
        .replace("{extra_entities}", bad.get("extra_entities", ""))
    assert found[0].location.line == _line_of(text, line_has)
    assert found[0].location.file == "designs/d.yaml"
    assert not _codes(good_design, code)


def test_rls_on_a_target_without_it_is_a_finding_and_a_target_without_roles_is_said():
    design = _load(CARENET.replace("targets: [postgres, mysql, sqlserver, oracle, clickhouse]",
                                   "targets: [postgres, mysql, sqlite, duckdb]"))
    assert [f.severity for f in _codes(design, "SC109")] == ["info"]  # MySQL: tenant views instead
    assert len(_codes(design, "SC110")) == 2  # SQLite and DuckDB have no roles
