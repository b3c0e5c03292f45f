"""What the finished seed data still fails: every check and every rule, counted in DuckDB."""

from __future__ import annotations

from pathlib import Path

import duckdb

from schemaforge.seed.report import SeedProblem
from schemaforge.seed.sql import create_views, ident, physical_sql
from schemaforge.design.model import Design


def verify(design: Design, out_dir: Path, con: duckdb.DuckDBPyConnection) -> list[SeedProblem]:
    create_views(con, design, out_dir)
    problems = []
    for entity in design.entities.values():
        if not entity.checks:
            continue
        for check, rows in zip(entity.checks, _failing_rows(con, design, entity, problems)):
            if rows:
                problems.append(SeedProblem("check", entity.name, check.name, rows,
                                            f"{rows} rows of '{entity.name}' fail check {check.name}", check.path))
    for rule in design.rules:
        rows = con.execute(f"SELECT count(*) FROM ({physical_sql(design, rule.query)})").fetchone()[0]
        if rows:
            problems.append(SeedProblem("rule", rule.entity or "", rule.name, rows,
                                        f"rule {rule.name} is not satisfied by the seed data: its query returns {rows} rows",
                                        rule.path))
    return problems


def _failing_rows(con: duckdb.DuckDBPyConnection, design: Design, entity, problems: list) -> list[int]:
    """Rows failing each check of `entity`, counted in one scan; where DuckDB cannot run that
    scan (valid PostgreSQL it lacks, such as a back reference), check by check, naming those."""
    counts = [f"count(*) FILTER (WHERE ({physical_sql(design, c.expression, entity)}) IS FALSE)" for c in entity.checks]
    try:
        return list(con.execute(f"SELECT {', '.join(counts)} FROM {ident(entity.table)}").fetchone())
    except duckdb.Error:
        pass
    found = []
    for check, count in zip(entity.checks, counts):
        try:
            found.append(con.execute(f"SELECT {count} FROM {ident(entity.table)}").fetchone()[0])
        except duckdb.Error as error:
            problems.append(SeedProblem("check", entity.name, check.name, 0,
                                        f"check {check.name} of '{entity.name}' cannot be verified on DuckDB: "
                                        f"{str(error).splitlines()[0]}", check.path))
            found.append(0)
    return found
