"""Load a design file: YAML, then structure, then meaning; every error at once, located."""

from __future__ import annotations

import os
from pathlib import Path as FsPath

from schemaforge.findings import DesignErrors, Finding, Location
from schemaforge.design.model import Design
from schemaforge.design.resolve import resolve
from schemaforge.design.sections import check_sections
from schemaforge.design.source import SourceError, read_yaml
from schemaforge.design.structure import validate_structure


def display_path(path: FsPath) -> str:
    """`designs/D.yaml` for a design under the working directory, else the absolute path."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive
        return str(path.absolute())
    return str(path.absolute()) if relative.startswith("..") else relative


def load_design(path: str | os.PathLike, shown_as: str | None = None) -> Design:
    """Load and validate `path`; raise DesignErrors listing every problem."""
    path = FsPath(path)
    shown = shown_as or display_path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        raise DesignErrors([Finding(Location(shown, 1, 1), f"the file is not UTF-8 text ({error.reason})", "SP001")]) from None
    return load_design_text(text, shown, path.stem)


def load_design_text(text: str, shown_as: str, design_name: str) -> Design:
    try:
        data, source = read_yaml(text, shown_as)
    except SourceError as error:
        raise DesignErrors(error.problems) from None
    if not isinstance(data, dict):
        raise DesignErrors([Finding(Location(shown_as, 1, 1), "a design file must be a mapping of keys (design:, entities:, ...)", "SP002")])
    doc, findings, failed = validate_structure(data, source)
    if doc is None:
        raise DesignErrors(findings + _partial_semantics(data, source, design_name, failed, findings))
    design, findings = resolve(doc, source, design_name, text)
    findings += check_sections(design)
    if findings:
        raise DesignErrors(findings)
    return design


def _partial_semantics(data: dict, source, design_name: str, failed: set, structural: list[Finding]) -> list[Finding]:
    """Semantic errors of the parts that are structurally sound, so all errors show at once.

    Entities, named types and whole sections with a structural error are left out (`failed`
    holds the paths pydantic rejected); uses of a left-out entity or type are not reported,
    since the structural error already explains them.
    """
    # Entities and named types are pruned one by one; other broken sections whole.
    one_by_one = ("entities", "types")
    broken_sections = {loc[0] for loc in failed if loc and loc[0] not in one_by_one}
    pruned = {k: v for k, v in data.items() if k not in broken_sections}
    dropped: set = set()
    for section in one_by_one:
        names = {loc[1] for loc in failed if len(loc) > 1 and loc[0] == section}
        dropped |= names
        if isinstance(pruned.get(section), dict):
            pruned[section] = {k: v for k, v in pruned[section].items() if k not in names}
    if not pruned.get("entities"):
        return []
    for required, placeholder in (("design", design_name), ("version", "0.0.0"), ("description", "-")):
        pruned.setdefault(required, placeholder)
    doc, _, _ = validate_structure(pruned, source)
    if doc is None:
        return []
    design, findings = resolve(doc, source, design_name, "")
    findings += check_sections(design)
    reported = {f.location for f in structural}
    return [
        f for f in findings
        if f.location not in reported and not any(f"'{name}'" in f.message for name in dropped)
    ]
