"""What a design builds: one entry per deliverable, the single list both front ends walk.

Each entry says its asset name (under the design's name), the facets it reads (its code
version), the files it writes, how it builds them, what it shows in the UI and the checks that
judge it. The Dagster factory (`assets/`) and the CLI (`schemaforge build`) only walk this list,
so adding a deliverable is an engine module plus one entry in `_ENTRIES`.

Nothing here knows Dagster: what a deliverable shows is plain data (`Shown`), which the factory
turns into Dagster metadata.
"""

from __future__ import annotations

import base64
import json
import sqlite3
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Literal

from schemaforge.deliverables.facets import code_version
from schemaforge.deliverables.files import Artifact, content_hash, write_artifacts
from schemaforge.deliverables.generate import (
    SEED_FOLDER, ddl_artifacts, seed_paths, lint_artifacts, manifest_from_disk, nosql_queries_artifacts,
    nosql_schema_artifacts, queries_artifacts, spec_artifacts, sql_targets,
)
from schemaforge.architecture.stores import architecture_artifacts
from schemaforge.design.stores import has_stores, nosql_part, sql_part
from schemaforge.nosql.targets import nosql_targets
from schemaforge.deliverables.staging import manifest_problems
from schemaforge.erd.pictures import MERMAID, OVERVIEW, PICTURE, erd_artifacts
from schemaforge.indexes.render import index_artifacts
from schemaforge.monitoring.render import RULE_TESTS, RULES, monitoring_artifacts
from schemaforge.design.model import Design
from schemaforge.findings import DesignErrors, Finding
from schemaforge.migrate.history import History, read_history
from schemaforge.migrate.plan import MigrationBlocked, migration_artifacts, migrations
from schemaforge.read_models.project import read_model_artifacts, read_models
from schemaforge.read_models.run import run_read_models
from schemaforge.security.checklist import CHECKLIST, checklist_artifacts, checklist_paths
from schemaforge.security.render import policy_targets, security_artifacts

ShownKind = Literal["md", "json", "int", "path", "text"]


@dataclass(frozen=True)
class Shown:
    """One entry the UI shows beside a build or a check: markdown, JSON, a number, a path."""

    kind: ShownKind
    value: Any


@dataclass(frozen=True)
class Built:
    """What building a deliverable gives back: its content hash, what to show of it, and the
    located findings it made (the lint's, the seed's problems), which the CLI reports."""

    data_version: str
    shown: dict[str, Shown] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()
    files: tuple[str, ...] = ()  # what it wrote, relative to the build folder (kept in its record)


@dataclass(frozen=True)
class CheckOutcome:
    passed: bool
    shown: dict[str, Shown] = field(default_factory=dict)
    files: tuple[str, ...] = ()  # what the check wrote into the build folder (a results file)


@dataclass(frozen=True)
class Check:
    """Judgements on a built deliverable that one run makes (one, or one per entity); a blocking
    check stops what depends on the deliverable."""

    name: str
    judgements: tuple[tuple[str, str], ...]  # (name, description) of each outcome the run gives
    run: Callable[[Path], dict[str, CheckOutcome]]  # the design's build folder -> outcome by name
    blocking: bool = True
    reusable: bool = True  # False when it reads more than the deliverable it judges and also_reads
    also_reads: tuple[str, ...] = ()  # other deliverables it reads: its result is reused while they stand too
    measures_on_postgres: bool = False  # it runs on a PostgreSQL: a front end may say which


def single_check(name: str, description: str, run: Callable[[Path], CheckOutcome], reusable: bool = True,
                 blocking: bool = True, also_reads: tuple[str, ...] = (), measures_on_postgres: bool = False) -> Check:
    """A check whose run makes one judgement."""
    return Check(name, ((name, description),), lambda root: {name: run(root)}, blocking, reusable, also_reads,
                 measures_on_postgres)


class DeliverableFailed(Exception):
    """A deliverable that must not be written, with the reason and the items behind it."""

    def __init__(self, message: str, items: list[str] | None = None):
        super().__init__(message)
        self.items = items or []


@dataclass(frozen=True)
class Deliverable:
    name: str  # the asset's name under the design: "ddl_postgres"
    generator: str  # which facets it reads and which generator version it has
    code_version: str
    description: str
    build: Callable[[Path], Built]  # the design's build folder -> what was built
    deps: tuple[str, ...] = ()  # deliverables that must be built first
    kinds: frozenset[str] = frozenset()
    checks: tuple[Check, ...] = ()
    # What it keeps outside the build folder is as it wrote it (the history's snapshot).
    kept_outside: Callable[[], bool] = lambda: True
    # It spends its time waiting on programs of its own (D2 for the ERD, PostgreSQL and psql for
    # the performance analysis), so `schemaforge build`
    # builds it beside the deliverables that follow it, on a core they would leave idle.
    beside_the_rest: bool = False
    # It measures on a PostgreSQL: a front end may say which (performance/server.py).
    measures_on_postgres: bool = False


@dataclass(frozen=True)
class Plan:
    """A loaded design with its releases: everything the entries are made from."""

    design: Design
    history: History | None
    history_problem: DesignErrors | None

    @property
    def earlier(self) -> str:
        return self.history.earlier_digest() if self.history else "no history"

    @cached_property
    def deliverables(self) -> list[Deliverable]:
        return _make_deliverables(self)

    @cached_property
    def sql_design(self) -> Design:
        """What the SQL deliverables are built from: the design, or its SQL stores' part."""
        return sql_part(self.design)

    def store_design(self, target: str) -> Design:
        """What a NoSQL target's deliverables are built from: the design, or that target's part."""
        return nosql_part(self.design, target) if has_stores(self.design) else self.design


def plan_design(path: Path, design: Design) -> Plan:
    try:
        return Plan(design, read_history(path, design), None)
    except DesignErrors as problem:  # its releases cannot be read: no migrations, the history fails
        return Plan(design, None, problem)


# --- building in-memory deliverables ------------------------------------------------------------

def _write(make: Callable[[], list[Artifact]], show: Callable[[list[Artifact], Path], dict[str, Shown]] | None = None,
           reads_build: bool = False):
    """A deliverable made in memory: its artifacts written atomically, their paths shown. With
    `reads_build`, `make` is given the build folder (to read what a dependency wrote there)."""
    def build(root: Path) -> Built:
        try:
            artifacts = make(root) if reads_build else make()
        except MigrationBlocked as blocked:
            raise DeliverableFailed(
                "the forward migration would lose data; set allow_destructive: true to accept:\n" + str(blocked),
                [str(f) for f in blocked.findings],
            ) from None
        write_artifacts(root, artifacts)
        shown = {a.path: Shown("path", str(root / a.path)) for a in artifacts}
        if show is not None:
            shown |= show(artifacts, root)
        return Built(content_hash(artifacts), shown, files=tuple(a.path for a in artifacts))

    return build


def _show_erd(artifacts: list[Artifact], root: Path) -> dict[str, Shown]:
    """The picture itself (an SVG as a data URI, which the UI's Markdown renders; a large design's
    overview of its clusters) and the Mermaid source."""
    by_path = {a.path: a.content for a in artifacts}
    svg = base64.b64encode(by_path.get(PICTURE) or by_path[OVERVIEW]).decode()
    return {
        "erd": Shown("md", f"![ERD](data:image/svg+xml;base64,{svg})"),
        "mermaid": Shown("md", f"```mermaid\n{by_path[MERMAID].decode()}```"),
    }


def _show_sql(artifacts: list[Artifact], root: Path) -> dict[str, Shown]:
    return {"sql": Shown("md", f"```sql\n{artifacts[0].content.decode()}```")}


def _show_lint(artifacts: list[Artifact], root: Path) -> dict[str, Shown]:
    report = json.loads(artifacts[0].content)
    return {f"{severity}s": Shown("int", count) for severity, count in report["counts"].items()} | {
        "findings": Shown("md", _findings_table(report["findings"]))}


def _findings_table(findings: list[dict], limit: int = 50) -> str:
    if not findings:
        return "none"
    rows = [f"| {f['severity']} | {f['code']} | {f['file']}:{f['line']}:{f['column']} | {f['message']} |"
            for f in findings[:limit]]
    more = [f"\n{len(findings) - limit} more in lint.json"] if len(findings) > limit else []
    return "\n".join(["| severity | code | where | message |", "| --- | --- | --- | --- |", *rows, *more])


# --- checks ------------------------------------------------------------------------------------

def _no_lint_errors(root: Path) -> CheckOutcome:
    report = json.loads((root / "lint.json").read_text())
    errors = [f for f in report["findings"] if f["severity"] == "error"]
    return CheckOutcome(not errors, {**{k: Shown("int", v) for k, v in report["counts"].items()},
                                     "errors": Shown("md", _findings_table(errors))})


def _duckdb():
    import duckdb  # imported when used: loading the definitions stays fast

    return duckdb


# Engines that run in the build's own process, so a check can apply the DDL for real.
EMBEDDED_ENGINES: dict[str, Callable[[str], None]] = {
    "sqlite": lambda sql: sqlite3.connect(":memory:").executescript(sql),
    "duckdb": lambda sql: _duckdb().connect(":memory:").execute(sql),
}


def _applies(target: str) -> Callable[[Path], CheckOutcome]:
    def run(root: Path) -> CheckOutcome:
        sql = (root / "ddl" / f"{target}.sql").read_text()
        try:
            EMBEDDED_ENGINES[target](sql)
        except Exception as error:  # the engine's own message is the useful part
            return CheckOutcome(False, {"error": Shown("text", str(error))})
        return CheckOutcome(True)

    return run


def _expectations(design: Design) -> Callable[[Path], dict[str, CheckOutcome]]:
    """Every entity's suite in one run (one Great Expectations context), an outcome per entity."""
    def run(root: Path) -> dict[str, CheckOutcome]:
        from schemaforge.expectations.run import run_suites  # Great Expectations: imported when run
        from schemaforge.expectations.suites import design_suites

        results = run_suites(design, list(design_suites(design).values()), root / SEED_FOLDER)
        reports = [Artifact(f"{SEED_FOLDER}/expectations/{entity}.json", result.to_bytes())
                   for entity, result in results.items()]
        write_artifacts(root, reports)
        return {f"expectations_{entity}": _suite_outcome(result, root, report.path)
                for (entity, result), report in zip(results.items(), reports)}

    return run


def _suite_outcome(result, root: Path, report: str) -> CheckOutcome:
    failed = result.failed()
    keep = ("observed", "unexpected_count", "unexpected_values", "unexpected_rows", "error")
    shown = "\n\n".join(
        f"**{f['name']}** ({f['expectation']}): "
        + json.dumps({k: f[k] for k in keep if k in f}, default=str)[:2000] for f in failed)
    return CheckOutcome(result.success, {
        "expectations": Shown("int", len(result.expectations)), "failed": Shown("int", len(failed)),
        "failed_expectations": Shown("md", shown or "none"), "results": Shown("path", str(root / report)),
    }, (report,))


def _matches_manifest(root: Path) -> CheckOutcome:
    problems = manifest_problems(root)
    return CheckOutcome(not problems, {"problems": Shown("md", "\n".join(f"- {p}" for p in problems) or "none")})


# --- the entries -------------------------------------------------------------------------------

def _spec(plan: Plan) -> list[Deliverable]:
    d = plan.design
    return [Deliverable("spec", "spec", code_version(d, "spec"), "The resolved design as JSON (design.json).",
                        _write(lambda: spec_artifacts(d)))]


def _erd(plan: Plan) -> list[Deliverable]:
    d = plan.design
    def build(root: Path) -> Built:
        artifacts, findings = erd_artifacts(d)
        write_artifacts(root, artifacts)
        shown = {a.path: Shown("path", str(root / a.path)) for a in artifacts} | _show_erd(artifacts, root)
        return Built(content_hash(artifacts), shown, tuple(findings), tuple(a.path for a in artifacts))

    return [Deliverable("erd", "erd", code_version(d, "erd"), "The ERD: Mermaid source and SVG pictures (per "
                        "cluster, with an overview, past 40 entities).", build, kinds=frozenset({"svg"}),
                        beside_the_rest=True)]


def _lint(plan: Plan) -> list[Deliverable]:
    d, history = plan.design, plan.history
    def build(root: Path) -> Built:
        findings, artifacts = lint_artifacts(d, history)
        write_artifacts(root, artifacts)
        shown = {"lint.json": Shown("path", str(root / "lint.json"))} | _show_lint(artifacts, root)
        return Built(content_hash(artifacts), shown, tuple(findings), ("lint.json",))

    return [Deliverable(
        "lint", "lint", code_version(d, "lint", plan.earlier), "Every lint finding of the design (lint.json).",
        build, deps=("history",),
        checks=(single_check("no_lint_errors", "Fails when the design has lint findings of severity error.",
                             _no_lint_errors),),
    )]


def _ddl(plan: Plan) -> list[Deliverable]:
    d = plan.sql_design
    return [
        Deliverable(
            f"ddl_{target}", "ddl", code_version(d, "ddl", target), f"The {target} schema (ddl/{target}.sql).",
            _write(lambda target=target: ddl_artifacts(d, target), _show_sql), kinds=frozenset({"sql", target}),
            checks=(single_check("applies_to_empty_database", f"Runs the DDL in an empty in-memory {target} database.",
                                 _applies(target)),) if target in EMBEDDED_ENGINES else (),
        )
        for target in sql_targets(d)
    ]


def _queries(plan: Plan) -> list[Deliverable]:
    d = plan.sql_design
    return [
        Deliverable(
            f"queries_{target}", "queries", code_version(d, "queries", target),
            f"Every access pattern as a {target} query with named parameters (queries/{target}.sql).",
            _write(lambda target=target: queries_artifacts(d, target), _show_sql), kinds=frozenset({"sql", target}),
        )
        for target in sql_targets(d)
    ]


def _indexes(plan: Plan) -> list[Deliverable]:
    d = plan.sql_design
    if not sql_targets(d):  # a NoSQL store's keys and indexes are its schema (_nosql)
        return []

    def build(root: Path) -> Built:
        artifacts, findings = index_artifacts(d, sql_targets(d))
        write_artifacts(root, artifacts)
        plan_md = next(a for a in artifacts if a.path == "indexes/plan.md")
        shown = {"plan": Shown("md", plan_md.content.decode()), "path": Shown("path", str(root / "indexes"))}
        return Built(content_hash(artifacts), shown, tuple(findings), tuple(a.path for a in artifacts))

    return [Deliverable("indexes", "indexes", code_version(d, "indexes", " ".join(sql_targets(d))),  # a file per target
                        "The index plan: each index with why it exists and its size, and its DDL per SQL target "
                        "(indexes/).", build, kinds=frozenset({"sql"}))]


def _rules_pass_promtool(root: Path) -> CheckOutcome:
    """promtool checks the rules, then runs their unit tests."""
    import shutil
    import subprocess

    if shutil.which("promtool") is None:
        return CheckOutcome(False, {"error": Shown("text", "promtool is not installed (Debian: apt-get install prometheus)")})
    folder = (root / RULES).parent
    outputs = []
    for command in (["promtool", "check", "rules", Path(RULES).name], ["promtool", "test", "rules", Path(RULE_TESTS).name]):
        result = subprocess.run(command, cwd=folder, capture_output=True, text=True)
        outputs.append(f"$ {' '.join(command)}\n{result.stdout}{result.stderr}")
        if result.returncode != 0:
            return CheckOutcome(False, {"promtool": Shown("md", "```\n" + "\n".join(outputs) + "```")})
    return CheckOutcome(True, {"promtool": Shown("md", "```\n" + "\n".join(outputs) + "```")})


def _monitoring(plan: Plan) -> list[Deliverable]:
    d = plan.sql_design
    if not sql_targets(d):
        return []

    def show(artifacts: list[Artifact], root: Path) -> dict[str, Shown]:
        rules_text = next(a for a in artifacts if a.path == RULES).content.decode()
        return {"alerts": Shown("int", rules_text.count("- alert: ")), "rules": Shown("md", f"```yaml\n{rules_text}```")}

    return [Deliverable("monitoring", "monitoring", code_version(d, "monitoring", " ".join(sql_targets(d))),
                        "Monitoring: Prometheus rules with their unit tests, postgres_exporter queries, monitoring "
                        "SQL per target and a Grafana dashboard (monitoring/).",
                        _write(lambda: monitoring_artifacts(d, sql_targets(d)), show), deps=("indexes",),
                        # A warning: a machine without promtool should not keep the manifest from being built.
                        checks=(single_check("rules_pass_promtool", "promtool check rules and promtool test rules on "
                                             "the generated rules.", _rules_pass_promtool, blocking=False),))]


def _performance_outcome(code: str) -> Callable[[Path], CheckOutcome]:
    """Passes when PostgreSQL measured the queries and found none with `code`."""
    def run(root: Path) -> CheckOutcome:
        from schemaforge.performance.report import REPORT_JSON

        data = json.loads((root / REPORT_JSON).read_text())
        found = [f for f in data["recommendations"] if f["code"] == code]
        shown = {"findings": Shown("md", _findings_table(found)), "measured": Shown("text", str(data["measured"]))}
        if not data["measured"]:
            shown["not_measured"] = Shown("text", data["not_measured_because"])
        return CheckOutcome(data["measured"] and not found, shown)

    return run


def _performance(plan: Plan) -> list[Deliverable]:
    d = plan.sql_design
    if not d.queries or not sql_targets(d):
        return []

    def build(root: Path) -> Built:
        from schemaforge.performance.analyze import analyze  # psycopg: imported when run
        from schemaforge.performance.report import REPORT_MD, performance_artifacts
        from schemaforge.performance.server import NoPostgresServer, measurement_server

        try:
            with measurement_server() as server:
                analysis, reason = analyze(d, root / SEED_FOLDER, server), ""
        except NoPostgresServer as missing:
            analysis, reason = None, str(missing)
        artifacts = performance_artifacts(d, analysis, reason)
        write_artifacts(root, artifacts)
        shown = {"report": Shown("md", next(a for a in artifacts if a.path == REPORT_MD).content.decode())}
        return Built(content_hash(artifacts), shown, tuple(analysis.findings if analysis else ()),
                     tuple(a.path for a in artifacts))

    checks = (
        single_check("queries_use_their_indexes", "Every query reads its planned index at the seed's row counts, "
                     "measured on PostgreSQL (PF101).", _performance_outcome("PF101")),
        single_check("queries_meet_p95", "Every query meets its p95_ms at the seed's row counts (PF102).",
                     _performance_outcome("PF102"), blocking=False),
    )
    return [Deliverable("performance", "performance", code_version(d, "performance"),
                        "Each query measured on a seeded PostgreSQL without and with the index plan, with "
                        "recommendations, caching, pooling (pgbouncer.ini) and scaling (performance/).",
                        build, deps=("seed", "indexes"), kinds=frozenset({"postgres"}), checks=checks,
                        measures_on_postgres=True, beside_the_rest=True)]


def _policy_holds(design: Design) -> Callable[[Path], CheckOutcome]:
    """On a fresh database of the measuring PostgreSQL: the DDL, the seed and the policy applied,
    then every role's privileges compared with the design and every tenant-owned table's
    isolation tried (security/proof.py)."""
    def run(root: Path) -> CheckOutcome:
        from schemaforge.performance.server import NoPostgresServer, measurement_server
        from schemaforge.security.proof import prove_policy

        try:
            with measurement_server() as server:
                problems, tried = prove_policy(design, root / SEED_FOLDER, server)
        except NoPostgresServer as missing:
            return CheckOutcome(False, {"error": Shown("text", str(missing))})
        return CheckOutcome(not problems, {"tried": Shown("md", "\n".join(f"- {t}" for t in tried) or "nothing"),
                                           "problems": Shown("md", "\n".join(f"- {p}" for p in problems) or "none")})

    return run


def _security(plan: Plan) -> list[Deliverable]:
    d = plan.sql_design
    items = [
        Deliverable(
            f"security_{target}", "security", code_version(d, "security", target),
            f"Roles, grants, tenant isolation, masking, encryption, audit and retention for {target} "
            f"(security/{target}.sql).", _write(lambda target=target: security_artifacts(d, target), _show_sql),
            kinds=frozenset({"sql", target}),
            checks=(single_check("policy_holds_on_postgres", "On a fresh seeded database of the measuring PostgreSQL: "
                                 "each role holds exactly the design's privileges, PUBLIC nothing, and every "
                                 "tenant-owned table shows and takes only its tenant's rows.", _policy_holds(d),
                                 also_reads=("seed", "ddl_postgres"), measures_on_postgres=True),)
            if target == "postgres" else (),
        )
        for target in policy_targets(d)
    ]
    if checklist_paths(d):
        items.append(Deliverable(
            "security_checklist", "checklist", code_version(d, "checklist"),
            "The compliance checklist: each control of each regime met, not met or outside the schema "
            f"({CHECKLIST}).", _write(lambda: checklist_artifacts(d), lambda a, root: {"checklist": Shown("md", a[0].content.decode())})))
    return items


def _history(plan: Plan) -> list[Deliverable]:
    d, history, problem = plan.design, plan.history, plan.history_problem

    def build(root: Path) -> Built:
        if problem is not None:
            raise DeliverableFailed(str(problem), [str(f) for f in problem.findings])
        written = history.keep_current()
        # Its data version is what the lint and the migrations read of it: the earlier releases
        # and the current version's number. The current release's text is the design file, whose
        # facets their own code versions hash already, so a seed edit does not move it.
        return Built(content_hash([Artifact("current", history.current.version.encode()),
                                   Artifact("earlier", history.earlier_digest().encode())]), {
            "releases": Shown("json", [r.version for r in history.releases]),
            "snapshot_written": Shown("text", str(written)), "snapshot": Shown("path", str(history.snapshot_path))})

    return [Deliverable("history", "history", code_version(d, "history", plan.earlier if history else ""),
                        "The design's released versions, kept beside it (designs/D.history/<version>.yaml).", build,
                        kept_outside=lambda: history is not None and history.is_kept())]


def _migrations(plan: Plan) -> list[Deliverable]:
    d, history = plan.design, plan.history
    if history is None or has_stores(d):  # a design with stores: its migrations are still to come
        return []
    return [
        Deliverable(
            f"migrations_{target}", "migrations", code_version(d, "migrations", f"{target} {plan.earlier}"),
            f"Forward and rollback migrations between the releases, for {target} (migrations/{target}/).",
            _write(lambda target=target: migration_artifacts(migrations(history, d.name), target)),
            deps=("history",), kinds=frozenset({"sql", target}),
        )
        for target in sql_targets(d)
    ]


def _seed(plan: Plan) -> list[Deliverable]:
    d = plan.design

    def build(root: Path) -> Built:
        from schemaforge.deliverables.seed import build_seed, seed_data_version  # Arrow: imported when run

        try:
            result = build_seed(d, root)
        except _duckdb().Error as error:  # what the design provokes in the engine is said, not a traceback
            raise DeliverableFailed(f"the seed data could not be built: {str(error).splitlines()[0]}; "
                                    "see the lint findings of this design") from None
        problems = tuple(p.finding(d) for p in result.problems)
        return Built(seed_data_version(d, root), {
            "rows": Shown("int", sum(result.rows.values())), "rows_per_entity": Shown("json", result.rows),
            "repaired_rules": Shown("json", result.repaired_rules), "path": Shown("path", str(root / SEED_FOLDER)),
            "problems": Shown("md", "\n".join(f"- {p}" for p in problems) or "none"),
        }, problems, tuple(seed_paths(d)))

    judgements = tuple((f"expectations_{entity}", f"The Great Expectations suite of '{entity}', run on DuckDB over "
                        "its seed data.") for entity in d.entities)
    checks = (Check("expectations", judgements, _expectations(d)),)
    return [Deliverable("seed", "seed", code_version(d, "seed"),
                        "Seed data: a Parquet file per entity, a load script per SQL target, and a report.",
                        build, kinds=frozenset({"parquet", "duckdb"}), checks=checks)]


def _show_markdown(artifacts: list[Artifact], root: Path) -> dict[str, Shown]:
    return {a.path: Shown("md", a.content.decode()) for a in artifacts if a.path.endswith(".md")}


def _show_json(artifacts: list[Artifact], root: Path) -> dict[str, Shown]:
    return {a.path: Shown("md", f"```json\n{a.content.decode()}```") for a in artifacts}


def _nosql(plan: Plan) -> list[Deliverable]:
    """Per NoSQL target: its schema (sized from the seed where it says so) and its requests."""
    items = []
    for store in nosql_targets(plan.design):
        d = plan.store_design(store.name)

        def schema(root: Path, store=store, d=d) -> list[Artifact]:
            return nosql_schema_artifacts(d, store.name, root / SEED_FOLDER if store.SCHEMA_READS_SEED else None)

        items += [
            Deliverable(
                f"ddl_{store.name}", "nosql", code_version(d, "nosql", store.name),
                f"The {store.name} schema, made from the access patterns ({', '.join(store.schema_paths)}).",
                _write(schema, _show_markdown, reads_build=True),
                deps=("seed",) if store.SCHEMA_READS_SEED else (), kinds=frozenset({store.name})),
            Deliverable(
                f"queries_{store.name}", "queries", code_version(d, "queries", store.name),
                f"Every access pattern as {store.name} requests ({store.queries_path}).",
                _write(lambda store=store, d=d: nosql_queries_artifacts(d, store.name), _show_json),
                kinds=frozenset({store.name})),
        ]
    return items


def _architecture(plan: Plan) -> list[Deliverable]:
    d = plan.design
    if not has_stores(d):
        return []
    return [Deliverable("architecture", "architecture", code_version(d, "architecture"),
                        "The stores: where each entity lives, the references across stores and how each is kept "
                        "consistent, each service's outbox and the JSON Schema of every event it publishes "
                        "(architecture/).", _write(lambda: architecture_artifacts(d), _show_markdown))]


def _read_models(plan: Plan) -> list[Deliverable]:
    d = plan.sql_design
    if not read_models(d):
        return []

    def matches(root: Path) -> CheckOutcome:
        run = run_read_models(d, root)
        rows = {m.name: m.rows for m in run.models}
        mismatched = [f"- {m.name}: {line}" for m in run.models for line in m.mismatched]
        return CheckOutcome(run.passed, {
            "rows": Shown("json", rows), "failed_audits": Shown("json", run.failed_audits),
            "mismatched": Shown("md", "\n".join(mismatched) or "none"),
            "sqlmesh": Shown("md", f"```\n{run.output[-4000:]}\n```")})

    return [Deliverable(
        "read_models", "read_models", code_version(d, "read_models"),
        "The read models (CQRS) as a SQLMesh project over the seed, DuckDB its gateway (read_models/).",
        _write(lambda: read_model_artifacts(d)), kinds=frozenset({"sqlmesh", "duckdb"}),
        checks=(single_check("match_the_seed", "SQLMesh plans and applies the project over the seed (in a process "
                             "of its own); each read model equals the same aggregate computed directly over the "
                             "seed's Parquet files, and every audit (the grain, the design's rules) passes.",
                             matches, also_reads=("seed",)),))]


def _manifest(plan: Plan, before: list[Deliverable]) -> Deliverable:
    d, history = plan.design, plan.history

    def build(root: Path) -> Built:
        try:
            manifest = manifest_from_disk(d, root, history)
        except FileNotFoundError as missing:
            raise DeliverableFailed(str(missing)) from None
        write_artifacts(root, [manifest])
        return Built(content_hash([manifest]), {
            "artifacts": Shown("int", len(json.loads(manifest.content)["artifacts"])),
            "path": Shown("path", str(root / manifest.path))}, files=(manifest.path,))

    return Deliverable("manifest", "manifest", code_version(d, "manifest"),
                       "Every artifact with its path, sha256, design version and generator version.",
                       build, deps=tuple(x.name for x in before if x.name != "history"),
                       checks=(single_check("matches_files", "Fails when a file of the build folder is missing, "
                                            "differs from the manifest's sha256, or is not listed in it.",
                                            _matches_manifest, reusable=False),))


# In build order: each entry's deps come before it, and the lint comes early, since a design
# with lint errors builds no further from the CLI. The performance analysis, built beside the
# rest, comes as soon as the seed it measures is there. The manifest, last, lists everything.
_ENTRIES: tuple[Callable[[Plan], list[Deliverable]], ...] = (
    _history, _lint, _spec, _erd, _ddl, _queries, _indexes, _seed, _nosql, _architecture, _read_models, _performance,
    _monitoring, _security, _migrations)


def deliverables(plan: Plan) -> list[Deliverable]:
    """Every deliverable of the design, in an order where each follows what it depends on;
    made once per plan (their code versions hash the design)."""
    return plan.deliverables


def _make_deliverables(plan: Plan) -> list[Deliverable]:
    items = [item for entry in _ENTRIES for item in entry(plan)]
    return items + [_manifest(plan, items)]


def planned_code_versions(plan: Plan) -> dict[str, str]:
    return {d.name: d.code_version for d in deliverables(plan)}
