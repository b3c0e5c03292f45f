"""A design's access patterns measured on a real PostgreSQL, without and with its index plan.

`analyze` creates a fresh database on the server it is given, applies the design's DDL, loads
its seed (psql runs the load script, as a user would), and runs `ANALYZE`. Each query, with
parameters drawn from the seed, is then measured twice: on the keys and uniques alone, then with
the index plan's indexes. Between the two, pg_qualstats' index advisor is asked what the
first run's filters would want, and each index it suggests is looked for among the indexes the
database then has. The database is dropped afterwards.

What it finds is located at the query's place in the design:
- PF101: a query reads a table of more than SMALL_TABLE_PAGES pages without its planned index;
  on a smaller table a read of the whole table is the planner's right choice, noted as PF104.
- PF102: a query's p95 as the server executes it misses the query's `p95_ms`.
- PF103: pg_qualstats suggests an index that no index of the plan (or key) serves.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from schemaforge.ddl.render import render_ddl
from schemaforge.design.model import Design
from schemaforge.findings import Finding
from schemaforge.indexes.render import index_plan, plan_sql
from schemaforge.performance.measure import Measured, measure, plan_nodes
from schemaforge.performance.parameters import draw_parameters, seed_reader
from schemaforge.performance.server import Server, scratch_database
from schemaforge.queries.render import render_queries
from schemaforge.seed.load import write_load_script

# A table this small is read whole faster than through an index: 16 pages of 8 kB.
SMALL_TABLE_PAGES = 16
# pg_qualstats' advisor considers a filter that removes at least this many rows per execution
# (its default, 1,000, is tuned for production tables; seed tables may be smaller) in at least
# this percentage of the rows it saw (its default).
ADVISOR_MIN_FILTER = 100
# Timed runs per query, spread over a design's queries: 30 each for up to 66 queries, no fewer
# than 5 (whose p95 is their slowest) on a design with hundreds.
RUN_BUDGET, MIN_RUNS = 2000, 5
ADVISOR_MIN_SELECTIVITY = 30
_ADVICE = re.compile(r"CREATE INDEX ON (?:\"?(\w+)\"?\.)?\"?(\w+)\"? USING (\w+) \((.*)\)")


@dataclass
class QueryMeasurement:
    name: str
    sql: str
    parameters: dict[str, Any]
    planned_index: str | None  # the index the plan made (or the key it found) for this query
    without_plan: Measured
    with_plan: Measured
    table_pages: dict[str, int]  # the pages of each table the query reads whole, with the plan

    @property
    def uses_planned_index(self) -> bool:
        return self.planned_index is None or self.planned_index in self.with_plan.indexes


@dataclass(frozen=True)
class Advice:
    """One index pg_qualstats' advisor suggests, and what in the database serves it."""

    statement: str
    table: str
    columns: tuple[str, ...]
    served_by: str | None
    reason: str = ""  # how that index serves it, when not by leading with its columns


@dataclass
class Analysis:
    queries: list[QueryMeasurement]
    advice: list[Advice]
    unoptimised: list[str]  # filters no index method can serve, as the advisor wrote them
    not_measured: dict[str, str]  # query -> why (no parameters could be drawn from the seed)
    findings: list[Finding]
    seconds: dict[str, float] = field(default_factory=dict)
    extensions: list[str] = field(default_factory=list)
    server: str = ""  # where it was measured
    runs: int = 0  # timed runs of each query, with the plan and without


class PsqlFailed(RuntimeError):
    """psql stopped at an error of the script it ran; its message says which."""


def run_psql_file(connection, script: Path, psql: str = "psql") -> str:
    """Run `script` with psql on `connection`'s database, as a user loads a seed (its COPY FROM
    STDIN blocks are psql's to run), stopping at the first error; returns what psql printed.
    The connection is passed on by its parts: the driver's libpq may know options that the
    machine's psql does not."""
    info = connection.info
    conninfo = f"host={info.host} port={info.port} user={info.user} dbname={info.dbname}"
    environment = {**os.environ, **({"PGPASSWORD": info.password} if info.password else {})}
    result = subprocess.run([psql, conninfo, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", str(script)],
                            capture_output=True, text=True, env=environment)
    if result.returncode != 0:
        raise PsqlFailed(f"psql -f {script}: {result.stderr.strip()}")
    return result.stdout


def _extensions(connection) -> list[str]:
    """Create what the analysis can use of HypoPG, pg_qualstats and pg_stat_statements: the
    last two only when the server preloads them."""
    preloaded = set(connection.execute("SHOW shared_preload_libraries").fetchone()[0].replace(" ", "").split(","))
    available = {r[0] for r in connection.execute("SELECT name FROM pg_available_extensions")}
    usable = [n for n in ("hypopg", "pg_qualstats", "pg_stat_statements")
              if n in available and (n == "hypopg" or n in preloaded)]
    for name in usable:
        connection.execute(f"CREATE EXTENSION IF NOT EXISTS {name}")
    return usable


def _planned_indexes(design: Design) -> dict[str, str]:
    plan = index_plan(design)
    return {n.name: i.name for i in plan.indexes for n in i.needs if n.kind == "query"} | plan.served_by_keys


def _pages_read_whole(connection, measured: Measured) -> dict[str, int]:
    tables = sorted({n["Relation Name"] for n in plan_nodes(measured.plan["Plan"]) if n.get("Node Type") == "Seq Scan"})
    return {t: connection.execute("SELECT relpages FROM pg_class WHERE oid = %s::regclass", [f'"{t}"']).fetchone()[0]
            for t in tables}


def _index_columns(connection) -> dict[str, list[tuple[str, list[str], set[str]]]]:
    """Each table's indexes: (name, key columns in order, columns its predicate names)."""
    rows = connection.execute("""
        SELECT t.relname, i.relname,
               array(SELECT a.attname FROM unnest(x.indkey) WITH ORDINALITY k(n, o)
                     JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.n ORDER BY k.o),
               coalesce(pg_get_expr(x.indpred, x.indrelid), ''),
               array(SELECT attname FROM pg_attribute WHERE attrelid = x.indrelid AND attnum > 0 AND NOT attisdropped)
        FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
        JOIN pg_namespace s ON s.oid = t.relnamespace WHERE s.nspname = 'public'""").fetchall()
    found: dict[str, list[tuple[str, list[str], set[str]]]] = {}
    for table, index, columns, predicate, table_columns in rows:
        named = set(re.findall(r"\"?(\w+)\"?", predicate)) & set(table_columns)  # its words that are columns
        found.setdefault(table, []).append((index, list(columns), named))
    return found


def served_by(indexes: list[tuple[str, list[str], set[str]]], columns: tuple[str, ...]) -> str | None:
    """The index that serves a filter on `columns`: a partial one only when the filter names every
    column of its predicate (it fixes those), and its key leads with the rest, in any order."""
    for name, key, predicate in indexes:
        if not predicate <= set(columns):
            continue  # it holds only some rows; the filter does not select just those
        rest = set(columns) - predicate
        if rest <= set(key[:len(rest)]):
            return name
    return None


def _advice(connection) -> tuple[list[tuple[str, str, tuple[str, ...]]], list[str]]:
    advised = connection.execute("SELECT pg_qualstats_index_advisor(%s, %s)",
                                 [ADVISOR_MIN_FILTER, ADVISOR_MIN_SELECTIVITY]).fetchone()[0]
    suggested = []
    for statement in dict.fromkeys(advised.get("indexes") or []):  # it may repeat one
        match = _ADVICE.match(statement)
        if match:
            columns = tuple(c.strip().split()[0].strip('"') for c in match.group(4).split(","))
            suggested.append((statement, match.group(2), columns))
    return suggested, list(advised.get("unoptimised") or [])


def _filters(connection) -> list[tuple[str, frozenset[str]]]:
    """The filters pg_qualstats saw, each as its table and the columns its AND-ed comparisons name."""
    rows = connection.execute("""
        SELECT coalesce(q.qualid, q.qualnodeid), c.relname, a.attname FROM pg_qualstats() q
        JOIN pg_class c ON c.oid = coalesce(q.lrelid, q.rrelid)
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = coalesce(q.lattnum, q.rattnum)
        WHERE q.eval_type = 'f'""").fetchall()
    groups: dict[tuple[int, str], set[str]] = {}
    for group, table, column in rows:
        groups.setdefault((group, table), set()).add(column)
    return [(table, frozenset(columns)) for (_, table), columns in groups.items()]


def _judge(suggested, filters, indexes) -> list[Advice]:
    """Each suggestion with the index that serves it. The advisor suggests one index per
    comparison it has not yet placed in an index, so the second end of a range (`x >= a AND x < b`)
    comes back alone: it is served when the whole filter it belongs to is."""
    judged = []
    for statement, table, columns in suggested:
        on_table = indexes.get(table, [])
        index, reason = served_by(on_table, columns), ""
        if index is None:
            for filter_table, filtered in filters:
                whole = served_by(on_table, tuple(sorted(filtered))) if filter_table == table else None
                if whole and set(columns) < filtered:
                    index = whole
                    reason = (f"part of a filter on ({', '.join(sorted(filtered))}) that {whole} serves whole; "
                              "the advisor suggests each comparison of a filter it has not yet placed")
                    break
        judged.append(Advice(statement, table, columns, index, reason))
    return judged


def analyze(design: Design, seed_dir: Path, server: Server, runs: int = 30) -> Analysis:
    """Measure `design`'s queries on `server` (a database is created and dropped), with its seed
    in `seed_dir` (the Parquet files)."""
    with scratch_database(server.url, design.name) as connection:
        started = time.perf_counter()
        extensions = prepare(design, seed_dir, connection, server.psql)
        analysis = measure_plan(design, seed_dir, connection, extensions, runs)
        analysis.seconds = {"load": round(time.perf_counter() - started - sum(analysis.seconds.values()), 3)
                            } | analysis.seconds
        analysis.server = server.origin
        return analysis


def prepare(design: Design, seed_dir: Path, connection, psql: str = "psql") -> list[str]:
    """On `connection`'s empty database: the extensions the analysis can use, the design's
    PostgreSQL DDL, its seed loaded, and fresh statistics. Returns the extensions created."""
    extensions = _extensions(connection)
    connection.execute(render_ddl(design, "postgres").sql)
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "postgres.sql"
        write_load_script(design, "postgres", seed_dir, script)
        run_psql_file(connection, script, psql)
    connection.execute("ANALYZE")
    return extensions


def measure_plan(design: Design, seed_dir: Path, connection, extensions: list[str], runs: int = 30) -> Analysis:
    """On a prepared database without the plan's indexes: each query measured, pg_qualstats'
    advice taken, the plan's indexes created, each query measured again."""
    seconds: dict[str, float] = {}
    started = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal started
        seconds[step] = round(time.perf_counter() - started, 3)
        started = time.perf_counter()

    queries = render_queries(design, "postgres")
    runs = max(MIN_RUNS, min(runs, RUN_BUDGET // max(len(queries), 1)))
    arguments, not_measured = {}, {}
    reader = seed_reader()
    for query in queries:
        drawn = draw_parameters(design, query, seed_dir, reader)
        missing = [p.name for p in query.parameters if p.name not in drawn]
        if missing:
            not_measured[query.name] = f"no value for {', '.join(missing)} could be drawn from the seed"
        else:
            arguments[query.name] = drawn
    reader.close()
    lap("parameters")
    measured = [q for q in queries if q.name in arguments]
    if "pg_qualstats" in extensions:
        connection.execute("SELECT pg_qualstats_reset()")
    without = {q.name: measure(connection, q.sql, arguments[q.name], runs) for q in measured}
    lap("without_plan")
    suggested, unoptimised = _advice(connection) if "pg_qualstats" in extensions else ([], [])
    filters = _filters(connection) if "pg_qualstats" in extensions else []
    connection.execute(plan_sql(design, "postgres")[0])
    connection.execute("ANALYZE")
    lap("indexes")
    with_plan = {q.name: measure(connection, q.sql, arguments[q.name], runs) for q in measured}
    lap("with_plan")
    planned = _planned_indexes(design)
    results = [QueryMeasurement(q.name, q.sql, arguments[q.name], planned.get(q.name), without[q.name],
                                with_plan[q.name], _pages_read_whole(connection, with_plan[q.name])) for q in measured]
    indexes = _index_columns(connection)
    advice = _judge(suggested, filters, indexes)
    analysis = Analysis(results, advice, unoptimised, not_measured, [], seconds, extensions, runs=runs)
    analysis.findings = findings(design, analysis)
    return analysis


def findings(design: Design, analysis: Analysis) -> list[Finding]:
    found = []
    for result in analysis.queries:
        pattern = design.queries[result.name]
        where = design.source.value(pattern.path)
        if not result.uses_planned_index:
            small = all(pages <= SMALL_TABLE_PAGES for pages in result.table_pages.values())
            read = ", ".join(f"{t} ({p} pages)" for t, p in result.table_pages.items()) or "its tables"
            if small:
                found.append(Finding(where, f"query {result.name} reads {read} whole rather than through "
                                     f"{result.planned_index}: at the seed's size that is the cheaper plan", "PF104", "info"))
            else:
                found.append(Finding(where, f"query {result.name} does not use its planned index {result.planned_index} "
                                     f"at the seed's row counts; it reads {read}", "PF101", "error",
                                     "see its plan in performance/report.md"))
        if pattern.p95_ms is not None and result.with_plan.server_p95_ms > pattern.p95_ms:
            found.append(Finding(where, f"query {result.name} takes {result.with_plan.server_p95_ms:.2f} ms at p95 on "
                                 f"the server at the seed's row counts, over its p95_ms of {pattern.p95_ms:g}",
                                 "PF102", "warning", "see its plan in performance/report.md"))
    by_table = {e.table: e for e in design.entities.values()}
    for advice in analysis.advice:
        if advice.served_by is None and advice.table in by_table:
            found.append(Finding(design.source.key(by_table[advice.table].path),
                                 f"pg_qualstats' advisor suggests {advice.statement}, which no index of the plan serves",
                                 "PF103", "warning", "declare the query that filters on it under queries:"))
    return found
