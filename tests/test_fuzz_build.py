"""Fuzzing whole builds: mutated and injected designs end in a clean build or located errors,
within 20 s and 1 GiB each; a clean build applies on every engine, and no injected statement
ever runs when the outputs are applied.

Each case is `schemaforge build` in a process of its own (forked from a server that has the
engine loaded), killed when it runs past its time. A clean build's DDL and seed scripts are then
applied on PostgreSQL, MariaDB, SQLite and DuckDB, fresh databases each, and the canary table
that every payload tries to create must appear on none of them.

SCHEMAFORGE_FUZZ_BUILDS sets the number of cases: 300 by default (CI); 5,000 on demand.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import sqlite3
import time
from collections import Counter
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

import fuzz_worker
from conftest import _fresh_mariadb_database, _fresh_pg_database, psql_file
from fuzz_cases import CANARY, LOCATION, design_text

CASES = int(os.environ.get("SCHEMAFORGE_FUZZ_BUILDS", "300"))
# 0 (CI): the same cases every run. Another number draws other cases, for runs split in shards.
SEED = int(os.environ.get("SCHEMAFORGE_FUZZ_SEED", "0"))
CASE_SECONDS, CASE_BYTES = 20, 1 << 30
# What `schemaforge build` prints: located findings, and lines about the design file as a whole.
FINDING = re.compile(r"^(error|warning|info): (.*)$")
SUMMARY = re.compile(r"^designs/fz\.yaml: (\d+ errors, \d+ warnings, \d+ infos|built in .*|not built; .*)$")
PROGRESS = re.compile(r"^fz: (building \w+|built \w+ in [0-9.]+ s|\d+ built, \d+ unchanged|seed.*)$")
TALLY: Counter = Counter()
REFUSED: list[str] = []  # clean builds whose output an engine refused: each engine's first line


@pytest.fixture(scope="module")
def server():
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(fuzz_worker.PRELOAD)
    return context


def _run(context, folder: Path) -> tuple[int, str, int, float]:
    log = folder / "build.log"
    start = time.monotonic()
    process = context.Process(target=fuzz_worker.build_case,
                              args=(str(folder), str(log)))
    process.start()
    process.join(CASE_SECONDS)
    seconds = time.monotonic() - start
    if process.is_alive():
        process.kill()
        process.join()
        pytest.fail(f"the build ran past {CASE_SECONDS} s:\n{(folder / 'designs' / 'fz.yaml').read_text()[:3000]}")
    return process.exitcode, log.read_text(), int(log.with_suffix(".rss").read_text()), seconds


def _assert_located(output: str) -> None:
    """Every line is a finding located in the design, or a line about the design as a whole."""
    errors = 0
    for line in output.splitlines():
        if finding := FINDING.match(line):
            assert LOCATION.match(finding.group(2)), line
            errors += finding.group(1) == "error"
        else:
            assert SUMMARY.match(line) or PROGRESS.match(line) or line.startswith("designs/fz.yaml: "), line
    assert errors or "not built" in output, output[-2000:]


def _apply_everywhere(root: Path) -> dict[str, str]:
    """Apply each engine's DDL, then its seed, in fresh databases; returns where the canary
    appeared. An engine that refuses a script is noted in REFUSED (a clean build should apply
    everywhere; the fuzz run's report lists what did not), and its transaction rolled back
    before the canary is looked for."""
    found, scripts = {}, {t: [root / "ddl" / f"{t}.sql", root / "seed" / f"{t}.sql"]
                          for t in ("postgres", "mysql", "sqlite", "duckdb")}
    present = {t: [p.read_text() for p in paths if p.exists()] for t, paths in scripts.items()}
    present["postgres"] = [p for p in scripts["postgres"] if p.exists()]  # psql runs them (COPY FROM STDIN)

    def attempt(target, run, rollback):
        for script in present[target]:
            try:
                run(script)
            except Exception as error:  # noqa: BLE001 - noted; the canary is what is asserted
                REFUSED.append(f"{target}: {type(error).__name__}: {str(error).splitlines()[0][:160]}")
                try:
                    rollback()
                except Exception:  # noqa: BLE001 - no transaction was open
                    pass
                return

    if present["postgres"]:
        for pg in _fresh_pg_database():
            attempt("postgres", lambda path: psql_file(pg, path), lambda: None)
            if pg.execute("SELECT to_regclass(%s)", (CANARY,)).fetchone() != (None,):
                found["postgres"] = "canary"
    if present["mysql"]:
        for maria in _fresh_mariadb_database():
            attempt("mysql", maria.run, lambda: maria.run("ROLLBACK"))
            if maria.query(f"SHOW TABLES LIKE '{CANARY}'"):
                found["mysql"] = "canary"
    lite = sqlite3.connect(":memory:")
    attempt("sqlite", lite.executescript, lite.rollback)
    if lite.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (CANARY,)).fetchall():
        found["sqlite"] = "canary"
    duck = duckdb.connect()
    attempt("duckdb", duck.execute, lambda: duck.execute("ROLLBACK"))
    if duck.execute("SELECT 1 FROM duckdb_tables() WHERE table_name = ?", [CANARY]).fetchall():
        found["duckdb"] = "canary"
    return found


@settings(max_examples=CASES, deadline=None, derandomize=not SEED, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture])
@seed(SEED)
@given(data=st.data())
def test_fuzzed_builds_are_clean_or_located_and_never_run_injected_sql(server, tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("fz")
    (folder / "designs").mkdir()
    text = design_text(data.draw, mutations=(1, 2), injected=0.75, break_yaml=False, seed_rows=60)
    (folder / "designs" / "fz.yaml").write_text(text)
    code, output, peak, seconds = _run(server, folder)
    assert fuzz_worker.TRACEBACK not in output, output[-4000:]
    assert peak <= CASE_BYTES, f"peak RSS {peak / 2**20:.0f} MiB"
    TALLY["cases"] += 1
    TALLY["seconds"] += seconds
    TALLY["slowest case s"] = max(TALLY["slowest case s"], round(seconds, 1))
    TALLY["peak MiB"] = max(TALLY["peak MiB"], peak >> 20)
    if code != 0:
        assert code == 1, output[-4000:]
        _assert_located(output)
        TALLY["located errors"] += 1
        return
    TALLY["clean builds"] += 1
    root = folder / "build" / "fz"
    refused_before = len(REFUSED)
    assert _apply_everywhere(root) == {}, text
    assert REFUSED[refused_before:] == [], text  # a clean build applies on every engine


def test_fuzz_tally(capsys):
    """Prints what the fuzz run came to (run after it, in file order)."""
    if not TALLY:
        pytest.skip("the fuzz test did not run in this session")
    with capsys.disabled():
        print("\nfuzz builds:", dict(TALLY), f"\nrefused by an engine: {len(REFUSED)}")
    if report := os.environ.get("SCHEMAFORGE_FUZZ_REPORT"):
        Path(report).write_text(json.dumps({**TALLY, "refused": REFUSED}, indent=2) + "\n")
    assert TALLY["cases"] == CASES
