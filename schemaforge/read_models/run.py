"""Plan and apply the read models' SQLMesh project over the seed, and compare what it built
with the same aggregates computed directly by DuckDB over the seed's Parquet files.

SQLMesh runs in a process of its own (its CLI): importing it patches sqlglot's parser for the
whole process, and the engine renders every target's SQL with sqlglot. The project is copied
into a scratch folder beside a link to the seed, so the build folder keeps only what the build
wrote, and SQLMesh's state, cache and logs go away with the scratch folder.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from schemaforge.design.model import Design
from schemaforge.read_models.project import DATABASE, FOLDER, SCHEMA, read_models

TIMEOUT_SECONDS = 600


@dataclass
class ModelComparison:
    name: str
    rows: int  # rows SQLMesh built
    mismatched: list[str] = field(default_factory=list)  # rows one side has and the other has not


@dataclass
class ReadModelRun:
    ok: bool  # SQLMesh planned and applied the project
    output: str  # what SQLMesh printed
    models: list[ModelComparison] = field(default_factory=list)
    failed_audits: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.ok and not self.failed_audits and all(not m.mismatched for m in self.models)


def sqlmesh_command() -> list[str]:
    """SQLMesh's CLI, from the environment schemaforge runs in."""
    script = Path(sys.executable).parent / "sqlmesh"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from sqlmesh.cli.main import cli; sys.exit(cli())"]


def run_read_models(design: Design, build_root: Path) -> ReadModelRun:
    with tempfile.TemporaryDirectory(prefix="schemaforge-read-models-") as scratch:
        project = Path(scratch) / FOLDER
        shutil.copytree(build_root / FOLDER, project)
        (Path(scratch) / "seed").symlink_to((build_root / "seed").resolve(), target_is_directory=True)
        done = subprocess.run(sqlmesh_command() + ["--paths", ".", "plan", "--auto-apply", "--no-prompts"],
                              cwd=project, capture_output=True, text=True, timeout=TIMEOUT_SECONDS)
        output = done.stdout + done.stderr
        if done.returncode != 0:
            return ReadModelRun(False, output)
        audits = subprocess.run(sqlmesh_command() + ["--paths", ".", "audit"], cwd=project, capture_output=True,
                                text=True, timeout=TIMEOUT_SECONDS)
        output += audits.stdout + audits.stderr
        failed = _failures(audits.stdout + audits.stderr)
        con = duckdb.connect(str(project / DATABASE), read_only=True)
        try:
            models = [_compare(con, model, build_root / "seed") for model in read_models(design)]
        finally:
            con.close()
        return ReadModelRun(audits.returncode == 0 or bool(failed), output, models, failed)


def _failures(text: str) -> list[str]:
    """The lines of SQLMesh's audit report that name a failed audit (`<audit> ... FAIL.`)."""
    return [line.strip() for line in text.splitlines() if "FAIL" in line]


def _rows(cursor) -> list[tuple]:
    return sorted((tuple(_comparable(v) for v in row) for row in cursor.fetchall()), key=repr)


def _comparable(value):
    """Floats to 12 significant digits: SQLMesh's and DuckDB's AVG may sum in another order."""
    if isinstance(value, float) and math.isfinite(value):
        return float(f"{value:.12g}")
    return value


def _compare(con, model, seed: Path) -> ModelComparison:
    built = _rows(con.execute(f"SELECT * FROM {SCHEMA}.{model.name}"))
    parquet = (seed / f"{model.entity.name}.parquet").as_posix().replace("'", "''")
    direct = _rows(duckdb.connect().execute(model.select(f"read_parquet('{parquet}')")))
    extra = [f"built only: {row}" for row in built if row not in set(direct)]
    missing = [f"direct only: {row}" for row in direct if row not in set(built)]
    return ModelComparison(model.name, len(built), (extra + missing)[:10])
