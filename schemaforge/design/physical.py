"""Expressions and queries over design names, mapped to a target's physical names.

Checks, rules and generated columns are written over entity names and logical column names
(`FROM order o ... o.customer_id`). Each target sees its own table and column names, quoted
where the target needs it.
"""

from __future__ import annotations

from typing import Callable

from sqlglot import exp

from schemaforge.design.model import Design, Entity

NeedsQuotes = Callable[[str], bool]


def _ident(name: str, needs_quotes: NeedsQuotes) -> exp.Identifier:
    return exp.to_identifier(name, quoted=needs_quotes(name))


def physical_tree(design: Design, tree: exp.Expression, needs_quotes: NeedsQuotes,
                  entity: Entity | None = None, aliases: dict[str, Entity] | None = None,
                  table_of: Callable[[Entity], str] = lambda e: e.table) -> exp.Expression:
    """Map the entity and column names in `tree`. Unqualified columns belong to `entity`, or to
    the one table the query reads; qualified ones to the table their alias names (from the
    query, or `aliases` for a fragment of one). `table_of` names the relation an entity is read
    from: its table unless the caller reads it elsewhere."""
    tables = dict(aliases or {})
    tables |= {t.alias_or_name: design.entities[t.name] for t in tree.find_all(exp.Table) if t.name in design.entities}
    owner_of_bare = entity or (next(iter(tables.values())) if len(tables) == 1 else None)

    def owner(column: exp.Column) -> Entity | None:
        if column.table:
            return tables.get(column.table)
        if owner_of_bare is not None:
            return owner_of_bare
        return next((e for e in tables.values() if any(c.name == column.name for c in e.columns)), None)

    # Renamed in place on one copy (the design's own tree stays as written): a transform copies
    # every node it replaces again, which was a fifth of a large design's DDL time.
    # A column qualified by a table's own name (`user.handle`, no alias) follows its table's
    # renaming (`users.handle`).
    unaliased = {t.name for t in tree.find_all(exp.Table) if not t.alias and t.name in design.entities}
    mapped = tree.copy()
    for node in list(mapped.find_all(exp.Table, exp.Column)):
        if isinstance(node, exp.Table):
            if node.name in design.entities and not node.args.get("db"):
                node.set("this", _ident(table_of(design.entities[node.name]), needs_quotes))
            continue
        found = owner(node)
        if found is not None and any(c.name == node.name for c in found.columns):
            node.set("this", _ident(found.physical(node.name), needs_quotes))
        if node.table in unaliased:
            node.set("table", _ident(table_of(design.entities[node.table]), needs_quotes))
    return mapped
