"""No-op and incremental builds through Dagster, side by side with Dagster's own floor.

Run: .venv/bin/python bench/incremental.py [--repeat 3] [--designs shop clinic]

In one temporary project (the designs copied, a fresh DAGSTER_HOME), median of --repeat runs:

- floor: `dagster asset materialize` of a trivial two-asset module (in-process executor), the
  least any Dagster command costs here;
- full: the first `schemaforge-materialize` (everything is stale);
- no-op, CI command: `schemaforge-materialize` again with nothing changed (launches no run);
- no-op, select '*': `dagster asset materialize -m definitions --select '*'` with nothing changed
  (every asset reuses its result, every step still runs);
- description edit: one description changed, then `schemaforge-materialize` (and which assets it ran);
- `schemaforge build` full, then again with nothing changed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
TWO_ASSETS = '''
import dagster as dg

@dg.asset
def first() -> int:
    return 1

@dg.asset(deps=[first])
def second() -> int:
    return 2

defs = dg.Definitions(assets=[first, second], executor=dg.in_process_executor)
'''


def timed(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, str]:
    started = time.perf_counter()
    result = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return seconds, result.stdout


def median(times: list[float]) -> str:
    return f"{statistics.median(times):6.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--designs", nargs="+", default=["shop", "clinic"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="schemaforge-bench-") as tmp:
        project = Path(tmp)
        (project / "designs").mkdir()
        for name in args.designs:
            shutil.copy(ROOT / "designs" / f"{name}.yaml", project / "designs")
            if (ROOT / "designs" / f"{name}.history").is_dir():
                shutil.copytree(ROOT / "designs" / f"{name}.history", project / "designs" / f"{name}.history")
        (project / "two_assets.py").write_text(TWO_ASSETS)
        env = {**os.environ, "DAGSTER_HOME": str(project / "home"), "SCHEMAFORGE_DESIGNS": str(project / "designs"),
               "SCHEMAFORGE_BUILD": str(project / "build"), "PYTHONPATH": str(ROOT),
               "XDG_CACHE_HOME": str(project / "cache")}
        (project / "home").mkdir()
        materialize = [str(BIN / "schemaforge-materialize")]
        select_all = [str(BIN / "dagster"), "asset", "materialize", "-m", "definitions", "--select", "*"]

        floor = [timed([str(BIN / "dagster"), "asset", "materialize", "-f", "two_assets.py", "--select", "*"],
                       env, project)[0] for _ in range(args.repeat)]
        full = timed(materialize, env, ROOT)[0]
        noop = [timed(materialize, env, ROOT)[0] for _ in range(args.repeat)]
        noop_all = [timed(select_all, env, ROOT)[0] for _ in range(args.repeat)]
        edits, ran = [], ""
        design = project / "designs" / f"{args.designs[0]}.yaml"
        for i in range(args.repeat):
            text = design.read_text()
            # An entity's description: the DDL carries it as a comment, the ERD and the seed do not.
            design.write_text(text.replace("    description: ", f"    description: (edit {i}) ", 1))
            seconds, out = timed(materialize, env, ROOT)
            edits.append(seconds)
            ran = out.splitlines()[0]
        cli_env = {**env, "SCHEMAFORGE_BUILD": str(project / "cli_build")}
        cli = [str(BIN / "schemaforge"), "build"]
        cli_full = timed(cli, cli_env, ROOT)[0]
        cli_noop = [timed(cli, cli_env, ROOT)[0] for _ in range(args.repeat)]

    floor_median = statistics.median(floor)
    print(f"designs: {', '.join(args.designs)}; median of {args.repeat}")
    print(f"Dagster floor (two trivial assets)          {median(floor)}")
    print(f"full build (schemaforge-materialize)        {full:6.2f} s   {full / floor_median:5.1f}x floor")
    print(f"no-op, schemaforge-materialize              {median(noop)}   {statistics.median(noop) / floor_median:5.1f}x floor")
    print(f"no-op, dagster asset materialize --select * {median(noop_all)}   "
          f"{statistics.median(noop_all) / floor_median:5.1f}x floor")
    print(f"one description edit, then the CI command   {median(edits)}   {statistics.median(edits) / floor_median:5.1f}x floor")
    print(f"  it ran: {ran}")
    print(f"schemaforge build, full                     {cli_full:6.2f} s")
    print(f"schemaforge build, nothing changed          {median(cli_noop)}")


if __name__ == "__main__":
    main()
