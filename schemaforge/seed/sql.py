"""DuckDB views over the seed's Parquet files, and design SQL mapped onto them."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import duckdb
from sqlglot import exp

from schemaforge.ddl.targets import DuckDB
from schemaforge.design.model import Design, Entity
from schemaforge.design.physical import physical_tree
from schemaforge.design.types import LogicalType

_TARGET = DuckDB()


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


def create_views(con: duckdb.DuckDBPyConnection, design: Design, out_dir: Path,
                 view_of: Callable[[Entity], str] = lambda entity: entity.table) -> None:
    """One view per entity over its Parquet file, named as its table unless `view_of` says."""
    for entity in design.entities.values():
        con.execute(f"CREATE OR REPLACE VIEW {ident(view_of(entity))} AS SELECT * FROM {read_parquet(out_dir.resolve(), entity)}")


def physical_sql(design: Design, tree: exp.Expression, entity: Entity | None = None,
                 aliases: dict[str, Entity] | None = None) -> str:
    """Design SQL (entity and logical column names) as DuckDB SQL over the physical tables."""
    return physical_tree(design, tree, lambda name: True, entity, aliases).sql("duckdb")
