"""Load a design file: YAML, then structure, then meaning; every error at once, located."""

from __future__ import annotations

import copy
import os
import stat
from pathlib import Path as FsPath

from schemaforge.findings import DesignErrors, Finding, Location
from schemaforge.design.model import Design
from schemaforge.design.resolve import resolve
from schemaforge.design.sections import check_sections
from schemaforge.design.stores import with_outboxes
from schemaforge.design.source import SourceError, read_yaml
from schemaforge.design.structure import validate_structure
from schemaforge.collector import collection_paused


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
    return load_design_text(read_design_file(path, shown), shown, path.stem)


MAX_DESIGN_BYTES = 16 * 1024 * 1024  # a hand-written design is kilobytes; this is a runaway file


def read_design_file(path: FsPath, shown: str) -> str:
    """The text of a design file (or release snapshot): a regular UTF-8 file of sane size. A
    directory, a FIFO (which would block), a device (a link to /dev/zero) is a located error."""
    def refuse(message: str) -> DesignErrors:
        return DesignErrors([Finding(Location(shown, 1, 1), message, "SP001")])

    try:
        status = os.stat(path)
    except OSError as error:
        raise refuse(f"the file cannot be read: {error.strerror}") from None
    if not stat.S_ISREG(status.st_mode):
        raise refuse("this is not a regular file (a directory, a pipe or a device); a design is a YAML file")
    if status.st_size > MAX_DESIGN_BYTES:
        raise refuse(f"the file has {status.st_size:,} bytes, more than a design's {MAX_DESIGN_BYTES:,}")
    try:
        with open(path, "rb") as handle:
            return handle.read(MAX_DESIGN_BYTES + 1).decode("utf-8")
    except UnicodeDecodeError as error:
        raise refuse(f"the file is not UTF-8 text ({error.reason})") from None
    except OSError as error:
        raise refuse(f"the file cannot be read: {error.strerror}") from None


def load_design_text(text: str, shown_as: str, design_name: str) -> Design:
    with collection_paused():
        return _load_design_text(text, shown_as, design_name)


def _load_design_text(text: str, shown_as: str, design_name: str) -> Design:
    try:
        data, source = read_yaml(text, shown_as)
    except SourceError as error:
        raise DesignErrors(error.problems) from None
    if not isinstance(data, dict):
        raise DesignErrors([Finding(Location(shown_as, 1, 1), "a design file must be a mapping of keys (design:, entities:, ...)", "SP002")])
    doc, findings, failed = validate_structure(data, source)
    if doc is None:
        raise DesignErrors(findings + _partial_semantics(data, source, design_name, failed, findings))
    design, findings = resolve(with_outboxes(doc), source, design_name, text)
    findings += check_sections(design)
    if findings:
        raise DesignErrors(findings)
    return design


def _partial_semantics(data: dict, source, design_name: str, failed: list, structural: list[Finding]) -> list[Finding]:
    """Semantic errors of the parts that are structurally sound, so all errors show at once.

    What pydantic rejected is left out at the smallest place that makes the rest valid: an
    unknown key alone (`chek:` in a named type leaves the type usable), a field or a named type
    with a bad value, else its entity or section. Findings about what was left out (`unknown
    type 'money'` after `money` was dropped) are not reported: the structural error explains them.
    """
    pruned = copy.deepcopy(data)
    dropped: set[str] = set()
    for path, unknown_key in sorted(failed, key=lambda item: -len(item[0])):
        place = path if unknown_key else _enclosing(path)
        if not place:
            continue
        if not unknown_key and len(place) >= 2:
            dropped.add(str(place[-1]))
        _remove(pruned, place)
    if not isinstance(pruned.get("entities"), dict) or not pruned["entities"]:
        return []
    for required, placeholder in (("design", design_name), ("version", "0.0.0"), ("description", "-")):
        pruned.setdefault(required, placeholder)
    doc, _, _ = validate_structure(pruned, source)
    if doc is None:
        return []
    design, findings = resolve(doc, source, design_name, "")
    findings += check_sections(design)
    # What is said about the part that held a structural error (a field left without its
    # misspelt `tpye:`) follows from that error: it is not said again.
    reported = {f.location for f in structural} | {source.key(_enclosing(path)) for path, _ in failed if path}
    return [
        f for f in findings
        if f.location not in reported and not any(f"'{name}'" in f.message for name in dropped)
    ]


def _enclosing(path: tuple) -> tuple:
    """The smallest part of the design that can be left out for a bad value at `path`."""
    if len(path) >= 4 and path[0] == "entities" and path[2] == "fields":
        return path[:4]  # the field
    if len(path) >= 2 and path[0] in ("entities", "types", "queries"):
        return path[:2]  # the entity, the named type, the query
    return path[:1]  # the section


def _remove(data, path: tuple) -> None:
    node = data
    for part in path[:-1]:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return
    if isinstance(node, dict):
        node.pop(path[-1], None)
    elif isinstance(node, list) and isinstance(path[-1], int) and 0 <= path[-1] < len(node):
        node[path[-1]] = None  # keep the other indexes in place; None fails alone if it must
