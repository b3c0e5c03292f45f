"""The index plan's files: `indexes/plan.json`, `indexes/plan.md` and `indexes/<target>.sql`.

A target's file creates the plan's derived indexes (the design's own `indexes:` are in its DDL
already), each in the target's form through the DDL renderer: a partial index where the target
has them (else the whole table, with a finding), INCLUDE columns where it has them (else the key
alone), a data-skipping index on ClickHouse, whose rows are found by the table's sort key. A
foreign-key index that the target's DDL already creates (MySQL makes one for every foreign key)
is not repeated.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace

from sqlglot import exp

from schemaforge import __version__
from schemaforge.ddl.render import DdlRenderer
from schemaforge.ddl.targets import SQL_TARGETS, SqlTarget
from schemaforge.deliverables.files import Artifact
from schemaforge.design.model import Design
from schemaforge.findings import Finding
from schemaforge.indexes.plan import IndexPlan, PlannedIndex, plan_indexes
from schemaforge.queries.render import sorts_that_may_meet_null


def index_plan(design: Design) -> IndexPlan:
    return design.derived("index plan", lambda: plan_indexes(design))


def _size(n: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


def _why(index: PlannedIndex) -> list[str]:
    reasons = []
    for need in index.needs:
        if need.kind == "query":
            reasons.append(f"query {need.name}" + (f" ({need.rate:g}/s)" if need.rate is not None else ""))
        elif need.kind == "foreign_key":
            reasons.append(f"foreign key {need.name}")
        else:
            reasons.append("declared in the design")
    return reasons


def plan_json(design: Design) -> dict:
    plan = index_plan(design)
    return {
        "design": design.name, "schemaforge_version": __version__,
        "indexes": [{
            "name": i.name, "entity": i.entity, "table": design.entities[i.entity].table, "columns": list(i.columns),
            "descending": sorted(i.descending), "include": list(i.include), "where": i.where_sql or None,
            "unique": i.unique, "declared": i.explicit, "estimated_bytes": i.estimated_bytes, "rate": i.rate,
            "needed_by": [{"kind": n.kind, "name": n.name, **({"rate": n.rate} if n.rate is not None else {})}
                          for n in i.needs],
        } for i in plan.indexes],
        "queries_served_by_keys": plan.served_by_keys,
        "left_out": [{"index": a, "served_by": b, "why": why} for a, b, why in plan.folded],
        "foreign_keys_covered_by": plan.covered_foreign_keys,
        "queries_without_an_index": plan.unindexed_queries,
    }


def plan_markdown(design: Design) -> str:
    plan = index_plan(design)
    lines = [f"# Index plan of {design.name}", "",
             "Derived from the design's queries (equality, then sort, then range), its foreign keys and its "
             "own indexes. Sizes are estimated at the seed's row counts.", "",
             "| index | table | key | include | where | needed by | est. size |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for i in plan.indexes:
        key = ", ".join(f"{c} desc" if c in i.descending else c for c in i.columns)
        lines.append(f"| {i.name} | {design.entities[i.entity].table} | {key} | {', '.join(i.include)} | "
                     f"{i.where_sql} | {'; '.join(_why(i))} | {_size(i.estimated_bytes)} |")
    writes = Counter(i.entity for i in plan.indexes)
    lines += ["", "## Write cost", "",
              "Each index is one more structure every INSERT into its table writes (and every UPDATE of its "
              "columns, and every DELETE). Indexes per table, the keys and uniques included:", ""]
    for name, entity in design.entities.items():
        keys = (1 if entity.primary_key else 0) + len(entity.uniques)
        lines.append(f"- {entity.table}: {keys + writes.get(name, 0)} ({writes.get(name, 0)} in this plan)")
    if plan.served_by_keys:
        lines += ["", "## Queries a key already serves", ""]
        lines += [f"- {q}: {k}" for q, k in sorted(plan.served_by_keys.items())]
    if plan.folded:
        lines += ["", "## Left out as redundant", ""]
        lines += [f"- {a}: {why}; {b} serves its queries" for a, b, why in plan.folded]
    if plan.unindexed_queries:
        lines += ["", "## Queries no index can help", ""]
        lines += [f"- {q}: it neither filters nor sorts on a column" for q in plan.unindexed_queries]
    return "\n".join(lines) + "\n"


def plan_sql(design: Design, target_name: str) -> tuple[str, list[Finding]]:
    """`indexes/<target>.sql` and what the target could not express of the plan."""
    target = SQL_TARGETS[target_name]()
    renderer = DdlRenderer(design, target)
    statements = [f"-- The index plan of design '{design.name}' for {target.title}: apply after ddl/{target.name}.sql.",
                  f"-- Generated by schemaforge {__version__}; indexes/plan.md says why each exists.", ""]
    made_by_ddl: dict[str, dict[tuple[str, ...], str]] = {}  # per entity: the foreign-key indexes its DDL makes
    for index in index_plan(design).indexes:
        if index.explicit:
            continue
        entity = design.entities[index.entity]
        if entity.name not in made_by_ddl:
            made_by_ddl[entity.name] = {columns: name for name, columns, _ in renderer.foreign_key_indexes(entity)}
        plain = index.where is None and not (index.include or index.descending or index.prefix)
        if plain and index.columns in made_by_ddl[entity.name]:
            continue  # the DDL made it already
        if all(n.kind == "foreign_key" for n in index.needs) and not target.FOREIGN_KEYS:
            continue  # the target keeps no foreign keys to check
        statements.append(f"-- {index.name}: {'; '.join(_why(index))}")
        if target.SKIPPING_INDEX:
            skipping = renderer.skipping_index(entity, index.as_index())
            alter = exp.Alter(this=renderer.table(entity), kind="TABLE", actions=[exp.AddConstraint(expressions=[skipping])])
            statements += renderer.captured(renderer.emit, alter)
        else:
            statements += renderer.captured(renderer.plain_index, entity, index.as_index())
        if index.where is None or not target.PARTIAL_INDEXES:  # it indexes every row
            statements += _superseded(renderer, entity, index, made_by_ddl[entity.name])
    # What a target cannot express of a derived index is advice, not a design error, on the
    # primary target too (the renderer makes its own warnings errors there).
    findings = [replace(f, severity="warning") if f.severity == "error" else f for f in renderer.findings]
    findings += unserved_sorts(design, target)
    return "\n".join(statements) + "\n", findings


def _superseded(renderer: DdlRenderer, entity, index, made_by_ddl: dict[tuple[str, ...], str]) -> list[str]:
    """Drop the DDL's foreign-key indexes (MySQL's) that `index`, just created, leads with: it
    serves their foreign keys, and a second index on the same columns only costs writes."""
    dropped = []
    for columns, name in list(made_by_ddl.items()):
        if index.columns[: len(columns)] == columns and index.columns != columns:
            del made_by_ddl[columns]
            dropped.append(f"-- {name}: the DDL's index for a foreign key; {index.name} leads with its columns and serves it")
            drop = exp.Drop(this=exp.Table(this=renderer.ident(name)), kind="INDEX",
                            cluster=exp.OnProperty(this=renderer.table(entity)))
            dropped += renderer.captured(renderer.emit, drop)
    return dropped


def unserved_sorts(design: Design, target: SqlTarget) -> list[Finding]:
    """IX103 for each query sorted by a column that may hold NULL there, on a target that puts
    NULLs elsewhere than the design's PostgreSQL order: its query spells the order out (a CASE),
    which no index can serve."""
    findings = []
    for pattern in design.queries.values():
        if pattern.entity is None:
            continue
        for column, descending in sorts_that_may_meet_null(design, pattern):
            if target.natural_nulls_first(descending) != descending:  # PostgreSQL: NULLs are the largest
                where = "first" if descending else "last"
                findings.append(Finding(
                    design.source.value(pattern.path + ("order_by",)), f"query {pattern.name} sorts by '{column}', "
                    f"which may be NULL: {target.title} would put NULLs elsewhere than {where}, so its query writes "
                    "the order out, and no index can serve that sort there", "IX103", "warning",
                    f"make '{column}' NOT NULL, or filter it with not_null"))
    return findings


def index_artifacts(design: Design, targets: list[str]) -> tuple[list[Artifact], list[Finding]]:
    """The plan's files, and its findings: IX101/IX102 and what each target cannot express."""
    artifacts = [Artifact("indexes/plan.json", (json.dumps(plan_json(design), indent=2, sort_keys=True) + "\n").encode()),
                 Artifact("indexes/plan.md", plan_markdown(design).encode())]
    findings = list(index_plan(design).findings)
    for target in targets:
        sql, target_findings = plan_sql(design, target)
        artifacts.append(Artifact(index_path(target), sql.encode()))
        findings += target_findings
    return artifacts, findings


def index_paths(targets: list[str]) -> list[str]:
    return ["indexes/plan.json", "indexes/plan.md", *(index_path(t) for t in targets)]


def index_path(target: str) -> str:
    return f"indexes/{target}.sql"
