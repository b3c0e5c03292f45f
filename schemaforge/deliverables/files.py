"""Artifacts and how they reach the disk: atomically, so a build never leaves half a file."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Artifact:
    path: str  # relative to build/<design>/, with forward slashes
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


# Build outputs are read by the team and its tools like any file the build writes: rw-r--r--
# and rwxr-xr-x less the process's umask, where the temp files' own modes are 0600 and 0700.
FILE_MODE, FOLDER_MODE = 0o666, 0o777


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def readable(path: Path, folder: bool = False) -> None:
    """Give a temp file or folder, once complete, the mode an ordinary write would have."""
    os.chmod(path, (FOLDER_MODE if folder else FILE_MODE) & ~_umask())


def write_atomic(path: Path, content: bytes) -> None:
    """Write to a temp file in the same folder, fsync, then rename over the target."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        readable(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_artifacts(root: Path, artifacts: list[Artifact]) -> None:
    for artifact in artifacts:
        write_atomic(root / artifact.path, artifact.content)


def content_hash(artifacts: list[Artifact]) -> str:
    """One hash over several artifacts' paths and contents: the asset's data version."""
    digest = hashlib.sha256()
    for artifact in sorted(artifacts, key=lambda a: a.path):
        digest.update(artifact.path.encode() + b"\0" + artifact.sha256.encode() + b"\0")
    return digest.hexdigest()[:24]


def file_sha256(path: Path) -> str:
    """sha256 of a file, read in blocks (seed files can be large)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()
