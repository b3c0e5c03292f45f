"""DuckDB views over the seed's Parquet files, and design SQL mapped onto them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import duckdb
from sqlglot import exp

from schemaforge.ddl.targets import DuckDB
from schemaforge.design.model import Design, Entity
from schemaforge.design.physical import physical_tree
from schemaforge.design.types import LogicalType

_TARGET = DuckDB()
NO_EXTENSIONS = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}


def ident(name: str) -> str:
    return exp.to_identifier(name, quoted=True).sql("duckdb")


def duckdb_type(typ: LogicalType) -> str:
    item = duckdb_type(typ.item) if typ.item else ""
    return _TARGET.TYPE_MAPPING[typ.kind].format(length=typ.length, precision=typ.precision, scale=typ.scale, item=item)


def literal(text: str) -> str:
    return exp.Literal.string(text).sql("duckdb")


def parquet_path(out_dir: Path, entity: Entity) -> Path:
    return out_dir / f"{entity.name}.parquet"


def read_parquet(out_dir: Path, entity: Entity, row_numbers: bool = False) -> str:
    option = ", file_row_number = true" if row_numbers else ""
    return f"read_parquet({literal(str(parquet_path(out_dir, entity)))}{option})"


def rewrite_parquet(con: duckdb.DuckDBPyConnection, out_dir: Path, entity: Entity, select: str) -> None:
    """Replace an entity's Parquet file with what `select` gives (written beside it, then moved
    over it: a reader never sees half a file)."""
    path = parquet_path(out_dir, entity)
    temporary = path.with_suffix(".rewrite.parquet")
    con.execute(f"COPY ({select}) TO {literal(str(temporary))} (FORMAT parquet, COMPRESSION zstd)")
    os.replace(temporary, path)


def create_views(con: duckdb.DuckDBPyConnection, design: Design, out_dir: Path,
                 view_of: Callable[[Entity], str] = lambda entity: entity.table) -> None:
    """One view per entity over its Parquet file, named as its table unless `view_of` says."""
    for entity in design.entities.values():
        con.execute(f"CREATE OR REPLACE VIEW {ident(view_of(entity))} AS SELECT * FROM {read_parquet(out_dir.resolve(), entity)}")


def physical_sql(design: Design, tree: exp.Expression, entity: Entity | None = None,
                 aliases: dict[str, Entity] | None = None) -> str:
    """Design SQL (entity and logical column names) as DuckDB SQL over the physical tables."""
    return physical_tree(design, tree, lambda name: True, entity, aliases).sql("duckdb")


def sandbox_statements(directory: Path, memory_limit: str = "1GB", timezone: str | None = None,
                       threads: int | None = None) -> list[str]:
    """The settings that make a DuckDB connection safe for design SQL, in the order they must
    run: it reads and writes files in `directory` only, and its settings are locked last."""
    zone = [f"SET TimeZone = {literal(timezone)}"] if timezone is not None else []
    zone += [f"SET threads = {int(threads)}"] if threads is not None else []
    return [f"SET memory_limit = {literal(memory_limit)}", *zone,
            f"SET allowed_directories = [{literal(str(directory.resolve()))}]",
            "SET enable_external_access = false", "SET enable_progress_bar = false", "SET lock_configuration = true"]


def sandboxed_connection(directory: Path, memory_limit: str = "1GB", timezone: str | None = None,
                         threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection that design SQL can run in: it reads and writes files in `directory`
    only (the seed's own folder), installs and loads no extension, and its settings are locked,
    so no statement can undo that. The loader already refuses file functions in design SQL;
    this holds whatever slips past it."""
    con = duckdb.connect(config=NO_EXTENSIONS)
    for statement in sandbox_statements(directory, memory_limit, timezone, threads):
        con.execute(statement)
    return con
