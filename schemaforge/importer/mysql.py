"""A live MySQL or MariaDB schema, read from information_schema."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlparse

from schemaforge.importer.catalog import (
    SourceColumn, SourceForeignKey, SourceIndex, SourceSchema, SourceSearch, SourceTable, SourceView, Unsupported,
)

# RESTRICT is what MySQL does without a clause (and reports then): the design's default.
_ACTIONS = {"CASCADE": "cascade", "RESTRICT": None, "SET NULL": "set_null", "SET DEFAULT": "set_default",
            "NO ACTION": None}
_ENUM = re.compile(r"^enum\((.*)\)$")


def read_mysql_url(url: str) -> SourceSchema:
    """`mysql://user:password@host:port/database` (mariadb:// alike)."""
    import pymysql

    from schemaforge.importer.run import ImportFailed, _shown

    parts = urlparse(url)
    database = parts.path.lstrip("/")
    if not database:
        raise ImportFailed(f"{_shown(url)} names no database: add /<database> to the URL")
    try:
        conn = pymysql.connect(host=parts.hostname or "127.0.0.1", port=parts.port or 3306, user=unquote(parts.username or "root"),
                               password=unquote(parts.password or ""), database=database, connect_timeout=10)
    except pymysql.err.MySQLError as error:
        raise ImportFailed(f"cannot read {_shown(url)}: {error}") from None
    try:
        return read_mysql(conn)
    finally:
        conn.close()


def read_mysql(conn) -> SourceSchema:
    """The current database of `conn` (a PyMySQL connection)."""

    def rows(sql: str) -> list[tuple]:
        with conn.cursor() as cursor:
            cursor.execute(sql)
            return list(cursor.fetchall())

    here = "DATABASE()"
    source = SourceSchema("mysql")
    tables: dict[str, SourceTable] = {}
    for name, comment in rows(f"SELECT TABLE_NAME, TABLE_COMMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = {here} "
                              "AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME"):
        tables[name] = SourceTable(name, comment=comment or None)
    for table, column, type_text, nullable, default, extra, expression, comment in rows(
            "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE = 'YES', COLUMN_DEFAULT, EXTRA, GENERATION_EXPRESSION, "
            f"COLUMN_COMMENT FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = {here} ORDER BY TABLE_NAME, ORDINAL_POSITION"):
        if table not in tables:
            continue
        extra = (extra or "").lower()
        enum = _ENUM.match(type_text)
        generated = expression if "generated" in extra else None
        tables[table].columns.append(SourceColumn(
            column, type_text.lower(), bool(nullable), default=None if default in (None, "NULL") or generated else default,
            identity="auto_increment" in extra, generated=generated.replace("`", "") if generated else None,
            comment=comment or None, on_update_now="on update current_timestamp" in extra,
            enum_values=tuple(v.strip("'").replace("''", "'") for v in re.findall(r"'(?:[^']|'')*'", enum.group(1))) if enum else None,
        ))
    keys: dict[tuple[str, str], list[str]] = {}
    for table, name, column in rows(
            "SELECT TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE "
            f"WHERE TABLE_SCHEMA = {here} ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION"):
        keys.setdefault((table, name), []).append(column)
    references = {(t, n): (target, columns) for t, n, target, columns in rows(
        "SELECT k.TABLE_NAME, k.CONSTRAINT_NAME, k.REFERENCED_TABLE_NAME, GROUP_CONCAT(k.REFERENCED_COLUMN_NAME ORDER BY "
        f"k.ORDINAL_POSITION) FROM information_schema.KEY_COLUMN_USAGE k WHERE k.TABLE_SCHEMA = {here} "
        "AND k.REFERENCED_TABLE_NAME IS NOT NULL GROUP BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.REFERENCED_TABLE_NAME")}
    rules = {(t, n): (d, u) for t, n, d, u in rows(
        "SELECT TABLE_NAME, CONSTRAINT_NAME, DELETE_RULE, UPDATE_RULE FROM information_schema.REFERENTIAL_CONSTRAINTS "
        f"WHERE CONSTRAINT_SCHEMA = {here}")}
    for table, name, kind in rows("SELECT TABLE_NAME, CONSTRAINT_NAME, CONSTRAINT_TYPE FROM information_schema.TABLE_CONSTRAINTS "
                                  f"WHERE CONSTRAINT_SCHEMA = {here} ORDER BY TABLE_NAME, CONSTRAINT_NAME"):
        found = tables.get(table)
        if found is None:
            continue
        columns = tuple(keys.get((table, name), ()))
        if kind == "PRIMARY KEY":
            found.primary_key = columns
        elif kind == "UNIQUE":
            found.uniques.append((name, columns))
        elif kind == "FOREIGN KEY":
            target, target_columns = references[(table, name)]
            on_delete, on_update = rules.get((table, name), ("NO ACTION", "NO ACTION"))
            found.foreign_keys.append(SourceForeignKey(name, columns, target, tuple(target_columns.split(",")),
                                                       _ACTIONS.get(on_delete), _ACTIONS.get(on_update)))
    for table, name, clause in rows("SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS "
                                    f"WHERE CONSTRAINT_SCHEMA = {here} ORDER BY TABLE_NAME, CONSTRAINT_NAME"):
        if table in tables:
            tables[table].checks.append((name, clause.replace("`", "")))
    of_constraints = {(t.name, n) for t in tables.values() for n, _ in t.uniques}  # a UNIQUE is an index here
    indexes: dict[tuple[str, str], dict] = {}
    for table, name, unique, column, kind, collation in rows(
            "SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE = 0, COLUMN_NAME, INDEX_TYPE, COLLATION FROM information_schema.STATISTICS "
            f"WHERE TABLE_SCHEMA = {here} ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX"):
        if table not in tables or (table, name) in of_constraints or name == "PRIMARY":
            continue
        entry = indexes.setdefault((table, name), {"columns": [], "unique": bool(unique), "kind": kind, "desc": []})
        entry["columns"].append(column)
        if collation == "D":
            entry["desc"].append(column)
    for (table, name), entry in indexes.items():
        if entry["kind"] == "FULLTEXT" and tables[table].search is None:
            tables[table].search = SourceSearch(name, tuple(entry["columns"]))
        elif entry["kind"] == "FULLTEXT":
            source.unsupported.append(Unsupported("index", name, table, f"FULLTEXT ({', '.join(entry['columns'])})"))
        elif None in entry["columns"]:
            source.unsupported.append(Unsupported("expression index", name, table))
        else:
            tables[table].indexes.append(SourceIndex(name, tuple(entry["columns"]), entry["unique"], descending=tuple(entry["desc"])))
    source.tables = _referenced_first(tables)
    for name, definition in rows(f"SELECT TABLE_NAME, VIEW_DEFINITION FROM information_schema.VIEWS WHERE TABLE_SCHEMA = {here} "
                                 "ORDER BY TABLE_NAME"):
        database = rows("SELECT DATABASE()")[0][0]
        source.views.append(SourceView(name, definition.replace(f"`{database}`.", "").replace("`", "")))
    for name, table, statement in rows("SELECT TRIGGER_NAME, EVENT_OBJECT_TABLE, ACTION_STATEMENT FROM information_schema.TRIGGERS "
                                       f"WHERE TRIGGER_SCHEMA = {here}"):
        source.unsupported.append(Unsupported("trigger", name, table, statement))
    for name, kind, body in rows("SELECT ROUTINE_NAME, ROUTINE_TYPE, ROUTINE_DEFINITION FROM information_schema.ROUTINES "
                                 f"WHERE ROUTINE_SCHEMA = {here}"):
        source.unsupported.append(Unsupported(kind.lower(), name, None, body))
    for name, statement in rows(f"SELECT EVENT_NAME, EVENT_DEFINITION FROM information_schema.EVENTS WHERE EVENT_SCHEMA = {here}"):
        source.unsupported.append(Unsupported("event", name, None, statement))
    return source


def _referenced_first(tables: dict[str, SourceTable]) -> list[SourceTable]:
    """The tables in an order a person would write them: each after those it references (a cycle
    broken at the first name), by name otherwise. MySQL keeps no creation order finer than a second."""
    placed: list[SourceTable] = []
    waiting = dict(sorted(tables.items()))
    while waiting:
        ready = next((t for t in waiting.values()
                      if all(fk.target == t.name or fk.target not in waiting for fk in t.foreign_keys)), None)
        ready = ready or next(iter(waiting.values()))
        placed.append(waiting.pop(ready.name))
    return placed
