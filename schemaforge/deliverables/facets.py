"""What part of a design each generator reads, as a hash: the basis of its code version.

Dagster marks an asset stale when its code version changes. A generator's code version is the
hash of the design facets it reads plus its own version, so editing a description stales the DDL
(its comments) but not the ERD, and editing seed row counts stales neither.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from schemaforge import __version__
from schemaforge.design.model import Design

# Bump a generator's version when its output changes for the same design.
# Issue 13 moved: the ERD of a large design drawn per cluster, lint ER101, the history's data
# version (what its readers read of it). Issue 15 moved the lint (the SC codes of the security policy).
# Issue 16 moved the DDL, seed, queries, indexes, lint and security (the patterns, rules as triggers).
GENERATOR_VERSIONS = {
    "spec": "3", "ddl": "4", "erd": "3", "lint": "7", "seed": "4", "manifest": "3", "history": "2", "migrations": "3",
    "queries": "3", "indexes": "3", "monitoring": "1",
    "performance": "1", "security": "2", "checklist": "1", "read_models": "1", "nosql": "1",
    "architecture": "1",
}

# Top-level sections that shape the schema itself.
# Stores too: which store holds an entity decides what each target renders of it.
_STRUCTURE_SECTIONS = ("design", "conventions", "patterns", "types", "entities", "relationships", "views", "stores")


def _without_descriptions(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_descriptions(v) for k, v in value.items() if k != "description"}
    if isinstance(value, list):
        return [_without_descriptions(v) for v in value]
    return value


def _descriptions(value: Any, path: str = "") -> dict[str, str]:
    found: dict[str, str] = {}
    if isinstance(value, dict):
        for key, child in value.items():
            if key == "description" and isinstance(child, str):
                found[path or "."] = child
            else:
                found.update(_descriptions(child, f"{path}.{key}"))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            found.update(_descriptions(child, f"{path}[{i}]"))
    return found


def facet(design: Design, name: str) -> Any:
    """A JSON-able projection of the design: structure, descriptions, or all of it."""
    doc = design.derived("doc json", lambda: design.doc.model_dump(mode="json", by_alias=True, exclude_defaults=False))
    if name == "structure":
        return {"file": design.file, **{k: _without_descriptions(doc[k]) for k in _STRUCTURE_SECTIONS}}
    if name == "descriptions":
        return _descriptions({k: doc[k] for k in _STRUCTURE_SECTIONS})
    if name == "seed":  # what the data and its load scripts depend on besides the structure
        return {k: doc[k] for k in ("seed", "rules", "database", "targets")}
    if name == "design":
        return {"file": design.file, "text_sha256": design.text_sha256}
    if name == "rows":  # how many rows each entity's seed has (the index plan's sizes)
        from schemaforge.seed.plan import row_counts

        return row_counts(design)
    if name == "queries":  # the access patterns, descriptions, rates and latency targets included
        return doc["queries"]
    if name == "monitoring":  # the SLO and the alerts asked for
        return doc["monitoring"]
    if name == "security":  # roles, tenancy, masking, encryption, audit, retention, compliance
        return doc["security"]
    if name == "rules":  # the business rules: expectations, and triggers where enforced so
        return doc["rules"]
    if name == "scaling":  # partitions, sharding, replicas, read models
        return doc["scaling"]
    if name == "release":  # what a migration to this version depends on besides the structure
        return {"version": design.version, "allow_destructive": design.doc.allow_destructive, "targets": doc["targets"]}
    raise KeyError(name)


# The facets each generator reads.
READS = {
    "spec": ("design",),
    "ddl": ("structure", "descriptions", "rules"),  # rules: enforce: trigger
    "read_models": ("structure", "scaling", "rules"),  # rules: the project's audits
    "erd": ("structure",),
    "lint": ("design",),
    "seed": ("structure", "seed"),
    "manifest": ("design",),
    "history": ("design",),
    "migrations": ("structure", "descriptions", "rules", "release"),  # plus the earlier releases: `extra`
    "queries": ("structure", "queries"),
    "indexes": ("structure", "queries", "rows"),  # the seed's row counts size each index
    "monitoring": ("structure", "queries", "rows", "monitoring"),  # rows: which tables are large
    "performance": ("structure", "queries", "seed", "rows"),  # what it measures on: the schema and its seed
    "security": ("structure", "security"),
    "checklist": ("structure", "security"),
    # A NoSQL schema is made from the access patterns, its TTLs from the retention, and sized from the seed.
    "nosql": ("structure", "descriptions", "queries", "security", "seed"),
    "architecture": ("structure", "descriptions"),  # the stores, and the events' schemas of the entities
}


def facet_digest(design: Design, name: str) -> str:
    """The hash of one facet, computed once per loaded design (every deliverable reading the
    facet shares it)."""
    return design.derived(("facet", name), lambda: hashlib.sha256(
        json.dumps(facet(design, name), sort_keys=True).encode()).hexdigest())


def code_version(design: Design, generator: str, extra: str = "") -> str:
    digest = hashlib.sha256()
    digest.update(f"schemaforge {__version__} {generator} {GENERATOR_VERSIONS[generator]} {extra}".encode())
    for name in READS[generator]:
        digest.update(facet_digest(design, name).encode())
    return digest.hexdigest()[:24]
