"""A whole build swapped in at once: the build folder is the previous build or the new one.

`schemaforge build` writes every deliverable of a design into a staging folder beside
`build/<design>/`, writes the manifest last, checks the files against it, and only then swaps the
staging folder in. On Linux the swap is one `renameat2(RENAME_EXCHANGE)`, atomic even across a
kill; elsewhere it is two renames, and a kill between them is undone by the next build, which puts
the previous build back. Builds of one design take a lock, so two never share a staging folder,
and each starts by removing what killed builds left.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from schemaforge.deliverables.files import file_sha256, readable
from schemaforge.deliverables.records import RECORDS

MANIFEST = "manifest.json"
# Written into the build folder after the manifest: the seed's expectation results, and the
# build records that let the next build reuse what has not changed.
AFTER_MANIFEST = ("seed/expectations/", f"{RECORDS}/")


def _names(root: Path) -> tuple[str, str, str]:
    """(staging prefix, previous-build name, lock name), all hidden beside `root`."""
    return f".{root.name}.staging.", f".{root.name}.previous", f".{root.name}.lock"


def manifest_problems(root: Path) -> list[str]:
    """What in `root` disagrees with its manifest: a listed file missing or with other bytes, a
    file the manifest does not list. None means the folder is exactly the build it describes."""
    try:
        listed = {a["path"]: a for a in json.loads((root / MANIFEST).read_text())["artifacts"]}
    except (OSError, ValueError, KeyError, TypeError) as error:
        return [f"{root / MANIFEST}: not a readable manifest ({error})"]
    problems = []
    for path, artifact in sorted(listed.items()):
        file = root / path
        if not file.is_file():
            problems.append(f"{path}: listed in the manifest, missing")
        elif file.stat().st_size != artifact["bytes"] or file_sha256(file) != artifact["sha256"]:
            problems.append(f"{path}: its content is not the manifest's (sha256 {artifact['sha256'][:12]}...)")
    for file in sorted(root.rglob("*")):
        relative = file.relative_to(root).as_posix()
        if file.is_file() and relative != MANIFEST and relative not in listed and not relative.startswith(AFTER_MANIFEST):
            problems.append(f"{relative}: not in the manifest")
    return problems


class DiscardBuild(Exception):
    """Raised inside `staged_build` by a build that failed: the staging folder is dropped."""


class BuildNotWhole(Exception):
    """The staged build does not match its own manifest: it is not swapped in."""


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released by the kernel if the process dies
        yield


def recover(root: Path) -> None:
    """Undo what killed builds left beside `root`: the previous build put back if a kill fell
    between the two renames of a fallback swap, and every staging folder removed."""
    staging_prefix, previous_name, _ = _names(root)
    previous = root.parent / previous_name
    if previous.is_dir() and not root.exists():
        os.replace(previous, root)
    shutil.rmtree(previous, ignore_errors=True)
    for leftover in root.parent.glob(f"{staging_prefix}*"):
        shutil.rmtree(leftover, ignore_errors=True)


_RENAME_EXCHANGE, _AT_FDCWD = 2, -100
_renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step (Linux renameat2); False where the system cannot."""
    if _renameat2 is None:
        return False
    if _renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):  # an old kernel, a filesystem without it
        return False
    raise OSError(code, os.strerror(code), str(a))


def _swap_in(staging: Path, root: Path) -> None:
    """Put `staging` at `root`; the previous build, if any, ends up at `staging` to be removed."""
    if not root.exists():
        os.replace(staging, root)
    elif not _exchange(staging, root):
        previous = root.parent / _names(root)[1]
        os.replace(root, previous)
        os.replace(staging, root)  # a kill before this line: recover() puts `previous` back
        os.replace(previous, staging)
    descriptor = os.open(root.parent, os.O_RDONLY)
    try:
        os.fsync(descriptor)  # the renames themselves reach the disk
    finally:
        os.close(descriptor)


def _link_tree(source: Path, target: Path) -> set[str]:
    """`target` as a copy of `source` made of hard links: instant, and safe because every write
    of a build replaces a file by renaming a new one over it, never rewriting it in place.
    Returns the files linked, relative to `target`."""
    linked = set()
    for folder, _, files in os.walk(source):
        here = target / Path(folder).relative_to(source)
        here.mkdir(exist_ok=True)
        for name in files:
            os.link(Path(folder) / name, here / name)
            linked.add((here / name).relative_to(target).as_posix())
    return linked


def _prune(staging: Path, linked: set[str]) -> None:
    """Remove what the previous build had and this one no longer makes (a dropped target's DDL,
    an entity's seed file): the files brought over that the new manifest does not list."""
    try:
        listed = {a["path"] for a in json.loads((staging / MANIFEST).read_text())["artifacts"]}
    except (OSError, ValueError, KeyError, TypeError):
        return  # no manifest to go by: manifest_problems says so
    for path in linked - listed - {MANIFEST}:
        if not path.startswith(AFTER_MANIFEST):
            (staging / path).unlink(missing_ok=True)


@contextmanager
def staged_build(root: Path, from_previous: bool = True) -> Iterator[Path]:
    """A staging folder to build `root` in, holding the previous build to start from (so what
    has not changed is reused); swapped in when the block ends without an error and the staged
    files match their manifest, discarded otherwise."""
    root.parent.mkdir(parents=True, exist_ok=True)
    staging_prefix, _, lock_name = _names(root)
    with _locked(root.parent / lock_name):
        recover(root)
        staging = Path(tempfile.mkdtemp(prefix=staging_prefix, dir=root.parent))
        try:
            linked = _link_tree(root, staging) if from_previous and root.is_dir() else set()
            try:
                yield staging
            except DiscardBuild:
                return
            _prune(staging, linked)
            problems = manifest_problems(staging)
            if problems:
                raise BuildNotWhole("the build does not match its manifest:\n" + "\n".join(problems))
            readable(staging, folder=True)
            _swap_in(staging, root)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
