"""A DDL file in a dialect no engine here runs (SQL Server's, Oracle's, MySQL's without a server,
DuckDB's, ClickHouse's), read by sqlglot's parser for that dialect: tables, keys, constraints,
indexes, views, comments and full-text indexes; a statement it cannot read, or one the design
language cannot hold (a trigger, a procedure), is kept for an IM comment."""

from __future__ import annotations

import re
import warnings

import sqlglot
from sqlglot import exp

from schemaforge.importer.catalog import (
    SourceColumn, SourceForeignKey, SourceIndex, SourceSchema, SourceSearch, SourceTable, SourceView, Unsupported,
)

_DIALECTS = {"mysql": "mysql", "sqlserver": "tsql", "oracle": "oracle", "duckdb": "duckdb", "clickhouse": "clickhouse",
             "postgres": "postgres", "sqlite": "sqlite"}
_ACTIONS = {"CASCADE": "cascade", "RESTRICT": "restrict", "SET NULL": "set_null", "SET DEFAULT": "set_default",
            "NO ACTION": None}
_COMMAND_KINDS = (("TRIGGER", "trigger"), ("PROCEDURE", "procedure"), ("PROC ", "procedure"), ("FUNCTION", "function"),
                  ("TYPE", "type"), ("SEQUENCE", "sequence"), ("SYNONYM", "statement"))
_EXTENDED = re.compile(r"@name\s*=\s*N?'MS_Description'.*?@value\s*=\s*N?'((?:[^']|'')*)'(.*)", re.I | re.S)
_LEVEL = re.compile(r"@level(\d)name\s*=\s*N?'((?:[^']|'')*)'", re.I)
_FULLTEXT = re.compile(r"FULLTEXT\s+INDEX\s+ON\s+([\w.\[\]\"]+)\s*\((.*)\)\s*KEY\s+INDEX\s+([\w\[\]\"]+)", re.I | re.S)


def read_parsed_ddl(text: str, dialect: str) -> SourceSchema:
    read = _DIALECTS[dialect]
    source = SourceSchema(dialect)
    tables: dict[str, SourceTable] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        statements = [s for batch in _batches(text) for s in sqlglot.parse(batch, read=read)]
    for statement in statements:
        if statement is None or isinstance(statement, exp.EndStatement):  # the END of a body split at its `;`
            continue
        if isinstance(statement, exp.Create) and statement.args.get("kind") == "TABLE":
            table = _table(statement, read)
            tables[table.name] = table
        elif isinstance(statement, exp.Create) and statement.args.get("kind") == "INDEX":
            _index(statement, read, tables, source)
        elif isinstance(statement, exp.Create) and statement.args.get("kind") == "VIEW":
            materialized = any(isinstance(p, exp.MaterializedProperty) for p in
                               (statement.args.get("properties").expressions if statement.args.get("properties") else []))
            source.views.append(SourceView(_name(statement.this), statement.expression.sql(read), materialized))
        elif isinstance(statement, exp.Alter):
            for action in statement.args.get("actions") or []:
                table = tables.get(_name(statement.this))
                for constraint in action.expressions if isinstance(action, exp.AddConstraint) else []:
                    if table is not None:
                        _table_constraint(table, constraint, read)
        elif isinstance(statement, exp.Comment):
            _comment(statement, tables, source)
        elif isinstance(statement, (exp.Command, exp.Execute, exp.IfBlock)):
            _command(statement, read, tables, source)
        else:
            source.unsupported.append(Unsupported("statement", type(statement).__name__.lower(), None, statement.sql(read)))
    source.tables = list(tables.values())
    return source


def _batches(text: str) -> list[str]:
    """The file cut at SQL Server's batch separator (GO on a line of its own): a body's own `;`
    and an IF's statement stay inside their batch."""
    return [batch for batch in re.split(r"(?im)^\s*GO\s*$", text) if batch.strip()]


def _name(node: exp.Expression) -> str:
    """A table's name without its schema (`dbo.Orders` -> Orders)."""
    table = node.this if isinstance(node, exp.Schema) else node
    return table.name


def _table(create: exp.Create, read: str) -> SourceTable:
    table = SourceTable(_name(create.this))
    for item in create.this.expressions:
        if isinstance(item, exp.ColumnDef):
            _column(table, item, read)
        else:
            _table_constraint(table, item, read)
    if read == "clickhouse":
        _clickhouse_keys(table, create)
    return table


# ClickHouse's types, by sqlglot's name for them, as the standard words the type reader knows.
_CLICKHOUSE_TYPES = {
    "TINYINT": "smallint", "SMALLINT": "smallint", "INT": "integer", "BIGINT": "bigint", "UTINYINT": "smallint unsigned",
    "USMALLINT": "smallint unsigned", "UINT": "integer unsigned", "UBIGINT": "bigint unsigned", "FLOAT": "real",
    "DOUBLE": "double", "TEXT": "text", "VARCHAR": "text", "BOOLEAN": "boolean", "DATE": "date", "DATE32": "date",
    "UUID": "uuid", "JSON": "json",
}
_REFERENCE_NOTE = re.compile(r"references (\w+) \(([\w, ]+)\)")


def _clickhouse_type(kind: exp.DataType) -> tuple[str, tuple[str, ...] | None]:
    """(a type text the type reader knows, an enum's values) of a ClickHouse column type."""
    name = kind.this.name
    if name.startswith("ENUM"):
        return "text", tuple(e.this.name if isinstance(e, exp.EQ) else e.name for e in kind.expressions)
    if name.startswith("DATETIME"):
        return ("timestamp with time zone" if len(kind.expressions) > 1 else "timestamp"), None
    if name == "DECIMAL":
        return kind.sql("postgres").lower(), None
    if name == "ARRAY":
        item, _ = _clickhouse_type(kind.expressions[0])
        return f"{item}[]", None
    return _CLICKHOUSE_TYPES.get(name, kind.sql("clickhouse").lower()), None


def _clickhouse_keys(table: SourceTable, create: exp.Create) -> None:
    """A MergeTree table's sorting key as its key, and the references its column comments keep
    (the ClickHouse DDL the build writes documents them so: `references venues (id)`)."""
    properties = create.args.get("properties")
    order = next((p for p in (properties.expressions if properties else []) if isinstance(p, exp.Order)), None)
    if order is not None and not table.primary_key:
        keys = order.expressions[0].this if len(order.expressions) == 1 else None
        while isinstance(keys, exp.Paren):  # ORDER BY (id): one column in parentheses
            keys = keys.this
        items = keys.expressions if isinstance(keys, exp.Tuple) else [keys] if keys is not None else \
            [o.this for o in order.expressions]
        table.primary_key = tuple(i.name for i in items if isinstance(i, exp.Column))
    notes: dict[str, list[str]] = {}
    for column in table.columns:
        found = _REFERENCE_NOTE.search(column.comment or "")
        if found:
            notes.setdefault(found.group(1), []).append(column.name)
            rest = _REFERENCE_NOTE.sub("", column.comment).strip(" ;")
            column.comment = rest or None
            targets = tuple(c.strip() for c in found.group(2).split(","))
            if len(notes[found.group(1)]) == len(targets):
                table.foreign_keys.append(SourceForeignKey(None, tuple(notes.pop(found.group(1))), found.group(1), targets))


def _column(table: SourceTable, definition: exp.ColumnDef, read: str) -> None:
    kind = definition.args.get("kind")
    values = None
    if kind is not None and kind.this == exp.DataType.Type.ENUM:
        values = tuple(e.name for e in kind.expressions)
    text = kind.sql(read).lower() if kind is not None else "text"
    nullable = True
    if read == "clickhouse" and kind is not None:  # NOT NULL unless Nullable(...)
        text, values = _clickhouse_type(kind)
        nullable = bool(kind.args.get("nullable"))
    column = SourceColumn(definition.name, text, nullable, enum_values=values)
    for constraint in definition.constraints:
        found, name = constraint.kind, constraint.name or None
        if isinstance(found, exp.NotNullColumnConstraint):
            column.nullable = bool(found.args.get("allow_null"))
        elif isinstance(found, exp.DefaultColumnConstraint):
            column.default = found.this.sql(read)
        elif isinstance(found, (exp.GeneratedAsIdentityColumnConstraint, exp.AutoIncrementColumnConstraint)):
            column.identity = True
        elif isinstance(found, exp.PrimaryKeyColumnConstraint):
            table.primary_key, table.primary_key_name, column.nullable = (definition.name,), name, False
        elif isinstance(found, exp.UniqueColumnConstraint):
            table.uniques.append((name or f"{table.name}_{definition.name}_key", (definition.name,)))
        elif isinstance(found, exp.CheckColumnConstraint):
            table.checks.append((name or f"{table.name}_{definition.name}_check", found.this.sql(read)))
        elif isinstance(found, exp.ComputedColumnConstraint):
            column.generated = found.this.sql(read)
        elif isinstance(found, exp.OnUpdateColumnConstraint):
            column.on_update_now = True
        elif isinstance(found, exp.CommentColumnConstraint):
            column.comment = found.this.name
        elif isinstance(found, exp.Reference):
            _foreign_key(table, name or f"{table.name}_{definition.name}_fkey", [definition.name], found)
    table.columns.append(column)


def _table_constraint(table: SourceTable, item: exp.Expression, read: str) -> None:
    name, parts = (item.name, item.expressions) if isinstance(item, exp.Constraint) else (None, [item])
    for part in parts:
        if isinstance(part, exp.PrimaryKey):
            table.primary_key = tuple(_column_name(e) for e in part.expressions)
            table.primary_key_name = name
            for column in table.columns:
                if column.name in table.primary_key:
                    column.nullable = False
        elif isinstance(part, exp.UniqueColumnConstraint):
            columns = tuple(_column_name(e) for e in part.this.expressions) if part.this else ()
            table.uniques.append((name or f"{table.name}_{'_'.join(columns)}_key", columns))
        elif isinstance(part, exp.CheckColumnConstraint):
            table.checks.append((name or f"{table.name}_check", part.this.sql(read)))
        elif isinstance(part, exp.ForeignKey):
            columns = [_column_name(e) for e in part.expressions]
            _foreign_key(table, name or f"{table.name}_{'_'.join(columns)}_fkey", columns, part.args["reference"])


def _column_name(node: exp.Expression) -> str:
    while isinstance(node, exp.Ordered):
        node = node.this
    return node.name


def _foreign_key(table: SourceTable, name: str, columns: list[str], reference: exp.Reference) -> None:
    target = reference.this
    options = " ".join(str(o) for o in reference.args.get("options") or []).upper()
    action = lambda event: next((v for k, v in _ACTIONS.items() if f"ON {event} {k}" in options), None)  # noqa: E731
    table.foreign_keys.append(SourceForeignKey(
        name, tuple(columns), _name(target), tuple(_column_name(e) for e in target.expressions)
        if isinstance(target, exp.Schema) else (), action("DELETE"), action("UPDATE"),
        "DEFERRABLE INITIALLY DEFERRED" in options))


def _index(create: exp.Create, read: str, tables: dict[str, SourceTable], source: SourceSchema) -> None:
    index = create.this
    table = tables.get(_name(index.args["table"]))
    params = index.args.get("params")
    columns = [o for o in (params.args.get("columns") or [])] if params else []
    if table is None or not columns or any(not isinstance(o.this if isinstance(o, exp.Ordered) else o, exp.Column)
                                           for o in columns):
        source.unsupported.append(Unsupported("expression index", index.name, table.name if table else None, create.sql(read)))
        return
    where = params.args.get("where")
    table.indexes.append(SourceIndex(
        index.name, tuple(_column_name(o) for o in columns), bool(create.args.get("unique")),
        where.this.sql(read) if where is not None else None, None,
        tuple(i.name for i in params.args.get("include") or []),
        tuple(_column_name(o) for o in columns if isinstance(o, exp.Ordered) and o.args.get("desc"))))


def _comment(statement: exp.Comment, tables: dict[str, SourceTable], source: SourceSchema) -> None:
    target, text = statement.this, statement.expression.name
    kind = str(statement.args.get("kind")).upper()
    if kind == "TABLE" and target.name in tables:
        tables[target.name].comment = text
    elif kind == "COLUMN" and target.table in tables:
        column = next((c for c in tables[target.table].columns if c.name == target.name), None)
        if column is not None:
            column.comment = text
    elif kind in ("VIEW", "MATERIALIZED VIEW"):
        view = next((v for v in source.views if v.name == target.name), None)
        if view is not None:
            view.comment = text


def _command(statement: exp.Expression, read: str, tables: dict[str, SourceTable], source: SourceSchema) -> None:
    if isinstance(statement, exp.Command):
        rest = statement.expression.sql() if isinstance(statement.expression, exp.Expression) else statement.expression or ""
        text = f"{statement.this} {rest}"
    else:
        text = statement.sql(read)
    body = text.split(None, 1)[1] if " " in text else ""
    extended = _EXTENDED.search(text)
    if extended:  # SQL Server's descriptions, as sp_addextendedproperty writes them
        levels = dict(_LEVEL.findall(extended.group(2)))
        table, column, value = levels.get("1"), levels.get("2"), extended.group(1).replace("''", "'")
        if table in tables and column:
            found = next((c for c in tables[table].columns if c.name == column), None)
            if found is not None:
                found.comment = value
        elif table in tables:
            tables[table].comment = value
        return
    fulltext = _FULLTEXT.search(text)
    if fulltext:
        table = tables.get(fulltext.group(1).split(".")[-1].strip("[]\""))
        columns = tuple(re.split(r"\s+", part.strip())[0].strip("[]\"") for part in fulltext.group(2).split(","))
        if table is not None and table.search is None:
            table.search = SourceSearch(f"ft_{table.name}", columns)
            return
    if re.match(r"(?i)CREATE\s+FULLTEXT\s+CATALOG|IF\s+NOT\s+EXISTS.*FULLTEXT\s+CATALOG", text):
        return  # where a full-text index lives: made again with the search
    kind = next((k for word, k in _COMMAND_KINDS if re.match(rf"(?i)(CREATE|ALTER)\s+(OR\s+(REPLACE|ALTER)\s+)?{word}", text)),
                "statement")
    name = re.split(r"[\s(]", body.split(kind.upper(), 1)[-1].strip(), 1)[0] if kind != "statement" else body[:40]
    on = re.search(r"(?i)\bON\s+([\w.\[\]\"]+)", text) if kind == "trigger" else None
    table = on.group(1).split(".")[-1].strip("[]\"") if on else None
    source.unsupported.append(Unsupported(kind, name or "?", table if table in tables else None, " ".join(text.split())))
