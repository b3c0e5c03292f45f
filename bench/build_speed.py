"""Seconds per build and peak memory, per example design and per generator.

Run: .venv/bin/python bench/build_speed.py [--repeat N]
Side by side: the same design through the plain engine (schemaforge build) and through Dagster
(`dagster asset materialize`, in-process executor), the way a user's CI would run it.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from schemaforge.deliverables import generate  # noqa: E402
from schemaforge.deliverables.registry import deliverables, plan_design  # noqa: E402
from schemaforge.design.loader import load_design  # noqa: E402
from schemaforge.erd.pictures import erd_artifacts  # noqa: E402


def timed(fn, repeat: int, cold: bool = True) -> float:
    """Median seconds of `fn`; cold, each run has an empty D2 picture cache (as a first build)."""
    samples = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as cache:
            if cold:
                os.environ["XDG_CACHE_HOME"] = cache
            start = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def timed_warm(fn, repeat: int) -> float:
    """Median seconds of `fn` once an earlier run has filled the D2 picture cache."""
    with tempfile.TemporaryDirectory() as cache:
        os.environ["XDG_CACHE_HOME"] = cache
        fn()
        return timed(fn, repeat, cold=False)


def build_without_seed(path: Path, design) -> None:
    """The registry's deliverables but the seed (timed by seed_speed.py), into a fresh folder."""
    with tempfile.TemporaryDirectory() as root:
        for item in deliverables(plan_design(path, design)):
            if item.name not in ("seed", "manifest", "history"):
                item.build(Path(root))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"{'design':<8} {'step':<24} {'median s':>9}")
    for path in sorted((ROOT / "designs").glob("*.yaml")):
        design = load_design(path)
        steps = {
            "load + validate": lambda: load_design(path),
            # A design keeps its DDL renders (the lint reuses them): each repeat starts afresh.
            f"ddl ({len(generate.sql_targets(design))} targets)": lambda: design.forget_derived() or [
                generate.ddl_artifacts(design, t) for t in generate.sql_targets(design)],
            "erd mermaid + d2 svg": lambda: erd_artifacts(design),
            "erd, picture cached": "warm",
            "lint": lambda: design.forget_derived() or generate.lint_artifacts(design),
            "every deliverable, seed aside": lambda: build_without_seed(path, design),
        }
        for name, step in steps.items():
            if step == "warm":
                seconds = timed_warm(lambda: erd_artifacts(design), args.repeat)
            else:
                seconds = timed(step, args.repeat)
            print(f"{path.stem:<8} {name:<24} {seconds:>9.3f}")
    print(f"peak RSS of the engine runs: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "SCHEMAFORGE_BUILD": tmp, "DAGSTER_HOME": tmp}
        cli = [sys.executable, "-m", "schemaforge", "build", "--build", tmp]
        dagster = [str(Path(sys.executable).parent / "dagster"), "asset", "materialize", "-m", "definitions", "--select", "*"]
        runs = (("schemaforge build, cold", cli), ("schemaforge build, nothing changed", cli),
                ("schemaforge build --rebuild", cli + ["--rebuild"]), ("dagster asset materialize", dagster))
        env["XDG_CACHE_HOME"] = str(Path(tmp) / "cache")  # empty at first: the first run renders every picture
        for label, command in runs:
            start = time.perf_counter()
            # Dagster builds into a folder of its own: the CLI's build records would let it reuse everything.
            run_env = {**env, "SCHEMAFORGE_BUILD": str(Path(tmp) / "dagster_build")} if command is dagster else env
            subprocess.run(command, cwd=ROOT, env=run_env, check=True, capture_output=True)
            print(f"{'all':<8} {label:<34} {time.perf_counter() - start:>9.3f}  (one run, process start included)")


if __name__ == "__main__":
    main()
