"""The seed deliverable on disk: Parquet files, load scripts and a report, swapped in whole.

Seed data can be large, so it is streamed to files rather than held as in-memory artifacts. It
is written into a staging folder beside `seed/` and renamed into place only when complete, so
a failed or interrupted run leaves the previous seed untouched, never half of a new one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from pathlib import Path

from schemaforge import __version__
from schemaforge.deliverables.files import file_sha256, readable
from schemaforge.deliverables.generate import SEED_FOLDER, seed_paths, sql_targets
from schemaforge.design.stores import has_stores, nosql_part, sql_part
from schemaforge.nosql.targets import nosql_targets
from schemaforge.seed.estimate import LARGE_SEED_ROWS, seed_cost, size
from schemaforge.seed.generate import generate_seed
from schemaforge.seed.plan import row_counts
from schemaforge.seed.load import write_load_scripts
from schemaforge.seed.report import SeedResult
from schemaforge.design.model import Design

log = logging.getLogger(__name__)


def _report(design: Design, result: SeedResult) -> bytes:
    body = {
        "design": design.name, "design_version": design.version, "random_seed": design.doc.seed.random_seed,
        "schemaforge_version": __version__, "rows": result.rows, "repaired_rules": result.repaired_rules,
        "problems": [p.as_json() for p in result.problems],
    }
    return (json.dumps(body, indent=2, sort_keys=True) + "\n").encode()


def recover_seed_folder(root: Path) -> tuple[Path, Path]:
    """Undo what a killed build left: the previous seed put back if the kill fell between the
    two renames of the swap, and every staging folder removed. Returns (seed, retired) paths."""
    final, retired = root / SEED_FOLDER, root / f".{SEED_FOLDER}.retired"
    if retired.is_dir() and not final.exists():
        os.replace(retired, final)
    for leftover in root.glob(f".{SEED_FOLDER}.*"):
        shutil.rmtree(leftover, ignore_errors=True)
    return final, retired


def build_seed(design: Design, root: Path, scale: float = 1.0) -> SeedResult:
    """Generate the seed of `design` into `root/seed/`, atomically replacing what was there."""
    root.mkdir(parents=True, exist_ok=True)
    final, retired = recover_seed_folder(root)
    cost = seed_cost(design, row_counts(design, scale), sql_targets(design))
    if cost.rows >= LARGE_SEED_ROWS:
        log.info("%s: seed of %s (%s free)", design.name, cost, size(shutil.disk_usage(root).free))
    staging = Path(tempfile.mkdtemp(prefix=f".{SEED_FOLDER}.", dir=root))
    try:
        result = generate_seed(design, staging, scale)
        def announce(target: str) -> None:
            if cost.rows >= LARGE_SEED_ROWS:
                log.info("%s: seed: the %s load script", design.name, target)

        write_load_scripts(sql_part(design), sql_targets(design), staging, on_start=announce)
        for store in nosql_targets(design):
            announce(store.name)
            store.write_seed(nosql_part(design, store.name) if has_stores(design) else design, staging)
        (staging / "report.json").write_bytes(_report(design, result))
        readable(staging, folder=True)
        for file in staging.iterdir():
            readable(file)
        shutil.rmtree(retired, ignore_errors=True)
        if final.exists():
            os.replace(final, retired)
        os.replace(staging, final)
        shutil.rmtree(retired, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return result


def seed_data_version(design: Design, root: Path) -> str:
    digest = hashlib.sha256()
    for path in seed_paths(design):
        digest.update(path.encode() + b"\0" + file_sha256(root / path).encode() + b"\0")
    return digest.hexdigest()[:24]
