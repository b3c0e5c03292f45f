"""Squawk, the PostgreSQL migration linter (the `squawk-cli` wheel), on a migration's SQL.

Its findings become lint findings (code MG201, the rule's name in the message) located in the
migration file. Rules about a type the design chose on purpose (int rather than bigint,
varchar rather than text) are information; the rest are warnings.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from schemaforge.findings import Finding, Location

# Rules about the design's own choices, which a migration merely carries out.
DESIGN_CHOICES = frozenset({
    "prefer-bigint-over-int", "prefer-bigint-over-smallint", "prefer-text-field", "prefer-timestamptz",
    "prefer-identity", "ban-char-field", "prefer-robust-stmts",
})


class SquawkMissing(RuntimeError):
    pass


def squawk_binary() -> str:
    beside = Path(sys.executable).with_name("squawk")  # installed into the same environment
    found = str(beside) if beside.exists() else shutil.which("squawk")
    if not found:
        raise SquawkMissing("squawk is not installed: pip install squawk-cli (setup.sh does)")
    return found


def squawk_findings(sql: str, shown_as: str) -> list[Finding]:
    """Squawk's findings on `sql`, located as lines of the file `shown_as`."""
    result = subprocess.run(
        [squawk_binary(), "--reporter", "json", "--stdin-filepath", shown_as],
        input=sql, capture_output=True, text=True, timeout=120,
    )
    if result.returncode not in (0, 1) or not result.stdout.strip().startswith("["):
        raise RuntimeError(f"squawk failed on {shown_as}: {result.stderr.strip() or result.stdout.strip()}")
    findings = []
    for item in json.loads(result.stdout):
        rule = item["rule_name"]
        help_text = f" {item['help']}" if item.get("help") else ""
        findings.append(Finding(
            Location(shown_as, item["line"] + 1, item["column"] + 1),
            f"squawk {rule}: {item['message']}{help_text}", "MG201",
            "info" if rule in DESIGN_CHOICES else "warning",
        ))
    return findings
