"""Design lint: findings about a design that loads, with stable codes.

Codes: DC101 entity without a description; NM101 a name that a target reserves (it is quoted
there); NM103 a table or column name longer than a target allows; GN101 a target, section or pattern the design asks for whose generator has not landed
yet (so nothing is silently ignored); TY101/TY102 a column compared with a literal of another
type (lint/types.py); ER101 a design too large for one ERD picture, drawn per cluster instead
(erd/pictures.py); SC the security policy (security/lint.py); plus every TG/NM finding the DDL
renderers report, and the NoSQL models' (NQ a query no single-entity key serves, KV the Redis
model: nosql/).
"""

from __future__ import annotations

from pydantic import BaseModel

from schemaforge.erd.clusters import LARGE_ERD, erd_clusters

from schemaforge.ddl.render import render_ddls
from schemaforge.ddl.targets import SQL_TARGETS, sql_targets
from schemaforge.findings import Finding, sort_findings
from schemaforge.design.model import Design
from schemaforge.design.stores import cross_references, has_stores, services, store_parts
from schemaforge.lint.types import comparison_findings
from schemaforge.nosql.targets import NOSQL_TARGETS, nosql_targets
from schemaforge.security.lint import security_lint

# Sections and patterns whose generators are still to come (see the issue tracker).
PLANNED_SECTIONS: tuple[str, ...] = ()
PLANNED_SCALING = ("partitions", "sharding", "replicas")  # read_models are built (read_models/)


# Column names the seed's DuckDB queries cannot tell from their own (read_parquet's row numbers).
SEED_ENGINE_COLUMNS = frozenset({"file_row_number"})

def lint_design(design: Design) -> list[Finding]:
    """Every finding of the design; of a design with stores, each store's part linted for its own
    target(s), and every reference across stores said (ST101)."""
    if not has_stores(design):
        return _lint_one(design)
    findings, seen = [], set()
    for part in store_parts(design):
        for finding in _lint_one(part):
            key = (finding.code, str(finding.location), finding.message)
            if key not in seen:
                seen.add(key)
                findings.append(finding)
    microservices, owners = design.database == "microservices", services(design)
    for reference in cross_references(design):
        findings.append(Finding(
            design.source.value(("entities", reference.entity, "fields", reference.field)),
            f"'{reference.entity}.{reference.field}' references '{reference.target}' in store '{reference.to_store}' "
            f"from store '{reference.from_store}': no foreign key can hold it; it is kept consistent "
            f"{reference.consistency(microservices, owners)}", "ST101", "info"))
    return sort_findings(findings)


def _lint_one(design: Design) -> list[Finding]:
    source = design.source
    findings: list[Finding] = list(source.notes)
    for entity in design.entities.values():
        if not entity.description and not entity.junction:
            findings.append(Finding(
                source.key(entity.path), f"entity '{entity.name}' has no description", "DC101", "info",
                fix="add description: saying what one row is",
            ))
        for target_name in design.targets:
            target = SQL_TARGETS.get(target_name)
            if target is None:
                continue
            names = [(entity.table, entity.path, "table")] + [(c.physical, c.path, "column") for c in entity.columns]
            for name, path, kind in names:
                if name.lower() in target.RESERVED:
                    findings.append(Finding(
                        source.value(path), f"'{name}' is a reserved word in {target.title}; it is quoted there",
                        "NM101", "info",
                    ))
                if kind == "column" and name.lower() in target.SYSTEM_COLUMNS:
                    findings.append(Finding(
                        source.value(path), f"column '{name}' of '{entity.name}' has the name of a {target.title} "
                        "system column; the table cannot be created there", "NM104", "error",
                        fix=f"name the column with `column:` (for example {name}_value)",
                    ))
                if kind == "column" and name.lower() in target.SHADOWED_COLUMNS:
                    findings.append(Finding(
                        source.value(path), f"column '{name}' of '{entity.name}' hides {target.title}'s {name.lower()} "
                        "pseudo-column; queries that mean the engine's row id get this column there", "NM105", "warning",
                        fix=f"name the column with `column:` (for example {name}_value)",
                    ))
                limit = target.MAX_IDENTIFIER_LENGTH
                if limit is not None and len(name) > limit:
                    findings.append(Finding(
                        source.value(path), f"{kind} name '{name}' has {len(name)} characters, more than "
                        f"{target.title}'s {limit}; the {target_name} DDL will not apply",
                        "NM103", "error", fix=f"name it with `{kind}:` (at most {limit} characters)",
                    ))
    for entity in design.entities.values():
        for column in entity.columns:
            if column.physical.lower() in SEED_ENGINE_COLUMNS:
                findings.append(Finding(
                    source.value(column.path), f"column '{column.physical}' of '{entity.name}' has a name DuckDB gives "
                    "its own row numbers when it reads Parquet, which the seed data is built with", "NM106", "error",
                    fix=f"name the column with `column:` (for example {column.physical}_value)",
                ))
    for i, target_name in enumerate(design.targets):
        if target_name not in SQL_TARGETS and target_name not in NOSQL_TARGETS:
            path = ("targets", i) if design.doc.targets else ("database",)
            findings.append(Finding(
                source.value(path), f"target '{target_name}' is valid but its generator has not landed yet; "
                "nothing is rendered for it", "GN101", "warning",
            ))
    for section in PLANNED_SECTIONS:
        if _is_set(getattr(design.doc, section)):
            findings.append(Finding(
                source.key((section,)), f"section '{section}' is validated; its deliverables are generated by a later release",
                "GN101", "info",
            ))
    for key in PLANNED_SCALING:
        if key == "replicas" and "cassandra" in design.targets:
            continue  # the keyspace's replication factor is made from it
        if _is_set(getattr(design.doc.scaling, key)):
            findings.append(Finding(
                source.key(("scaling", key)), f"scaling.{key} is validated; its deliverables are generated by a later release",
                "GN101", "info",
            ))
    for rendered in render_ddls(design, sql_targets(design)):
        findings.extend(rendered.findings)
    for store in nosql_targets(design):
        findings += store.findings(design)
    findings += comparison_findings(design)
    findings += _erd_findings(design)
    findings += security_lint(design)
    return sort_findings(findings)


def _erd_findings(design) -> list[Finding]:
    clusters = erd_clusters(design)
    if not clusters:
        return []
    return [Finding(
        design.source.value(("entities",)),
        f"{len(design.entities)} entities are more than one ERD picture shows readably ({LARGE_ERD}): the ERD is "
        f"drawn as {len(clusters)} clusters of referencing tables (erd/clusters/*.svg) with an overview "
        "(erd/overview.svg); the whole diagram is in erd/erd.mmd", "ER101", "info")]


def _is_set(value) -> bool:
    if isinstance(value, BaseModel):
        return bool(value.model_dump(exclude_defaults=True))
    return bool(value)
