"""Each deliverable as a pure function from the resolved design to artifacts."""

from __future__ import annotations

import json
from pathlib import Path

from schemaforge import __version__
from schemaforge.deliverables.facets import GENERATOR_VERSIONS
from schemaforge.deliverables.files import Artifact, file_sha256
from schemaforge.ddl.render import render_ddl
from schemaforge.ddl.targets import sql_targets
from schemaforge.architecture.stores import architecture_paths
from schemaforge.design.stores import has_stores, sql_part
from schemaforge.erd.pictures import erd_paths
from schemaforge.findings import Finding
from schemaforge.config import build_dir
from schemaforge.lint.rules import lint_design
from schemaforge.migrate.history import History
from schemaforge.migrate.plan import migration_findings, migration_path, migrations
from schemaforge.design.model import Design
from schemaforge.patterns.temporal import history_entity, temporal_entities
from schemaforge.indexes.render import index_paths
from schemaforge.monitoring.render import monitoring_paths
from schemaforge.security.checklist import checklist_paths
from schemaforge.security.render import security_paths
from schemaforge.queries.render import queries_sql
from schemaforge.nosql.targets import nosql_targets


def _json(value) -> bytes:
    return (json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


SEED_FOLDER = "seed"


def seed_paths(design: Design) -> list[str]:
    """The seed's files (streamed to disk by deliverables/seed.py), relative to build/<design>/."""
    entities = [f"{SEED_FOLDER}/{name}.parquet" for name in design.entities]
    entities += [f"{SEED_FOLDER}/{history_entity(e).name}.parquet" for e in temporal_entities(design)]
    scripts = [f"{SEED_FOLDER}/{target}.sql" for target in sql_targets(design)]
    scripts += [target.seed_path for target in nosql_targets(design)]
    return entities + scripts + [f"{SEED_FOLDER}/report.json"]


def artifact_paths(design: Design, history: History | None = None) -> dict[str, str]:
    """Every file a design's release has (the manifest aside), with the generator that makes it."""
    paths = {"design.json": "spec", "lint.json": "lint"} | {path: "erd" for path in erd_paths(design)}
    paths |= {f"ddl/{target}.sql": "ddl" for target in sql_targets(design)}
    paths |= {queries_path(target): "queries" for target in sql_targets(design)}
    for target in nosql_targets(design):
        paths |= {path: "nosql" for path in target.schema_paths} | {target.queries_path: "queries"}
    if sql_targets(design):  # the index plan and the monitoring are of SQL stores
        paths |= {path: "indexes" for path in index_paths(sql_targets(design))}
        paths |= {path: "monitoring" for path in monitoring_paths(sql_targets(design))}
    if history is not None and not has_stores(design):  # a design with stores has no migrations yet
        paths |= {migration_path(target, f"{old.version}__{new.version}", direction): "migrations"
                  for target in sql_targets(design) for old, new in history.pairs() for direction in ("up", "down")}
    sql = sql_part(design)  # the SQL deliverables are of the SQL stores only
    paths |= {path: "performance" for path in performance_paths(sql)}
    paths |= {path: "security" for path in security_paths(sql)}
    paths |= {path: "checklist" for path in checklist_paths(sql)}
    paths |= {path: "architecture" for path in architecture_paths(design)}
    return paths | {path: "seed" for path in seed_paths(design)}


def performance_paths(design: Design) -> list[str]:
    """The performance report's files: a design with queries and a SQL target has one (it
    measures on PostgreSQL what a SQL store would do)."""
    from schemaforge.performance.report import PGBOUNCER, REPORT_JSON, REPORT_MD

    return [REPORT_MD, REPORT_JSON, PGBOUNCER] if design.queries and sql_targets(design) else []


def queries_path(target: str) -> str:
    return f"queries/{target}.sql"


def queries_artifacts(design: Design, target: str) -> list[Artifact]:
    """Every access pattern as the target's query with named parameters (queries/<target>.sql)."""
    return [Artifact(queries_path(target), queries_sql(design, target).encode())]


def nosql_schema_artifacts(design: Design, target: str, seed_dir: Path | None) -> list[Artifact]:
    """A NoSQL target's schema files (ddl/), sized from the seed in `seed_dir` where it reads one."""
    from schemaforge.nosql.targets import NOSQL_TARGETS

    files = NOSQL_TARGETS[target].schema(design, seed_dir)
    return [Artifact(path, text.encode()) for path, text in files.items()]


def nosql_queries_artifacts(design: Design, target: str) -> list[Artifact]:
    """Every access pattern as the NoSQL target's requests (queries/<target>.json)."""
    from schemaforge.nosql.targets import NOSQL_TARGETS

    store = NOSQL_TARGETS[target]
    return [Artifact(store.queries_path, store.queries(design).encode())]


def spec_artifacts(design: Design) -> list[Artifact]:
    """The resolved design as JSON: what every generator sees, for tools and reviewers."""
    entities = {}
    for entity in design.entities.values():
        entities[entity.name] = {
            "table": entity.table,
            "description": entity.description,
            "junction": entity.junction,
            "patterns": list(entity.patterns),
            "columns": [
                {
                    "name": c.name, "physical": c.physical, "field": c.field, "type": str(c.type),
                    "nullable": c.nullable, "identity": c.identity, "pii": c.pii, "format": c.format,
                    "default": None if c.default is None else {"kind": c.default.kind, "value": c.default.value},
                    "generated": c.generated.sql("postgres") if c.generated is not None else None,
                    "description": c.description,
                }
                for c in entity.columns
            ],
            "primary_key": {"name": entity.primary_key_name, "columns": list(entity.primary_key)},
            "foreign_keys": [
                {"name": fk.name, "columns": list(fk.columns), "references": fk.target,
                 "target_columns": list(fk.target_columns), "on_delete": fk.on_delete,
                 "on_update": fk.on_update, "nullable": fk.nullable, "one_to_one": fk.one_to_one}
                for fk in entity.foreign_keys
            ],
            "uniques": [{"name": u.name, "columns": list(u.columns)} for u in entity.uniques],
            "checks": [{"name": c.name, "origin": c.origin, "sql": c.expression.sql("postgres")} for c in entity.checks],
            "indexes": [
                {"name": i.name, "columns": list(i.columns), "unique": i.unique, "using": i.using,
                 "include": list(i.include), "where": i.where.sql("postgres") if i.where is not None else None}
                for i in entity.indexes
            ],
        }
    body = {
        "design": design.name, "version": design.version, "description": design.description,
        "database": design.database, "targets": list(design.targets),
        "enum_types": {k: list(v) for k, v in design.enum_types.items()}, "entities": entities,
    }
    return [Artifact("design.json", _json(body))]


def ddl_artifacts(design: Design, target: str) -> list[Artifact]:
    return [Artifact(f"ddl/{target}.sql", render_ddl(design, target).sql.encode())]


def lint_artifacts(design: Design, history: History | None = None) -> tuple[list[Finding], list[Artifact]]:
    """The design's lint findings; with its release history, the migrations' too (their
    safety, and Squawk's findings on the PostgreSQL ones)."""
    findings = lint_design(design)
    if history is not None:
        findings += migration_findings(migrations(history, design.name), f"{build_dir()}/{design.name}")
    counts = {s: sum(f.severity == s for f in findings) for s in ("error", "warning", "info")}
    body = {"design": design.name, "counts": counts, "findings": [f.as_json() for f in findings]}
    return findings, [Artifact("lint.json", _json(body))]


def manifest_artifact(design: Design, files: list[tuple[str, str, int]], history: History | None = None) -> Artifact:
    """The manifest of `files`: (path, sha256, size in bytes) of every artifact of the build."""
    generator_of = artifact_paths(design, history)
    entries = [
        {
            "path": path, "sha256": sha256, "bytes": size,
            "generator": generator_of[path], "generator_version": GENERATOR_VERSIONS[generator_of[path]],
        }
        for path, sha256, size in sorted(files)
    ]
    body = {
        "design": design.name, "design_version": design.version, "design_file": design.file,
        "design_sha256": design.text_sha256, "schemaforge_version": __version__, "artifacts": entries,
    }
    return Artifact("manifest.json", _json(body))


def manifest_from_disk(design: Design, root: Path, history: History | None = None) -> Artifact:
    """The manifest of the build under `root`, hashing each declared file from disk."""
    files = []
    for path in artifact_paths(design, history):
        file = root / path
        if not file.exists():
            raise FileNotFoundError(f"{file} is missing: build the design's other deliverables first")
        files.append((path, file_sha256(file), file.stat().st_size))
    return manifest_artifact(design, files, history)
