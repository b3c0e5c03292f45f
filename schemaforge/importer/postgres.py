"""A live PostgreSQL schema, read from its catalog (pg_catalog, with PostgreSQL's own deparsers)."""

from __future__ import annotations

import re

from schemaforge.importer.catalog import (
    SourceColumn, SourceDomain, SourceForeignKey, SourceIndex, SourceSchema, SourceSearch, SourceTable, SourceView,
    Unsupported,
)

_ACTIONS = {"a": None, "r": "restrict", "c": "cascade", "n": "set_null", "d": "set_default"}

_COLUMNS = """
SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull,
       pg_get_expr(d.adbin, d.adrelid), a.attidentity <> '' , a.attgenerated <> '', col_description(c.oid, a.attnum),
       t.typtype, t.typname, (SELECT array_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid),
       pg_get_serial_sequence(quote_ident(c.relname), a.attname) IS NOT NULL
FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_type t ON t.oid = a.atttypid LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
WHERE c.relnamespace = %(schema)s::regnamespace AND c.relkind IN ('r', 'p')
ORDER BY c.relname, a.attnum
"""
_TABLES = """
SELECT c.relname, obj_description(c.oid, 'pg_class'), c.relrowsecurity,
       CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END,
       (SELECT string_agg(p.relname, ', ' ORDER BY p.relname) FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhrelid
        WHERE i.inhparent = c.oid)
FROM pg_class c
WHERE c.relnamespace = %(schema)s::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY c.oid
"""
_CONSTRAINTS = """
SELECT c.relname, k.conname, k.contype, pg_get_constraintdef(k.oid),
       ARRAY(SELECT a.attname FROM unnest(k.conkey) WITH ORDINALITY u(n, i) JOIN pg_attribute a
             ON a.attrelid = k.conrelid AND a.attnum = u.n ORDER BY u.i),
       f.relname,
       ARRAY(SELECT a.attname FROM unnest(k.confkey) WITH ORDINALITY u(n, i) JOIN pg_attribute a
             ON a.attrelid = k.confrelid AND a.attnum = u.n ORDER BY u.i),
       k.confdeltype, k.confupdtype, k.condeferrable AND k.condeferred
FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid LEFT JOIN pg_class f ON f.oid = k.confrelid
WHERE c.relnamespace = %(schema)s::regnamespace ORDER BY c.relname, k.conname
"""
_INDEXES = """
SELECT c.relname, i.relname, x.indisunique, am.amname, pg_get_expr(x.indpred, x.indrelid), x.indnkeyatts,
       ARRAY(SELECT CASE WHEN u.n = 0 THEN NULL ELSE a.attname END FROM unnest(x.indkey) WITH ORDINALITY u(n, i)
             LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = u.n ORDER BY u.i),
       ARRAY(SELECT (o & 1) = 1 FROM unnest(x.indoption) o), pg_get_indexdef(x.indexrelid)
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid
JOIN pg_am am ON am.oid = i.relam
WHERE c.relnamespace = %(schema)s::regnamespace AND NOT x.indisprimary
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid AND k.contype IN ('u', 'p', 'x'))
ORDER BY c.relname, i.relname
"""
_VIEWS = """
SELECT c.relname, pg_get_viewdef(c.oid, true), c.relkind = 'm', obj_description(c.oid, 'pg_class')
FROM pg_class c WHERE c.relnamespace = %(schema)s::regnamespace AND c.relkind IN ('v', 'm') ORDER BY c.oid
"""
_DOMAINS = """
SELECT t.typname, format_type(t.typbasetype, t.typtypmod), t.typdefault, obj_description(t.oid, 'pg_type'),
       ARRAY(SELECT pg_get_constraintdef(k.oid) FROM pg_constraint k WHERE k.contypid = t.oid ORDER BY k.conname)
FROM pg_type t WHERE t.typnamespace = %(schema)s::regnamespace AND t.typtype = 'd' ORDER BY t.oid
"""
_UNSUPPORTED = """
SELECT 'trigger', t.tgname, c.relname, pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
WHERE c.relnamespace = %(schema)s::regnamespace AND NOT t.tgisinternal
UNION ALL
SELECT CASE p.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END, p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')',
       NULL, pg_get_functiondef(p.oid)
FROM pg_proc p WHERE p.pronamespace = %(schema)s::regnamespace AND p.prokind IN ('f', 'p')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
UNION ALL
SELECT 'policy', p.polname, c.relname, pg_get_expr(p.polqual, p.polrelid) FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
WHERE c.relnamespace = %(schema)s::regnamespace
UNION ALL
SELECT 'rule', r.rulename, r.tablename, r.definition FROM pg_rules r WHERE r.schemaname = %(schema_name)s
UNION ALL
SELECT 'sequence', c.relname, NULL, NULL FROM pg_class c WHERE c.relnamespace = %(schema)s::regnamespace AND c.relkind = 'S'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i'))
UNION ALL
SELECT 'type', t.typname, NULL, NULL FROM pg_type t WHERE t.typnamespace = %(schema)s::regnamespace
  AND t.typtype IN ('c', 'r', 'm') AND NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.reltype = t.oid)
UNION ALL
SELECT 'extension', e.extname, NULL, NULL FROM pg_extension e WHERE e.extname <> 'plpgsql'
"""
_SERIAL = re.compile(r"^nextval\('.*'::regclass\)$")


def read_postgres(conn, schema: str = "public") -> SourceSchema:
    """The schema `schema` of the database `conn` (a psycopg connection) is connected to."""
    params = {"schema": schema, "schema_name": schema}
    rows = lambda sql: conn.execute(sql, params).fetchall()  # noqa: E731
    source = SourceSchema("postgres")
    tables: dict[str, SourceTable] = {}
    for name, comment, row_security, partitioned_by, partitions in rows(_TABLES):
        tables[name] = SourceTable(name, comment=comment)
        if partitioned_by:  # the parent is the table; its partitions are where its rows live
            source.unsupported.append(Unsupported("partitioning", name, name, f"PARTITION BY {partitioned_by}"
                                                  + (f"; partitions {partitions}" if partitions else "")))
        if row_security:
            source.unsupported.append(Unsupported("row_level_security", name, name, f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY"))
    for table, column, type_text, nullable, default, identity, generated, comment, kind, type_name, labels, owned in rows(_COLUMNS):
        if table not in tables:
            continue
        # serial: the default draws from a sequence the column owns (any other sequence is the schema's own)
        serial = owned and default is not None and _SERIAL.match(default) is not None
        tables[table].columns.append(SourceColumn(
            column, type_text, nullable, default=None if (serial or generated) else default,
            identity=identity or serial, generated=default if generated else None, comment=comment,
            enum_values=tuple(labels) if kind == "e" else None, type_name=type_name if kind in ("e", "d") else None,
        ))
    for table, name, kind, definition, columns, target, target_columns, on_delete, on_update, deferred in rows(_CONSTRAINTS):
        found = tables.get(table)
        if found is None:
            continue
        if kind == "p":
            found.primary_key, found.primary_key_name = tuple(columns), name
        elif kind == "u":
            found.uniques.append((name, tuple(columns)))
        elif kind == "c":
            found.checks.append((name, _check_condition(definition)))
        elif kind == "f":
            found.foreign_keys.append(SourceForeignKey(name, tuple(columns), target, tuple(target_columns),
                                                       _ACTIONS[on_delete], _ACTIONS[on_update], bool(deferred)))
        else:
            source.unsupported.append(Unsupported("exclusion constraint" if kind == "x" else "constraint", name, table,
                                                  definition))
    for table, name, unique, method, where, key_count, columns, descending, definition in rows(_INDEXES):
        if table not in tables:
            continue
        if any(c is None for c in columns):  # an expression in the key: a search the language says, or not held
            search = _search(name, method, definition)
            if search is not None and tables[table].search is None:
                tables[table].search = search
            else:
                source.unsupported.append(Unsupported("expression index", name, table, definition))
            continue
        keys, include = tuple(columns[:key_count]), tuple(columns[key_count:])
        tables[table].indexes.append(SourceIndex(name, keys, unique, where, method, include,
                                                 tuple(c for c, d in zip(keys, descending) if d)))
    source.tables = list(tables.values())
    source.views = [SourceView(name, sql.strip().rstrip(";"), materialized, comment) for name, sql, materialized, comment in rows(_VIEWS)]
    source.domains = [SourceDomain(name, base, default, [_check_condition(c) for c in checks], comment)
                      for name, base, default, comment, checks in rows(_DOMAINS)]
    source.unsupported += [Unsupported(kind, name, table, sql) for kind, name, table, sql in rows(_UNSUPPORTED)]
    return source


_TSVECTOR = re.compile(r"USING gin \(to_tsvector\('(\w+)'::regconfig, (.*)\)\)$")
_COALESCED = re.compile(r"COALESCE\(([A-Za-z_][A-Za-z0-9_$]*|\"[^\"]+\"), ''::[a-z ]+\)")


def _search(name: str, method: str, definition: str) -> SourceSearch | None:
    """A GIN index over `to_tsvector(language, COALESCE(a, '') || ' ' || ...)`: what `search:`
    makes, read back (any other expression index is not held)."""
    match = _TSVECTOR.search(definition) if method == "gin" else None
    if match is None:
        return None
    columns = [c.strip('"') for c in _COALESCED.findall(match.group(2))]
    shape = re.sub(r"::text|[()\s]", "", _COALESCED.sub("X", match.group(2)))
    if not columns or shape != "||''||".join(["X"] * len(columns)):  # joined by ' ' (blanks are gone from shape)
        return None
    return SourceSearch(name, tuple(columns), match.group(1))


def _check_condition(definition: str) -> str:
    """`CHECK ((price >= 0))` -> `price >= 0`."""
    text = re.sub(r"\s+NOT VALID$", "", definition.strip())
    text = text[len("CHECK "):] if text.upper().startswith("CHECK ") else text
    while text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
        text = text[1:-1]
    return text


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0
