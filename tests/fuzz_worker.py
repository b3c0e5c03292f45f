"""One fuzz case, run in a process of its own: `schemaforge build` on a design, its output and
exit code in files, its peak memory measured by the kernel. A traceback is written as one."""

from __future__ import annotations

import os
import resource
import traceback
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

# Loaded once by the fork server, so that each case starts in milliseconds.
PRELOAD = ["schemaforge.cli", "schemaforge.deliverables.registry", "duckdb", "pyarrow.parquet", "sqlglot"]
TRACEBACK = "TRACEBACK:\n"


def build_case(folder: str, log: str) -> None:
    """Build designs/fz.yaml in `folder` into `folder`/build, as a user's CI would from there."""
    from schemaforge.cli import main

    os.chdir(folder)
    design, out = "designs/fz.yaml", "build"
    with open(log, "w") as handle, redirect_stdout(handle), redirect_stderr(handle):
        try:
            code = main(["build", design, "--build", out])
        except BaseException:  # noqa: BLE001 - what the harness looks for
            handle.write(TRACEBACK + traceback.format_exc())
            code = 3
        peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                   resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    Path(log).with_suffix(".rss").write_text(str(peak * 1024))
    os._exit(code)
