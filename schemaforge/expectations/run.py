"""Run an entity's suite with Great Expectations on DuckDB, over the seed's Parquet files."""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import sqlalchemy

from schemaforge.expectations import dialect
from schemaforge.expectations.suites import Suite, view_name
from schemaforge.seed.sql import NO_EXTENSIONS, create_views, sandbox_statements
from schemaforge.design.model import Design

SAMPLE_ROWS = 20  # offending rows or values kept per failed expectation


@dataclass
class SuiteResult:
    entity: str
    success: bool
    expectations: list[dict]

    def failed(self) -> list[dict]:
        return [e for e in self.expectations if not e["success"]]

    def as_json(self) -> dict:
        return {"entity": self.entity, "success": self.success, "expectations": self.expectations}

    def to_bytes(self) -> bytes:
        return (json.dumps(self.as_json(), indent=2, sort_keys=True, default=str, ensure_ascii=False) + "\n").encode()


def _seed_database(design: Design, seed_dir: Path, path: Path) -> None:
    con = duckdb.connect(str(path))
    create_views(con, design, seed_dir, view_of=view_name)
    con.close()


def _outcome(name: str, kind: str, result) -> dict:
    body = result.result or {}
    error = (result.exception_info or {})
    messages = [v.get("exception_message") for v in error.values() if isinstance(v, dict) and v.get("raised_exception")]
    if error.get("raised_exception"):
        messages.append(error.get("exception_message"))
    outcome = {"name": name, "expectation": kind, "success": bool(result.success)}
    if "observed_value" in body:
        outcome["observed"] = body["observed_value"]
    if "unexpected_count" in body:
        outcome["unexpected_count"] = body["unexpected_count"]
    if body.get("partial_unexpected_list"):
        outcome["unexpected_values"] = body["partial_unexpected_list"][:SAMPLE_ROWS]
    rows = (body.get("details") or {}).get("unexpected_rows")
    if rows:
        outcome["unexpected_rows"] = rows[:SAMPLE_ROWS]
    if any(messages):
        outcome["error"] = "; ".join(m for m in messages if m)
    return outcome


def _sandbox(engine, seed_dir: Path) -> None:
    """Every connection GX opens runs as the seed's own DuckDB does: the seed's folder alone
    readable, no extension, settings locked (the rules' SQL comes from the design)."""
    @sqlalchemy.event.listens_for(engine, "connect")
    def _locked(dbapi_connection, _record) -> None:
        # Connections to one DuckDB file share its settings: the first connection locked them,
        # and setting them again would fail (GX retried each metric that hit it three times).
        if dbapi_connection.execute("SELECT current_setting('lock_configuration')").fetchone()[0]:
            return
        for statement in sandbox_statements(seed_dir):
            dbapi_connection.execute(statement)

    engine.dispose()  # a connection opened before the listener would not be sandboxed


# Great Expectations spends about half a second of its own on a suite. Past this many suites
# they are shared among one process per core, each with its own context over the same DuckDB
# file, opened read-only (a 510-table design: 4 minutes alone, half that on two cores).
SUITES_PER_PROCESS = 60


def run_suites(design: Design, suites: list[Suite], seed_dir: Path) -> dict[str, SuiteResult]:
    """Every suite over one DuckDB of the seed's views: one Great Expectations context per
    process, not one per entity."""
    with tempfile.TemporaryDirectory(prefix="schemaforge-expectations-") as folder:
        database = Path(folder) / "seed.duckdb"
        _seed_database(design, seed_dir, database)
        workers = min(os.cpu_count() or 1, len(suites) // SUITES_PER_PROCESS)
        if workers < 2:
            return _run_in_context(suites, database, seed_dir)
        shares = [suites[i::workers] for i in range(workers)]
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("forkserver")) as pool:
            parts = list(pool.map(_run_in_context, shares, [database] * workers, [seed_dir] * workers))
    results = {name: result for part in parts for name, result in part.items()}
    return {suite.entity: results[suite.entity] for suite in suites}


def _run_in_context(suites: list[Suite], database: Path, seed_dir: Path) -> dict[str, SuiteResult]:
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_sql(
        name="seed", connection_string=f"{dialect.SCHEME}:///{database}",
        kwargs={"connect_args": {"read_only": True, "config": NO_EXTENSIONS}})
    _sandbox(source.get_execution_engine().engine, seed_dir)
    try:
        return {suite.entity: _validate(source, suite) for suite in suites}
    finally:
        source.get_execution_engine().engine.dispose()


def _validate(source, suite: Suite) -> SuiteResult:
    import great_expectations as gx

    batch = source.add_table_asset(name=suite.entity, table_name=suite.view).add_batch_definition_whole_table("all")
    # The suite is validated on the batch directly: kept in the context's stores (a suite, a
    # validation definition and its results, each serialized) it cost a fifth of the time.
    gx_suite = gx.ExpectationSuite(name=suite.entity, expectations=[
        getattr(gx.expectations, item.kind)(**item.kwargs, meta={"name": item.name}) for item in suite.expectations])
    results = batch.get_batch().validate(
        gx_suite, result_format={"result_format": "COMPLETE", "partial_unexpected_count": SAMPLE_ROWS})
    by_name = {result.expectation_config.meta["name"]: result for result in results.results}
    outcomes = [_outcome(item.name, item.kind, by_name[item.name]) for item in suite.expectations]
    return SuiteResult(suite.entity, all(o["success"] for o in outcomes), outcomes)


def run_suite(design: Design, suite: Suite, seed_dir: Path) -> SuiteResult:
    """One entity's suite (the tests run one at a time to show a single failure)."""
    return run_suites(design, [suite], seed_dir)[suite.entity]
