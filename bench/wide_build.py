"""A 510-table design (tests/wide_design.py), phase by phase, beside the shop design.

Run: .venv/bin/python bench/wide_build.py [--tables 510] [--rows 20] [--dagster]

Prints, for the generated design and for designs/shop.yaml in the same run: loading and
validating the design, the DDL of all seven targets, the lint (which reuses those renders), the
ERD with a cold picture cache, the whole `schemaforge build` (seconds and peak RSS of the process
and its children), and loading the Dagster definitions. With --dagster, also the whole Dagster
build (`schemaforge-materialize`, every check included) of the generated design.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from schemaforge.deliverables.generate import lint_artifacts, sql_targets  # noqa: E402
from schemaforge.ddl.render import render_ddl  # noqa: E402
from schemaforge.design.loader import load_design  # noqa: E402
from schemaforge.erd.pictures import erd_artifacts  # noqa: E402
from wide_design import wide_design  # noqa: E402

BIN = ROOT / ".venv" / "bin"


def seconds(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def in_child(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(seconds, peak RSS in MiB of the command and its children)."""
    with tempfile.TemporaryFile("w+") as errors:  # a pipe would fill up and stop Dagster's logging
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=errors, text=True)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) != 0:
            errors.seek(0)
            sys.exit(f"{' '.join(command)} failed:\n{errors.read()[-3000:]}")
    return elapsed, usage.ru_maxrss / 1024


def phases(path: Path, env: dict[str, str]) -> dict[str, str]:
    design = load_design(path)  # warm the imports; the timed load is the next one
    load = seconds(lambda: load_design(path))
    design = load_design(path)
    ddl = seconds(lambda: [render_ddl(design, t) for t in sql_targets(design)])
    lint = seconds(lambda: lint_artifacts(design))
    os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp()
    erd = seconds(lambda: erd_artifacts(design))
    with tempfile.TemporaryDirectory() as out:
        build, rss = in_child([str(BIN / "schemaforge"), "build", "--build", out, str(path)], env)
    designs = tempfile.mkdtemp()
    os.symlink(path, Path(designs) / path.name)
    # What a code server (`dagster dev`, `dagster asset materialize`) waits for: a fresh Python
    # until its Definitions are built, read in the child; and the whole process, whose exit frees
    # the loaded design again.
    ready = subprocess.run([str(BIN / "python"), "-c", "import time; t = time.perf_counter(); import definitions; "
                            "print(time.perf_counter() - t)"], env={**env, "SCHEMAFORGE_DESIGNS": designs},
                           cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()[-1]
    definitions = in_child([str(BIN / "python"), "-c", "import definitions"], {**env, "SCHEMAFORGE_DESIGNS": designs})[0]
    columns = sum(len(e.columns) for e in design.entities.values())
    return {"tables": f"{len(design.entities)}", "columns": f"{columns}", "load and validate": f"{load:.2f} s",
            "DDL, 7 targets": f"{ddl:.2f} s", "lint (DDL reused)": f"{lint:.2f} s", "ERD, cold cache": f"{erd:.2f} s",
            "schemaforge build": f"{build:.1f} s", "build peak RSS": f"{rss:.0f} MiB",
            "definitions ready (import)": f"{float(ready):.2f} s",
            "python -c 'import definitions'": f"{definitions:.2f} s"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tables", type=int, default=510)
    parser.add_argument("--rows", type=int, default=20)
    parser.add_argument("--dagster", action="store_true")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="schemaforge-wide-"))
    (folder / "designs").mkdir()
    wide = folder / "designs" / "wide.yaml"
    wide.write_text(wide_design(args.tables, rows=args.rows))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_CACHE_HOME": str(folder / "cache")}
    rows = {"wide": phases(wide, env), "shop": phases(ROOT / "designs" / "shop.yaml", env)}
    print(f"{'':32}{'wide':>12}{'shop':>12}")
    for name in rows["wide"]:
        print(f"{name:32}{rows['wide'][name]:>12}{rows['shop'][name]:>12}")
    if args.dagster:
        home = folder / "home"
        home.mkdir()
        dagster_env = {**env, "DAGSTER_HOME": str(home), "SCHEMAFORGE_DESIGNS": str(folder / "designs"),
                       "SCHEMAFORGE_BUILD": str(folder / "build")}
        build, rss = in_child([str(BIN / "schemaforge-materialize")], dagster_env)
        noop, _ = in_child([str(BIN / "schemaforge-materialize")], dagster_env)
        print(f"Dagster build of wide (schemaforge-materialize, all checks): {build:.1f} s, peak {rss:.0f} MiB; "
              f"again with nothing changed: {noop:.1f} s")


if __name__ == "__main__":
    main()
