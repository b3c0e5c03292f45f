"""A source schema written as the design a person would have written.

Names follow the design's conventions where the source does (plural table names become
`table_names: snake_plural`, a `customer_id` reference becomes `customer: {ref: customer}`), and
are given where it does not (`table:`, `column:`, `constraint:`, an index's `name:`). Types are
read back as logical types, enums and domains as named types, checks over one column as the
field's `check` over `value`. What the language cannot hold (a trigger, a function, a policy, a
type it has no type for) is a comment at the place it came from, `# IMxxx ...`, which `schemaforge
check` reports as a finding at that line: nothing is dropped silently.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import sqlglot
import yaml
from sqlglot import exp

from schemaforge.importer.catalog import SourceColumn, SourceForeignKey, SourceSchema, SourceTable, Unsupported
from schemaforge.importer.types import logical_type
from schemaforge.naming import DESIGN_NAME, pluralize

# The finding each kind of object the language cannot hold is reported as (lint: IM family).
UNSUPPORTED_CODES = {
    "trigger": "IM101", "function": "IM102", "procedure": "IM102", "policy": "IM103", "row_level_security": "IM103",
    "rule": "IM104", "sequence": "IM105", "type": "IM106", "extension": "IM106", "exclusion constraint": "IM107",
    "constraint": "IM107", "expression index": "IM107", "index": "IM107", "column type": "IM108", "default": "IM109",
    "foreign key": "IM110", "statement": "IM111", "partitioning": "IM112",
}
_SQLGLOT_DIALECTS = {"postgres": "postgres", "mysql": "mysql", "sqlite": "sqlite", "sqlserver": "tsql",
                     "oracle": "oracle", "duckdb": "duckdb", "clickhouse": "clickhouse"}
_SPECIAL_DEFAULTS = {
    exp.CurrentTimestamp: "now", exp.CurrentDate: "today", exp.Localtimestamp: "now", exp.CurrentTime: "now",
}
_SPECIAL_FUNCTIONS = {"now": "now", "gen_random_uuid": "uuid", "uuid": "uuid", "uuid_generate_v4": "uuid",
                      "newid": "uuid", "sysutcdatetime": "now", "systimestamp": "now", "getdate": "now"}


def singular(name: str) -> str:
    """The English singular of a snake name's last word (the inverse of naming.pluralize)."""
    head, _, last = name.rpartition("_")
    for plural, single in (("ies", "y"), ("sses", "ss"), ("shes", "sh"), ("ches", "ch"), ("xes", "x"), ("zes", "z")):
        if last.endswith(plural) and len(last) > len(plural):
            last = last[: -len(plural)] + single
            break
    else:
        if last.endswith("s") and not last.endswith("ss") and len(last) > 1:
            last = last[:-1]
    return f"{head}_{last}" if head else last


def snake(name: str) -> str:
    """A design name for a physical one: `OrderLine` -> `order_line`, `Order Lines` -> `order_lines`."""
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    text = re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").lower()
    if not text or not text[0].isalpha():
        text = f"x_{text}"
    return text[:63]


@dataclass
class _Entity:
    name: str
    table: SourceTable
    fields: dict[str, dict] = field(default_factory=dict)
    field_of_column: dict[str, str] = field(default_factory=dict)
    comments: list[str] = field(default_factory=list)  # IM comments placed under the entity
    spec: dict = field(default_factory=dict)  # entity-level keys besides fields


class DesignWriter:
    """Turn one SourceSchema into design YAML (`write()`); `findings` counts what was left out."""

    def __init__(self, source: SourceSchema, design_name: str, origin: str):
        self.source = source
        self.design_name = design_name
        self.origin = origin
        self.dialect = _SQLGLOT_DIALECTS[source.dialect]
        self.entities: dict[str, _Entity] = {}
        self.top_comments: list[str] = []
        self.types: dict[str, dict] = {}
        self.plural = self._plural_tables()

    # -- names -------------------------------------------------------------------------------
    def _plural_tables(self) -> bool:
        names = [t.name for t in self.source.tables]
        fitting = [n for n in names if n == n.lower() and pluralize(singular(n)) == n and singular(n) != n]
        return bool(names) and len(fitting) * 3 >= len(names) * 2

    def entity_name(self, table: str) -> str:
        base = snake(table)
        return singular(base) if self.plural and pluralize(singular(base)) == base else base

    def table_override(self, entity: str, table: str) -> str | None:
        return None if (pluralize(entity) if self.plural else entity) == table else table

    # -- the whole design --------------------------------------------------------------------
    def write(self) -> str:
        for domain in self.source.domains:
            self._domain(domain)
        for table in self.source.tables:
            name = self.entity_name(table.name)
            while name in self.entities:
                name += "_2"
            self.entities[name] = _Entity(name, table)
        self.entity_of_table = {e.table.name: e for e in self.entities.values()}
        for entity in self.entities.values():
            self._fields(entity)
        for entity in self.entities.values():
            self._references(entity)
            self._in_column_order(entity)
        self._break_cycles()
        for entity in self.entities.values():
            self._keys(entity)
            self._checks(entity)
            self._search(entity)
            self._indexes(entity)
        for item in self.source.unsupported:
            self._unsupported(item)
        return self._yaml()

    def _unsupported(self, item: Unsupported, entity: _Entity | None = None) -> None:
        code = UNSUPPORTED_CODES.get(item.kind, "IM111")
        holder = entity or (self.entity_of_table.get(item.table) if item.table else None)
        where = f" (on {item.table})" if item.table and holder is None else ""
        first = ""
        if item.sql:
            first = ": " + " ".join(item.sql.split())[:160]
        line = f"# {code} {item.kind} {item.name}{where} is not held by the design language{first}"
        (holder.comments if holder else self.top_comments).append(line)

    # -- types and domains -------------------------------------------------------------------
    def _domain(self, domain) -> None:
        read = logical_type(domain.type, self.source.dialect)
        name = snake(domain.name)
        if read is None:
            self._unsupported(Unsupported("type", domain.name, sql=f"a domain over {domain.type}"))
            return
        spec: dict = {"type": read.text}
        checks = [self.expression(c, {"value": "value"}, value_of="VALUE") for c in domain.checks]
        if checks:
            spec["check"] = " AND ".join(f"({c})" if len(checks) > 1 else c for c in checks)
        if domain.default is not None:
            value = self.default_value(domain.default)
            if value is not None:
                spec["default"] = value
        if domain.comment:
            spec["description"] = domain.comment
        self.types[name] = spec

    def column_type(self, entity: _Entity, column: SourceColumn) -> dict:
        """The field keys that say the column's type: `type`, and `unsigned`."""
        if column.enum_values is not None:
            values = "enum(" + ", ".join(column.enum_values) + ")"
            type_name = column.type_name and snake(column.type_name)
            if type_name and type_name != f"{entity.name}_{snake(column.name)}":
                self.types.setdefault(type_name, {"type": values})
                return {"type": type_name}
            return {"type": values}
        if column.type_name and snake(column.type_name) in self.types:
            return {"type": snake(column.type_name)}
        read = logical_type(column.type, self.source.dialect)
        if read is None:
            self._unsupported(Unsupported("column type", f"{entity.table.name}.{column.name}",
                                          sql=f"{column.type}, held as text here"), entity)
            return {"type": "text"}
        return {"type": read.text, **({"unsigned": True} if read.unsigned else {})}

    # -- expressions -------------------------------------------------------------------------
    def expression(self, text: str, columns: dict[str, str], value_of: str | None = None) -> str:
        """`text` (the source's SQL) as PostgreSQL SQL over the design's names: `columns` maps a
        physical column to its logical name; `value_of` names what becomes `value`."""
        tree = sqlglot.parse_one(text, read=self.dialect)

        def rename(node):
            if isinstance(node, exp.Column) and not node.table:
                if value_of and node.name.upper() == value_of:
                    return exp.column("value")
                if node.name in columns:
                    return exp.column(columns[node.name])
            if value_of and isinstance(node, exp.Var) and node.name.upper() == value_of:
                return exp.column("value")
            return node

        return _tidy(tree.transform(rename)).sql("postgres")

    def query(self, text: str) -> str:
        """A view's query over entity names (a column keeps its name: a column's logical name is
        the source's), in PostgreSQL's SQL."""
        tree = sqlglot.parse_one(text, read=self.dialect)
        unaliased = {t.name for t in tree.find_all(exp.Table) if not t.alias}
        for node in list(tree.find_all(exp.Table)):
            entity = self.entity_of_table.get(node.name)
            if entity is not None:
                node.set("this", exp.to_identifier(entity.name))
                node.set("db", None)
                node.set("catalog", None)
        for node in list(tree.find_all(exp.Column)):
            entity = self.entity_of_table.get(node.table)
            if node.table in unaliased and entity is not None:
                node.set("table", exp.to_identifier(entity.name))
        return _tidy(tree).sql("postgres")

    def default_value(self, text: str):
        """A default's SQL text as the design writes it: a literal, now, today or uuid (None: it
        cannot say it)."""
        try:
            tree = sqlglot.parse_one(text, read=self.dialect)
        except sqlglot.errors.ParseError:
            return None
        while isinstance(tree, (exp.Cast, exp.Paren)):
            tree = tree.this
        for kind, word in _SPECIAL_DEFAULTS.items():
            if isinstance(tree, kind):
                return word
        if isinstance(tree, (exp.Anonymous, exp.Func)) and not isinstance(tree, exp.Cast):
            name = (tree.name if isinstance(tree, exp.Anonymous) else tree.sql_name()).lower()
            return _SPECIAL_FUNCTIONS.get(name)
        if isinstance(tree, exp.Boolean):
            return tree.this
        negative = isinstance(tree, exp.Neg)
        literal = tree.this if negative else tree
        if isinstance(literal, exp.Literal):
            if literal.is_string:
                return literal.this
            number = float(literal.this) if "." in literal.this or "e" in literal.this.lower() else int(literal.this)
            return -number if negative else number
        return None

    # -- fields ------------------------------------------------------------------------------
    def _fields(self, entity: _Entity) -> None:
        table = entity.table
        in_references = {c for fk in table.foreign_keys for c in fk.columns}
        for column in table.columns:
            name = snake(column.name)
            entity.field_of_column[column.name] = name
            if column.name in in_references:
                continue  # made a ref in _references, once every entity's fields are known
            spec = self.column_type(entity, column)
            if name != column.name:
                spec["column"] = column.name
            self._column_details(entity, column, spec)
            entity.fields[name] = spec

    def _column_details(self, entity: _Entity, column: SourceColumn, spec: dict) -> None:
        if column.nullable:
            spec["nullable"] = True
        if column.generated:
            spec["generated"] = self.expression(column.generated, self.logical_columns(entity))
        elif column.default is not None:
            value = self.default_value(column.default)
            if value == "now" and spec.get("type") == "date":  # the clock cast to a date (SQL Server, Oracle)
                value = "today"
            held_as_text = {"today": "date", "now": "timestamp"}  # SQLite's dates are TEXT: the default says which
            if self.source.dialect == "sqlite" and spec.get("type") == "text" and value in held_as_text:
                spec["type"] = held_as_text[value]
            if spec.get("type") == "boolean" and value in (0, 1) and not isinstance(value, bool):
                value = bool(value)  # MySQL's TINYINT(1) default 0
            if value is None:
                self._unsupported(Unsupported("default", f"{entity.table.name}.{column.name}", sql=column.default), entity)
            else:
                spec["default"] = value
        if column.on_update_now:
            spec["on_update"] = "now"
        if column.comment:
            spec["description"] = column.comment

    def logical_columns(self, entity: _Entity) -> dict[str, str]:
        """Physical column -> logical column name: the same, since a field named by `column:` and
        a ref's `<field>_<key>` columns are named in expressions as the source names them."""
        return {c: c for c in entity.field_of_column}

    def _break_cycles(self) -> None:
        """A cycle of NOT NULL references that the source checks at once (MySQL, SQL Server, which
        cannot defer; their loads run with the checks off): the design says the reference that
        closes it, from the later table to an earlier one, is `deferrable` (checked at commit where
        the target can), as the language asks of such a cycle."""
        order = list(self.entities)
        while True:
            closing = self._cycle_edge(order)
            if closing is None:
                return
            entity, reference = closing
            self.entities[entity].fields[reference]["deferrable"] = True
            self.entities[entity].comments.append(
                f"# {reference}: one reference of a cycle of NOT NULL references, made deferrable (checked at commit)")

    def _cycle_edge(self, order: list[str]) -> tuple[str, str] | None:
        """(entity, field) of a NOT NULL, not deferrable reference to an entity no later in table
        order that lies on a cycle of such references; None when there is no cycle."""
        edges = {name: [(f, spec["ref"].split(".")[0]) for f, spec in e.fields.items()
                        if "ref" in spec and not spec.get("nullable") and not spec.get("deferrable")
                        and spec["ref"].split(".")[0] != name]
                 for name, e in self.entities.items()}

        def reaches(start: str, goal: str) -> bool:
            seen, stack = set(), [start]
            while stack:
                node = stack.pop()
                if node == goal:
                    return True
                if node not in seen:
                    seen.add(node)
                    stack += [t for _, t in edges.get(node, [])]
            return False

        for name in reversed(order):
            for reference, target in edges[name]:
                if order.index(target) <= order.index(name) and reaches(target, name):
                    return name, reference
        return None

    def _in_column_order(self, entity: _Entity) -> None:
        """The fields in the order of their first columns in the table."""
        position = {c.name: i for i, c in enumerate(entity.table.columns)}
        first = {}
        for column, name in entity.field_of_column.items():
            first[name] = min(first.get(name, len(position)), position.get(column, len(position)))
        entity.fields = dict(sorted(entity.fields.items(), key=lambda item: first.get(item[0], len(position))))

    # -- references --------------------------------------------------------------------------
    def _references(self, entity: _Entity) -> None:
        taken: set[str] = set()
        for fk in entity.table.foreign_keys:
            target = self.entity_of_table.get(fk.target)
            made = target is not None and self._reference(entity, fk, target)
            if not made:
                self._unsupported(Unsupported("foreign key", fk.name, entity.table.name,
                                              f"({', '.join(fk.columns)}) references {fk.target} ({', '.join(fk.target_columns)}); "
                                              "its columns are plain fields here"), entity)
                for column_name in fk.columns:
                    if column_name not in taken:
                        column = entity.table.column(column_name)
                        spec = self.column_type(entity, column)
                        self._column_details(entity, column, spec)
                        entity.fields[snake(column_name)] = spec
            taken |= set(fk.columns)

    def _reference(self, entity: _Entity, fk: SourceForeignKey, target: _Entity) -> bool:
        """The ref field for `fk`, named so that its columns are the source's; False if no name fits."""
        key = target.table.primary_key
        to_key = tuple(fk.target_columns) == tuple(key)
        if not to_key and not (len(fk.target_columns) == 1 and any(u[1] == fk.target_columns for u in target.table.uniques)):
            return False
        if any(c in {col for f in entity.fields.values() for col in [f.get("column")]} for c in fk.columns):
            return False
        targets = fk.target_columns
        if len(fk.columns) == 1:
            column, target_column = fk.columns[0], targets[0]
            suffix = next((s for s in (f"_{target_column}", "_id") if column.endswith(s) and len(column) > len(s)), None)
            name = snake(column[: -len(suffix)]) if suffix else snake(column)
            spec: dict = {"ref": target.name if to_key else f"{target.name}.{target.field_of_column[target_column]}"}
            if f"{name}_{target_column}" != column:
                spec["column"] = column
        else:
            prefixes = {c[: -len(t) - 1] for c, t in zip(fk.columns, targets) if c.endswith(f"_{t}")}
            if len(prefixes) != 1 or not all(c.endswith(f"_{t}") for c, t in zip(fk.columns, targets)) or not to_key:
                return False
            name = snake(prefixes.pop())
            spec = {"ref": target.name}
        if name in entity.fields or not DESIGN_NAME.match(name):
            return False
        columns = [entity.table.column(c) for c in fk.columns]
        if all(c.nullable for c in columns):
            spec["nullable"] = True
        if fk.on_delete:
            spec["on_delete"] = fk.on_delete
        if fk.on_update:
            spec["on_update"] = fk.on_update
        if fk.deferrable:
            spec["deferrable"] = True
        index_names = {i.name for i in entity.table.indexes}  # MySQL names a key's own index as the key
        if fk.name and (fk.name != f"fk_{entity.name}_{name}" or fk.name in index_names):
            spec["constraint"] = fk.name
        comment = next((c.comment for c in columns if c.comment), None)
        if comment:
            spec["description"] = comment
        entity.fields[name] = spec
        for column in fk.columns:
            entity.field_of_column[column] = name
        return True

    # -- keys, uniques, checks, indexes ------------------------------------------------------
    def fields_of(self, entity: _Entity, columns) -> list[str] | None:
        """The fields that make exactly `columns`, in order (None: a column alone of a ref's several)."""
        fields: list[str] = []
        for column in columns:
            name = entity.field_of_column.get(column)
            if name is None:
                return None
            if not fields or fields[-1] != name:
                fields.append(name)
        made = [c for f in fields for c in self._columns_of_field(entity, f)]
        return fields if made == list(columns) else None

    def _columns_of_field(self, entity: _Entity, name: str) -> list[str]:
        return [c for c, f in entity.field_of_column.items() if f == name]

    def _constraint(self, spec: dict, aspect: str, name: str) -> None:
        """Add `constraint:` for a field's `aspect` constraint named `name`."""
        given = spec.get("constraint")
        if given is None:
            spec["constraint"] = name if aspect == self._sole_aspect(spec) else {aspect: name}
        elif isinstance(given, str):
            first = self._sole_aspect(spec, without=aspect)
            spec["constraint"] = {first: given, aspect: name}
        else:
            given[aspect] = name

    @staticmethod
    def _sole_aspect(spec: dict, without: str | None = None) -> str | None:
        aspects = [a for a, present in (("pk", spec.get("pk")), ("unique", spec.get("unique") and not spec.get("pk")),
                                         ("ref", "ref" in spec), ("check", "check" in spec)) if present and a != without]
        return aspects[0] if len(aspects) == 1 else None

    def _keys(self, entity: _Entity) -> None:
        table = entity.table
        key = self.fields_of(entity, table.primary_key) if table.primary_key else None
        if table.primary_key and key is None:
            self._unsupported(Unsupported("constraint", table.primary_key_name or "primary key", table.name,
                                          "a key over part of a reference's columns"), entity)
        elif key and len(key) == 1 and "ref" not in entity.fields[key[0]]:
            spec = entity.fields[key[0]]
            spec["pk"] = True
            column = table.column(table.primary_key[0])
            if spec.get("type") in ("smallint", "integer", "bigint") and not column.identity and "default" not in spec:
                spec["identity"] = False
            spec.pop("nullable", None)
            if table.primary_key_name and table.primary_key_name != f"pk_{entity.name}":
                self._constraint(spec, "pk", table.primary_key_name)
        elif key:
            if table.primary_key_name and table.primary_key_name != f"pk_{entity.name}":
                entity.spec["primary_key"] = {"name": table.primary_key_name, "fields": key}
            else:
                entity.spec["primary_key"] = key
        elif not table.primary_key:
            self._unsupported(Unsupported("constraint", "no primary key", table.name,
                                          "the table has no key: add one (the design needs a key)"), entity)
        groups = {}
        for name, columns in table.uniques:
            fields = self.fields_of(entity, columns)
            if fields is None:
                self._unsupported(Unsupported("constraint", name, table.name, f"UNIQUE ({', '.join(columns)})"), entity)
            elif len(fields) == 1 and len(self._columns_of_field(entity, fields[0])) == len(columns):
                spec = entity.fields[fields[0]]
                spec["unique"] = True
                if name and name != f"uq_{entity.name}_{fields[0]}":
                    self._constraint(spec, "unique", name)
            else:
                groups[name or f"uq_{entity.name}_{'_'.join(fields)}"] = fields
        if groups:
            generated = all(n == f"uq_{entity.name}_{'_'.join(f)}" for n, f in groups.items())
            entity.spec["unique"] = list(groups.values()) if generated else groups

    def _checks(self, entity: _Entity) -> None:
        columns = self.logical_columns(entity)
        checks = {}
        for name, condition in entity.table.checks:
            try:
                tree = sqlglot.parse_one(condition, read=self.dialect)
            except sqlglot.errors.ParseError:
                self._unsupported(Unsupported("constraint", name, entity.table.name, f"CHECK ({condition})"), entity)
                continue
            read = {c.name for c in tree.find_all(exp.Column)}
            field_name = entity.field_of_column.get(next(iter(read))) if len(read) == 1 else None
            if field_name and self._said_by_type(tree, entity.fields.get(field_name, {})):
                continue  # the build makes this check again from the field's type
            single = field_name and len(self._columns_of_field(entity, field_name)) == 1 and \
                "check" not in entity.fields[field_name] and "ref" not in entity.fields[field_name]
            if single:
                spec = entity.fields[field_name]
                spec["check"] = self.expression(condition, {}, value_of=next(iter(read)).upper())
                if name and name != f"ck_{entity.name}_{next(iter(read))}":
                    self._constraint(spec, "check", name)
                continue
            if name is None:  # the source keeps no name (DuckDB): the build makes one
                key = f"check_{len(checks) + 1}"
                checks[key] = self.expression(condition, columns)
                continue
            key = name[len(f"ck_{entity.name}_"):] if name.startswith(f"ck_{entity.name}_") else snake(name)
            text = self.expression(condition, columns)
            checks[key] = text if f"ck_{entity.name}_{key}" == name else {"check": text, "constraint": name}
        if checks:
            entity.spec["checks"] = checks

    def _search(self, entity: _Entity) -> None:
        search = entity.table.search
        if search is None:
            return
        fields = [self.fields_of(entity, (column,)) for column in search.columns]
        if any(f is None for f in fields):
            self._unsupported(Unsupported("index", search.name, entity.table.name,
                                          f"a full-text index over ({', '.join(search.columns)})"), entity)
            return
        spec: dict = {"fields": [f[0] for f in fields], "language": search.language}
        if search.name != f"ft_{entity.name}":
            spec["name"] = search.name
        entity.spec["search"] = spec

    @staticmethod
    def _said_by_type(tree: exp.Expression, spec: dict) -> bool:
        """A check the type says already: a boolean's `IN (0, 1)` (MySQL, SQLite), a string's
        `length(x) <= n` (where VARCHAR(n) is not enforced)."""
        typ = spec.get("type", "")
        if typ == "boolean" and isinstance(tree, exp.In):
            return sorted(e.sql() for e in tree.expressions) == ["0", "1"]
        length = re.match(r"^(?:string|char)\((\d+)\)$", typ)
        if length and isinstance(tree, exp.LTE) and isinstance(tree.this, exp.Length):
            return tree.expression.sql() == length.group(1)
        return False

    def _indexes(self, entity: _Entity) -> None:
        indexes = []
        for index in entity.table.indexes:
            fields = self.fields_of(entity, index.columns)
            include = self.fields_of(entity, index.include) if index.include else []
            if fields is None or include is None or index.descending:
                self._unsupported(Unsupported("index", index.name, entity.table.name,
                                              f"({', '.join(index.columns)})" + (" with descending keys" if index.descending else "")), entity)
                continue
            spec: dict = {"fields": fields}
            if index.name != f"ix_{entity.name}_{'_'.join(fields)}":
                spec["name"] = index.name
            if index.unique:
                spec["unique"] = True
            if index.where:
                spec["where"] = self.expression(index.where, self.logical_columns(entity))
            if index.using and index.using != "btree":
                spec["using"] = index.using
            if include:
                spec["include"] = include
            indexes.append(spec)
        if indexes:
            entity.spec["indexes"] = indexes

    # -- YAML --------------------------------------------------------------------------------
    def _yaml(self) -> str:
        lines = [f"# Imported by schemaforge from {self.origin}.", *self.top_comments,
                 f"design: {self.design_name}", "version: 1.0.0",
                 f"description: {_scalar(f'Imported from {self.origin}')}", f"database: {self.source.dialect}"]
        if self.plural:
            lines += ["conventions:", "  table_names: snake_plural"]
        if self.types:
            lines.append("types:")
            lines += [f"  {name}: {_flow(spec)}" for name, spec in self.types.items()]
        lines.append("entities:")
        for entity in self.entities.values():
            lines.append(f"  {entity.name}:")
            lines += [f"    {c}" for c in entity.comments]
            if entity.table.comment:
                lines.append(f"    description: {_scalar(entity.table.comment)}")
            table = self.table_override(entity.name, entity.table.name)
            if table:
                lines.append(f"    table: {_scalar(table)}")
            lines.append("    fields:")
            lines += [f"      {name}: {_flow(spec)}" for name, spec in entity.fields.items()]
            for key in ("primary_key", "unique", "checks", "search"):
                if key in entity.spec:
                    value = entity.spec[key]
                    if isinstance(value, dict) and key != "search":
                        lines.append(f"    {key}:")
                        lines += [f"      {k}: {_flow(v)}" for k, v in value.items()]
                    else:
                        lines.append(f"    {key}: {_flow(value)}")
            if "indexes" in entity.spec:
                lines.append("    indexes:")
                lines += [f"      - {_flow(i)}" for i in entity.spec["indexes"]]
        views = [v for v in self.source.views]
        if views:
            lines.append("views:")
            for view in views:
                lines.append(f"  {snake(view.name)}:")
                if view.comment:
                    lines.append(f"    description: {_scalar(view.comment)}")
                lines.append(f"    sql: {_scalar(self.query(view.sql))}")
                if view.materialized:
                    lines.append("    materialized: true")
        return "\n".join(lines) + "\n"


def _tidy(tree: exp.Expression) -> exp.Expression:
    """Without the casts a catalog's deparser writes around a literal or a column
    (`(0)::numeric`, `'accepted'::talk_status`, `(VALUE)::text`): the engine adds them again."""
    def bare(node):
        inner = node.this if isinstance(node, exp.Cast) else None
        while isinstance(inner, exp.Paren):
            inner = inner.this
        if isinstance(inner, (exp.Literal, exp.Column)) and not isinstance(node, exp.TryCast):
            return inner.copy()
        if isinstance(node, exp.Paren) and isinstance(node.this, (exp.Literal, exp.Column)):
            return node.this.copy()
        return node

    tree = tree.transform(bare)
    while isinstance(tree, exp.Paren):  # the deparser's parentheses around the whole condition
        tree = tree.this
    return tree


def _scalar(value) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, width=1_000_000, allow_unicode=True).strip()
    return text[:-4].rstrip() if text.endswith("\n...") else text


def _flow(value) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    if isinstance(value, str):
        plain = re.match(r"^[A-Za-z_][A-Za-z0-9_]*(\([0-9 A-Za-z_.\-]*\))?$", value) and value.lower() not in (
            "true", "false", "null", "yes", "no", "on", "off", "y", "n", "~")
        return value if plain else json.dumps(value, ensure_ascii=False)  # JSON's strings are YAML's too
    return _scalar(value)


def write_design(source: SourceSchema, design_name: str, origin: str) -> str:
    return DesignWriter(source, design_name, origin).write()
