"""`schemaforge check` and `schemaforge build`: the engine without Dagster (pre-commit, scripts, CI).

`build` walks the same registry of deliverables as the Dagster assets do, in the same order, and
reports every finding it made (errors and warnings; `-v` adds info) with counts. It exits 1 when
a design does not load, a deliverable fails, or any finding is an error: a lint error, or seed
data that does not satisfy the design. A design with errors builds nothing. A deliverable whose
inputs and files have not changed since the last build is reused, not regenerated (`--rebuild`
regenerates everything).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from schemaforge.config import build_dir, design_files, designs_dir
from schemaforge.deliverables.generate import lint_artifacts
from schemaforge.deliverables.records import build_or_reuse
from schemaforge.deliverables.registry import DeliverableFailed, Plan, deliverables, plan_design
from schemaforge.deliverables.staging import BuildNotWhole, DiscardBuild, staged_build
from schemaforge.design.loader import load_design
from schemaforge.design.syntax import SQL_TARGETS as SQL_TARGET_NAMES, design_json_schema
from schemaforge.findings import DesignErrors, Finding, sort_findings

SEVERITIES = ("error", "warning", "info")
log = logging.getLogger("schemaforge")


def _paths(args) -> list[Path]:
    return [Path(p) for p in args.designs] if args.designs else design_files(designs_dir())


def _plans(args, failures: list[Path]):
    """Each design that loads, with its releases; one with errors is reported, noted in
    `failures` and skipped (it builds nothing)."""
    for path in _paths(args):
        try:
            yield path, plan_design(path, load_design(path))
        except DesignErrors as errors:
            failures.append(path)
            _report(path, errors.findings, verbose=True)


def _report(path: Path, findings: list[Finding], verbose: bool) -> None:
    """Print the findings shown by default (errors and warnings; info with -v) and the counts."""
    findings = sort_findings(findings)
    shown = [f for f in findings if verbose or f.severity != "info"]
    for finding in shown:
        print(f"{finding.severity}: {finding}", file=sys.stderr if finding.severity == "error" else sys.stdout, flush=True)
    counts = ", ".join(f"{sum(f.severity == s for f in findings)} {s}s" for s in SEVERITIES)
    print(f"{path}: {counts}", flush=True)


def _has_errors(plan: Plan, findings: list[Finding]) -> bool:
    return plan.history_problem is not None or any(f.severity == "error" for f in findings)


def check(args) -> int:
    failures: list[Path] = []
    for path, plan in _plans(args, failures):
        findings = lint_artifacts(plan.design, plan.history)[0]
        findings += plan.history_problem.findings if plan.history_problem else []
        _report(path, findings, args.verbose)
        if _has_errors(plan, findings):
            failures.append(path)
    return 1 if failures else 0


def _build_into(stage: Path, plan: Plan) -> tuple[list[Finding], list[str]]:
    """Build every deliverable of `plan` into `stage`, reusing what is current: (findings, failures).

    In registry order, one at a time, except that a deliverable marked `beside_the_rest` (the
    ERD, which waits on D2; the performance analysis, which waits on PostgreSQL) is built on a
    thread of its own while the next ones are: a
    deliverable that depends on it waits for it, and so does the end of the build."""
    findings, failed = list(plan.history_problem.findings if plan.history_problem else []), []
    rebuilt = []

    def build_one(item) -> None:
        started = time.monotonic()
        try:
            built, was_built = build_or_reuse(
                item, stage, starting=lambda: log.info("%s: building %s", plan.design.name, item.name))
        except DeliverableFailed as failure:
            failed.append(f"{item.name}: {failure}")
            return
        findings.extend(built.findings)
        if was_built:
            rebuilt.append(item.name)
            log.info("%s: built %s in %.1f s", plan.design.name, item.name, time.monotonic() - started)

    with ThreadPoolExecutor(max_workers=1) as beside:
        building_beside: dict[str, Future] = {}
        for item in deliverables(plan):  # the lint comes first: a design with errors builds no more
            for dep in item.deps:
                if dep in building_beside:
                    building_beside.pop(dep).result()
            if failed or _has_errors(plan, findings):
                failed.append("not built further: the design has errors")
                break
            if item.beside_the_rest:
                building_beside[item.name] = beside.submit(build_one, item)
            else:
                build_one(item)
        for future in building_beside.values():
            future.result()
    log.info("%s: %d built, %d unchanged", plan.design.name, len(rebuilt), len(deliverables(plan)) - len(rebuilt))
    return findings, sorted(failed, key=lambda failure: failure.startswith("not built further"))


def build(args) -> int:
    """Each design is built whole into a staging folder and swapped in, or not at all: the
    build folder keeps the previous build when anything fails or the process is killed."""
    failures: list[Path] = []
    if args.build:
        os.environ["SCHEMAFORGE_BUILD"] = args.build
    for path, plan in _plans(args, failures):
        root = build_dir() / plan.design.name
        findings, failed = [], []
        try:
            with staged_build(root, from_previous=not args.rebuild) as stage:
                findings, failed = _build_into(stage, plan)
                if failed or _has_errors(plan, findings):
                    raise DiscardBuild
        except DiscardBuild:
            pass
        except BuildNotWhole as problem:
            failed.append(str(problem))
        except OSError as error:  # the build folder cannot be written: said, not a traceback
            failed.append(f"cannot write the build beside {root}: {error.strerror or error}")
        _report(path, findings, args.verbose)
        for failure in failed:
            print(f"{path}: {failure}", file=sys.stderr)
        if failed or _has_errors(plan, findings):
            failures.append(path)
            print(f"{path}: not built; {root} keeps the previous build", file=sys.stderr)
        else:
            print(f"{path}: built in {root}")
    return 1 if failures else 0


def schema(args) -> int:
    """Print the JSON Schema of a design file (shipped as schemaforge/design/design.schema.json)."""
    print(json.dumps(design_json_schema(), indent=2, sort_keys=True))
    return 0


def import_command(args) -> int:
    """Write designs/NAME.yaml from an existing schema: a PostgreSQL or MySQL URL, a SQLite or
    DuckDB file, or a DDL file (its dialect from --dialect or the file's name: shop.mysql.sql)."""
    from schemaforge.importer.run import ImportFailed, import_design

    try:
        path, findings = import_design(args.source, args.design, Path(args.designs_dir) if args.designs_dir else designs_dir(),
                                       schema=args.schema, dialect=args.dialect, force=args.force)
    except ImportFailed as problem:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    _report(path, findings, verbose=args.verbose)
    print(f"wrote {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="schemaforge", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name, handler in (("check", check), ("build", build)):
        command = commands.add_parser(name)
        command.add_argument("designs", nargs="*", help="design files (default: every designs/*.yaml)")
        command.add_argument("-v", "--verbose", action="store_true", help="show info findings too")
        if name == "build":
            command.add_argument("--build", help="output folder (default: $SCHEMAFORGE_BUILD or build/)")
            command.add_argument("--rebuild", action="store_true",
                                 help="regenerate every deliverable, even those whose inputs have not changed")
        command.set_defaults(handler=handler)
    commands.add_parser("schema", help=schema.__doc__).set_defaults(handler=schema)
    importing = commands.add_parser("import", help=import_command.__doc__.splitlines()[0])
    importing.add_argument("source", help="postgresql://..., mysql://..., a .sqlite/.duckdb file, or a .sql file")
    importing.add_argument("--design", required=True, help="the design's name: writes designs/NAME.yaml")
    importing.add_argument("--designs-dir", help="where to write it (default: $SCHEMAFORGE_DESIGNS or designs/)")
    importing.add_argument("--schema", help="the database schema to read (PostgreSQL: public)")
    importing.add_argument("--dialect", choices=SQL_TARGET_NAMES, help="a DDL file's dialect")
    importing.add_argument("--force", action="store_true", help="replace the design if it exists")
    importing.add_argument("-v", "--verbose", action="store_true", help="show info findings too")
    importing.set_defaults(handler=import_command)
    args = parser.parse_args(argv)
    _show_progress()
    return args.handler(args)


def _show_progress() -> None:
    """The engine's progress (each deliverable, a large seed's estimate and steps) on stderr."""
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)


if __name__ == "__main__":
    sys.exit(main())
