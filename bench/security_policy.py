"""The security policy of a 510-table design, timed: every target's script, the checklist and the
security lint; and the policy's proof on PostgreSQL for the saas example (a server started, DDL,
seed and policy applied, every privilege and every tenant-owned table tried).

Run: .venv/bin/python bench/security_policy.py [--tables N]

The design is tests/wide_design.py's with a security section: four roles (one masked, one limited
to some pii kinds), tenancy on its first entity, encryption of two pii kinds, audit of its first
twenty entities, retention and all four regimes. The DDL of the same design is timed beside it
for scale: the policy is written from the same model.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from schemaforge.ddl.render import render_ddl  # noqa: E402
from schemaforge.deliverables.seed import build_seed  # noqa: E402
from schemaforge.design.loader import load_design  # noqa: E402
from schemaforge.performance.server import measurement_server  # noqa: E402
from schemaforge.security.checklist import checklist_markdown  # noqa: E402
from schemaforge.security.lint import security_lint  # noqa: E402
from schemaforge.security.proof import prove_policy  # noqa: E402
from schemaforge.security.render import WRITERS  # noqa: E402
from measured_deliverables import timed  # noqa: E402
from wide_design import wide_design  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tables", type=int, default=510)
    tables = parser.parse_args().tables
    folder = Path(tempfile.mkdtemp())
    text = wide_design(tables=tables)
    (folder / "wide.yaml").write_text(text)
    names = list(load_design(folder / "wide.yaml").entities)
    security = f"""
security:
  roles:
    app: {{description: the application, grants: {{"*": [select, insert, update, delete]}}}}
    analyst: {{grants: {{"*": [select]}}, pii: masked}}
    support: {{description: answers customers, grants: {{{names[1]}: [select, update]}}, pii: [email]}}
    auditor: {{grants: {{"*": [select]}}, pii: hidden, inherits: [analyst]}}
  tenancy: {{entity: {names[0]}, isolation: row_level_security}}
  encryption: {{at_rest: true, in_transit: required, columns: [email, phone]}}
  masking: {{email: partial, name: hash}}
  audit: {{entities: [{", ".join(names[:20])}]}}
  retention: {{audit_log: 7y}}
  compliance: [gdpr, hipaa, pci_dss, sox]
"""
    (folder / "wide.yaml").write_text(text + security)
    design = load_design(folder / "wide.yaml")
    steps: dict[str, float] = {}
    timed(steps, "ddl, postgres (for scale)", lambda: render_ddl(design, "postgres"))
    for target in WRITERS:
        timed(steps, f"security/{target}.sql", lambda target=target: WRITERS[target](design).script())
    timed(steps, "security/checklist.md", lambda: checklist_markdown(design))
    findings = timed(steps, "security lint", lambda: security_lint(design))
    saas = load_design(ROOT / "designs" / "saas.yaml")
    timed(steps, "saas: seed built", lambda: build_seed(saas, folder / "saas"))
    started = time.perf_counter()
    with measurement_server() as server:
        steps[f"saas: server ready ({server.origin})"] = time.perf_counter() - started
        problems, tried = timed(steps, "saas: policy applied and proven", lambda: prove_policy(
            saas, folder / "saas" / "seed", server))
    assert not problems, problems
    print(f"{tables} tables, {sum(len(e.columns) for e in design.entities.values())} columns, {len(findings)} "
          f"security findings; saas proof: {len(tried)} steps")
    for step, seconds in steps.items():
        print(f"{step:48}{seconds:7.2f} s")


if __name__ == "__main__":
    main()
