"""Thin factories: a loaded design in, Dagster assets and checks out.

All the work happens in the engine (`schemaforge`); these functions only say which generator
makes which asset, where it writes, and how its versions are derived.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import dagster as dg
import duckdb

from schemaforge.build.facets import code_version
from schemaforge.build.files import Artifact, content_hash, write_artifacts
from schemaforge.build.generate import (
    ddl_artifacts, erd_artifacts, lint_artifacts, manifest_from_disk, spec_artifacts, sql_targets,
)
from schemaforge.build.seed import SEED_FOLDER, build_seed, seed_data_version
from schemaforge.expectations.run import run_suite
from schemaforge.expectations.suites import design_suites
from schemaforge.config import build_dir
from schemaforge.findings import DesignErrors
from schemaforge.migrate.history import History, read_history
from schemaforge.migrate.plan import MigrationBlocked, migration_artifacts, migrations
from schemaforge.spec.loader import load_design
from schemaforge.spec.model import Design

# Engines that run inside the Dagster process, so a check can apply the DDL for real.
EMBEDDED_ENGINES: dict[str, Callable[[str], None]] = {
    "sqlite": lambda sql: sqlite3.connect(":memory:").executescript(sql),
    "duckdb": lambda sql: duckdb.connect(":memory:").execute(sql),
}


@dataclass(frozen=True)
class Deliverable:
    """One asset of a design: its key, the generator it runs and that generator's version."""

    key: dg.AssetKey
    generator: str
    code_version: str
    make: Callable[[], list[Artifact]]
    description: str


def deliverables(design: Design, history: History | None = None) -> list[Deliverable]:
    """The assets a design has, without the seed and the manifest. With its release history,
    the lint covers the migrations too, and each SQL target gets its migrations."""
    name = design.name
    earlier = history.earlier_digest() if history else "no history"
    items = [
        Deliverable(dg.AssetKey([name, "spec"]), "spec", code_version(design, "spec"),
                    lambda: spec_artifacts(design), "The resolved design as JSON (design.json)."),
        Deliverable(dg.AssetKey([name, "erd"]), "erd", code_version(design, "erd"),
                    lambda: erd_artifacts(design), "The ERD: Mermaid source and an SVG picture."),
        Deliverable(dg.AssetKey([name, "lint"]), "lint", code_version(design, "lint", earlier),
                    lambda: lint_artifacts(design, history)[1], "Every lint finding of the design (lint.json)."),
    ]
    for target in sql_targets(design):
        items.append(Deliverable(
            dg.AssetKey([name, "ddl", target]), "ddl", code_version(design, "ddl", target),
            lambda target=target: ddl_artifacts(design, target), f"The {target} schema (ddl/{target}.sql).",
        ))
    for target in sql_targets(design) if history else []:
        items.append(Deliverable(
            migrations_key(name, target), "migrations", code_version(design, "migrations", f"{target} {earlier}"),
            lambda target=target: migration_artifacts(migrations(history, name), target),
            f"Forward and rollback migrations between the releases, for {target} (migrations/{target}/).",
        ))
    return items


def release_history(path: Path, design: Design) -> tuple[History | None, DesignErrors | None]:
    """The design's releases, or why they cannot be read (then it builds no migrations)."""
    try:
        return read_history(path, design), None
    except DesignErrors as errors:
        return None, errors


def history_key(design_name: str) -> dg.AssetKey:
    return dg.AssetKey([design_name, "history"])


def migrations_key(design_name: str, target: str) -> dg.AssetKey:
    return dg.AssetKey([design_name, "migrations", target])


def manifest_key(design_name: str) -> dg.AssetKey:
    return dg.AssetKey([design_name, "manifest"])


def seed_key(design_name: str) -> dg.AssetKey:
    return dg.AssetKey([design_name, "seed"])


def planned_code_versions(design: Design, history: History | None = None) -> dict[dg.AssetKey, str]:
    """Code version of every asset of `design`, as the factory would define it now."""
    versions = {d.key: d.code_version for d in deliverables(design, history)}
    versions[history_key(design.name)] = code_version(design, "history", history.earlier_digest() if history else "")
    versions[seed_key(design.name)] = code_version(design, "seed")
    versions[manifest_key(design.name)] = code_version(design, "manifest")
    return versions


def _materialize(deliverable: Deliverable, root: Path) -> dg.MaterializeResult:
    try:
        artifacts = deliverable.make()
    except MigrationBlocked as blocked:
        raise dg.Failure(
            description="the forward migration would lose data; set allow_destructive: true to accept:\n" + str(blocked),
            metadata={"would_be_lost": dg.MetadataValue.md("\n".join(f"- {f}" for f in blocked.findings))},
        ) from None
    write_artifacts(root, artifacts)
    metadata: dict = {a.path: dg.MetadataValue.path(str(root / a.path)) for a in artifacts}
    if deliverable.generator == "erd":
        mermaid = next(a for a in artifacts if a.path.endswith(".mmd")).content.decode()
        metadata["erd"] = dg.MetadataValue.md(f"```mermaid\n{mermaid}```")
    if deliverable.generator == "ddl":
        metadata["sql"] = dg.MetadataValue.md(f"```sql\n{artifacts[0].content.decode()}```")
    if deliverable.generator == "migrations":
        metadata["migrations"] = len(artifacts) // 2
    return dg.MaterializeResult(
        data_version=dg.DataVersion(content_hash(artifacts)), metadata=metadata
    )


def _asset(design: Design, deliverable: Deliverable) -> dg.AssetsDefinition:
    @dg.asset(
        key=deliverable.key, group_name=design.name, code_version=deliverable.code_version,
        description=deliverable.description, kinds={"sql"} if deliverable.generator in ("ddl", "migrations") else None,
        metadata={"design_file": design.file},
        deps=[history_key(design.name)] if deliverable.generator in ("migrations", "lint") else None,
    )
    def _build() -> dg.MaterializeResult:
        return _materialize(deliverable, build_dir() / design.name)

    return _build


def _seed_asset(design: Design) -> dg.AssetsDefinition:
    @dg.asset(
        key=seed_key(design.name), group_name=design.name, code_version=code_version(design, "seed"),
        kinds={"parquet", "duckdb"}, metadata={"design_file": design.file},
        description="Seed data: a Parquet file per entity, a load script per SQL target, and a report.",
    )
    def _seed() -> dg.MaterializeResult:
        root = build_dir() / design.name
        result = build_seed(design, root)
        problems = "\n".join(f"- {p.message}" for p in result.problems)
        return dg.MaterializeResult(
            data_version=dg.DataVersion(seed_data_version(design, root)),
            metadata={
                "rows": sum(result.rows.values()),
                "rows_per_entity": dg.MetadataValue.json(result.rows),
                "repaired_rules": dg.MetadataValue.json(result.repaired_rules),
                "problems": dg.MetadataValue.md(problems or "none"),
                "path": dg.MetadataValue.path(str(root / SEED_FOLDER)),
            },
        )

    return _seed


def _expectations_check(design: Design, entity: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=seed_key(design.name), name=f"expectations_{entity}", blocking=True,
                    description=f"The Great Expectations suite of '{entity}', run on DuckDB over its seed data.")
    def _check() -> dg.AssetCheckResult:
        root = build_dir() / design.name
        result = run_suite(design, design_suites(design)[entity], root / SEED_FOLDER)
        report = root / SEED_FOLDER / "expectations" / f"{entity}.json"
        write_artifacts(root, [Artifact(str(report.relative_to(root)), result.to_bytes())])
        failed = result.failed()
        shown = "\n\n".join(
            f"**{f['name']}** ({f['expectation']}): "
            + json.dumps({k: f[k] for k in ("observed", "unexpected_count", "unexpected_values", "unexpected_rows", "error") if k in f}, default=str)[:2000]
            for f in failed
        )
        return dg.AssetCheckResult(
            passed=result.success, severity=dg.AssetCheckSeverity.ERROR,
            metadata={
                "expectations": len(result.expectations), "failed": len(failed),
                "failed_expectations": dg.MetadataValue.md(shown or "none"),
                "results": dg.MetadataValue.path(str(report)),
            },
        )

    return _check


def _history_asset(design: Design, history: History | None, problem: DesignErrors | None) -> dg.AssetsDefinition:
    @dg.asset(
        key=history_key(design.name), group_name=design.name, metadata={"design_file": design.file},
        code_version=code_version(design, "history", history.earlier_digest() if history else ""),
        description="The design's released versions, kept beside it (designs/D.history/<version>.yaml).",
    )
    def _history() -> dg.MaterializeResult:
        if problem is not None:
            raise dg.Failure(description=str(problem))
        written = history.keep_current()
        return dg.MaterializeResult(
            data_version=dg.DataVersion(content_hash([Artifact(r.version, r.text.encode()) for r in history.releases])),
            metadata={"releases": [r.version for r in history.releases], "snapshot_written": written,
                      "snapshot": dg.MetadataValue.path(str(history.snapshot_path))},
        )

    return _history


def _manifest_asset(design: Design, items: list[Deliverable], history: History | None) -> dg.AssetsDefinition:
    @dg.asset(
        key=manifest_key(design.name), group_name=design.name, deps=[d.key for d in items] + [seed_key(design.name)],
        code_version=code_version(design, "manifest"),
        description="Every artifact with its path, sha256, design version and generator version.",
    )
    def _manifest() -> dg.MaterializeResult:
        root = build_dir() / design.name
        try:
            manifest = manifest_from_disk(design, root, history)
        except FileNotFoundError as missing:
            raise dg.Failure(str(missing)) from None
        write_artifacts(root, [manifest])
        return dg.MaterializeResult(
            data_version=dg.DataVersion(content_hash([manifest])),
            metadata={"artifacts": len(json.loads(manifest.content)["artifacts"]),
                      "path": dg.MetadataValue.path(str(root / manifest.path))},
        )

    return _manifest


def _lint_check(design: Design) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=dg.AssetKey([design.name, "lint"]), name="no_lint_errors", blocking=True,
                    description="Fails when the design has lint findings of severity error.")
    def _check() -> dg.AssetCheckResult:
        report = json.loads((build_dir() / design.name / "lint.json").read_text())
        errors = [f for f in report["findings"] if f["severity"] == "error"]
        shown = "\n".join(f"{f['file']}:{f['line']}:{f['column']}: {f['message']} [{f['code']}]" for f in errors[:20])
        return dg.AssetCheckResult(
            passed=not errors, severity=dg.AssetCheckSeverity.ERROR,
            metadata={**report["counts"], "errors": dg.MetadataValue.md(shown or "none")},
        )

    return _check


def _applies_check(design: Design, target: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=dg.AssetKey([design.name, "ddl", target]), name="applies_to_empty_database",
                    blocking=True, description=f"Runs the DDL in an empty in-memory {target} database.")
    def _check() -> dg.AssetCheckResult:
        sql = (build_dir() / design.name / "ddl" / f"{target}.sql").read_text()
        try:
            EMBEDDED_ENGINES[target](sql)
        except Exception as error:  # the engine's own message is the useful part
            return dg.AssetCheckResult(passed=False, metadata={"error": str(error)})
        return dg.AssetCheckResult(passed=True)

    return _check


def _broken_design_asset(design_name: str, errors: DesignErrors) -> dg.AssetsDefinition:
    """A design with errors builds nothing: one asset that fails with every located error."""
    message = "\n".join(str(f) for f in errors.findings)

    @dg.asset(key=dg.AssetKey([design_name, "spec"]), group_name=design_name,
              description=f"This design does not load:\n\n```\n{message}\n```")
    def _broken() -> None:
        raise dg.Failure(description=f"design '{design_name}' has errors:\n{message}")

    return _broken


def design_definitions(path: Path) -> tuple[list, list]:
    """(assets, checks) for one design file."""
    try:
        design = load_design(path)
    except DesignErrors as errors:
        return [_broken_design_asset(path.stem, errors)], []
    history, problem = release_history(path, design)
    items = deliverables(design, history)
    assets = [_asset(design, d) for d in items] + [
        _history_asset(design, history, problem), _seed_asset(design), _manifest_asset(design, items, history),
    ]
    checks = [_lint_check(design)] + [
        _applies_check(design, t) for t in sql_targets(design) if t in EMBEDDED_ENGINES
    ] + [_expectations_check(design, entity) for entity in design.entities]
    return assets, checks
