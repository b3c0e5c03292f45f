"""`schemaforge check` and `schemaforge build`: the engine without Dagster (pre-commit, scripts)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from schemaforge.build.files import write_artifacts
from schemaforge.build.generate import all_artifacts, lint_artifacts, manifest_from_disk
from schemaforge.build.seed import build_seed
from schemaforge.config import build_dir, design_files, designs_dir
from schemaforge.findings import DesignErrors
from schemaforge.migrate.history import read_history
from schemaforge.migrate.plan import MigrationBlocked
from schemaforge.spec.loader import load_design
from schemaforge.spec.syntax import design_json_schema


def _paths(args) -> list[Path]:
    return [Path(p) for p in args.designs] if args.designs else design_files(designs_dir())


def _designs(args, failures: list[Path]):
    """Each design that loads, with its release history; a design with errors (or a history
    that cannot be read) is reported, noted in `failures`, skipped."""
    for path in _paths(args):
        try:
            design = load_design(path)
            yield path, design, read_history(path, design)
        except DesignErrors as errors:
            failures.append(path)
            print("\n".join(str(f) for f in errors.findings), file=sys.stderr)


def check(args) -> int:
    failures: list[Path] = []
    for path, design, history in _designs(args, failures):
        findings = lint_artifacts(design, history)[0]
        shown = [f for f in findings if args.verbose or f.severity != "info"]
        if shown:
            print("\n".join(f"{f.severity}: {f}" for f in shown))
        if any(f.severity == "error" for f in findings):
            failures.append(path)
    return 1 if failures else 0


def build(args) -> int:
    failures: list[Path] = []
    for path, design, history in _designs(args, failures):  # a broken design builds nothing; others build
        root = Path(args.build or build_dir()) / design.name
        try:
            artifacts = all_artifacts(design, history)
        except MigrationBlocked as blocked:
            failures.append(path)
            print(f"{path}: the migration would lose data; set allow_destructive: true to accept:\n{blocked}", file=sys.stderr)
            continue
        history.keep_current()
        write_artifacts(root, artifacts[:-1])
        seed = build_seed(design, root)
        write_artifacts(root, [manifest_from_disk(design, root, history)])
        print(f"{path}: {len(artifacts)} artifacts and seed data ({sum(seed.rows.values())} rows) in {root}")
        for problem in seed.problems:
            print(f"{path}: seed data: {problem.message}", file=sys.stderr)
        if seed.problems:
            failures.append(path)
    return 1 if failures else 0


def schema(args) -> int:
    """Print the JSON Schema of a design file (shipped as schemaforge/spec/design.schema.json)."""
    print(json.dumps(design_json_schema(), indent=2, sort_keys=True))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="schemaforge", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, handler in (("check", check), ("build", build)):
        command = commands.add_parser(name)
        command.add_argument("designs", nargs="*", help="design files (default: every designs/*.yaml)")
        command.add_argument("-v", "--verbose", action="store_true", help="show info findings too")
        if name == "build":
            command.add_argument("--build", help="output folder (default: $SCHEMAFORGE_BUILD or build/)")
        command.set_defaults(handler=handler)
    commands.add_parser("schema", help=schema.__doc__).set_defaults(handler=schema)
    args = parser.parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
