"""From the validated syntax to the resolved model, reporting every semantic error on the way.

Order of work: domain types, then the entity list (declared entities plus generated
many-to-many junctions), then each entity's key, then columns (a `ref` becomes the columns of the
target's key, resolved recursively), then constraints, expressions and names.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from functools import cached_property

from sqlglot import exp

from schemaforge.findings import Finding
from schemaforge.naming import (
    DESIGN_NAME, NAME_RULE, PHYSICAL_NAME, PHYSICAL_RULE, apply_convention,
)
from schemaforge.design.expressions import ExpressionChecker
from schemaforge.design import tenants
from schemaforge.design.formats import FORMAT_PATTERNS
from schemaforge.design.literals import LiteralProblem, canonical_literal
from schemaforge.design.model import (
    Check, Column, Default, Design, Domain, Entity, ForeignKey, Index, Search, Unique,
)
from schemaforge.design.source import Path, SourceMap
from schemaforge.design.structure import suggest
from schemaforge.design.syntax import DesignDoc, DomainType, EntityDef, FieldDef, NamedCheck, NamedKey
from schemaforge.design.types import ALL_TYPE_NAMES, LogicalType, TypeError_, parse_type

SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")

# Columns a pattern adds to each entity it applies to: (name, type, nullable, default).
PATTERN_COLUMNS = {
    "timestamps": [
        ("created_at", LogicalType("timestamptz"), False, Default("now")),
        ("updated_at", LogicalType("timestamptz"), False, Default("now")),
    ],
    "soft_delete": [("deleted_at", LogicalType("timestamptz"), True, None)],
    "versioned": [("lock_version", LogicalType("integer"), False, Default("literal", 1))],
    "temporal": [("valid_from", LogicalType("timestamptz"), False, Default("now"))],
}

# Columns a hierarchy strategy keeps beside the parent reference, and the index its queries use:
# the path of keys from the root (a PostgreSQL ltree, text elsewhere), or nested-set bounds.
HIERARCHY_COLUMNS = {
    "materialized_path": ([("path", LogicalType("string", length=700), True, None)], ("path",)),
    "nested_set": ([("lft", LogicalType("integer"), True, None), ("rgt", LogicalType("integer"), True, None)],
                   ("lft", "rgt")),
}


@dataclass
class _EntitySource:
    """An entity to resolve: declared in `entities:` or generated for a many-to-many."""

    name: str
    spec: EntityDef
    path: Path  # where its definition stands
    junction: bool = False
    generated: bool = False
    append_only: bool = False
    derived_from: str | None = None

    def field_path(self, field: str) -> Path:
        return self.path if self.generated else self.path + ("fields", field)


class _Names:
    """Keeps generated constraint names unique across the design (`_2`, `_3`... on a clash)."""

    def __init__(self):
        self.used: set[str] = set()
        self.given: dict[str, Path] = {}  # names the design gives, folded: kept from generated ones
        self.spaces: dict[tuple[str, str], Path] = {}  # (namespace, folded name) -> where it was given

    def give(self, name: str, path: Path, spaces: tuple[str, ...]) -> Path | None:
        """Reserve a name the design gives in its namespaces (PostgreSQL's: indexes, keys and
        uniques share the schema's; every constraint shares its table's); the path that gave it
        first if one of them has it."""
        folded = name.lower()
        taken = next((self.spaces[(space, folded)] for space in spaces if (space, folded) in self.spaces), None)
        if taken is not None:
            return taken
        self.spaces |= {(space, folded): path for space in spaces}
        self.given.setdefault(folded, path)
        self.used |= {name, folded}
        return None

    def claim(self, name: str) -> str:
        candidate, n = name, 2
        while candidate in self.used or candidate.lower() in self.given:
            candidate, n = f"{name}_{n}", n + 1
        self.used.add(candidate)
        return candidate


def resolve(doc: DesignDoc, source: SourceMap, design_name: str, text: str) -> tuple[Design, list[Finding]]:
    """The resolved design and the errors found; with errors the design is best-effort and
    only good for checking the other sections."""
    resolver = _Resolver(doc, source, design_name)
    design = resolver.run(hashlib.sha256(text.encode()).hexdigest())
    return design, resolver.findings


class _Resolver:
    def __init__(self, doc: DesignDoc, source: SourceMap, design_name: str):
        self.doc = doc
        self.source = source
        self.design_name = design_name
        self.findings: list[Finding] = []
        self.sql = ExpressionChecker(source, self.findings)
        self.domains: dict[str, LogicalType] = {}
        self.domain_checks: dict[str, exp.Expression] = {}
        self.domain_defs: dict[str, Domain] = {}
        self.sources: dict[str, _EntitySource] = {}
        self.keys: dict[str, tuple[str, ...]] = {}
        self._columns: dict[tuple[str, str], list[tuple[str, LogicalType]] | None] = {}
        self._resolving: set[tuple[str, str]] = set()
        self.names = _Names()
        self.enum_types: dict[str, tuple[str, ...]] = {}
        self.tenant: str | None = None  # multi_tenant: the tenant entity
        self.tenant_fields: dict[str, str] = {}  # owned entity -> its reference to the tenant
        self.hierarchies: dict[str, tuple[str, str]] = {}  # entity -> (strategy, parent field)

    # -- helpers -----------------------------------------------------------------------------
    def error(self, path: Path, message: str, code: str, *, key: bool = False, fix: str | None = None):
        where = self.source.key(path) if key else self.source.value(path)
        self.findings.append(Finding(where, message, code, fix=fix))

    def check_name(self, name: str, path: Path, what: str, physical: bool = False) -> bool:
        pattern, rule = (PHYSICAL_NAME, PHYSICAL_RULE) if physical else (DESIGN_NAME, NAME_RULE)
        if pattern.match(name):
            return True
        shown = name if len(name) <= 40 else name[:40] + "..."
        self.error(path, f"{what} name '{shown}' {rule}", "SP201", key=not physical)
        return False

    # -- the steps ---------------------------------------------------------------------------
    def run(self, text_sha256: str) -> Design:
        self._header()
        self._domain_types()
        self._given_names()
        self._entity_sources()
        for name in self.sources:
            self._key_of(name)
        entities = {name: self._entity(src) for name, src in self.sources.items()}
        self._table_names(entities)
        if self.tenant is not None:
            tenants.scope_to_tenants(entities, self.tenant, self.names.claim)
        self._cycles(entities)
        targets = self.doc.targets or self._default_targets()
        return Design(
            name=self.doc.design, version=self.doc.version, description=self.doc.description,
            database=self.doc.database, targets=tuple(dict.fromkeys(targets)), entities=entities,
            doc=self.doc, source=self.source, text_sha256=text_sha256, enum_types=self.enum_types,
            domains=self._used_domains(entities),
        )

    def _used_domains(self, entities: dict[str, Entity]) -> dict[str, Domain]:
        used = {c.type.domain for e in entities.values() for c in e.columns}
        return {name: domain for name, domain in self.domain_defs.items() if name in used}

    def _given_names(self) -> None:
        """Reserve every constraint and index name the design gives, before any is generated, so a
        generated name steps around them; one given twice in a namespace (the later in the file),
        or not a valid name, is an error."""
        given: list[tuple[str, Path, bool, str, str]] = []  # (name, where, a mapping key?, aspect, entity)
        for entity, spec in self.doc.entities.items():
            path = ("entities", entity)
            for field, field_spec in spec.fields.items():
                names = field_spec.constraint
                if isinstance(names, str):
                    aspect = (self._constrained_aspects(field_spec) or ["check"])[0]
                    given.append((names, path + ("fields", field, "constraint"), False, aspect, entity))
                elif names:
                    given += [(name, path + ("fields", field, "constraint", aspect), False, aspect, entity)
                              for aspect, name in names.items()]
            if isinstance(spec.primary_key, NamedKey):
                given.append((spec.primary_key.name, path + ("primary_key", "name"), False, "pk", entity))
            if isinstance(spec.unique, dict):
                given += [(name, path + ("unique", name), True, "unique", entity) for name in spec.unique]
            given += [(check.constraint, path + ("checks", name, "constraint"), False, "check", entity)
                      for name, check in spec.checks.items() if isinstance(check, NamedCheck) and check.constraint]
            given += [(index.name, path + ("indexes", i, "name"), False, "index", entity)
                      for i, index in enumerate(spec.indexes) if index.name]
        for name, path, key, aspect, entity in sorted(given, key=lambda item: self.source.value(item[1]).line):
            spaces = {"pk": ("relation", f"table {entity}"), "unique": ("relation", f"table {entity}"),
                      "index": ("relation",)}.get(aspect, (f"table {entity}",))
            self._give(name, path, key, spaces)

    def _give(self, name: str, path: Path, key: bool, spaces: tuple[str, ...]) -> None:
        if not PHYSICAL_NAME.match(name):
            shown = name if len(name) <= 40 else name[:40] + "..."
            self.error(path, f"constraint name '{shown}' {PHYSICAL_RULE}", "SP201", key=key)
            return
        first = self.names.give(name, path, spaces)
        if first is not None:
            where = "index, key and unique names share the schema" if "relation" in spaces else "names of one table's constraints"
            self.error(path, f"the name '{name}' is given twice (first on line {self.source.value(first).line}): "
                       f"{where} on PostgreSQL", "SP202", key=key, fix="give each constraint a name of its own")

    def _default_targets(self) -> list[str]:
        if self.doc.database in ("polyglot", "microservices"):
            return [store.database for store in self.doc.stores.values()]
        return [self.doc.database]

    def _header(self) -> None:
        doc = self.doc
        if self.check_name(doc.design, ("design",), "design") and doc.design != self.design_name:
            self.error(
                ("design",), f"design '{doc.design}' must match its file name '{self.design_name}'",
                "SP203", fix=f"design: {self.design_name}",
            )
        if not SEMVER.match(doc.version):
            self.error(("version",), f"version '{doc.version}' is not semver; write MAJOR.MINOR.PATCH such as 1.0.0", "SP105")
        if not doc.description.strip():
            self.error(("description",), "description is empty; say what the database is for", "SP105")
        if doc.database in ("polyglot", "microservices") and not doc.stores:
            self.error(("database",), f"database: {doc.database} needs stores: assigning entities to databases", "SP102")
        if not PHYSICAL_NAME.match(doc.conventions.primary_key):
            self.error(("conventions", "primary_key"), f"primary_key name {PHYSICAL_RULE}", "SP201")

    def _domain_types(self) -> None:
        for name, domain in self.doc.types.items():
            path = ("types", name)
            if not self.check_name(name, path, "type"):
                continue
            if name in ALL_TYPE_NAMES:
                self.error(path, f"type '{name}' shadows the built-in type of that name; pick another name", "SP202", key=True)
                continue
            try:  # a domain may build on domains declared before it
                self.domains[name] = parse_type(domain.type, self.domains).named(name)
            except TypeError_ as problem:
                self._type_error(problem, path + ("type",))
                continue
            if domain.check:
                tree = self.sql.row_expression(domain.check, path + ("check",), {"value"}, f"the check of type '{name}'",
                                               condition=True)
                if tree is not None:
                    self.domain_checks[name] = tree
            self.domain_defs[name] = Domain(name, self.domains[name], path, self.domain_checks.get(name),
                                            self._default(domain, self.domains[name], path), domain.description)

    def _type_error(self, problem: TypeError_, path: Path) -> None:
        if problem.unknown:
            choices = list(ALL_TYPE_NAMES) + list(self.doc.types)
            self.error(path, f"unknown type '{problem.unknown}'{suggest(problem.unknown.lower(), choices)}", "SP301")
        else:
            self.error(path, str(problem), "SP302")

    def _entity_sources(self) -> None:
        for name, spec in self.doc.entities.items():
            path = ("entities", name)
            if self.check_name(name, path, "entity"):
                self.sources[name] = _EntitySource(name, spec, path)
            self._renamed_from(spec.renamed_from, path, "entity", self.doc.entities)
            for field, field_spec in spec.fields.items():
                self.check_name(field, path + ("fields", field), "field")
                self._renamed_from(field_spec.renamed_from, path + ("fields", field), f"field of '{name}'", spec.fields)
        for i, rel in enumerate(self.doc.relationships):
            self._junction(i, rel)
        for name, spec in list(self.doc.entities.items()):
            for i, use in enumerate(spec.patterns):
                if use.pattern == "graph":
                    self._graph_edges(name, spec, ("entities", name, "patterns", i), use)
                if use.pattern == "event_sourcing":
                    self._event_store(name, spec, ("entities", name, "patterns", i))
                if use.pattern == "hierarchy":
                    self._hierarchy(name, spec, ("entities", name, "patterns", i), use)
        self._tenant_sources()

    def _pattern_path(self, pattern: str) -> Path:
        """Where the design first asks for `pattern`: in `patterns:` or on an entity."""
        for i, use in enumerate(self.doc.patterns):
            if use.pattern == pattern:
                return ("patterns", i)
        return next(("entities", name, "patterns", i) for name, spec in self.doc.entities.items()
                    for i, use in enumerate(spec.patterns) if use.pattern == pattern)

    def _tenant_sources(self) -> None:
        """The multi_tenant pattern, first step: the tenant reference on every owned entity."""
        for i, use in enumerate(self.doc.patterns):
            if use.shared is not None and use.pattern != tenants.PATTERN:
                self.error(("patterns", i, "shared"), f"shared applies to the multi_tenant pattern only, not "
                           f"{use.pattern}", "SP105")
        if not tenants.uses_pattern(self.doc):
            return
        tenancy = self.doc.security.tenancy
        if tenancy is None:
            self.error(self._pattern_path(tenants.PATTERN), "the multi_tenant pattern needs to know which entity "
                       "is the tenant", "SP105", fix="add security: {tenancy: {entity: <the tenant entity>}}")
            return
        if tenancy.entity not in self.sources:
            return  # the security section reports the unknown entity
        self.tenant = tenancy.entity
        design_wide = tenants.design_wide_use(self.doc)
        for i, name in enumerate(design_wide.shared or () if design_wide else ()):
            where = self._pattern_path(tenants.PATTERN) + ("shared", i)
            if name not in self.sources:
                self.error(where, f"unknown entity '{name}'{suggest(name, self.sources)}", "SP401")
            elif name == self.tenant:
                self.error(where, f"'{name}' is the tenant; it is neither shared nor owned", "SP105",
                           fix=f"remove '{name}' from shared")
            elif tenants.tenant_reference(self.sources[name].spec, self.tenant):
                self.error(where, f"'{name}' references the tenant '{self.tenant}', so its rows belong to one; "
                           "it cannot be shared", "SP105", fix=f"remove '{name}' from shared")
        specs = {name: src.spec for name, src in self.sources.items()}
        generated = {name for name, src in self.sources.items() if src.generated}
        for name in tenants.owned_entities(self.doc, specs, generated, self.tenant):
            src = self.sources[name]
            field = tenants.tenant_reference(src.spec, self.tenant)
            if field is None and self.tenant in src.spec.fields:
                self.error(src.field_path(self.tenant), f"'{name}' belongs to a tenant (multi_tenant pattern) and its "
                           f"field '{self.tenant}' is not a reference to the tenant entity", "SP202",
                           fix=f"rename the field, or make it `{{ref: {self.tenant}}}`")
                continue
            if field is None:
                src.spec = tenants.with_tenant_field(src.spec, self.tenant)
                field = self.tenant
            elif src.spec.fields[field].nullable:
                self.error(src.field_path(field) + ("nullable",), f"the tenant reference '{name}.{field}' cannot be "
                           "nullable: every row of a tenant-owned entity belongs to a tenant", "SP105")
                continue
            self.tenant_fields[name] = field

    def _renamed_from(self, old_name: str | None, path: Path, what: str, siblings) -> None:
        """`renamed_from:` names what the object was called in an earlier release: a valid name
        that nothing of the same kind still has (or a migration could not tell them apart)."""
        if old_name is None:
            return
        if not self.check_name(old_name, path + ("renamed_from",), f"renamed_from {what}", physical=True):
            return
        if old_name in siblings:
            self.error(path + ("renamed_from",), f"renamed_from: '{old_name}' names a {what} that still exists; "
                       "a rename leaves the old name free", "SP406",
                       fix=f"remove renamed_from, or rename the other '{old_name}'")

    def _junction(self, i: int, rel) -> None:
        path = ("relationships", i)
        left, right = rel.many_to_many
        for j, end in enumerate((left, right)):
            if end not in self.doc.entities:
                self.error(path + ("many_to_many", j), f"unknown entity '{end}'{suggest(end, self.doc.entities)}", "SP401")
                return
        through = rel.through or f"{left}_{right}"
        if not self.check_name(through, path + ("through",), "junction entity"):
            return
        if through in self.sources:  # declared by the user: it must link both sides
            declared = self.sources[through]
            refs = {f.ref.split(".")[0] for f in declared.spec.fields.values() if f.ref}
            missing = [e for e in (left, right) if e not in refs]
            if missing:
                self.error(
                    declared.path, f"junction entity '{through}' needs a ref to {', '.join(missing)}",
                    "SP401", key=True,
                )
            declared.junction = True
            return
        right_field = right if right != left else f"related_{right}"
        spec = EntityDef.model_validate({
            "description": rel.description or f"Links {left} and {right} (many to many).",
            "fields": {
                left: {"ref": left, "on_delete": rel.on_delete},
                right_field: {"ref": right, "on_delete": rel.on_delete},
            },
            "primary_key": [left, right_field],
        })
        self.sources[through] = _EntitySource(through, spec, path, junction=True, generated=True)

    def _graph_edges(self, node: str, spec, path: Path, use) -> None:
        """The graph pattern: an entity `<node>_edge` of typed, directed edges between two nodes,
        one edge per (source, target, kind), none from a node to itself unless `self_loops: true`,
        indexed both ways."""
        key = self._single_key(node, spec, path, "graph")
        if key is None:
            return
        self._generate(f"{node}_edge", "graph", node, path, {
            "description": f"Typed, directed edges between {node} nodes (graph pattern).",
            "fields": {
                "source": {"ref": node, "on_delete": "cascade", "description": "the node the edge leaves"},
                "target": {"ref": node, "on_delete": "cascade", "description": "the node the edge reaches"},
                "kind": {"type": "string(40)", "default": "related", "description": "the edge's type"},
            },
            "primary_key": ["source", "target", "kind"],
            "checks": {} if use.self_loops else {"no_self_loop": f"source_{key} <> target_{key}"},
            "indexes": [{"fields": ["target", "source"]}],  # the edges into a node, for walks backwards
        })

    def _single_key(self, node: str, spec, path: Path, pattern: str) -> str | None:
        """The one key field a pattern that references `node` needs (reported where it has none)."""
        keys = [f for f, d in spec.fields.items() if d.pk]
        if len(keys) != 1 or spec.primary_key or spec.fields[keys[0]].ref:
            self.error(path, f"the {pattern} pattern needs '{node}' to have a key of one field (pk: true), not a "
                       "composite key or a reference", "SP105")
            return None
        return keys[0]

    def _generate(self, name: str, pattern: str, node: str, path: Path, definition: dict, **kind) -> None:
        """The entity a pattern on `node` makes, from its `definition` (an entity as the design
        would write it), unless the design has one of that name (reported at the pattern)."""
        if name in self.sources or name in self.doc.entities:
            self.error(path, f"the {pattern} pattern on '{node}' makes the entity '{name}', which the design already has",
                       "SP202", fix=f"rename the entity '{name}'")
            return
        self.sources[name] = _EntitySource(name, EntityDef.model_validate(definition), path, generated=True, **kind)

    def _event_store(self, node: str, spec, path: Path) -> None:
        """The event_sourcing pattern: `<node>_event`, the append-only store of the events of each
        `<node>` (its stream), numbered 1, 2, 3... in the stream (unique: two writers of one
        version conflict, which is the optimistic concurrency check), and placed in the whole
        store by `position`."""
        if self._single_key(node, spec, path, "event_sourcing") is None:
            return
        self._generate(f"{node}_event", "event_sourcing", node, path, {
            "description": f"The append-only store of the events of each {node} (event_sourcing pattern).",
            "fields": {
                "position": {"type": "bigint", "pk": True, "description": "the event's place in the whole store"},
                "stream": {"ref": node, "on_delete": "restrict", "description": f"the {node} the event belongs to"},
                "version": {"type": "integer", "check": "value >= 1",
                            "description": "the event's number in its stream: 1, 2, 3... without a gap"},
                "event_type": {"type": "string(100)", "description": "what happened"},
                "payload": {"type": "json", "description": "the event's data"},
                "metadata": {"type": "json", "nullable": True, "description": "who caused it, correlation ids"},
                "recorded_at": {"type": "timestamptz", "default": "now"},
            },
            "unique": [["stream", "version"]],
        }, append_only=True)

    def _hierarchy(self, node: str, spec, path: Path, use) -> None:
        """The hierarchy pattern: the tree's parent reference (`field:`, else the one reference
        to the entity itself), nullable for the roots; a closure_table adds `<node>_closure`."""
        strategy = use.strategy or "adjacency"
        own = [f for f, d in spec.fields.items() if d.ref and d.ref.split(".")[0] == node]
        if use.field is not None and use.field not in own:
            self.error(path + ("field",), f"'{use.field}' is not a reference of '{node}' to itself"
                       f"{suggest(use.field, own) if own else ''}", "SP105", fix=f"add {use.field}: {{ref: {node}, nullable: true}}")
            return
        if use.field is None and len(own) != 1:
            self.error(path, f"the hierarchy pattern on '{node}' needs its reference to itself (the parent): "
                       + ("it has none" if not own else f"it has {len(own)} ({', '.join(own)}); name one with field:"),
                       "SP105", fix=f"add parent: {{ref: {node}, nullable: true}}" if not own else "add field: <the parent>")
            return
        field = use.field or own[0]
        if not spec.fields[field].nullable:
            self.error(("entities", node, "fields", field), f"the parent reference '{node}.{field}' of a hierarchy must be "
                       "nullable: a root has no parent", "SP105", fix="add nullable: true")
            return
        key = self._single_key(node, spec, path, "hierarchy")
        if key is None or not self._tree_columns_fit(node, spec, path, strategy, key):
            return
        self.hierarchies[node] = (strategy, field)
        if strategy != "closure_table":
            return
        self._generate(f"{node}_closure", "hierarchy", node, path, {
            "description": f"Every ancestor of each {node}, with its distance (hierarchy pattern, closure_table).",
            "fields": {
                "ancestor": {"ref": node, "on_delete": "cascade", "description": "a node on the path from the root"},
                "descendant": {"ref": node, "on_delete": "cascade", "description": "the node the path leads to"},
                "depth": {"type": "integer", "check": "value >= 0", "description": "edges between them; 0: the node itself"},
            },
            "primary_key": ["ancestor", "descendant"],
            "indexes": [{"fields": ["descendant", "depth"]}],  # a node's ancestors, nearest first
        }, derived_from=node)

    def _tree_columns_fit(self, node: str, spec, path: Path, strategy: str, key: str) -> bool:
        """A strategy's own columns (HIERARCHY_COLUMNS) must not meet a field of the entity, and
        a materialized path is a chain of integer keys (an ltree label, a LIKE prefix)."""
        columns = HIERARCHY_COLUMNS.get(strategy, ([], ()))[0]
        taken = [name for name, *_ in columns if name in spec.fields]
        if taken:
            self.error(("entities", node, "fields", taken[0]), f"the {strategy} strategy of the hierarchy on '{node}' "
                       f"keeps its own '{taken[0]}' column", "SP105", fix=f"rename the field '{taken[0]}'")
            return False
        if strategy == "materialized_path":
            try:
                integer = parse_type(spec.fields[key].type or "", self.domains).is_integer
            except TypeError_:
                integer = False
            if not integer:
                self.error(path, f"the materialized_path strategy needs an integer key: '{node}.{key}' is "
                           f"{spec.fields[key].type}, and a path is a chain of keys", "SP105",
                           fix="use strategy: closure_table for a tree with this key")
                return False
        return True

    def _key_of(self, name: str) -> tuple[str, ...]:
        if name in self.keys:
            return self.keys[name]
        src = self.sources[name]
        pk_fields = [f for f, d in src.spec.fields.items() if d.pk]
        key: tuple[str, ...] = ()
        if src.spec.primary_key and pk_fields:
            self.error(src.path + ("primary_key",), "use either pk: true on one field or primary_key: [...], not both", "SP105")
        elif isinstance(src.spec.primary_key, NamedKey):
            key = tuple(self._field_names(src, src.spec.primary_key.fields, src.path + ("primary_key", "fields")))
        elif src.spec.primary_key:
            key = tuple(self._field_names(src, src.spec.primary_key, src.path + ("primary_key",)))
        elif len(pk_fields) > 1:
            self.error(
                src.field_path(pk_fields[1]) + ("pk",),
                f"several fields say pk: true ({', '.join(pk_fields)}); a composite key is written "
                f"primary_key: [{', '.join(pk_fields)}] on the entity", "SP105",
            )
        elif pk_fields:
            key = (pk_fields[0],)
        elif src.junction:
            key = tuple(f for f, d in src.spec.fields.items() if d.ref)
        else:
            pk = self.doc.conventions.primary_key
            self.error(
                src.path, f"entity '{name}' has no key", "SP403", key=True,
                fix=f"add `{pk}: {{type: bigint, pk: true}}` or `primary_key: [field, ...]`",
            )
        for field in key:
            if src.spec.fields[field].nullable:
                self.error(src.field_path(field) + ("nullable",), f"key field '{name}.{field}' cannot be nullable", "SP105")
        self.keys[name] = key
        return key

    def _field_names(self, src: _EntitySource, names: list[str], path: Path) -> list[str]:
        """Map a list of field (or column) names to field names, reporting unknown ones."""
        result = []
        by_column = {d.column: f for f, d in src.spec.fields.items() if d.column}
        for i, name in enumerate(names):
            field = name if name in src.spec.fields else by_column.get(name)
            if field is None:
                self.error(path + (i,), f"unknown field '{name}' in entity '{src.name}'{suggest(name, src.spec.fields)}", "SP405")
            else:
                result.append(field)
        return result

    def _columns_of(self, entity: str, field: str) -> list[tuple[str, LogicalType]] | None:
        """The (column, type) pairs a field becomes; a ref takes the target key's columns."""
        memo_key = (entity, field)
        if memo_key in self._columns:
            return self._columns[memo_key]
        src = self.sources[entity]
        spec = src.spec.fields[field]
        path = src.field_path(field)
        if memo_key in self._resolving:
            self.error(path, f"the key of '{entity}' refers back to itself through '{field}'", "SP404")
            return None
        self._resolving.add(memo_key)
        try:
            result = self._field_columns(src, field, spec, path)
        finally:
            self._resolving.discard(memo_key)
        self._columns[memo_key] = result
        return result

    def _field_columns(self, src, field, spec: FieldDef, path) -> list[tuple[str, LogicalType]] | None:
        if spec.type and spec.ref:
            self.error(path, f"field '{src.name}.{field}' has both type and ref; a ref takes its target's type", "SP105")
            return None
        if spec.ref:
            target = self._ref_target(src, field, spec, path)
            if target is None:
                return None
            target_entity, target_fields = target
            pairs = []
            for target_field in target_fields:
                columns = self._columns_of(target_entity, target_field)
                if columns is None:
                    return None
                pairs.extend((f"{field}_{col}", typ) for col, typ in columns)
            if spec.column:
                if len(pairs) != 1:
                    self.error(path + ("column",), "column: names one column, but this ref spans a composite key", "SP105")
                    return None
                pairs = [(spec.column, pairs[0][1])]
            return [(col, LogicalType(**{**typ.__dict__, "domain": None})) for col, typ in pairs]
        if not spec.type:
            self.error(path, f"field '{src.name}.{field}' needs a type or a ref", "SP102", key=True)
            return None
        try:
            typ = parse_type(spec.type, self.domains)
        except TypeError_ as problem:
            self._type_error(problem, path if src.generated else path + ("type",))
            return None
        if spec.unsigned:
            if not typ.is_integer:
                self.error(path + ("unsigned",), f"unsigned applies to integer fields, not {typ}", "SP105",
                           fix="remove unsigned:, or make the field smallint, integer or bigint")
            else:
                typ = replace(typ, unsigned=True)
        return [(spec.column or field, typ)]

    def _ref_target(self, src, field, spec: FieldDef, path) -> tuple[str, tuple[str, ...]] | None:
        target_name, _, target_field = spec.ref.partition(".")
        ref_path = path if src.generated else path + ("ref",)
        if target_name not in self.sources:
            self.error(ref_path, f"ref to unknown entity '{target_name}'{suggest(target_name, self.sources)}", "SP401")
            return None
        target = self.sources[target_name]
        key = self._key_of(target_name)
        if not target_field:
            return (target_name, key) if key else None
        if target_field not in target.spec.fields:
            self.error(ref_path, f"ref to unknown field '{spec.ref}'{suggest(target_field, target.spec.fields)}", "SP401")
            return None
        target_spec = target.spec.fields[target_field]
        if (target_field,) != key and not target_spec.unique:
            self.error(
                ref_path, f"ref '{spec.ref}' must point at a key or a unique field", "SP402",
                fix=f"add unique: true to {spec.ref}",
            )
            return None
        return target_name, (target_field,)

    # -- one entity --------------------------------------------------------------------------
    @cached_property
    def _folded_tables(self) -> frozenset[str]:
        """Every table name, lower-cased (read once all entities, junctions included, are known)."""
        return frozenset(self._table_of(src).lower() for src in self.sources.values())

    def _table_of(self, src: _EntitySource) -> str:
        return src.spec.table or apply_convention(src.name, self.doc.conventions.table_names)

    def _entity(self, src: _EntitySource) -> Entity:
        table = self._table_of(src)
        if src.spec.table:
            self.check_name(src.spec.table, src.path + ("table",), "table", physical=True)
        entity = Entity(
            name=src.name, table=table, path=src.path, description=src.spec.description,
            patterns=self._patterns(src), junction=src.junction, append_only=src.append_only,
            hierarchy=self.hierarchies.get(src.name), derived_from=src.derived_from,
        )
        field_columns: dict[str, list[str]] = {}
        for field, spec in src.spec.fields.items():
            field_columns[field] = self._add_field(entity, src, field, spec)
        self._add_pattern_columns(entity)
        self._duplicate_columns(entity)
        entity.primary_key = tuple(c for f in self.keys.get(src.name, ()) for c in field_columns.get(f, []))
        named_key = src.spec.primary_key.name if isinstance(src.spec.primary_key, NamedKey) else None
        key_field = next((f for f, d in src.spec.fields.items() if d.pk), None)
        named_key = named_key or (key_field and self._given_constraint(src.spec.fields[key_field], "pk"))
        entity.primary_key_name = named_key or self.names.claim(f"pk_{src.name}")
        entity.primary_key_named = bool(named_key)
        column_names = {c.name for c in entity.columns}
        for field, spec in src.spec.fields.items():
            self._field_constraints(entity, src, field, spec, field_columns.get(field, []), column_names)
        self._entity_constraints(entity, src, field_columns, column_names)
        tenant_columns = field_columns.get(self.tenant_fields.get(src.name), [])
        if len(tenant_columns) == 1:
            entity.tenant_key = tenant_columns[0]
        elif tenant_columns:
            self.error(src.field_path(self.tenant_fields[src.name]), f"the multi_tenant pattern needs a tenant key of "
                       f"one column; '{self.tenant}' has a composite key", "SP105",
                       fix=f"give '{self.tenant}' a single-field key (pk: true)")
        return entity

    def _patterns(self, src: _EntitySource) -> tuple[str, ...]:
        uses = list(src.spec.patterns) + ([] if src.generated else list(self.doc.patterns))
        for i, use in enumerate(src.spec.patterns):
            if use.strategy and use.pattern != "hierarchy":
                self.error(src.path + ("patterns", i, "strategy"), f"strategy applies to the hierarchy pattern only, not {use.pattern}", "SP105")
            if use.self_loops is not None and use.pattern != "graph":
                self.error(src.path + ("patterns", i, "self_loops"), f"self_loops applies to the graph pattern only, not {use.pattern}", "SP105")
            if use.shared is not None:
                self.error(src.path + ("patterns", i, "shared"), "shared applies to the design-wide multi_tenant "
                           "pattern only (the entities no tenant owns)", "SP105", fix="list it under the design's patterns:")
        return tuple(dict.fromkeys(use.pattern for use in uses))

    def _add_field(self, entity: Entity, src, field: str, spec: FieldDef) -> list[str]:
        columns = self._columns_of(src.name, field)
        if not columns:
            return []
        path = src.field_path(field)
        convention = self.doc.conventions.column_names
        if spec.column:
            self.check_name(spec.column, path + ("column",), "column", physical=True)
        names = []
        for name, typ in columns:
            physical = spec.column or apply_convention(name, convention)
            column = Column(
                name=name, physical=physical, field=field, type=typ, nullable=spec.nullable,
                path=path, description=spec.description, pii=spec.pii or self._domain_attr(typ, "pii"),
                format=spec.format or self._domain_attr(typ, "format"),
            )
            if not spec.ref:
                column.default = self._default(spec, typ, path)
                if column.default is None and typ.domain in self.domain_defs and spec.generated is None and not spec.pk:
                    column.default = self.domain_defs[typ.domain].default
                    column.default_from_domain = column.default is not None
                column.identity = (
                    spec.pk and typ.is_integer and spec.default is None and spec.generated is None
                    and spec.identity is not False
                )
                if typ.kind == "enum":
                    column.enum_type = self._enum_type(typ, f"{src.name}_{field}")
            entity.columns.append(column)
            names.append(name)
        return names

    def _domain_attr(self, typ: LogicalType, attr: str):
        domain: DomainType | None = self.doc.types.get(typ.domain) if typ.domain else None
        return getattr(domain, attr) if domain else None

    def _enum_type(self, typ: LogicalType, fallback: str) -> str:
        name = typ.domain or fallback
        # In PostgreSQL every table has a row type of its own name: an enum type must not take it.
        if name.lower() in self._folded_tables or (name in self.enum_types and self.enum_types[name] != typ.values):
            name = f"{name}_enum"
        self.enum_types[name] = typ.values
        return name

    def _default(self, spec: FieldDef, typ: LogicalType, path: Path) -> Default | None:
        value = spec.default
        if value is None:
            return None
        where = path + ("default",)
        kind = typ.kind
        specials = {"now": ("timestamp", "timestamptz", "time"), "today": ("date",), "uuid": ("uuid",)}
        if isinstance(value, str) and value in specials:
            if kind not in specials[value]:
                self.error(where, f"default '{value}' does not fit type {typ}; it applies to {', '.join(specials[value])}", "SP303")
                return None
            return Default(value)
        try:
            return Default("literal", canonical_literal(value, typ))
        except LiteralProblem as problem:
            self.error(where, f"default {value!r} does not fit type {typ}: {problem}", "SP303")
            return None

    def _add_pattern_columns(self, entity: Entity) -> None:
        existing = {c.name for c in entity.columns}
        convention = self.doc.conventions.column_names
        added = [(pattern, column) for pattern in entity.patterns for column in PATTERN_COLUMNS.get(pattern, [])]
        tree_index = ()
        if entity.hierarchy and entity.hierarchy[0] in HIERARCHY_COLUMNS:
            columns, tree_index = HIERARCHY_COLUMNS[entity.hierarchy[0]]
            added += [("hierarchy", column) for column in columns]
        for pattern, (name, typ, nullable, default) in added:
            if name in existing:
                continue
            entity.columns.append(Column(
                name=name, physical=apply_convention(name, convention), field=name, type=typ,
                nullable=nullable, default=default, path=entity.path, added_by=pattern,
                description=f"maintained by the {pattern} pattern",
            ))
        if "timestamps" in entity.patterns:  # its updated_at, the pattern's or the design's own field
            entity.column("updated_at").on_update_now = True
        if tree_index:
            entity.indexes.append(Index(self.names.claim(f"ix_{entity.name}_{'_'.join(tree_index)}"), tree_index,
                                        entity.path + ("patterns",)))

    def _duplicate_columns(self, entity: Entity) -> None:
        seen: dict[str, Column] = {}
        for column in entity.columns:
            folded = column.physical.lower()
            if folded in seen:
                first = seen[folded]
                self.error(
                    column.path, f"entity '{entity.name}' has two columns named '{column.physical}' "
                    f"(from fields '{first.field}' and '{column.field}'); rename one or set column:",
                    "SP202", key=True,
                )
            seen[folded] = column

    def _field_constraints(self, entity, src, field, spec: FieldDef, columns, column_names) -> None:
        path = src.field_path(field)
        if spec.identity is not None and not (spec.pk and not spec.ref and columns
                                              and entity.column(columns[0]).type.is_integer):
            self.error(path + ("identity",), "identity applies to an integer `pk` field", "SP105",
                       fix="remove identity:, or put it on the entity's integer key")
        if spec.constraint is not None:
            self._check_field_constraint(spec, path)
        if spec.deferrable and not spec.ref:
            self.error(path + ("deferrable",), "deferrable applies to ref fields (a foreign key checked at commit)",
                       "SP105", fix="remove deferrable:")
        if spec.unsigned and spec.ref:
            self.error(path + ("unsigned",), "a ref takes its target's type, unsigned or not", "SP105",
                       fix="remove unsigned: here; put it on the key the ref points at")
        if spec.on_delete == "set_null" and not spec.nullable:
            self.error(path + ("on_delete",), f"on_delete: set_null needs nullable: true on '{src.name}.{field}'", "SP105")
        if spec.on_update == "now":
            self._on_update_now(entity, src, field, spec, columns)
        elif (spec.on_delete or spec.on_update) and not spec.ref:
            self.error(path + ("on_delete" if spec.on_delete else "on_update",), "on_delete/on_update apply to ref fields "
                       "only (but on_update: now, on a timestamp)", "SP105")
        if not columns:
            return
        if spec.ref:
            target = spec.ref.split(".")[0]
            target_fields = self._ref_target(src, field, spec, path)
            target_cols = tuple(
                c for tf in (target_fields[1] if target_fields else ()) for c, _ in (self._columns_of(target, tf) or [])
            )
            entity.foreign_keys.append(ForeignKey(
                name=self._given_constraint(spec, "ref") or self.names.claim(f"fk_{src.name}_{field}"),
                field=field, columns=tuple(columns),
                target=target, target_columns=target_cols, on_delete=spec.on_delete,
                on_update=None if spec.on_update == "now" else spec.on_update, nullable=spec.nullable,
                one_to_one=spec.unique, path=path, deferrable=spec.deferrable,
            ))
        if spec.unique and tuple(columns) != entity.primary_key:
            name = self._given_constraint(spec, "unique") or self.names.claim(f"uq_{src.name}_{field}")
            entity.uniques.append(Unique(name, tuple(columns), path + ("unique",)))
        (column,) = [entity.column(c) for c in columns][:1] or [None]
        if len(columns) != 1:
            if spec.check or spec.generated or spec.format:
                self.error(path, "check, format and generated apply to single-column fields", "SP105")
            return
        self._value_checks(entity, spec, column, column_names, path)
        if spec.unsigned and column.type.unsigned:  # UNSIGNED where the target has it, this CHECK elsewhere
            at_least_zero = exp.GTE(this=exp.column(column.name), expression=exp.Literal.number(0))
            entity.checks.append(Check(self.names.claim(f"ck_{entity.name}_{column.name}_unsigned"), at_least_zero,
                                       path + ("unsigned",), "unsigned"))
        if spec.generated:
            if spec.default is not None or spec.pk:
                self.error(path + ("generated",), "a generated field cannot have a default or be the key", "SP105")
            column.generated = self.sql.row_expression(
                spec.generated, path + ("generated",), column_names - {column.name}, f"generated '{src.name}.{field}'"
            )

    @staticmethod
    def _constrained_aspects(spec: FieldDef) -> list[str]:
        """The constraints a field makes, in the order `constraint:` names them."""
        present = {"pk": spec.pk, "unique": spec.unique and not spec.pk, "ref": bool(spec.ref), "check": bool(spec.check)}
        return [aspect for aspect, made in present.items() if made]

    def _given_constraint(self, spec: FieldDef, aspect: str) -> str | None:
        """The name `constraint:` gives the field's `aspect` constraint, if any."""
        names = spec.constraint
        if isinstance(names, dict):
            return names.get(aspect)
        return names if names and self._constrained_aspects(spec) == [aspect] else None

    def _check_field_constraint(self, spec: FieldDef, path: Path) -> None:
        aspects = self._constrained_aspects(spec)
        if isinstance(spec.constraint, str):
            if len(aspects) != 1:
                made = " and ".join(aspects) if aspects else "no constraint (no pk, unique, ref or check)"
                fix = "write constraint: {" + ", ".join(f"{a}: NAME" for a in aspects) + "}" if aspects else "remove constraint:"
                self.error(path + ("constraint",), f"constraint: names one constraint, but the field makes {made}", "SP105", fix=fix)
            return
        for aspect in spec.constraint:
            if aspect not in aspects:
                self.error(path + ("constraint", aspect), f"constraint names a {aspect} constraint, but the field makes "
                           f"none{' (it makes ' + ', '.join(aspects) + ')' if aspects else ''}", "SP105", key=True)

    def _on_update_now(self, entity: Entity, src, field: str, spec: FieldDef, columns: list[str]) -> None:
        """`on_update: now`: the one column of its entity that every UPDATE sets to the time."""
        where = src.field_path(field) + ("on_update",)
        column = entity.column(columns[0]) if len(columns) == 1 else None
        if spec.ref or column is None or column.type.kind not in ("timestamp", "timestamptz"):
            self.error(where, "on_update: now applies to a timestamp or timestamptz field (on a ref, on_update is the "
                       "foreign key's action: cascade, restrict, set_null, set_default or no_action)", "SP105")
            return
        other = next((c for c in entity.columns if c.on_update_now), None)
        if other is not None:
            already = "the timestamps pattern's updated_at" if "timestamps" in entity.patterns else f"'{other.field}'"
            self.error(where, f"'{entity.name}' has one column that every UPDATE sets, and it is {already}", "SP105",
                       fix="keep on_update: now on one field")
            return
        column.on_update_now = True

    def _value_checks(self, entity: Entity, spec: FieldDef, column: Column, column_names, path) -> None:
        """CHECKs that a field's value must pass: its own, its domain type's, its format's."""
        col = exp.column(column.name)

        def on_column(tree: exp.Expression, shared: bool = False) -> exp.Expression:
            """`value` in the check as this column; a tree that others read too is copied first."""
            return tree.transform(lambda n: col.copy() if isinstance(n, exp.Column) and n.name == "value" else n,
                                  copy=shared)

        domain = column.type.domain
        if domain in self.domain_checks:
            entity.checks.append(Check(
                self.names.claim(f"ck_{entity.name}_{column.name}_{domain}"),
                on_column(self.domain_checks[domain], shared=True), ("types", domain, "check"), "domain",
            ))
        if spec.check:
            tree = self.sql.row_expression(
                spec.check, path + ("check",), column_names | {"value"}, f"the check of '{entity.name}.{column.field}'",
                condition=True,
            )
            if tree is not None:
                name = self._given_constraint(spec, "check") or self.names.claim(f"ck_{entity.name}_{column.name}")
                entity.checks.append(Check(name, on_column(tree), path + ("check",), "field"))
        if column.format:
            if column.type.kind not in ("string", "text"):
                self.error(path + ("format",), f"format applies to string and text fields, not {column.type}", "SP105")
                return
            regex = exp.RegexpLike(this=col.copy(), expression=exp.Literal.string(FORMAT_PATTERNS[column.format]))
            format_path = path + ("format",) if spec.format else ("types", domain)
            entity.checks.append(Check(self.names.claim(f"ck_{entity.name}_{column.name}_format"), regex, format_path, "format"))

    def _entity_constraints(self, entity: Entity, src: _EntitySource, field_columns, column_names) -> None:
        def columns_of(fields: list[str]) -> tuple[str, ...]:
            return tuple(c for f in fields for c in field_columns.get(f, []))

        groups = src.spec.unique.items() if isinstance(src.spec.unique, dict) else enumerate(src.spec.unique)
        for place, group in groups:
            fields = self._field_names(src, group, src.path + ("unique", place))
            if len(fields) == len(group):
                name = place if isinstance(place, str) else self.names.claim(f"uq_{src.name}_{'_'.join(fields)}")
                entity.uniques.append(Unique(name, columns_of(fields), src.path + ("unique", place)))
        for name, check in src.spec.checks.items():
            path = src.path + ("checks", name)
            text = check.check if isinstance(check, NamedCheck) else check
            if self.check_name(name, path, "check"):
                where = path + ("check",) if isinstance(check, NamedCheck) else path
                tree = self.sql.row_expression(text, where, column_names, f"check '{src.name}.{name}'", condition=True)
                if tree is not None:
                    given = check.constraint if isinstance(check, NamedCheck) else None
                    entity.checks.append(Check(given or self.names.claim(f"ck_{src.name}_{name}"), tree, where, "entity"))
        for i, index in enumerate(src.spec.indexes):
            path = src.path + ("indexes", i)
            fields = self._field_names(src, index.fields, path + ("fields",))
            include = self._field_names(src, index.include, path + ("include",))
            where = None
            if index.where:
                where = self.sql.row_expression(index.where, path + ("where",), column_names, "an index predicate", condition=True)
            name = index.name or self.names.claim(f"ix_{src.name}_{'_'.join(fields)}")
            entity.indexes.append(Index(
                name, columns_of(fields), path, index.unique, where, index.using, columns_of(include)
            ))
        if src.spec.search is not None:
            self._search(entity, src, columns_of)

    def _search(self, entity: Entity, src: _EntitySource, columns_of) -> None:
        search, path = src.spec.search, src.path + ("search",)
        fields = self._field_names(src, search.fields, path + ("fields",))
        for i, field in enumerate(fields):
            columns = [entity.column(c) for c in columns_of([field])]
            if len(columns) != 1 or columns[0].type.kind not in ("string", "text"):
                self.error(path + ("fields", i), f"search reads text: '{src.name}.{field}' is "
                           f"{columns[0].type if columns else 'not one column'}", "SP105",
                           fix="search over string, char or text fields")
                return
        if search.name:
            self.check_name(search.name, path + ("name",), "index", physical=True)
        name = search.name or self.names.claim(f"ft_{src.name}")
        entity.search = Search(name, columns_of(fields), search.language, path)

    # -- across entities ---------------------------------------------------------------------
    def _table_names(self, entities: dict[str, Entity]) -> None:
        seen: dict[str, str] = {}
        for entity in entities.values():
            folded = entity.table.lower()
            if folded in seen:
                self.error(
                    entity.path, f"entities '{seen[folded]}' and '{entity.name}' both map to table '{entity.table}'",
                    "SP202", key=True,
                )
            seen[folded] = entity.name

    def _cycles(self, entities: dict[str, Entity]) -> None:
        """Report foreign-key cycles of NOT NULL refs: no insert order can satisfy them. One cycle
        per strongly connected component (found in linear time), through its first entity: once
        it is broken, the next build names any other."""
        edges = {name: [fk for fk in entity.foreign_keys if not fk.may_wait and fk.target in entities]
                 for name, entity in entities.items()}
        successors = {name: [fk.target for fk in fks] for name, fks in edges.items()}
        for component in strongly_connected(list(entities), successors):
            start = next(name for name in entities if name in component)
            step = _path_back(start, component, edges)
            if step is None:
                continue  # a single entity without a NOT NULL reference to itself
            chain = ", ".join(f"{n}.{f.field} -> {f.target}" for n, f in step)
            self.findings.append(Finding(
                self.source.value(step[0][1].path),
                f"foreign keys form a cycle that no insert order can satisfy: {chain}",
                "SP404", fix="make one ref of the cycle nullable: true, or deferrable: true (checked at commit)",
            ))


def strongly_connected(nodes: list[str], successors: dict[str, list[str]]) -> list[set[str]]:
    """Tarjan's strongly connected components, iteratively (a long chain of entities must not
    reach Python's recursion limit); linear in nodes plus edges."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[set[str]] = []
    for root in nodes:
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(successors.get(root, ())))]
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(successors.get(child, ()))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                components.append(component)
    return components


def _path_back(start: str, component: set[str], edges: dict[str, list]) -> list | None:
    """The shortest chain of references from `start` back to itself inside its component."""
    previous: dict[str, tuple] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for fk in edges.get(node, []):
                if fk.target not in component:
                    continue
                if fk.target == start:
                    chain = [(node, fk)]
                    while node != start:
                        node, link = previous[node]
                        chain.append((node, link))
                    return chain[::-1]
                if fk.target not in previous:
                    previous[fk.target] = (node, fk)
                    following.append(fk.target)
        frontier = following
    return None
