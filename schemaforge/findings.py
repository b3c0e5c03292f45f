"""Located findings: every loader error and lint result is one of these.

Codes are stable per family (the way Atlas numbers its analyzers): `SP` the design language,
`NM` naming, `TG` what a target can or cannot express, `DC` documentation, `GN` generation
coverage, `MG` migrations between releases. A code never changes meaning; new checks get new codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning", "info"]


def one_line(text: str) -> str:
    """Text as one printable line: a control character (a newline, NUL, a terminal's ESC) that a
    design's text brought into a message is written as its escape, so that a finding can neither
    forge a line of its own nor drive the terminal that shows it."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


@dataclass(frozen=True, order=True)
class Location:
    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Finding:
    location: Location
    message: str
    code: str
    severity: Severity = "error"
    fix: str | None = None

    def __str__(self) -> str:
        fix = f" (fix: {self.fix})" if self.fix else ""
        return one_line(f"{self.location}: {self.message}{fix} [{self.code}]")

    def as_json(self) -> dict:
        return {
            "code": self.code,
            "severity": self.severity,
            "file": self.location.file,
            "line": self.location.line,
            "column": self.location.column,
            "message": self.message,
            "fix": self.fix,
        }


def sort_findings(findings) -> list[Finding]:
    """Stable report order: by place in the file, then code, then message."""
    return sorted(set(findings), key=lambda f: (f.location, f.code, f.message))


class DesignErrors(Exception):
    """A design that cannot be built; `findings` says where and why, all at once."""

    def __init__(self, findings: list[Finding]):
        self.findings = sort_findings(findings)
        super().__init__("\n".join(str(f) for f in self.findings))
