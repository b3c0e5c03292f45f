"""Build records: what each deliverable was last built from, so an unchanged one is not rebuilt.

After a deliverable is built, a record beside its files (`build/<design>/.built/<name>.json`)
keeps its code version, the data versions of the deliverables it read, every file it wrote
(size, modification time, sha256) and what it gave back. The next build reuses that result
instead of regenerating when the code version is the same, its inputs' data versions are the
same, and its files are still on disk with the same bytes: checked the way make checks, by size
and modification time first and by sha256 only when those moved. A check's result is recorded
the same way, keyed on the data version of the deliverable it judges.

Both front ends go through `build_or_reuse` and `check_or_reuse`, so `schemaforge build` and a
Dagster materialize skip the same work; `is_current` answers "would this rebuild?" without
building, for the command that materializes only what is stale.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from schemaforge.deliverables.files import file_sha256, write_atomic
from schemaforge.findings import Finding, Location

if TYPE_CHECKING:
    from schemaforge.deliverables.registry import Built, Check, CheckOutcome, Deliverable

RECORDS = ".built"
RECORD_FORMAT = 1

# How many times each deliverable (by name: "ddl_postgres") was really built, and each check really
# run ("seed.expectations"), in this process: what tests assert to prove that a no-op is one.
built_counts: Counter[str] = Counter()
checked_counts: Counter[str] = Counter()


@dataclass(frozen=True)
class FileStamp:
    size: int
    mtime_ns: int
    sha256: str

    @classmethod
    def of(cls, file: Path) -> FileStamp:
        stat = file.stat()
        return cls(stat.st_size, stat.st_mtime_ns, file_sha256(file))

    def matches(self, file: Path) -> bool:
        try:
            stat = file.stat()
        except OSError:
            return False
        if stat.st_size != self.size:
            return False
        return stat.st_mtime_ns == self.mtime_ns or file_sha256(file) == self.sha256


def _record_path(root: Path, name: str) -> Path:
    return root / RECORDS / f"{name}.json"


def _read(root: Path, name: str) -> dict[str, Any] | None:
    """A record, or None when there is none or it is unreadable (then the work is done again)."""
    try:
        record = json.loads(_record_path(root, name).read_text())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and record.get("format") == RECORD_FORMAT else None


def _files_match(root: Path, files: dict[str, list]) -> bool:
    return all(FileStamp(*stamp).matches(root / path) for path, stamp in files.items())


def _stamps(root: Path, paths: tuple[str, ...]) -> dict[str, list]:
    stamps = {}
    for path in sorted(paths):
        stamp = FileStamp.of(root / path)
        stamps[path] = [stamp.size, stamp.mtime_ns, stamp.sha256]
    return stamps


def data_version(root: Path, name: str) -> str | None:
    """The data version a deliverable's record says it was last built to, if it has one."""
    record = _read(root, name)
    return record["data_version"] if record else None


def _inputs(root: Path, item: Deliverable) -> dict[str, str | None]:
    return {dep: data_version(root, dep) for dep in item.deps}


def _current_record(item: Deliverable, root: Path) -> dict[str, Any] | None:
    """`item`'s record when building it into `root` now would only give that result back."""
    record = _read(root, item.name)
    if record is None or record["code_version"] != item.code_version:
        return None
    inputs = _inputs(root, item)
    current = (None not in inputs.values() and record["inputs"] == inputs and _files_match(root, record["files"])
               and item.kept_outside())
    return record if current else None


def is_current(item: Deliverable, root: Path) -> bool:
    """True when building `item` into `root` now would only give back its recorded result."""
    return _current_record(item, root) is not None


# --- results to and from JSON --------------------------------------------------------------------

def _finding(data: dict) -> Finding:
    return Finding(Location(data["file"], data["line"], data["column"]), data["message"], data["code"],
                   data["severity"], data["fix"])


def _shown_json(shown: dict) -> dict:
    return {name: [entry.kind, entry.value] for name, entry in shown.items()}


def _shown(data: dict) -> dict:
    from schemaforge.deliverables.registry import Shown
    return {name: Shown(kind, value) for name, (kind, value) in data.items()}


def _write_record(root: Path, name: str, body: dict[str, Any]) -> None:
    write_atomic(_record_path(root, name), (json.dumps({"format": RECORD_FORMAT, **body}, sort_keys=True) + "\n").encode())


# --- deliverables and checks -----------------------------------------------------------------------

def build_or_reuse(item: Deliverable, root: Path, starting: Callable[[], None] = lambda: None) -> tuple[Built, bool]:
    """(what `item` built into `root`, whether it was really built): its recorded result when it
    is current, else a fresh build (announced by `starting()`) that is then recorded."""
    from schemaforge.deliverables.registry import Built
    if (record := _current_record(item, root)) is not None:
        return Built(record["data_version"], _shown(record["shown"]), tuple(map(_finding, record["findings"])),
                     tuple(record["files"])), False
    starting()
    _record_path(root, item.name).unlink(missing_ok=True)  # a build that fails leaves no stale record
    built = item.build(root)
    built_counts[item.name] += 1
    _write_record(root, item.name, {
        "code_version": item.code_version, "inputs": _inputs(root, item), "data_version": built.data_version,
        "files": _stamps(root, built.files), "shown": _shown_json(built.shown),
        "findings": [f.as_json() for f in built.findings],
    })
    return built, True


def check_or_reuse(item: Deliverable, check: Check, root: Path) -> tuple[dict[str, CheckOutcome], bool]:
    """(the outcomes of `check` on `item`, whether it really ran): reused while the data versions
    of the deliverable (and of what else the check reads) and the files the check wrote are what
    they were when it ran."""
    from schemaforge.deliverables.registry import CheckOutcome
    versions = [data_version(root, read) for read in (item.name, *check.also_reads)]
    name, judged = f"{item.name}.check.{check.name}", None if None in versions else " ".join(versions)
    record = _read(root, name)
    if (check.reusable and judged is not None and record is not None and record["judged"] == judged
            and _files_match(root, record["files"])):
        return {judgement: CheckOutcome(passed, _shown(shown)) for judgement, (passed, shown) in record["outcomes"].items()}, False
    _record_path(root, name).unlink(missing_ok=True)
    outcomes = check.run(root)
    checked_counts[f"{item.name}.{check.name}"] += 1
    if check.reusable and judged is not None:
        _write_record(root, name, {
            "judged": judged, "files": _stamps(root, tuple(f for o in outcomes.values() for f in o.files)),
            "outcomes": {judgement: [o.passed, _shown_json(o.shown)] for judgement, o in outcomes.items()},
        })
    return outcomes, True
