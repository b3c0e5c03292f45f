"""Render a resolved design as DDL for one SQL target.

Every statement is a sqlglot expression tree rendered in the target's dialect; the only text
templates are triggers and PL/pgSQL, for which sqlglot has no tree. What a target cannot express
becomes a finding that names the object and the target, never a silent drop.

Finding codes: TG101 an expression the target cannot evaluate in DDL; TG102 a foreign key action
it lacks; TG103 a cycle-closing foreign key it cannot add; TG104 no partial index; TG105 an
index method or INCLUDE it lacks; TG106 no trigger for updated_at; TG107 a type it stores
approximately; TG108 no foreign keys; TG109 keys and uniques not enforced; TG110 no identity;
TG111 a column type it cannot index; TG112 a CHECK over a column it may not read; TG114 no
triggers for the audit pattern (with what to do instead); TG115 a rule trigger the target runs
at once instead of at commit; TG116 a rule trigger on a target without triggers; TG117 no
triggers for the temporal pattern; TG118 no triggers to keep an event store append-only; TG119
no triggers to keep a hierarchy's closure table; NM102 a
generated name shortened to the target's identifier limit.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from dataclasses import dataclass, field

from sqlglot import exp

from schemaforge import __version__
from schemaforge.ddl.cascades import CascadePaths
from schemaforge.ddl.targets import SQL_TARGETS, SqlTarget, sequence_name, sql_targets
from schemaforge.findings import Finding
from schemaforge.naming import shorten
from schemaforge.ddl.rule_triggers import read_entities, rendered_rules
from schemaforge.patterns import audit, event_store, hierarchy, temporal
from schemaforge.patterns.triggers import Statement, pattern_path
from schemaforge.read_models.project import materialized_views
from schemaforge.design.formats import FORMAT_PATTERNS
from schemaforge.design.model import Check, Column, Default, Design, Domain, Entity, ForeignKey, Index, Unique, View
from schemaforge.design.order import creation_order
from schemaforge.design.physical import physical_tree
from schemaforge.design.types import LogicalType

_CASCADING = ("cascade", "set_null", "set_default")


def expression_depth(tree: exp.Expression) -> int:
    """How many levels deep `tree` nests (counted without recursion: it may be thousands)."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in node.iter_expressions())
    return deepest


def comment_safe(text: str) -> str:
    """`text` fit for a `--` comment line: a newline (a folder may hold one) would end the comment
    and run the rest as SQL, so control characters are written as escapes."""
    return "".join(ch if ch >= " " and ch != "\x7f" else f"\\x{ord(ch):02x}" for ch in text)


@dataclass
class DdlResult:
    target: str
    sql: str
    findings: list[Finding] = field(default_factory=list)
    pattern_statements: list = field(default_factory=list)  # what emit_pattern emitted (migrations read it)


# From this many entities on, a design's targets are rendered side by side, one process per core;
# below it a fork costs more than it saves.
PARALLEL_ENTITIES = 100
_design_in_workers: Design | None = None  # what forked workers render, inherited from the parent


def render_ddl(design: Design, target_name: str) -> DdlResult:
    """The DDL of `design` on a target, rendered once per loaded design: the DDL deliverable and
    the lint (which reports the renderer's findings) share it. A large design's first render
    renders all its SQL targets side by side (render_ddls): a build needs every one of them."""
    if not design.has_derived(("ddl", target_name)) and len(design.entities) >= PARALLEL_ENTITIES:
        render_ddls(design, list(dict.fromkeys([target_name, *sql_targets(design)])))
    return design.derived(("ddl", target_name), lambda: _render(design, target_name))


def render_ddls(design: Design, target_names: list[str]) -> list[DdlResult]:
    """render_ddl for each target, those not yet rendered side by side in forked processes when
    the design is large (rendering is pure Python: threads would take turns on one core)."""
    global _design_in_workers
    missing = [name for name in target_names if not design.has_derived(("ddl", name))]
    workers = min(len(missing), os.cpu_count() or 1)
    if workers > 1 and len(design.entities) >= PARALLEL_ENTITIES and "fork" in multiprocessing.get_all_start_methods():
        _design_in_workers = design
        try:
            # A worker renders its share and exits: the cyclic collector, walking the whole
            # inherited design on every run, would only slow it down (its garbage dies with it).
            with multiprocessing.get_context("fork").Pool(workers, initializer=gc.disable) as pool:
                rendered = pool.map(_render_in_worker, missing, chunksize=1)
        finally:
            _design_in_workers = None
        for name, result in zip(missing, rendered):
            design.derived(("ddl", name), lambda result=result: result)
    return [design.derived(("ddl", name), lambda name=name: _render(design, name)) for name in target_names]


def _render(design: Design, target_name: str) -> DdlResult:
    return DdlRenderer(design, SQL_TARGETS[target_name]()).render()


def _render_in_worker(target_name: str) -> DdlResult:
    assert _design_in_workers is not None
    return _render(_design_in_workers, target_name)


class DdlRenderer:
    """The DDL of one design on one target; migrations reuse its pieces (`captured`), so a
    migrated database gets exactly the definitions that fresh DDL would give it."""

    def __init__(self, design: Design, target: SqlTarget):
        self.design = design
        self.target = target
        self.findings: list[Finding] = []
        self.statements: list[str] = []
        self.pattern_statements: list = []  # the Statements emit_pattern emitted, objects and all
        self.cascades = {event: CascadePaths() for event in ("DELETE", "UPDATE")}

    # -- names and findings ------------------------------------------------------------------
    def ident(self, name: str) -> exp.Identifier:
        return exp.to_identifier(name, quoted=self.target.quote_needed(name))

    def constraint_name(self, name: str, path) -> exp.Identifier:
        short = shorten(name, self.target.MAX_IDENTIFIER_LENGTH)
        if short != name:
            self.finding(path, "NM102", "info", f"constraint name '{name}' is longer than {self.target.title}'s "
                         f"{self.target.MAX_IDENTIFIER_LENGTH} characters; it is named '{short}' there")
        return self.ident(short)

    def finding(self, path, code: str, severity: str, message: str, fix: str | None = None) -> None:
        if severity == "warning" and self.target.name == self.design.database:
            severity = "error"  # the primary target must express the whole design
        self.findings.append(Finding(self.design.source.value(path), message, code, severity, fix))

    def table(self, entity: Entity) -> exp.Table:
        return exp.Table(this=self.ident(entity.table))

    def columns(self, entity: Entity, names) -> list[exp.Identifier]:
        return [self.ident(entity.physical(c)) for c in names]

    def sql(self, tree: exp.Expression) -> str:
        if isinstance(tree, exp.Create) and tree.args.get("kind") == "TABLE" and isinstance(tree.this, exp.Schema):
            # One column or constraint per line: sqlglot's pretty mode wraps inside them.
            schema = tree.this
            items = ",\n  ".join(self.sql(item) for item in schema.expressions)
            properties = tree.args.get("properties")
            tail = "\n" + self.sql(properties).strip() if properties else ""
            return f"CREATE TABLE {self.sql(schema.this)} (\n  {items}\n){tail}"
        return self.target.generate(tree)

    def emit(self, tree: exp.Expression | str, end: str = ";") -> None:
        text = (tree if isinstance(tree, str) else self.sql(tree)) + end
        if self.target.BATCH_SEPARATOR:
            text += "\n" + self.target.BATCH_SEPARATOR
        self.statements.append(text)

    def emit_pattern(self, statement) -> None:
        """A statement of an object a pattern or a rule adds (patterns/triggers.py), kept in
        `pattern_statements` too: migrations create, replace and drop those objects."""
        self.pattern_statements.append(statement)
        self.emit(statement.sql, end=self.target.PROCEDURAL_END if statement.procedural else ";")

    def captured(self, build, *args) -> list[str]:
        """The statements that `build(*args)` emits, taken instead of added to the file."""
        start = len(self.statements)
        build(*args)
        taken = self.statements[start:]
        del self.statements[start:]
        return taken

    def physical_expression(self, entity: Entity, tree: exp.Expression) -> exp.Expression:
        tree = physical_tree(self.design, tree, self.target.quote_needed, entity)
        if self.target.BOOLEAN_IS_INTEGER:
            tree = tree.transform(lambda n: exp.Literal.number(int(n.this)) if isinstance(n, exp.Boolean) else n,
                                  copy=False)  # physical_tree's copy is ours
        return tree

    # -- the file ----------------------------------------------------------------------------
    def render(self) -> DdlResult:
        order, deferred = creation_order(self.design)
        self.enum_types()
        self.domains()
        self.tree_path_type()
        self.sequences()
        self.updated_at_functions()
        for entity in order:
            self.create_table(entity, deferred)
        for entity, fk in deferred:
            self.deferred_foreign_key(entity, fk)
        for entity in order:
            self.indexes(entity)
            self.updated_at_trigger(entity)
        for entity in order:
            self.search_index(entity)
        self.temporal()
        self.hierarchies()
        self.append_only()
        self.audit_log()
        self.rule_triggers()
        self.read_model_views()
        self.views()
        header = (
            f"-- {self.target.title} schema for design '{self.design.name}'.\n"
            f"-- Generated by schemaforge {__version__} from {comment_safe(self.design.file)}; do not edit by hand.\n"
        )
        return DdlResult(self.target.name, header + "\n" + "\n\n".join(self.statements) + "\n", self.findings,
                         self.pattern_statements)

    def enum_types(self) -> None:
        if self.target.ENUMS != "named_type":
            return
        used = {c.enum_type for e in self.design.entities.values() for c in e.columns if c.enum_type}
        for name, values in self.design.enum_types.items():
            if name in used:
                self.emit(self.enum_type(name, values))

    # -- domains (named types) ----------------------------------------------------------------
    def domain_of(self, column: Column | None) -> Domain | None:
        """The domain the column is declared with here: its named type's, where the target has
        domains (an enum keeps its enum type; an identity or a generated column its plain type)."""
        if column is None or not self.target.DOMAINS or column.type.kind == "enum":
            return None
        if column.identity or column.generated is not None:
            return None
        return self.design.domains.get(column.type.domain)

    def domain_type_name(self, domain: Domain) -> str:
        """The domain's name: the named type's, unless a built-in type or a table's row type
        already has it."""
        taken = self.target.BUILTIN_TYPE_NAMES | {e.table.lower() for e in self.design.entities.values()}
        return f"{domain.name}_domain" if domain.name.lower() in taken else domain.name

    def domain_checks(self, domain: Domain) -> list[tuple[str, exp.Expression]]:
        """(name, condition over VALUE): the named type's check and its format's regex."""
        value = exp.var("VALUE")
        checks = []
        if domain.check is not None:
            checks.append((f"{domain.name}_check", domain.check.transform(
                lambda n: value.copy() if isinstance(n, exp.Column) and n.name == "value" else n)))
        format_name = self.design.doc.types[domain.name].format
        if format_name:
            checks.append((f"{domain.name}_format", exp.RegexpLike(this=value.copy(), expression=exp.Literal.string(FORMAT_PATTERNS[format_name]))))
        return checks

    def rendered_domains(self) -> list[Domain]:
        """The domains some column is declared with here, in the order of `types:`."""
        used = {d.name for e in self.design.entities.values() for c in e.columns if (d := self.domain_of(c))}
        return [domain for name, domain in self.design.domains.items() if name in used]

    def domains(self) -> None:
        for domain in self.rendered_domains():
            self.emit(self.create_domain(domain))
            self.domain_comment(domain)

    def create_domain(self, domain: Domain) -> str:
        name = self.target.generate(self.ident(self.domain_type_name(domain)))
        text = f"CREATE DOMAIN {name} AS {self.type_text(domain.type)}"
        if domain.default is not None:
            text += f" DEFAULT {self.sql(self.default_value(domain.default, domain.type))}"
        for check_name, condition in self.domain_checks(domain):
            text += f"\n  CONSTRAINT {self.sql(self.ident(check_name))} CHECK ({self.sql(condition)})"
        return text

    def domain_comment(self, domain: Domain) -> None:
        if domain.description and self.target.COMMENTS == "statement":
            name = self.target.generate(self.ident(self.domain_type_name(domain)))
            self.emit(f"COMMENT ON DOMAIN {name} IS {self.sql(exp.Literal.string(_one_line(domain.description)))}")

    def held_by_domain(self, entity: Entity, check: Check) -> bool:
        """A check of a named type (or of its format) that the column's domain holds here."""
        from_type = check.origin == "domain" or (check.origin == "format" and check.path[:1] == ("types",))
        column = check.expression.find(exp.Column)
        return from_type and column is not None and self.domain_of(entity.column(column.name)) is not None

    def tree_path_type(self) -> None:
        """The type of the materialized paths, where the target has one (an extension)."""
        if self.target.TREE_PATH and any(t.strategy == "materialized_path" for t in hierarchy.trees(self.design)):
            self.emit(self.target.TREE_PATH[2])

    def enum_type(self, name: str, values: tuple[str, ...]) -> exp.Create:
        return exp.Create(
            this=exp.Table(this=self.ident(name)), kind="TYPE",
            expression=exp.DataType(this=exp.DataType.Type.ENUM, expressions=[exp.Literal.string(v) for v in values]),
        )

    def sequence_name(self, entity: Entity, column: Column) -> str:
        return sequence_name(entity.table, column.physical)

    def sequences(self) -> None:
        if self.target.IDENTITY != "sequence":
            return
        for entity in self.design.entities.values():
            for column in entity.columns:
                if column.identity:
                    self.emit(exp.Create(this=exp.Table(this=self.ident(self.sequence_name(entity, column))), kind="SEQUENCE"))

    # -- types and columns -------------------------------------------------------------------
    def stored_kind(self, typ: LogicalType) -> str:
        """The logical kind whose SQL type holds `typ` here: a string too long for the target's
        VARCHAR is held as text, an enum with more values than its small enum type holds as
        `large_enum` (ClickHouse's Enum16), a char(n) as `char` where the target's fixed-width
        type is that wide, an unsigned integer as `unsigned <kind>` where the target has one."""
        limit = self.target.MAX_STRING_LENGTH
        if typ.kind == "string" and limit is not None and typ.length > limit:
            return "text"
        if typ.fixed and (self.target.MAX_CHAR_LENGTH or typ.length) >= typ.length:
            return "char"
        if typ.unsigned and f"unsigned {typ.kind}" in self.target.TYPE_MAPPING:
            return f"unsigned {typ.kind}"
        small = self.target.SMALL_ENUM_VALUES
        if typ.kind == "enum" and small is not None and len(typ.values) > small:
            return "large_enum"
        return typ.kind

    def type_text(self, typ: LogicalType, column: Column | None = None) -> str:
        if column is not None and self.target.TREE_PATH and hierarchy.is_tree_path(column):
            return self.target.TREE_PATH[0]
        if typ.kind == "enum" and self.target.ENUMS == "named_type" and column and column.enum_type:
            return self.target.generate(self.ident(column.enum_type))
        if (domain := self.domain_of(column)) is not None and typ is column.type:
            return self.target.generate(self.ident(self.domain_type_name(domain)))
        template = self.target.TYPE_MAPPING[self.stored_kind(typ)]
        values = [self.target.generate(exp.Literal.string(v)) for v in typ.values]
        length = typ.length if typ.kind != "enum" else max(map(len, typ.values))
        text = template.format(
            length=length, precision=typ.precision, scale=typ.scale,
            item=self.type_text(typ.item) if typ.item else "",
            values=", ".join(values), numbered=", ".join(f"{v} = {i}" for i, v in enumerate(values, 1)),
        )
        nullable_type = self.target.NULLABLE_TYPE
        if column is not None and column.nullable and nullable_type and typ.kind not in self.target.NOT_NULLABLE_KINDS:
            text = nullable_type.format(type=text)
        return text

    def data_type(self, typ: LogicalType, column: Column | None = None) -> exp.DataType:
        return exp.DataType(this=exp.DataType.Type.USERDEFINED, kind=self.type_text(typ, column), nullable=False)

    def approximations(self, entity: Entity, column: Column) -> None:
        table = self.target.TYPE_APPROXIMATIONS
        kinds = [column.type.kind] + ([column.type.item.kind] if column.type.item else [])
        for kind in kinds:
            note = (column.nullable and table.get(f"nullable {kind}")) or table.get(kind)
            if note:
                self.finding(column.path, "TG107", "info",
                             f"'{entity.name}.{column.name}' is {column.type}: on {self.target.title} it is {note}")
                return

    def default(self, column: Column) -> exp.Expression | None:
        if column.default is None or (column.default_from_domain and self.domain_of(column) is not None):
            return None  # none, or its domain's
        return self.default_value(column.default, column.type)

    def default_value(self, default: Default, typ: LogicalType) -> exp.Expression:
        if default.kind != "literal":
            defaults = self.target.DEFAULTS
            text = defaults.get(f"{default.kind}:{typ.kind}") or defaults[default.kind]
            return exp.Paren(this=self.target.parse(text))
        return self.literal(typ, default.value)

    def literal(self, typ: LogicalType, value) -> exp.Expression:
        """`value` (from the design's YAML) as this target's literal of `typ`."""
        if isinstance(value, bool):
            return exp.Literal.number(int(value)) if self.target.BOOLEAN_IS_INTEGER else exp.Boolean(this=value)
        if isinstance(value, (int, float)) or typ.kind == "decimal":
            return exp.Literal.number(value)
        return self.target.typed_literal(typ.kind, value)

    def identity(self, entity: Entity, column: Column) -> list[exp.Expression]:
        mode = self.target.IDENTITY
        if not column.identity or mode == "rowid":
            return []
        if mode == "generated":
            return [exp.GeneratedAsIdentityColumnConstraint(this=False)]
        if mode == "auto_increment":
            return [exp.AutoIncrementColumnConstraint()]
        if mode == "sequence":
            seq = exp.Literal.string(self.sequence_name(entity, column))
            return [exp.DefaultColumnConstraint(this=exp.Anonymous(this="nextval", expressions=[seq]))]
        self.finding(column.path, "TG110", "info",
                     f"{self.target.title} has no identity columns: '{entity.name}.{column.name}' must be given "
                     "its values", fix="supply keys from the source system, or use a uuid key with default: uuid")
        return []

    def generated(self, entity: Entity, column: Column) -> exp.Expression | None:
        if column.generated is None or self.inexpressible(
            column.generated, column.path + ("generated",), f"generated column '{entity.name}.{column.name}'",
            f"it is a plain nullable column in the {self.target.name} DDL", "fill it in the application for this target",
        ):
            return None
        tree = self.physical_expression(entity, column.generated)
        mode = self.target.GENERATED
        if mode == "typed_cast":  # SQL Server's computed columns take their type from the expression
            return exp.ComputedColumnConstraint(this=exp.Cast(this=tree, to=self.data_type(column.type)), persisted=True)
        if mode == "stored":
            return exp.ComputedColumnConstraint(this=tree, persisted=True)
        return exp.ComputedColumnConstraint(this=exp.Paren(this=tree))

    def column_comment(self, entity: Entity, column: Column) -> str | None:
        """The column's description, plus the reference it stands for where the target keeps
        references as documentation only."""
        parts = [column.description] if column.description else []
        if not self.target.FOREIGN_KEYS:
            for fk in entity.foreign_keys:
                if column.name in fk.columns:
                    target = self.design.entities[fk.target]
                    parts.append(f"references {target.table} ({', '.join(target.physical(c) for c in fk.target_columns)})")
        return _one_line("; ".join(parts)) or None

    def column_def(self, entity: Entity, column: Column, inline_pk: bool) -> exp.ColumnDef:
        constraints: list[exp.Expression] = self.identity(entity, column)
        if inline_pk:
            constraints.append(exp.PrimaryKeyColumnConstraint())
        default = self.default(column)
        if default is not None:
            constraints.append(exp.DefaultColumnConstraint(this=default))
        if self.target.UPDATED_AT == "on_update" and column is self.updated_at_column(entity):
            now = self.target.parse(self.target.DEFAULTS["now"])
            constraints.append(exp.OnUpdateColumnConstraint(this=now))
        generated = self.generated(entity, column)
        if generated is not None:
            constraints.append(generated)
        computed_without_constraints = generated is not None and not self.target.NOT_NULL_ON_GENERATED
        plain_stand_in = column.generated is not None and generated is None
        nullability_in_type = self.target.NULLABLE_TYPE is not None
        if not (column.nullable or inline_pk or computed_without_constraints or plain_stand_in or nullability_in_type):
            constraints.append(exp.NotNullColumnConstraint())
        comment = self.column_comment(entity, column)
        if comment and self.target.COMMENTS == "inline":
            constraints.append(exp.CommentColumnConstraint(this=exp.Literal.string(comment)))
        self.approximations(entity, column)
        kind = self.data_type(column.type, column)
        plain_key = self.target.PLAIN_INTEGER_KEY
        referencing = any(column.name in fk.columns for fk in entity.foreign_keys)  # its values are its parent's
        if plain_key and column.type.is_integer and not column.identity and entity.primary_key == (column.name,) and not referencing:
            kind = exp.DataType(this=exp.DataType.Type.USERDEFINED, kind=plain_key, nullable=False)
        named_key = inline_pk and entity.primary_key_named  # a key named by the design keeps its name inline too
        return exp.ColumnDef(this=self.ident(column.physical), kind=kind, constraints=[
            exp.ColumnConstraint(kind=c, this=self.ident(entity.primary_key_name) if named_key and
                                 isinstance(c, exp.PrimaryKeyColumnConstraint) else None) for c in constraints])

    # -- constraints -------------------------------------------------------------------------
    def implied_checks(self, entity: Entity) -> list[Check]:
        """CHECKs a target needs to hold what its types do not: enums, lengths, booleans, JSON."""
        checks = []
        for column in entity.columns:
            col = exp.column(column.name)
            kind = column.type.kind
            if kind == "enum" and self.target.ENUMS == "check":
                values = [exp.Literal.string(v) for v in column.type.values]
                checks.append(Check(f"ck_{entity.name}_{column.name}_enum", exp.In(this=col, expressions=values), column.path, "field"))
            if kind == "string" and (not self.target.ENFORCES_LENGTH or self.stored_kind(column.type) not in ("string", "char")):
                length = exp.LTE(this=exp.Length(this=col), expression=exp.Literal.number(column.type.length))
                checks.append(Check(f"ck_{entity.name}_{column.name}_length", length, column.path, "field"))
            if kind == "boolean" and self.target.BOOLEAN_CHECK:
                checks.append(Check(f"ck_{entity.name}_{column.name}_bool", exp.In(this=col, expressions=[exp.Literal.number(0), exp.Literal.number(1)]), column.path, "field"))
            json_like = kind == "json" or (kind == "array" and self.target.ARRAY_AS_JSON)
            if json_like and self.target.JSON_CHECK:
                valid = self.target.json_check(col)
                if column.nullable:  # SQLite's json_valid(NULL) is 0, which would reject NULL
                    valid = exp.or_(exp.Is(this=col.copy(), expression=exp.Null()), valid)
                checks.append(Check(f"ck_{entity.name}_{column.name}_json", valid, column.path, "field"))
        return checks

    def inexpressible(self, tree: exp.Expression, path, what: str, consequence: str, fix: str,
                      unsupported: tuple[type[exp.Expression], ...] | None = None) -> bool:
        """Report (TG101) and return True when `tree` uses what the target cannot evaluate."""
        unsupported = self.target.UNSUPPORTED_EXPRESSIONS if unsupported is None else unsupported
        limit = self.target.MAX_EXPRESSION_DEPTH
        if limit is not None and (depth := expression_depth(tree)) > limit:
            self.finding(path, "TG101", "warning",
                         f"{what} nests {depth} levels deep, more than {self.target.title}'s {limit}; {consequence}",
                         fix="split it into several simpler checks")
            return True
        node = tree.find(*unsupported) if unsupported else None
        if node is None:
            return False
        self.finding(
            path, "TG101", "warning",
            f"{what} uses {node.sql('postgres')}, which {self.target.title} cannot evaluate there; {consequence}",
            fix=fix,
        )
        return True

    def check_forbidden_columns(self, entity: Entity) -> dict[str, str]:
        """Columns a CHECK may not read on this target, with the reason."""
        excludes = self.target.CHECK_EXCLUDES
        forbidden = {}
        if "fk_action" in excludes:
            for fk in entity.foreign_keys:
                if fk.on_delete in _CASCADING or fk.on_update in _CASCADING:
                    forbidden |= {c: f"foreign key {fk.name} writes it on a referential action" for c in fk.columns}
        if "identity" in excludes:
            forbidden |= {c.name: "it is an identity column" for c in entity.columns if c.identity}
        return forbidden

    def table_checks(self, entity: Entity) -> list[Check]:
        """The CHECKs of the table here: the design's, less those the column types hold (UNSIGNED),
        and those the target needs for what its types do not hold."""
        held_by_type = lambda check: check.origin == "unsigned" and self.stored_kind(  # noqa: E731
            entity.column(check.expression.this.name).type).startswith("unsigned")
        return [c for c in entity.checks if not held_by_type(c) and not self.held_by_domain(entity, c)] + self.implied_checks(entity)

    def check_constraint(self, entity: Entity, check: Check) -> exp.Constraint | None:
        what = f"{'format' if check.origin == 'format' else 'check'} {check.name} on '{entity.name}'"
        consequence = f"it is left out of the {self.target.name} DDL"
        fix = "validate it in the application, or rely on the seed expectations"
        if self.inexpressible(check.expression, check.path, what, consequence, fix):
            return None
        forbidden = self.check_forbidden_columns(entity)
        read = next((c.name for c in check.expression.find_all(exp.Column) if c.name in forbidden), None)
        if read is not None:
            self.finding(check.path, "TG112", "warning",
                         f"{what} reads '{read}', which {self.target.title} does not allow in a CHECK "
                         f"({forbidden[read]}); {consequence}", fix=fix)
            return None
        condition = self.physical_expression(entity, check.expression)
        nullable = {c.name for c in entity.columns if c.nullable}
        reads_nullable = any(c.name in nullable for c in check.expression.find_all(exp.Column))
        if self.target.CHECK_NULL_FAILS and reads_nullable:
            condition = exp.Coalesce(this=condition, expressions=[exp.true()])
        return exp.Constraint(
            this=self.constraint_name(check.name, check.path),
            expressions=[exp.CheckColumnConstraint(this=condition)],
        )

    def fk_options(self, entity: Entity, fk: ForeignKey) -> list[str]:
        options = []
        for event, action, table in (("DELETE", fk.on_delete, self.target.FK_DELETE_ACTIONS),
                                     ("UPDATE", fk.on_update, self.target.FK_UPDATE_ACTIONS)):
            if action is None:
                continue
            action_sql = action.replace("_", " ").upper()
            problem, clause = None, table.get(action)
            if action == "set_null" and fk.tenant_scoped:
                problem, clause = self.tenant_set_null(entity, fk, event)
            elif action not in table:
                problem = f"{self.target.title} has no ON {event} {action_sql}"
            elif self.target.SINGLE_CASCADE_PATH and action in _CASCADING and not self.cascades[event].add(fk.target, entity.name):
                problem = (f"ON {event} {action_sql} would close a cycle or open a second cascade path, "
                           f"which {self.target.title} refuses")
            if problem:
                self.finding(fk.path, "TG102", "warning",
                             f"foreign key {fk.name} on '{entity.name}': {problem}; the {self.target.name} DDL "
                             "uses the default (no action)", fix="perform the action in the application for this target")
            elif clause:
                options.append(f"ON {event} {clause}")
        if fk.deferrable:
            options += self.deferrable(entity, fk)
        return options

    def deferrable(self, entity: Entity, fk: ForeignKey) -> list[str]:
        """DEFERRABLE INITIALLY DEFERRED where the target can check the key at COMMIT; else a note
        (TG121), saying how the seed load fills a cycle of NOT NULL references the key closes."""
        if self.target.DEFERRABLE:
            return ["DEFERRABLE INITIALLY DEFERRED"]
        if self.target.FOREIGN_KEYS:
            in_cycle = any(later is fk for _, later in creation_order(self.design)[1]) and not fk.nullable
            how = ("unchecked" if self.target.SEED_UNCHECKED_REFERENCE is None or self.target.DEFERRED_FOREIGN_KEYS == "none"
                   else "with the check off")
            self.finding(fk.path, "TG121", "info",  # the seed load copes: a note, never a failed build
                         f"{self.target.title} checks foreign key {fk.name} on '{entity.name}' at once, not at commit"
                         + (f": the rows of its cycle of NOT NULL references go in {how} (the seed load script "
                            "does that)" if in_cycle else ""),
                         fix="insert the rows of the cycle in one statement per table, parents first, or drop the "
                             "check for the load" if in_cycle else None)
        return []

    def tenant_set_null(self, entity: Entity, fk: ForeignKey, event: str) -> tuple[str | None, str | None]:
        """(problem, clause) of SET NULL on a tenant-scoped reference: the tenant key it leads
        with is NOT NULL, so only the reference's own columns may be cleared."""
        if self.target.SET_NULL_COLUMNS and event == "DELETE":
            own = ", ".join(self.ident(entity.physical(c)).sql(self.target.dialect) for c in fk.columns[1:])
            return None, f"SET NULL ({own})"
        return (f"SET NULL would also clear the NOT NULL tenant key, and {self.target.title} cannot clear only "
                "the reference's own columns"), None

    def foreign_key(self, entity: Entity, fk: ForeignKey) -> exp.Constraint:
        target = self.design.entities[fk.target]
        reference = exp.Reference(
            this=exp.Schema(this=self.table(target), expressions=self.columns(target, fk.target_columns)),
            options=self.fk_options(entity, fk) or None,
        )
        return exp.Constraint(
            this=self.constraint_name(fk.name, fk.path),
            expressions=[exp.ForeignKey(expressions=self.columns(entity, fk.columns), reference=reference)],
        )

    def indexable(self, entity: Entity, columns, path, what: str) -> bool:
        """False (and TG111) when a column's type cannot be an index key on this target."""
        for name in columns:
            column = entity.column(name)
            kind = self.stored_kind(column.type)
            if kind in self.target.UNINDEXABLE_KINDS:
                self.finding(path, "TG111", "warning",
                             f"{what} on '{entity.name}' covers '{name}' ({column.type}), which {self.target.title} "
                             f"cannot index; it is left out of the {self.target.name} DDL",
                             fix="index a shorter string(n) or a hash of the value in a generated column")
                return False
        return True

    def unique_as_index(self, entity: Entity, unique: Unique) -> bool:
        """Uniques that become (partial) unique indexes: those that ignore soft-deleted rows, and
        on targets whose UNIQUE admits a single NULL, those over nullable columns."""
        if entity.soft_delete_column and self.target.PARTIAL_INDEXES:
            return True
        return not self.target.UNIQUE_NULLS_DISTINCT and any(entity.column(c).nullable for c in unique.columns)

    def key_constraints(self, entity: Entity, rowid_key: bool) -> list[exp.Expression]:
        key = entity.primary_key
        if not self.target.UNIQUE_CONSTRAINTS:
            if key:
                self.finding(entity.path, "TG109", "info",
                             f"{self.target.title} does not enforce keys: '{entity.name}' is sorted by its key "
                             f"({', '.join(key)}), and duplicates are possible", fix="deduplicate when loading")
            for unique in entity.uniques:
                self.finding(unique.path, "TG109", "warning",
                             f"{self.target.title} does not enforce uniqueness: unique {unique.name} on '{entity.name}' "
                             "is not checked", fix="check it with the seed expectations or in the loading pipeline")
            return []
        items: list[exp.Expression] = []
        if key and not rowid_key:
            items.append(exp.Constraint(
                this=self.constraint_name(entity.primary_key_name, entity.path),
                expressions=[exp.PrimaryKey(expressions=self.columns(entity, key))],
            ))
        items += filter(None, (self.unique_constraint(entity, unique) for unique in entity.uniques))
        return items

    def unique_constraint(self, entity: Entity, unique: Unique) -> exp.Constraint | None:
        """The UNIQUE table constraint, or None where it is an index (or cannot be had)."""
        if self.unique_as_index(entity, unique) or not self.indexable(entity, unique.columns, unique.path, f"unique {unique.name}"):
            return None
        if entity.soft_delete_column:
            self.finding(unique.path, "TG104", "warning",
                         f"{self.target.title} has no partial indexes: unique {unique.name} on '{entity.name}' "
                         "also counts soft-deleted rows")
        return exp.Constraint(
            this=self.constraint_name(unique.name, unique.path),
            expressions=[exp.UniqueColumnConstraint(this=exp.Schema(expressions=self.columns(entity, unique.columns)))],
        )

    def reference_constraints(self, entity: Entity, deferred: list[tuple[Entity, ForeignKey]]) -> list[exp.Expression]:
        if not self.target.FOREIGN_KEYS:
            for fk in entity.foreign_keys:
                self.finding(fk.path, "TG108", "info",
                             f"{self.target.title} has no foreign keys: foreign key {fk.name} on '{entity.name}' is "
                             "kept as a column comment, not enforced", fix="check references with the seed expectations")
            return []
        later = {id(fk) for e, fk in deferred if e is entity}
        return [
            self.foreign_key(entity, fk) for fk in entity.foreign_keys
            if id(fk) not in later or self.target.DEFERRED_FOREIGN_KEYS == "inline"
        ]

    # -- tables ------------------------------------------------------------------------------
    def create_table(self, entity: Entity, deferred: list[tuple[Entity, ForeignKey]]) -> None:
        key = entity.primary_key
        rowid_key = self.target.IDENTITY == "rowid" and len(key) == 1 and entity.column(key[0]).identity
        items: list[exp.Expression] = [
            self.column_def(entity, c, inline_pk=rowid_key and c.name == key[0]) for c in entity.columns
        ]
        items += self.key_constraints(entity, rowid_key)
        items += self.reference_constraints(entity, deferred)
        for check in self.table_checks(entity):
            constraint = self.check_constraint(entity, check)
            if constraint is not None:
                items.append(constraint)
        items += self.skipping_indexes(entity)
        create = exp.Create(
            this=exp.Schema(this=self.table(entity), expressions=items), kind="TABLE",
            properties=self.table_properties(entity),
        )
        if entity.description and self.target.COMMENTS == "none":
            self.statements.append(f"-- {entity.table}: {_one_line(entity.description)}")
        self.emit(create)
        self.comments(entity)

    def table_properties(self, entity: Entity) -> exp.Properties | None:
        properties: list[exp.Expression] = []
        if self.target.TABLE_ENGINE:
            properties.append(exp.EngineProperty(this=exp.var(self.target.TABLE_ENGINE)))
            key = exp.Tuple(expressions=[exp.column(self.ident(entity.physical(c))) for c in self.sorting_key(entity)])
            properties.append(exp.Order(expressions=[exp.Ordered(this=key, nulls_first=False)]))
        if entity.description and self.target.COMMENTS == "inline":
            properties.append(exp.SchemaCommentProperty(this=exp.Literal.string(_one_line(entity.description))))
        return exp.Properties(expressions=properties) if properties else None

    def sorting_key(self, entity: Entity) -> list[str]:
        """A sorting key for a table engine: the busiest query's constant filters, equality
        filters and range filters, then the primary key; nullable columns cannot be in it."""
        queries = [q for q in self.design.doc.queries.values() if q.entity == entity.name and q.filter]
        fields: list[str] = []
        if queries:
            busiest = max(queries, key=lambda q: q.rate or 0)
            ranked = sorted(busiest.filter.items(), key=lambda item: (
                0 if not isinstance(item[1], str) else 1 if item[1] in ("eq", "in") else 2))
            fields = [name for name, _ in ranked]
        names = [c.name for f in fields for c in entity.columns if c.field == f] + list(entity.primary_key)
        key = [n for n in dict.fromkeys(names) if not entity.column(n).nullable]
        return key or [entity.columns[0].name]

    def comments(self, entity: Entity) -> None:
        mode = self.target.COMMENTS
        if mode not in ("statement", "extended_property"):
            return
        if entity.description:
            self.emit(self.comment(entity, None, _one_line(entity.description)))
        for column in entity.columns:
            comment = self.column_comment(entity, column)
            if comment:
                self.emit(self.comment(entity, column, comment))

    def comment(self, entity: Entity, column: Column | None, text: str) -> exp.Expression:
        if self.target.COMMENTS == "statement":
            if column is None:
                return exp.Comment(this=self.table(entity), kind="TABLE", expression=exp.Literal.string(text))
            target = exp.Column(this=self.ident(column.physical), table=self.ident(entity.table))
            return exp.Comment(this=target, kind="COLUMN", expression=exp.Literal.string(text))
        # SQL Server keeps descriptions as MS_Description extended properties.
        levels = [("name", "MS_Description"), ("value", text), ("level0type", "SCHEMA"), ("level0name", "dbo"),
                  ("level1type", "TABLE"), ("level1name", entity.table)]
        if column is not None:
            levels += [("level2type", "COLUMN"), ("level2name", column.physical)]
        return exp.Execute(
            this=exp.Table(this=exp.to_identifier("sp_addextendedproperty"), db=exp.to_identifier("sys")),
            expressions=[exp.EQ(this=exp.Parameter(this=exp.var(k)), expression=exp.National(this=v)) for k, v in levels],
        )

    def deferred_foreign_key(self, entity: Entity, fk: ForeignKey) -> None:
        mode = self.target.DEFERRED_FOREIGN_KEYS
        if mode == "inline" or not self.target.FOREIGN_KEYS:
            return
        if mode == "none":
            self.finding(
                fk.path, "TG103", "warning",
                f"foreign key {fk.name} closes a cycle of references, and {self.target.title} cannot add a "
                f"foreign key after its table exists; it is left out of the {self.target.name} DDL",
                fix="check the reference with an expectation, or break the cycle",
            )
            return
        self.emit(exp.Alter(
            this=self.table(entity), kind="TABLE",
            actions=[exp.AddConstraint(expressions=[self.foreign_key(entity, fk)])],
        ))

    # -- indexes and triggers ----------------------------------------------------------------
    def index_where(self, entity: Entity, index: Index) -> exp.Expression | None:
        where = index.where
        if where is None:
            return None
        what = f"index {index.name} on '{entity.name}'"
        if self.inexpressible(where, index.path + ("where",), what, "it covers all rows there",
                              "accept the larger index on this target"):
            return None
        if not self.target.PARTIAL_INDEXES:
            self.finding(index.path, "TG104", "warning",
                         f"{self.target.title} has no partial indexes: {what} covers all rows")
            return None
        if self.inexpressible(where, index.path + ("where",), what, "it covers all rows there",
                              "write the filter as comparisons joined by AND", self.target.PARTIAL_INDEX_UNSUPPORTED):
            return None
        return where

    def index_method(self, entity: Entity, index: Index) -> str | None:
        if self.target.TREE_PATH and index.columns == (hierarchy.TREE_PATH,) and hierarchy.is_tree_path(entity.column(index.columns[0])):
            return self.target.TREE_PATH[1]
        using = index.using if index.using in self.target.INDEX_METHODS else None
        if index.using and using is None:
            self.finding(index.path, "TG105", "info",
                         f"{self.target.title} has no '{index.using}' index method: index {index.name} uses its default")
        if using and index.unique and using not in self.target.UNIQUE_INDEX_METHODS:
            self.finding(index.path, "TG105", "warning",
                         f"{self.target.title} cannot enforce uniqueness with a '{using}' index: "
                         f"unique index {index.name} uses the default method")
            using = None
        if using and not self.method_fits(entity, index, using):
            using = None
        return using

    def method_fits(self, entity: Entity, index: Index, using: str) -> bool:
        """Whether the target's `using` method can index these columns (TG113 where not)."""
        where = index.path + ("using",)
        if using in self.target.SINGLE_COLUMN_METHODS and len(index.columns) > 1:
            self.finding(where, "TG113", "warning",
                         f"{self.target.title}'s '{using}' indexes take one column: index {index.name} on "
                         f"'{entity.name}' has {len(index.columns)}; it uses the default method there",
                         fix=f"index one column with {using}, or drop using:")
            return False
        allowed = self.target.INDEX_METHOD_KINDS.get(using)
        misfits = [c for c in index.columns if allowed is not None and entity.column(c).type.kind not in allowed]
        if misfits:
            kinds = ", ".join(sorted(allowed)) or "none of the logical types"
            self.finding(where, "TG113", "warning",
                         f"{self.target.title} has no '{using}' operator class for {misfits[0]} "
                         f"({entity.column(misfits[0]).type}): index {index.name} on '{entity.name}' uses the default "
                         f"method there; '{using}' indexes {kinds}",
                         fix="drop using: (btree fits every type), or index a column of a kind the method takes")
            return False
        return True

    def indexes(self, entity: Entity) -> None:
        if self.target.SKIPPING_INDEX:
            return  # they are part of the table
        for unique in entity.uniques:
            self.unique_index(entity, unique)
        for index in entity.indexes:
            self.plain_index(entity, index)
        for name, columns, path in self.foreign_key_indexes(entity):
            self.create_index(entity, name, columns, path, False, None)

    def unique_index(self, entity: Entity, unique: Unique) -> None:
        """A unique that is an index here (see unique_as_index): a partial one where it can be."""
        if self.unique_as_index(entity, unique) and self.indexable(entity, unique.columns, unique.path, f"unique {unique.name}"):
            not_deleted = exp.Is(this=exp.column(entity.soft_delete_column), expression=exp.Null()) if entity.soft_delete_column else None
            where = not_deleted if self.target.PARTIAL_INDEXES else None
            self.create_index(entity, unique.name, unique.columns, unique.path, True, where)

    def plain_index(self, entity: Entity, index: Index) -> None:
        if not self.indexable(entity, index.columns + index.include, index.path, f"index {index.name}"):
            return
        if index.include and not self.target.INCLUDE_COLUMNS:
            self.finding(index.path, "TG105", "info",
                         f"{self.target.title} has no INCLUDE columns: index {index.name} leaves them out")
        self.create_index(
            entity, index.name, index.columns, index.path, index.unique, self.index_where(entity, index),
            using=self.index_method(entity, index),
            include=index.include if self.target.INCLUDE_COLUMNS else (), descending=index.descending,
            operator_classes={c: self.target.PREFIX_OPERATOR_CLASSES[kind] for c in index.prefix
                              if (kind := self.stored_kind(entity.column(c).type)) in self.target.PREFIX_OPERATOR_CLASSES},
        )

    def foreign_key_indexes(self, entity: Entity) -> list[tuple[str, tuple[str, ...], tuple]]:
        """Where the target needs it (MySQL), an index that leads with each foreign key's columns:
        (name, columns, design path) of each one that no key, unique or index provides."""
        if not (self.target.FK_NEEDS_INDEX and self.target.FOREIGN_KEYS):
            return []
        leading = [entity.primary_key] + [u.columns for u in entity.uniques] + [i.columns for i in entity.indexes]
        needed = []
        for fk in entity.foreign_keys:
            if any(tuple(cols[: len(fk.columns)]) == fk.columns for cols in leading):
                continue
            needed.append((f"ix_{entity.name}_{fk.field}", fk.columns, fk.path))
            leading.append(fk.columns)
        return needed

    def create_index(self, entity, name, columns, path, unique, where, using=None, include=(), descending=(),
                     operator_classes=None) -> None:
        if unique and not self.target.UNIQUE_NULLS_DISTINCT:
            # One NULL only, unless filtered out: keep NULLs apart as the design means.
            nullable = [exp.not_(exp.Is(this=exp.column(c), expression=exp.Null())) for c in columns if entity.column(c).nullable]
            where = exp.and_(*([where] if where is not None else []), *nullable) if nullable else where
        params = exp.IndexParameters(
            columns=[self.index_key(entity, c, c in descending, (operator_classes or {}).get(c)) for c in columns],
            using=exp.var(using) if using else None,
            include=self.columns(entity, include) or None,
            where=exp.Where(this=self.physical_expression(entity, where)) if where is not None else None,
        )
        index = exp.Index(this=self.constraint_name(name, path), table=self.table(entity), params=params)
        self.emit(exp.Create(this=index, kind="INDEX", unique=unique))

    def index_key(self, entity: Entity, column: str, descending: bool, operator_class: str | None) -> exp.Expression:
        key: exp.Expression = exp.Column(this=self.ident(entity.physical(column)))
        if operator_class:
            key = exp.Opclass(this=key, expression=exp.to_table(operator_class))
        if descending:
            key = exp.Ordered(this=key, desc=True, nulls_first=self.target.natural_nulls_first(True))
        return key

    def skipping_indexes(self, entity: Entity) -> list[exp.Expression]:
        """Data-skipping indexes, declared inside the table (ClickHouse)."""
        kind = self.target.SKIPPING_INDEX
        if not kind:
            return []
        return [self.skipping_index(entity, index) for index in entity.indexes]

    def skipping_index(self, entity: Entity, index: Index) -> exp.IndexColumnConstraint:
        kind = self.target.SKIPPING_INDEX
        self.finding(index.path, "TG105", "info",
                     f"{self.target.title} has no secondary indexes: index {index.name} on '{entity.name}' is a "
                     f"{kind} data-skipping index" + (" and does not enforce uniqueness" if index.unique else ""))
        if index.where is not None:
            self.finding(index.path, "TG104", "warning",
                         f"{self.target.title} has no partial indexes: index {index.name} on '{entity.name}' covers all rows")
        columns = [exp.column(self.ident(entity.physical(c))) for c in index.columns]
        return exp.IndexColumnConstraint(
            this=self.constraint_name(index.name, index.path), expression=exp.Tuple(expressions=columns),
            index_type=exp.var(kind), granularity=exp.Literal.number(1),
        )

    def updated_at_column(self, entity: Entity) -> Column | None:
        """The column every UPDATE sets to the current time (the timestamps pattern's updated_at,
        or a field with on_update: now), if the entity has one."""
        return next((c for c in entity.columns if c.on_update_now), None)

    def updated_at_function_names(self) -> dict[str, tuple[str, Column]]:
        """Physical column name -> (the trigger function that sets it to the time, a column of that
        name): `set_<field>`, one per physical name, since the function writes the name."""
        if "_updated_at_names" in self.__dict__:  # asked once per entity's trigger: made once per renderer
            return self.__dict__["_updated_at_names"]
        names: dict[str, tuple[str, Column]] = {}
        self.__dict__["_updated_at_names"] = names
        for column in filter(None, map(self.updated_at_column, self.design.entities.values())):
            if column.physical not in names:
                taken = {function for function, _ in names.values()}
                function = next(f for i in range(len(names) + 1) if (f := f"set_{column.name}" + (f"_{i}" if i else "")) not in taken)
                names[column.physical] = (function, column)
        return names

    def updated_at_function_name(self, column: Column) -> str:
        return self.updated_at_function_names()[column.physical][0]

    def updated_at_functions(self, had: frozenset[str] = frozenset()) -> None:
        """The trigger functions that set a column to the time, one per column name (the name is
        written in the function), but those named in `had`."""
        template = self.target.UPDATED_AT_FUNCTION
        if not (template and self.target.UPDATED_AT_TRIGGER):
            return
        for function, column in self.updated_at_function_names().values():
            if function not in had:
                column_sql = self.target.generate(self.ident(column.physical))
                self.emit(template.format(function=self.target.generate(self.ident(function)), column=column_sql),
                          end=self.target.PROCEDURAL_END)

    def updated_at_trigger(self, entity: Entity) -> None:
        column = self.updated_at_column(entity)
        if column is None or self.target.UPDATED_AT != "trigger":
            return
        template = self.target.UPDATED_AT_TRIGGER
        if template is None:
            self.finding(column.path, "TG106", "info",
                         f"{self.target.title} has no triggers: '{entity.name}.{column.name}' is set on insert "
                         "but not maintained on update", fix=f"set {column.name} in the application's UPDATE statements")
            return
        dialect = self.target.dialect
        table = self.table(entity).sql(dialect)
        key_join = " AND ".join(
            f"{table}.{name} = inserted.{name}" for name in (self.ident(entity.physical(c)).sql(dialect) for c in entity.primary_key)
        )
        self.emit(template.format(
            trigger=self.constraint_name(f"trg_{entity.name}_updated_at", entity.path).sql(dialect),
            table=table, column=self.ident(column.physical).sql(dialect),
            function=self.target.generate(self.ident(self.updated_at_function_name(column))), key_join=key_join,
        ), end=self.target.PROCEDURAL_END)

    def pattern_triggers(self, placed: list[tuple], writers: dict, code: str, missing, without: dict, statements) -> None:
        """A pattern that triggers keep: on a target in `writers`, the statements
        `statements(writer class)` gives; elsewhere a `code` warning at each (entity, where) of
        `placed` saying `missing(entity)`, with what to do instead (`without`)."""
        writer = writers.get(self.target.name)
        if writer is None:
            for entity, where in placed:
                self.finding(where, code, "warning", f"{self.target.title} has no triggers: {missing(entity)}",
                             fix=without.get(self.target.name))
        elif placed:
            for statement in statements(writer):
                self.emit_pattern(statement)

    def audit_log(self) -> None:
        """The audit pattern: the audit log and a trigger per audited table (patterns/audit.py)."""
        entities = audit.pattern_entities(self.design)
        dialect = self.target.dialect
        self.pattern_triggers(
            [(e, pattern_path(self.design, e, audit.PATTERN)) for e in entities], audit.AUDIT_LOGS, "TG114",
            lambda e: f"changes of '{e.name}' are not recorded in an audit log there", audit.WITHOUT_TRIGGERS,
            lambda writer: writer(lambda name: self.ident(name).sql(dialect),
                                  lambda entity: self.table(entity).sql(dialect)).statements(entities))

    def temporal(self) -> None:
        """The temporal pattern: history table, versions view and triggers (patterns/temporal.py)."""
        entities = temporal.temporal_entities(self.design)

        def statements(writer) -> list:
            tables = writer(self)
            return tables.functions() + [s for entity in entities for s in tables.statements(entity)]
        self.pattern_triggers(
            [(e, pattern_path(self.design, e, temporal.PATTERN)) for e in entities], temporal.TEMPORAL_TABLES, "TG117",
            lambda e: f"the versions of '{e.name}' are not kept there", temporal.WITHOUT_TRIGGERS, statements)

    def hierarchies(self) -> None:
        """What keeps each tree's closure table, path or bounds: triggers (and on MySQL the
        procedures that move), by strategy (patterns/hierarchy.py)."""
        for strategy, keepers in hierarchy.KEEPERS.items():
            kept = [tree for tree in hierarchy.trees(self.design) if tree.strategy == strategy
                    and (strategy != "closure_table" or hierarchy.closure_entity(tree.entity.name) in self.design.entities)]
            what = hierarchy.KEPT[strategy]
            self.pattern_triggers(
                [(tree.entity, tree.entity.path + ("patterns",)) for tree in kept], keepers, "TG119",
                lambda e, what=what: f"the {what} of '{e.name}' is not kept there as the tree changes",
                {target: fix.format(kept=what) for target, fix in hierarchy.WITHOUT_TRIGGERS.items()},
                lambda writer, kept=kept: [s for tree in kept for s in writer(self).triggers(tree)])
            if self.target.name in hierarchy.MOVED_BY_CALL.get(strategy, ()):
                for tree in kept:
                    self.finding(tree.entity.path + ("patterns",), "TG120", "info", hierarchy.MOVED_BY_CALL[strategy][
                        self.target.name].format(table=tree.entity.table, entity=tree.entity.name))

    def append_only(self) -> None:
        """The event stores: a trigger refuses an update or a delete (patterns/event_store.py)."""
        entities = event_store.event_stores(self.design)

        def statements(writer) -> list:
            store = writer(self)
            return store.functions() + [s for entity in entities for s in store.triggers(entity)]
        self.pattern_triggers(
            [(e, e.path) for e in entities], event_store.APPEND_ONLY, "TG118",
            lambda e: f"nothing refuses an update or a delete of the events in '{e.name}' there",
            event_store.WITHOUT_TRIGGERS, statements)

    def read_model_views(self) -> None:
        """Where the target has materialized views (MATERIALIZED_READ_MODELS), the read models."""
        if self.target.MATERIALIZED_READ_MODELS:
            for statement in materialized_views(self.design, self):
                self.emit_pattern(statement)

    # -- full-text search ----------------------------------------------------------------------
    def search_names(self, entity: Entity) -> dict:
        """What the target's search templates are filled with, for `entity`'s search."""
        search = entity.search
        quoted = lambda name: self.target.generate(self.ident(name))  # noqa: E731
        text = lambda value: self.target.generate(exp.Literal.string(value))  # noqa: E731
        columns = [quoted(entity.physical(c)) for c in search.columns]
        key = entity.primary_key[0] if len(entity.primary_key) == 1 else None
        languages = self.target.SEARCH_LANGUAGES
        language = languages.get(search.language, languages.get("*", search.language))
        return {
            "name": quoted(search.name), "table": quoted(entity.table), "table_text": text(entity.table),
            "table_plain": entity.table, "columns": ", ".join(columns), "column_list": columns,
            "column_texts": ", ".join(text(entity.physical(c)) for c in search.columns),
            "document": self.target.search_document(columns), "columns_like": self.target.search_like(columns),
            "language": language, "language_text": text(language),
            "columns_with_language": ", ".join(f"{c} LANGUAGE {language}" for c in columns),
            "new_columns": ", ".join(f"new.{c}" for c in columns), "old_columns": ", ".join(f"old.{c}" for c in columns),
            "key": quoted(entity.physical(key)) if key else "", "key_text": text(entity.physical(key)) if key else "",
            "key_index": quoted(entity.primary_key_name),
        }

    def search_index(self, entity: Entity) -> None:
        """The entity's full-text index as the target makes it; a finding where it has none."""
        search = entity.search
        if search is None:
            return
        if self.target.SEARCH_NEEDS_KEY and len(entity.primary_key) != 1:
            self.finding(search.path, "TG123", "warning", f"{self.target.title}'s full-text index needs a one-column key, "
                         f"and '{entity.name}' has {len(entity.primary_key)}: searches of it scan the table",
                         fix="give the entity a single-column key")
            return
        statements = self.target.search_statements(self.search_names(entity))
        if not statements:
            self.finding(search.path, "TG123", "info", f"{self.target.title} has no full-text index: a search of "
                         f"'{entity.name}' scans its rows for the words (LIKE, no stemming)")
            return
        made = ("search", self.target.generate(self.ident(search.name)), self.target.generate(self.ident(entity.table)))
        for statement in statements:
            self.emit_pattern(Statement(statement, procedural=statement.startswith("CREATE TRIGGER") and
                                        self.target.PROCEDURAL_END != ";", object=made))

    def views(self) -> None:
        """The design's views (`views:`), each after the views it reads; a view the target cannot
        hold is left out with a finding, and so are the views that read it."""
        left_out: set[str] = set()
        for view in self.design.views.values():
            missing = next((r for r in view.reads if r in left_out), None)
            if missing is not None:
                self.finding(view.path, "TG101", "warning", f"view '{view.name}' reads view '{missing}', which the "
                             f"{self.target.name} DDL leaves out; it is left out too")
                left_out.add(view.name)
                continue
            if self.inexpressible(view.query, view.path + ("sql",), f"view '{view.name}'",
                                  f"it is left out of the {self.target.name} DDL", "write it in plainer SQL", unsupported=()):
                left_out.add(view.name)
                continue
            for statement in self.view_statements(view):
                self.emit_pattern(statement)

    def view_query(self, view: View) -> str:
        """The view's query in the target's SQL over its physical names."""
        tree = physical_tree(self.design, view.query, self.target.quote_needed)
        for table in tree.find_all(exp.Table):
            if table.name in self.design.views and not table.args.get("db"):
                table.set("this", self.ident(table.name))
        if self.target.BOOLEAN_IS_INTEGER:
            tree = tree.transform(lambda n: exp.Literal.number(int(n.this)) if isinstance(n, exp.Boolean) else n, copy=False)
        return self.target.generate(tree)

    def view_statements(self, view: View) -> list[Statement]:
        name = self.target.generate(self.ident(view.name))
        materialized = view.materialized and self.target.MATERIALIZED_VIEW is not None
        if view.materialized and not materialized:
            self.finding(view.path + ("materialized",), "TG122", "info",
                         f"{self.target.title} has no materialized views: view '{view.name}' is a plain view, "
                         "computed on every read", fix="keep a table of its rows filled by the application or a job")
        kind = "materialized_view" if materialized else "view"
        template = self.target.MATERIALIZED_VIEW if materialized else "CREATE VIEW {name} AS {query}"
        made = (kind, name, None)
        statements = [Statement(template.format(name=name, query=self.view_query(view)), object=made)]
        if view.description and self.target.VIEW_COMMENT:
            text = self.target.generate(exp.Literal.string(_one_line(view.description)))
            statements.append(Statement(self.target.VIEW_COMMENT.format(
                kind="MATERIALIZED VIEW" if materialized else "VIEW", name=name, text=text), object=made))
        return statements

    def view_refreshes(self) -> list[str]:
        """The statements that refresh the materialized views, in the order they read each other."""
        template = self.target.REFRESH_MATERIALIZED_VIEW
        if template is None:
            return []
        names = [self.target.generate(self.ident(v.name)) for v in self.design.views.values() if v.materialized]
        return [template.format(name=name, name_text=self.target.generate(exp.Literal.string(name))) for name in names]

    def rule_triggers(self) -> None:
        """Rules with `enforce: trigger` or `both`: a trigger that refuses a violating change
        (ddl/rule_triggers.py)."""
        writer, rules, assertions = rendered_rules(self.design, self)
        title = self.target.title
        for rule in rules:
            where = rule.path[:2] + ("enforce",)  # the rule's own path is its assert:
            if writer is None:
                self.finding(where, "TG116", "warning", f"{title} has no triggers: rule '{rule.name}' is not enforced "
                             "there, only checked on the seed data", fix="run the rule's query in the loading pipeline")
            elif not writer.DEFERRED:
                self.finding(where, "TG115", "warning", f"{title} cannot defer a trigger: rule '{rule.name}' is checked "
                             f"{writer.CHECKED}, so every step of a transaction must keep it",
                             fix="write the rows in an order that keeps the rule at each step (an order's total "
                             "after its lines), or enforce it on a target that checks at commit")
        if writer is None or not rules:
            return
        for statement in writer.setup(rules) + [s for rule in rules for s in writer.triggers(
                rule, assertions[rule.name], read_entities(self.design, rule))]:
            self.emit_pattern(statement)


def _one_line(text: str) -> str:
    """A description as a comment holds it: one line (a literal spanning lines is valid SQL, but
    line-oriented clients, sqlcmd's GO and SQL*Plus's blank line, would cut it)."""
    return " ".join(text.split())
