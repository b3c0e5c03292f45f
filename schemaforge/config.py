"""Where designs are read from and builds are written to (overridable by environment)."""

from __future__ import annotations

import os
from pathlib import Path


def designs_dir() -> Path:
    return Path(os.environ.get("SCHEMAFORGE_DESIGNS", "designs"))


def build_dir() -> Path:
    return Path(os.environ.get("SCHEMAFORGE_BUILD", "build"))


def design_files(folder: Path | None = None) -> list[Path]:
    folder = folder or designs_dir()
    # Every *.yaml entry, a directory or a pipe named like one included: loading it says what
    # is wrong with it, where a silent skip would hide a design.
    return sorted(p for p in folder.glob("*.yaml") if not p.name.startswith("."))
