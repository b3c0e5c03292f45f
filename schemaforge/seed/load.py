"""Load scripts: the seed's Parquet files in each SQL target's fastest bulk form.

Rows are rendered to text and written out by DuckDB itself (each target's literal forms are
class-level tables on its SqlTarget), tables in creation order, in bounded memory at any row
count; identities are then moved past the loaded keys. The targets' scripts are written side by
side, one per core (write_load_scripts). Two forms (the target's SEED_BULK):

- `insert`: a thousand rows per INSERT. References that close a cycle are inserted as NULL and set
  by UPDATE once their targets are loaded. One transaction, foreign keys enforced throughout.
- `copy` (PostgreSQL): the foreign keys are dropped, each table is loaded by a `COPY ... FROM
  STDIN` block (psql runs them), and the foreign keys are added back as the DDL declares them,
  which checks every row in one pass per key: 2.5-3x the rows per second of INSERTs
  (bench/seed_load.py). One transaction: a row that breaks a key fails the whole load.
"""

from __future__ import annotations

import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Callable

import pyarrow.parquet as pq
from sqlglot import exp

from schemaforge import __version__
from schemaforge.ddl.rule_triggers import rendered_rules
from schemaforge.patterns.hierarchy import CLOSURE_TRIGGERS
from schemaforge.patterns.temporal import TEMPORAL_TABLES, history_entity, temporal_entities
from schemaforge.read_models.project import read_models
from schemaforge.ddl.render import DdlRenderer
from schemaforge.ddl.targets import SQL_TARGETS, SqlTarget
from schemaforge.seed.generate import DUCKDB_MEMORY_MB
from schemaforge.seed.sql import literal, parquet_path, read_parquet, sandboxed_connection
from schemaforge.design.model import Column, Design, Entity, ForeignKey
from schemaforge.design.order import creation_order
from schemaforge.design.types import INTEGER_KINDS, LogicalType

ROWS_PER_INSERT = 1000
FETCHED_ROWS = 5000  # a table's lines up to this many are fetched, past it written by DuckDB
_FAMILY = {
    **{k: "number" for k in (*INTEGER_KINDS, "decimal", "real", "double")},
    "boolean": "boolean", "date": "date", "time": "time", "timestamp": "timestamp",
    "timestamptz": "timestamptz", "bytes": "bytes", "array": "array",
}


def _family(typ: LogicalType) -> str:
    return _FAMILY.get(typ.kind, "text")


def _literal(renderer: DdlRenderer, typ: LogicalType, value: str) -> str:
    """A DuckDB expression writing `value` as the target's literal of `typ` (an array's items
    cast to the item's type as the DDL declares it)."""
    target = renderer.target
    family = _family(typ)
    template = target.SEED_LITERALS[family]
    if family == "array":
        item = _literal(renderer, typ.item, "x")
        items = f"array_to_string(list_transform({value}, x -> coalesce({item}, 'NULL')), ', ')"
        return template.replace("{items}", items).replace("{item_type}", renderer.type_text(typ.item)).replace("{v}", value)
    return template.replace("{v}", value)


# The script writer's own columns, named so that no design column (`n`, `depth`) meets them.
ROW, KEY, DEPTH = '"__schemaforge_row"', '"__schemaforge_key"', '"__schemaforge_depth"'


class _Script:
    def __init__(self, design: Design, target: SqlTarget, seed_dir: Path, out: IO[str], writers: int = 1):
        self.design, self.target, self.seed_dir, self.out = design, target, seed_dir, out
        self.renderer = DdlRenderer(design, target)  # the DDL's own type names, for array items
        # Scripts are written side by side (write_load_scripts), each on one DuckDB thread and
        # its share of the memory the seed may use.
        self.con = sandboxed_connection(seed_dir, f"{DUCKDB_MEMORY_MB // writers}MB", timezone="UTC",
                                        threads=1 if writers > 1 else None)

    def ident(self, name: str) -> str:
        return self.target.ident(name)

    def value_sql(self, column: Column, null: bool = False) -> str:
        source = f'"{column.physical}"'
        missing = self.target.SEED_NULLS.get(_family(column.type), "NULL").replace("'", "''")
        return f"'{missing}'" if null else f"coalesce({_literal(self.renderer, column.type, source)}, '{missing}')"

    def inserts(self, entity: Entity, deferred: set[str]) -> None:
        columns = [c for c in entity.columns if c.generated is None]
        values = _separated([self.value_sql(c, c.name in deferred) for c in columns], "', '")
        header = f"INSERT INTO {self.ident(entity.table)} ({', '.join(self.ident(c.physical) for c in columns)})"
        if self.target.SEED_ROWS == "union_all":  # no multi-row VALUES: one SELECT per row
            header, row, between = header + "\n", _concat(["'  SELECT '", *values, "' FROM DUAL'"]), " UNION ALL"
        else:
            header, row, between = header + " VALUES\n", _concat(["'  ('", *values, "')'"]), ","
        source = f"(SELECT *, file_row_number AS {ROW} FROM {read_parquet(self.seed_dir, entity, row_numbers=True)})"
        # Each row's line says where its statement starts (the INSERT header before it) and ends
        # (`;` after it, else the separator), so that DuckDB writes the statements whole.
        levels, rows = self.levels(entity, deferred), self.rows(entity)
        if levels is None:  # one level: the file's own order, statements of ROWS_PER_INSERT rows
            # The last row is known from the file's metadata; a join to find it here would let
            # DuckDB write the rows out of order.
            last_row = rows - 1
            first, last = f"{ROW} % {ROWS_PER_INSERT} = 0", f"{ROW} % {ROWS_PER_INSERT} = {ROWS_PER_INSERT - 1} OR {ROW} = {last_row}"
            query = f"WITH src AS {source} SELECT {_line(first, header, row, last, between)} FROM src"
        else:  # level by level, each level's rows in statements of ROWS_PER_INSERT rows
            window = f"(PARTITION BY {DEPTH}, {ROW} // {ROWS_PER_INSERT} ORDER BY {ROW})"
            first, last = f"row_number() OVER {window} = 1", f"lead({ROW}) OVER {window} IS NULL"
            query = (f"WITH RECURSIVE src AS {source}, {levels} SELECT {_line(first, header, row, last, between)} "
                     f"FROM src JOIN levels USING ({ROW}) ORDER BY {DEPTH}, {ROW}")
        explicit_identity = self.target.SEED_EXPLICIT_IDENTITY if any(c.identity for c in columns) else None
        if explicit_identity:
            self.out.write(explicit_identity[0].format(table=self.ident(entity.table)) + "\n")
        self.lines(query, rows)
        if explicit_identity:
            self.out.write(explicit_identity[1].format(table=self.ident(entity.table)) + "\n")

    def rows(self, entity: Entity) -> int:
        return pq.read_metadata(parquet_path(self.seed_dir, entity)).num_rows

    def lines(self, query: str, rows: int) -> None:
        """Each row of `query` (one text column, at most `rows` rows), in order, as a line of the
        script. Past a few thousand rows DuckDB writes them to a file of its own, which is then
        copied in: a million rows never become a million Python strings (that was most of a
        load script's time). Fewer are fetched: a file per table costs more than they do."""
        if rows <= FETCHED_ROWS:
            self.out.write("".join(line + "\n" for (line,) in self.con.execute(query).fetchall()))
            return
        part = self.seed_dir / f".{self.target.name}.lines"
        self.con.execute(f"COPY ({query}) TO {literal(str(part))} (FORMAT csv, HEADER false, QUOTE '', ESCAPE '')")
        self.out.flush()
        with open(part, "rb") as written:
            shutil.copyfileobj(written, self.out.buffer, 1 << 20)
        part.unlink()

    def levels(self, entity: Entity, deferred: set[str]) -> str | None:
        """Each row's depth in its own hierarchy: parents are inserted by an earlier statement
        than their children (DuckDB checks a reference before the rest of its statement lands).
        None for an entity without a reference to itself: every row is of depth 0."""
        self_ref = next((fk for fk in entity.foreign_keys if fk.target == entity.name and len(fk.columns) == 1
                         and fk.columns[0] not in deferred), None)
        if self_ref is None:
            return None
        ref, key = (f'"{entity.physical(c)}"' for c in (self_ref.columns[0], self_ref.target_columns[0]))
        return (
            f"tree({ROW}, {KEY}, {DEPTH}) AS (SELECT {ROW}, {key}, 0 FROM src WHERE {ref} IS NULL OR {ref} = {key} "
            f"UNION ALL SELECT s.{ROW}, s.{key}, t.{DEPTH} + 1 FROM src s JOIN tree t ON s.{ref} = t.{KEY} AND s.{ref} <> s.{key}), "
            f"levels AS (SELECT {ROW}, {DEPTH} FROM tree)"
        )

    def unchecked_references(self, whole: list[tuple[Entity, ForeignKey]]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The statements that turn off, then on, the check of references the target cannot defer."""
        template = self.target.SEED_UNCHECKED_REFERENCE
        if self.target.DEFERRABLE or template is None or self.target.DEFERRED_FOREIGN_KEYS == "none" or not whole:
            return (), ()
        off, on = [], []
        for entity, fk in whole:
            names = {"table": self.ident(entity.table), "name": self.target.generate(self.renderer.foreign_key(entity, fk).this)}
            off.append(template[0].format(**names))
            on.append(template[1].format(**names))
        return tuple(dict.fromkeys(off)), tuple(dict.fromkeys(on))

    def updates(self, entity: Entity, columns: list[Column]) -> None:
        key = [entity.column(c) for c in entity.primary_key]
        sets = _separated([_concat([f"'{self.ident(c.physical)} = '", self.value_sql(c)]) for c in columns], "', '")
        where = _separated([_concat([f"'{self.ident(c.physical)} = '", self.value_sql(c)]) for c in key], "' AND '")
        statement = _concat([f"'UPDATE {self.ident(entity.table)} SET '", *sets, "' WHERE '", *where, "';'"])
        self.lines(
            f"SELECT {statement} "
            f"FROM {read_parquet(self.seed_dir, entity, row_numbers=True)} "
            f"WHERE {' OR '.join(f'{chr(34)}{c.physical}{chr(34)} IS NOT NULL' for c in columns)} ORDER BY file_row_number",
            self.rows(entity),
        )

    def identities(self, entity: Entity) -> None:
        for column in entity.columns:
            statement = self.target.identity_resync(entity.table, column.physical) if column.identity else None
            if statement:
                self.out.write(statement + "\n")

    def loaded(self, order: list[Entity]) -> list[Entity]:
        """The entities whose rows the script loads: a closure table's rows are the triggers'
        to make where the target has them; the temporal entities' ended versions go into their
        history tables where the target keeps them."""
        kept = self.target.name in CLOSURE_TRIGGERS
        histories = [history_entity(e) for e in temporal_entities(self.design)] if self.target.name in TEMPORAL_TABLES else []
        return [e for e in order if e.derived_from is None or not kept] + histories

    def rule_lines(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(before the rows, once every row is in): what the rule triggers ask of a load
        (ddl/rule_triggers.py: on MySQL, hold the checks and run each rule once at the end), and
        the read models' materialized views, refreshed over the rows."""
        writer, rules, assertions = rendered_rules(self.design, self.renderer)
        refresh = ("CALL refresh_read_models();",) if self.target.MATERIALIZED_READ_MODELS and read_models(self.design) else ()
        refresh += tuple(self.renderer.view_refreshes())
        refresh += tuple(f"{statement.format(**self.renderer.search_names(e))};" for e in self.design.entities.values()
                         if e.search for statement in self.target.SEARCH_REFRESH)
        if writer is None:
            return (), refresh
        return tuple(writer.seed_prologue(rules)), tuple(writer.seed_loaded(rules, assertions)) + refresh

    def header(self) -> None:
        self.out.write(
            f"-- {self.target.title} seed data for design '{self.design.name}' (random_seed "
            f"{self.design.doc.seed.random_seed}).\n-- Generated by schemaforge {__version__}; "
            f"load it after ddl/{self.target.name}.sql.\n"
        )

    def write(self) -> None:
        order, deferred = creation_order(self.design)
        if not self.target.FOREIGN_KEYS:
            deferred = []  # nothing checks references: every row goes in whole
        # A NOT NULL reference of a cycle (deferrable: true) goes in with its row: checked at
        # COMMIT, or with the check off around the rows where the target cannot defer it.
        whole = [(e, fk) for e, fk in deferred if not fk.nullable]
        deferred = [(e, fk) for e, fk in deferred if fk.nullable]
        unchecked = self.unchecked_references(whole)
        before_rows, after_rows = self.rule_lines()
        self.header()
        self.out.write("".join(line + "\n" for line in self.target.SEED_PROLOGUE + before_rows + unchecked[0]))
        for entity in self.loaded(order):
            self.inserts(entity, {c for e, fk in deferred if e is entity for c in fk.columns})
        for entity, fk in deferred:
            self.updates(entity, [entity.column(c) for c in fk.columns])
        self.out.write("".join(line + "\n" for line in unchecked[1] + after_rows))
        for entity in order:
            self.identities(entity)
        self.out.write("".join(line + "\n" for line in self.target.SEED_EPILOGUE))
        self.con.close()


# PostgreSQL's COPY text format: a value's text with backslash, tab, newline and carriage return
# escaped; NULL is \N. And the text a value of each family is read from. Only text (alone or in
# an array) can hold those characters; the others are written without the escaping, which is a
# third of what DuckDB binds per table.
_COPY_ESCAPES = (("\\", "\\\\"), ("chr(9)", "\\t"), ("chr(10)", "\\n"), ("chr(13)", "\\r"))
_COPY_ESCAPED_FAMILIES = frozenset({"text", "array"})
_COPY_TEXT = {
    "text": "CAST({v} AS VARCHAR)",
    "number": "CAST({v} AS VARCHAR)",
    "boolean": "CASE WHEN {v} THEN 't' ELSE 'f' END",
    "date": "strftime({v}, '%Y-%m-%d')",
    "time": "CAST({v} AS VARCHAR)",
    "timestamp": "strftime({v}, '%Y-%m-%d %H:%M:%S.%f')",
    "timestamptz": "strftime({v}, '%Y-%m-%d %H:%M:%S.%f') || '+00'",
    # bytea's hex form, its backslash doubled: COPY would read \x with two digits as one byte.
    "bytes": "'\\\\x' || lower(hex({v}))",
}


def _copy_text(typ: LogicalType, value: str) -> str:
    """A DuckDB expression giving the text PostgreSQL reads a value of `typ` from (an array in
    its `{"a","b"}` form, each item quoted with `"` and `\\` escaped)."""
    if _family(typ) != "array":
        return _COPY_TEXT[_family(typ)].replace("{v}", value)
    item = f"replace(replace({_copy_text(typ.item, 'x')}, '\\', '\\\\'), '\"', '\\\"')"
    quoted = f"CASE WHEN x IS NULL THEN 'NULL' ELSE '\"' || {item} || '\"' END"
    return f"'{{' || array_to_string(list_transform({value}, x -> {quoted}), ',') || '}}'"


def _copy_field(column: Column) -> str:
    text = f"CAST({_copy_text(column.type, chr(34) + column.physical + chr(34))} AS VARCHAR)"
    for raw, escaped in _COPY_ESCAPES if _family(column.type) in _COPY_ESCAPED_FAMILIES else ():
        raw = raw if raw.startswith("chr(") else f"'{raw}'"
        text = f"replace({text}, {raw}, '{escaped}')"
    return f"coalesce({text}, '\\N')"


class _CopyScript(_Script):
    """PostgreSQL: COPY FROM STDIN blocks between dropping the foreign keys and adding them back."""

    def write(self) -> None:
        order = creation_order(self.design)[0]
        keys = [(entity, fk) for entity in order for fk in entity.foreign_keys]
        before_rows, after_rows = self.rule_lines()
        self.header()
        self.out.write("".join(line + "\n" for line in self.target.SEED_PROLOGUE + before_rows))
        for entity, fk in keys:  # named as the DDL names them
            name = self.target.generate(self.renderer.foreign_key(entity, fk).this)
            self.out.write(f"ALTER TABLE {self.ident(entity.table)} DROP CONSTRAINT {name};\n")
        for entity in self.loaded(order):
            self.copy(entity)
        self.out.write("".join(line + "\n" for line in after_rows))
        for entity, fk in keys:
            self.out.write(self.target.generate(exp.Alter(
                this=self.renderer.table(entity), kind="TABLE",
                actions=[exp.AddConstraint(expressions=[self.renderer.foreign_key(entity, fk)])])) + ";\n")
        for entity in order:
            self.identities(entity)
        self.out.write("".join(line + "\n" for line in self.target.SEED_EPILOGUE))
        self.con.close()

    def copy(self, entity: Entity) -> None:
        columns = [c for c in entity.columns if c.generated is None]
        row = _concat(_separated([_copy_field(c) for c in columns], "chr(9)"))
        self.out.write(f"COPY {self.ident(entity.table)} ({', '.join(self.ident(c.physical) for c in columns)}) "
                       "FROM STDIN;\n")
        self.lines(f"SELECT {row} FROM {read_parquet(self.seed_dir, entity)}", self.rows(entity))
        self.out.write("\\.\n")


SCRIPTS = {"insert": _Script, "copy": _CopyScript}


def _line(first: str, header: str, row: str, last: str, between: str) -> str:
    """A DuckDB expression: the row's text, after the statement's header where `first` holds,
    then `;` where `last` holds, else `between`."""
    return _concat([f"CASE WHEN {first} THEN {literal(header)} ELSE '' END", row,
                    f"CASE WHEN {last} THEN ';' ELSE {literal(between)} END"])


def _separated(parts: list[str], separator: str) -> list[str]:
    """`parts` with the DuckDB expression `separator` between each two."""
    return [item for part in parts for item in (separator, part)][1:]


def _concat(parts: list[str]) -> str:
    """One DuckDB concat() of parts that are never NULL (each value is coalesced to its NULL
    text): DuckDB binds one call of many arguments in a third of the time of a chain of ||,
    which was most of a small table's cost in a design of hundreds."""
    return f"concat({', '.join(parts)})"


def write_load_script(design: Design, target_name: str, seed_dir: Path, path: Path, bulk: str | None = None,
                      writers: int = 1) -> None:
    """Write `path`, the script that loads the Parquet files in `seed_dir` into `target_name`, in
    the target's bulk form (`bulk` overrides it: the benchmark compares the forms); `writers`
    scripts are being written at once."""
    target = SQL_TARGETS[target_name]()
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        SCRIPTS[bulk or target.SEED_BULK](design, target, seed_dir, out, writers).write()


def write_load_scripts(design: Design, targets: list[str], seed_dir: Path,
                       on_start: Callable[[str], None] = lambda target: None) -> None:
    """Every target's load script into `seed_dir` (`<target>.sql`), one per core at a time.
    DuckDB works outside the GIL, and a design of hundreds of small tables spends its time
    binding one query per table, which a single connection does on one core."""
    writers = max(1, min(len(targets), os.cpu_count() or 1))

    def write(target: str) -> None:
        on_start(target)
        write_load_script(design, target, seed_dir, seed_dir / f"{target}.sql", writers=writers)

    with ThreadPoolExecutor(writers) as pool:
        list(pool.map(write, targets))
