"""DDL rendering speed: milliseconds to render each example design for each SQL target.

    .venv/bin/python bench/ddl_speed.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from schemaforge.ddl.render import render_ddl  # noqa: E402
from schemaforge.ddl.targets import SQL_TARGETS  # noqa: E402
from schemaforge.design.loader import load_design  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    print("| design | " + " | ".join(SQL_TARGETS) + " |")
    print("| --- |" + " --- |" * len(SQL_TARGETS))
    for path in sorted((ROOT / "designs").glob("*.yaml")):
        design = load_design(path, shown_as=f"designs/{path.name}")
        cells = []
        for target in SQL_TARGETS:
            render_ddl(design, target)  # warm sqlglot's caches
            start = time.perf_counter()
            for _ in range(args.repeat):
                design.forget_derived()  # a design keeps its renders; time the rendering itself
                render_ddl(design, target)
            cells.append(f"{(time.perf_counter() - start) / args.repeat * 1000:.1f} ms")
        print(f"| {path.stem} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
