"""Released versions of a design, kept beside it: `designs/D.history/<version>.yaml`.

A snapshot is the design file's text, byte for byte, as it stood when that version was built.
The current version's snapshot follows the design file until `version:` moves; from then on it
is never rewritten. Any two versions can so be compared without git or a live database.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from schemaforge.deliverables.files import write_atomic
from schemaforge.findings import DesignErrors, Finding, Location
from schemaforge.design.loader import display_path, load_design_text, read_design_file
from schemaforge.design.model import Design

_SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")


def version_key(version: str) -> tuple:
    """Semver precedence: 1.0.0-rc.1 < 1.0.0 < 1.0.1 < 1.10.0; build metadata is ignored."""
    match = _SEMVER.match(version)
    if match is None:
        raise ValueError(f"'{version}' is not a semver version")
    major, minor, patch, pre = match.groups()
    if pre is None:
        return (int(major), int(minor), int(patch), (1,))
    parts = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split("."))
    return (int(major), int(minor), int(patch), (0, parts))


def history_dir(design_path: Path) -> Path:
    return design_path.with_name(f"{design_path.stem}.history")


@dataclass(frozen=True)
class Release:
    version: str
    text: str
    shown_as: str  # where errors and findings about this version point

    def load(self, design_name: str) -> Design:
        """The release as a design; loaded once per process (the history is checked when the
        definitions load, and the migrations read the same releases again)."""
        return _load_release(self.text, self.shown_as, design_name)


@lru_cache(maxsize=8)
def _load_release(text: str, shown_as: str, design_name: str) -> Design:
    return load_design_text(text, shown_as, design_name)


@dataclass(frozen=True)
class History:
    """Every release of one design, oldest first, the current design file last."""

    design_path: Path
    releases: tuple[Release, ...]

    @property
    def current(self) -> Release:
        return self.releases[-1]

    @property
    def snapshot_path(self) -> Path:
        """Where the current version's snapshot is kept."""
        return history_dir(self.design_path) / f"{self.current.version}.yaml"

    def pairs(self) -> list[tuple[Release, Release]]:
        """Consecutive releases: each pair gets a forward and a rollback migration."""
        return list(zip(self.releases, self.releases[1:]))

    def earlier_texts(self) -> dict[str, str]:
        return {r.version: r.text for r in self.releases[:-1]}

    def earlier_digest(self) -> str:
        """A hash of the earlier releases' snapshots: with the design's own facets, all that a
        migration to the current version reads."""
        digest = hashlib.sha256()
        for version, text in self.earlier_texts().items():
            digest.update(version.encode() + b"\0" + text.encode() + b"\0")
        return digest.hexdigest()[:24]

    def is_kept(self) -> bool:
        """The current version's snapshot is on disk as the design file has it."""
        path = self.snapshot_path
        return path.is_file() and path.read_bytes() == self.current.text.encode("utf-8")

    def keep_current(self) -> bool:
        """Write the current version's snapshot (atomically) where it differs; True if written."""
        if self.is_kept():
            return False
        write_atomic(self.snapshot_path, self.current.text.encode("utf-8"))
        return True


def read_history(design_path: Path, design: Design) -> History:
    """The releases of `design` (loaded from `design_path`): its snapshots, with the current
    version's taken from the design file itself. Raises DesignErrors when a snapshot is not
    named by a version, or when the design's version is older than a released one."""
    folder = history_dir(design_path)
    text = read_design_file(design_path, design.file)
    snapshots: dict[str, Release] = {}
    problems: list[Finding] = []
    for file in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        shown = display_path(file)
        try:
            version_key(file.stem)
        except ValueError:
            problems.append(Finding(Location(shown, 1, 1), f"a release snapshot must be named <version>.yaml, "
                                    f"with a semver version, not '{file.name}'", "MG105"))
            continue
        try:  # a snapshot that cannot be read or loaded is named where it is, not met later
            release = Release(file.stem, read_design_file(file, shown), shown)
            if release.text != text:  # the design file's own text (its version kept) loaded already
                release.load(design.name)
        except DesignErrors as errors:
            problems += errors.findings
            continue
        snapshots[file.stem] = release
    newest = max(snapshots, key=version_key, default=None)
    if newest is not None and version_key(design.version) < version_key(newest):
        problems.append(Finding(
            design.source.value(("version",)),
            f"version {design.version} is older than the released {newest} "
            f"({display_path(folder / (newest + '.yaml'))}); versions only move forward", "MG105",
            fix=f"set version: to a version after {newest}",
        ))
    if problems:
        raise DesignErrors(problems)
    snapshots[design.version] = Release(design.version, text, design.file)
    ordered = sorted(snapshots.values(), key=lambda r: version_key(r.version))
    return History(design_path, tuple(ordered))
