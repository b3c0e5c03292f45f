"""`schemaforge import SOURCE --design NAME`: read a schema, write `designs/NAME.yaml`, check it."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from schemaforge.design.loader import load_design_text
from schemaforge.design.syntax import SQL_TARGETS
from schemaforge.findings import DesignErrors, Finding
from schemaforge.importer.catalog import SourceSchema
from schemaforge.importer.design import write_design
from schemaforge.naming import DESIGN_NAME


class ImportFailed(Exception):
    """The source cannot be read, or the design would overwrite one: said in one line."""


def read_source(source: str, schema: str | None = None, dialect: str | None = None) -> tuple[SourceSchema, str]:
    """The schema of `source` (a database URL, a SQLite or DuckDB file, a DDL file) and how to
    name it in the design's header (a URL without its password)."""
    if re.match(r"^postgres(ql)?://", source):
        import psycopg

        from schemaforge.importer.postgres import read_postgres

        try:
            with psycopg.connect(source, connect_timeout=10) as conn:
                return read_postgres(conn, schema or "public"), _shown(source)
        except psycopg.Error as error:
            raise ImportFailed(f"cannot read {_shown(source)}: {str(error).strip()}") from None
    if re.match(r"^(mysql|mariadb)://", source):
        from schemaforge.importer.mysql import read_mysql_url

        return read_mysql_url(source), _shown(source)
    path = Path(source)
    if re.match(r"^[a-z]+://", source) or not path.is_file():
        raise ImportFailed(f"{_shown(source)} is neither a PostgreSQL or MySQL URL (postgresql://..., mysql://...) nor a "
                           "file")
    head = path.read_bytes()[:16]
    if head.startswith(b"SQLite format 3"):
        from schemaforge.importer.sqlite import read_sqlite_file

        return read_sqlite_file(path), path.name
    if head[8:12] == b"DUCK":
        from schemaforge.importer.embedded import read_duckdb_file

        return read_duckdb_file(path), path.name
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ImportFailed(f"{path.name} is neither a SQLite database nor a UTF-8 DDL file") from None
    from schemaforge.importer.ddl import read_ddl

    return read_ddl(text, dialect or _dialect_of(path)), path.name


def _dialect_of(path: Path) -> str:
    """The dialect a DDL file's name says (`shop.mysql.sql`), else PostgreSQL's."""
    parts = path.name.lower().split(".")
    return next((p for p in parts[1:-1] if p in SQL_TARGETS), "postgres")


def _shown(url: str) -> str:
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


def import_design(source: str, design_name: str, designs_dir: Path, schema: str | None = None,
                  dialect: str | None = None, force: bool = False) -> tuple[Path, list[Finding]]:
    """Write `designs_dir/<design_name>.yaml` from `source`; its findings (the import's IM
    warnings among them). The file is written whole or not at all, and never over a design
    that is there unless `force`."""
    if not DESIGN_NAME.match(design_name):
        raise ImportFailed(f"design name '{design_name}' must start with a lowercase letter and hold only a-z, 0-9 and _")
    target = designs_dir / f"{design_name}.yaml"
    if target.exists() and not force:
        raise ImportFailed(f"{target} exists; import into another name, or pass --force to replace it")
    found, origin = read_source(source, schema, dialect)
    if not found.tables:
        raise ImportFailed(f"{origin} holds no tables{f' in schema {schema}' if schema else ''}")
    text = write_design(found, design_name, origin)
    shown = f"designs/{design_name}.yaml"
    try:
        design = load_design_text(text, shown, design_name)
    except DesignErrors as errors:  # a design import could not write right: say so, keep it aside
        aside = designs_dir / f"{design_name}.yaml.rejected"
        _write_atomically(aside, text)
        raise ImportFailed(f"the design written from {origin} does not load ({len(errors.findings)} errors, first: "
                           f"{errors.findings[0]}); it is kept in {aside} for a look") from None
    from schemaforge.lint.rules import lint_design

    _write_atomically(target, text)
    return target, lint_design(design)


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
