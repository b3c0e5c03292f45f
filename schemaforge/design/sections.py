"""Checks of the sections that name entities and fields: queries, rules, security, scaling,
seed, stores. Each name must resolve against the resolved entities."""

from __future__ import annotations

from schemaforge.findings import Finding
from schemaforge.naming import DESIGN_NAME, NAME_RULE
from schemaforge.design.expressions import DIALECT, ExpressionChecker
from schemaforge.design.literals import INTEGER_RANGE
from sqlglot import exp
from sqlglot.errors import OptimizeError
from sqlglot.optimizer.qualify import qualify

from schemaforge.design.model import AccessPattern, Design, Entity, QueryFilter, Rule, View
from schemaforge.design.syntax import SQL_TARGETS as SQL_TARGET_NAMES
from schemaforge.design.source import Path
from schemaforge.design.structure import suggest
from schemaforge.design.syntax import FilterLiteral

TEXT_KINDS = ("string", "text", "char")

DEFAULT_SEED_ROWS = 1000  # per entity, when the seed section names neither rows nor scale (seed/plan.py)
MAX_SEED_ROWS = 10_000_000_000  # ten billion rows: terabytes of Parquet and load scripts
INTEGER_KEY_LIMITS = {kind: bound - 1 for kind, bound in INTEGER_RANGE.items()}  # an identity counts from 1

SEED_GENERATORS = (
    "email", "name", "first_name", "last_name", "phone", "address", "city", "country", "company",
    "url", "uuid", "word", "sentence", "paragraph", "ip", "date", "timestamp", "money", "sequence",
)


def check_sections(design: Design) -> list[Finding]:
    checker = _Sections(design)
    checker.run()
    return checker.findings


class _Sections:
    def __init__(self, design: Design):
        self.design = design
        self.doc = design.doc
        self.source = design.source
        self.findings: list[Finding] = []
        self.sql = ExpressionChecker(design.source, self.findings)

    def error(self, path: Path, message: str, code: str = "SP601", key: bool = False, fix: str | None = None) -> None:
        where = self.source.key(path) if key else self.source.value(path)
        self.findings.append(Finding(where, message, code, fix=fix))

    def entity(self, name: str, path: Path, key: bool = False) -> Entity | None:
        found = self.design.entities.get(name)
        if found is None:
            self.error(path, f"unknown entity '{name}'{suggest(name, self.design.entities)}", key=key)
        return found

    def field(self, entity: Entity, name: str, path: Path, key: bool = False) -> bool:
        names = {c.field for c in entity.columns} | {c.name for c in entity.columns}
        if name in names:
            return True
        self.error(path, f"unknown field '{name}' in entity '{entity.name}'{suggest(name, sorted(names))}", "SP405", key)
        return False

    def run(self) -> None:
        self._views()
        self._queries()
        self._pattern_queries()
        self._rules()
        self._security()
        self._scaling()
        self._seed()
        self._stores()

    def _tables(self) -> dict[str, dict[str, str]]:
        return {
            name: {c.name: "text" for c in entity.columns} for name, entity in self.design.entities.items()
        }

    def _pattern_queries(self) -> None:
        """The queries the patterns make, beside the design's own: the "as of" of each temporal
        entity, the ancestors, descendants and depth of each hierarchy, the traversals of each
        graph node entity."""
        from schemaforge.patterns.graph import edge_entity, graph_queries
        from schemaforge.patterns.hierarchy import PATH_FUNCTIONS, tree_queries, trees
        from schemaforge.patterns.temporal import VALID_TO, as_of_query, temporal_entities, versions_view

        for entity in temporal_entities(self.design):
            name = f"{entity.name}_as_of"
            if name in self.doc.queries:
                self.error(("queries", name), f"query '{name}' has the name of the query the temporal pattern on "
                           f"'{entity.name}' makes", "SP202", key=True, fix="rename the query")
                continue
            relations = self._tables() | {versions_view(entity): {c.name: "text" for c in entity.columns} | {VALID_TO: "text"}}
            tree = self.sql.query(as_of_query(entity), entity.path, relations, f"query '{name}'")
            if tree is not None:
                self.design.queries[name] = AccessPattern(
                    name, entity.path, sql=tree, description=f"every version of {entity.name} that held at :at")

        made = [(tree.entity, query) for tree in trees(self.design) for query in tree_queries(tree)]
        for entity in list(self.design.entities.values()):
            if "graph" in entity.patterns and edge_entity(entity.name) in self.design.entities:
                made += [(entity, query) for query in graph_queries(self.design, entity.name)]
        for entity, query in made:
            if query.name in self.doc.queries:
                self.error(("queries", query.name), f"query '{query.name}' has the name of a query a pattern on "
                           f"'{entity.name}' makes", "SP202", key=True, fix="rename the query")
                continue
            tree = self.sql.query(query.sql, entity.path, self._tables(), f"query '{query.name}'", PATH_FUNCTIONS)
            if tree is not None:
                self.design.queries[query.name] = AccessPattern(query.name, entity.path, sql=tree,
                                                                description=query.description)

    def _queries(self) -> None:
        for name, query in self.doc.queries.items():
            path = ("queries", name)
            if not DESIGN_NAME.match(name):
                self.error(path, f"query name '{name}' {NAME_RULE}", "SP201", key=True)
            common = dict(rate=query.rate, p95_ms=query.p95_ms, description=query.description)
            if query.sql:
                if query.entity or query.filter:
                    self.error(path + ("sql",), "a query is either sql: or entity/filter, not both", "SP105")
                tree = self.sql.query(query.sql, path + ("sql",), self._tables(), f"query '{name}'")
                if tree is not None:
                    self.design.queries[name] = AccessPattern(name, path, sql=tree, **common)
                continue
            if not query.entity:
                self.error(path, f"query '{name}' needs entity: (or sql:)", "SP102", key=True)
                continue
            entity = self.entity(query.entity, path + ("entity",))
            if entity is None:
                continue
            filters, order_by, select, ok = [], [], [], True
            filters += self._tenant_filter(entity, query, path)
            for field, how in query.filter.items():
                if how == "match" or (field == "search" and field not in {c.field for c in entity.columns}):
                    found = self._search_filter(entity, field, how, path + ("filter", field))
                    ok &= found is not None
                    filters += [found] if found else []
                    continue
                ok &= self.field(entity, field, path + ("filter", field), key=True)
                if ok:
                    literal = isinstance(how, FilterLiteral)
                    found = QueryFilter(field, self._columns(entity, field), "literal" if literal else how,
                                        path + ("filter", field), how.eq if literal else None)
                    ok &= self._filter_fits(entity, found)
                    filters.append(found)
            for i, item in enumerate(query.order_by):
                parts = item.split()
                if len(parts) > 2 or (len(parts) == 2 and parts[1].lower() not in ("asc", "desc")) or not parts:
                    self.error(path + ("order_by", i), f"order_by item '{item}' must be 'field' or 'field asc|desc'", "SP105")
                    ok = False
                elif self.field(entity, parts[0], path + ("order_by", i)):
                    descending = len(parts) == 2 and parts[1].lower() == "desc"
                    order_by += [(column, descending) for column in self._columns(entity, parts[0])]
                else:
                    ok = False
            for i, field in enumerate(query.select):
                if self.field(entity, field, path + ("select", i)):
                    select += self._columns(entity, field)
                else:
                    ok = False
            if ok:
                self.design.queries[name] = AccessPattern(
                    name, path, entity.name, tuple(filters), tuple(order_by), tuple(dict.fromkeys(select)),
                    query.limit, **common)

    def _search_filter(self, entity: Entity, field: str, how, path: Path) -> QueryFilter | None:
        """`search: match`: the entity's full-text search, matched with the query's `search` parameter."""
        if field != "search" or how != "match":
            self.error(path, "full-text search is written `search: match` (the entity's `search:` fields)", "SP105",
                       key=field != "search")
            return None
        if entity.search is None:
            declared = self.doc.entities.get(entity.name)
            if declared is not None and declared.search is not None:
                return None  # its search: is in error, reported there
            self.error(path, f"entity '{entity.name}' has no search: to match", "SP105", key=True,
                       fix=f"add search: {{fields: [...]}} to '{entity.name}'")
            return None
        return QueryFilter("search", entity.search.columns, "match", path)

    @staticmethod
    def _tenant_filter(entity: Entity, query, path: Path) -> list[QueryFilter]:
        """multi_tenant: a query of a tenant-owned entity runs inside one tenant, so it filters by
        the tenant key first (and the index plan leads its index with it)."""
        if entity.tenant_key is None:
            return []
        field = entity.column(entity.tenant_key).field
        if field in query.filter:
            return []
        return [QueryFilter(field, (entity.tenant_key,), "eq", path + ("entity",))]

    def _filter_fits(self, entity: Entity, condition: QueryFilter) -> bool:
        """A filter its field's type can answer: `prefix` on text, `{eq: literal}` on one column
        and, for an enum, one of its values."""
        columns = [entity.column(c) for c in condition.columns]
        where = condition.path + (("eq",) if condition.op == "literal" else ())
        if condition.op == "prefix" and any(c.type.kind not in TEXT_KINDS for c in columns):
            self.error(where, f"prefix filters text, and '{condition.field}' is {columns[0].type}", "SP507",
                       fix="use eq, range or in for this field")
            return False
        if condition.op == "literal":
            if len(columns) != 1:
                self.error(where, f"'{condition.field}' stands for {len(columns)} columns; a literal compares one",
                           "SP507", fix="filter the reference's columns with eq")
                return False
            typ = columns[0].type
            if typ.kind == "enum" and condition.literal not in typ.values:
                self.error(where, f"'{condition.literal}' is not a value of {typ}{suggest(str(condition.literal), typ.values)}",
                           "SP507")
                return False
        return True

    @staticmethod
    def _columns(entity: Entity, field: str) -> tuple[str, ...]:
        """The logical columns a field name stands for: the column itself, or a reference's."""
        named = [c.name for c in entity.columns if c.name == field]
        return tuple(named or [c.name for c in entity.columns if c.field == field])

    def _rules(self) -> None:
        seen: set[str] = set()
        for i, rule in enumerate(self.doc.rules):
            path = ("rules", i)
            if not DESIGN_NAME.match(rule.name):
                self.error(path + ("name",), f"rule name '{rule.name}' {NAME_RULE}", "SP201")
            if rule.name in seen:
                self.error(path + ("name",), f"a rule named '{rule.name}' is already defined", "SP202")
            seen.add(rule.name)
            if rule.entity:
                self.entity(rule.entity, path + ("entity",))
            query = self.sql.query(rule.assert_, path + ("assert",), self._tables(), f"rule '{rule.name}'")
            if query is not None:
                self.design.rules.append(Rule(rule.name, query, path + ("assert",), rule.entity, rule.description))

    def _views(self) -> None:
        """The views, each over the entities and the views it reads, in an order where each
        comes after what it reads; a cycle of views is reported at the first view of it."""
        parsed: dict[str, exp.Expression] = {}
        tables = {e.table.lower() for e in self.design.entities.values()}
        for name, view in self.doc.views.items():
            path = ("views", name)
            if not DESIGN_NAME.match(name):
                self.error(path, f"view name '{name}' {NAME_RULE}", "SP201", key=True)
            elif name in self.design.entities or name in tables:
                self.error(path, f"view '{name}' has the name of an entity's table; pick another name", "SP202", key=True)
            elif (tree := self.sql.parse(view.sql, path + ("sql",))) is not None:
                parsed[name] = tree
        reads = {name: sorted({t.name for t in tree.find_all(exp.Table) if t.name in parsed})
                 for name, tree in parsed.items()}
        order: list[str] = []
        while len(order) < len(parsed):
            ready = [n for n in parsed if n not in order and all(r in order for r in reads[n])]
            if not ready:
                stuck = [n for n in parsed if n not in order]
                self.error(("views", stuck[0], "sql"), f"views read each other in a cycle: {', '.join(stuck)}", "SP407",
                           fix="make one of them read the entities instead")
                break
            order += ready
        known = self._tables()
        for name in order:
            view, path = self.doc.views[name], ("views", name, "sql")
            query = self.sql.query(view.sql, path, known, f"view '{name}'")
            if query is None:
                continue
            try:
                columns = tuple(qualify(query.copy(), schema=known, dialect=DIALECT, quote_identifiers=False,
                                        infer_schema=False).named_selects)
            except OptimizeError as problem:
                self.error(path, f"view '{name}': {problem}", "SP502")
                continue
            twice = sorted({c for c in columns if columns.count(c) > 1} | {c for c in columns if not c})
            if twice:
                self.error(path, f"view '{name}' has unnamed or repeated output columns: {', '.join(twice) or '?'}",
                           "SP504", fix="give each selected expression a name of its own (AS name)")
                continue
            known[name] = {c: "text" for c in columns}
            self.design.views[name] = View(name, query, ("views", name), columns, tuple(reads[name]),
                                           view.materialized, view.description)

    def _entity_list(self, names: list[str], path: Path) -> None:
        for i, name in enumerate(names):
            self.entity(name, path + (i,))

    def _security(self) -> None:
        security = self.doc.security
        for role_name, role in security.roles.items():
            path = ("security", "roles", role_name)
            if not DESIGN_NAME.match(role_name):
                self.error(path, f"role name '{role_name}' {NAME_RULE}", "SP201", key=True)
            for target in role.grants:
                if target != "*":
                    self.entity(target, path + ("grants", target), key=True)
            for i, parent in enumerate(role.inherits):
                if parent not in security.roles:
                    self.error(path + ("inherits", i), f"unknown role '{parent}'{suggest(parent, security.roles)}")
        if security.tenancy:
            self.entity(security.tenancy.entity, ("security", "tenancy", "entity"))
        if security.encryption:
            pii_kinds = {"email", "name", "phone", "address", "ssn", "card", "health", "dob", "ip", "free_text"}
            fields = {c.field for e in self.design.entities.values() for c in e.columns}
            for i, name in enumerate(security.encryption.columns):
                if name not in pii_kinds and name not in fields:
                    self.error(
                        ("security", "encryption", "columns", i),
                        f"'{name}' is neither a field nor a pii kind{suggest(name, sorted(fields | pii_kinds))}",
                        "SP405",
                    )
        if security.audit:
            self._entity_list(security.audit.entities, ("security", "audit", "entities"))
        for name in security.retention:
            if name != "audit_log":
                self.entity(name, ("security", "retention", name), key=True)

    def _scaling(self) -> None:
        scaling = self.doc.scaling
        for name, partition in scaling.partitions.items():
            path = ("scaling", "partitions", name)
            entity = self.entity(name, path, key=True)
            if entity:
                self.field(entity, partition.field, path + ("field",))
            if partition.by == "range" and not partition.interval:
                self.error(path, "a range partition needs interval: (day, week, month, quarter or year)", "SP102", key=True)
            if partition.by == "hash" and not partition.count:
                self.error(path, "a hash partition needs count: (the number of partitions)", "SP102", key=True)
        if scaling.sharding:
            key = scaling.sharding.key
            if not any(key in {c.field for c in e.columns} for e in self.design.entities.values()):
                self.error(("scaling", "sharding", "key"), f"shard key '{key}' is not a field of any entity", "SP405")
            self._entity_list(scaling.sharding.reference, ("scaling", "sharding", "reference"))
        for name, model in scaling.read_models.items():
            path = ("scaling", "read_models", name)
            entity = self.entity(model.from_, path + ("from",))
            if entity is None:
                continue
            for i, field in enumerate(model.group_by):
                self.field(entity, field, path + ("group_by", i))
            for field in model.measures:
                self.field(entity, field, path + ("measures", field), key=True)

    def _seed(self) -> None:
        seed = self.doc.seed
        if seed.rows and seed.scale is not None:
            self.error(("seed", "scale"), "give either rows: or scale:, not both", "SP105")
        for name, rows in seed.rows.items():
            entity = self.entity(name, ("seed", "rows", name), key=True)
            if entity is not None:
                self._row_count(entity, rows, ("seed", "rows", name))
        if seed.scale is not None:
            for entity in self.design.entities.values():
                if entity.name not in seed.rows:
                    self._row_count(entity, round(DEFAULT_SEED_ROWS * seed.scale), ("seed", "scale"))
        for dotted, spec in seed.fields.items():
            path = ("seed", "fields", dotted)
            entity_name, dot, field = dotted.partition(".")
            if not dot:
                self.error(path, f"seed field '{dotted}' must be written entity.field", "SP105", key=True)
                continue
            entity = self.entity(entity_name, path, key=True)
            if entity is None or not self.field(entity, field, path, key=True):
                continue
            if spec.generator and spec.generator not in SEED_GENERATORS:
                self.error(path + ("generator",), f"unknown generator '{spec.generator}'{suggest(spec.generator, SEED_GENERATORS)}", "SP104")
            if spec.min is not None and spec.max is not None and spec.min > spec.max:
                self.error(path + ("min",), f"min {spec.min} is above max {spec.max}", "SP105")

    def _row_count(self, entity, rows: int, path) -> None:
        """A row count the entity's key type and the machine can hold (`rows: 10**12` would run
        for days and fill the disk before failing)."""
        if rows > MAX_SEED_ROWS:
            self.error(path, f"{rows:,} rows of '{entity.name}' are more than a seed of {MAX_SEED_ROWS:,} rows a table "
                       "can be built in; seed data is a sample", "SP105", fix=f"ask for at most {MAX_SEED_ROWS:,}")
            return
        for column in entity.columns:
            if column.identity and column.type.kind in INTEGER_KEY_LIMITS and rows > INTEGER_KEY_LIMITS[column.type.kind]:
                limit = INTEGER_KEY_LIMITS[column.type.kind]
                self.error(path, f"{rows:,} rows of '{entity.name}' do not fit its {column.type.kind} key "
                           f"'{column.name}' (at most {limit:,})", "SP105", fix="ask for fewer rows, or use a wider key type")

    def _stores(self) -> None:
        owner: dict[str, str] = {}
        for store_name, store in self.doc.stores.items():
            path = ("stores", store_name)
            if not DESIGN_NAME.match(store_name):
                self.error(path, f"store name '{store_name}' {NAME_RULE}", "SP201", key=True)
            for i, name in enumerate(store.entities):
                if self.entity(name, path + ("entities", i)) is None:
                    continue
                if name in owner:
                    self.error(path + ("entities", i), f"entity '{name}' is already in store '{owner[name]}'", "SP202")
                owner[name] = store_name
        sql_stores = {n: s.database for n, s in self.doc.stores.items() if s.database in SQL_TARGET_NAMES}
        if len(set(sql_stores.values())) > 1:
            first = next(iter(sql_stores))
            for store_name, database in sql_stores.items():
                if database != sql_stores[first]:
                    self.error(("stores", store_name, "database"), f"store '{store_name}' is on {database} and store "
                               f"'{first}' on {sql_stores[first]}: the SQL stores of a design render to one SQL "
                               "target for now", "ST102", fix=f"database: {sql_stores[first]}")
        if self.doc.stores:
            for name, entity in self.design.entities.items():
                if name not in owner and not entity.junction:
                    self.error(("stores",), f"entity '{name}' is in no store; add it to the entities of one",
                               "SP204", key=True)
