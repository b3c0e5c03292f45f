"""The objects patterns and rules add (triggers, functions, views, the audit log and history
tables), from one release to the next.

Each statement the DDL renderer emits for them names its object (patterns/triggers.py). On a
target that alters tables in place, an object that is new is created, one whose definition
changed is dropped and created again (a view always: it may read a column that changed), and
one that is gone is dropped. Drops run before the tables change, creates after. A tree whose
strategy the release turns on has its closure, paths or bounds filled for the rows already
there (patterns/hierarchy.py), before its triggers are made. A target that rebuilds
changed tables drops every trigger with its table, so there every object is dropped (where it
still is) and created again after the rows are back. A table of rows (the audit log, a
history) is created once and never dropped: turning a pattern off keeps its rows, and the
migration's header says so; a history table gains the columns its entity gained.
"""

from __future__ import annotations

from schemaforge.ddl.render import DdlRenderer, render_ddl
from schemaforge.ddl.targets import SqlTarget
from schemaforge.design.model import Design
from schemaforge.ddl.rule_triggers import triggered_rules
from schemaforge.patterns import audit, event_store, hierarchy, temporal
from schemaforge.patterns.temporal import history_additions
from schemaforge.read_models.project import read_models

# Dependents before what they use: a trigger before its function, a view before its table.
# Views of both kinds are dropped together, the last made first (a view before the views it reads).
DROP_ORDER = (("trigger",), ("procedure",), ("function",), ("materialized_view", "view"), ("search",), ("table",))


def pattern_objects(design: Design, target: SqlTarget) -> dict[tuple, list]:
    """object -> its statements, in the order the DDL creates them (from the DDL rendered once
    per loaded design: the DDL deliverable's own, and one per target for an earlier release)."""
    objects: dict[tuple, list] = {}
    for statement in render_ddl(design, target.name).pattern_statements:
        objects.setdefault(statement.object, []).append(statement)
    return objects


def _text(statements) -> str:
    return "\n".join(s.sql for s in statements)


def adds_objects(design: Design) -> bool:
    """Whether any pattern or rule of `design` adds objects to its DDL (read off the model: a
    design without them needs no DDL rendered to know it has none)."""
    return bool(audit.pattern_entities(design) or temporal.temporal_entities(design)
                or event_store.event_stores(design) or any(t.strategy in hierarchy.KEEPERS for t in hierarchy.trees(design))
                or triggered_rules(design) or read_models(design) or design.views
                or any(e.search for e in design.entities.values()))


def pattern_migration(old: Design, new: Design, target: SqlTarget) -> tuple[list[str], list[str], list[str]]:
    """(the drops, to run before the tables change; the creates, after; the header's notes) that
    take the patterns' objects from `old` to `new`."""
    if not (adds_objects(old) or adds_objects(new)):
        return [], [], []
    before, after = pattern_objects(old, target), pattern_objects(new, target)
    everything = target.MIGRATION == "rebuild"

    def holds_data(statements) -> bool:
        return any(s.holds_data for s in statements)

    def changed(key) -> bool:
        # A view is made again whatever changed: it may read a column a table change alters.
        return key not in before or key[0] in ("view", "materialized_view") or _text(before[key]) != _text(after[key])

    drops = [key for key, statements in before.items() if not holds_data(statements)
             and (key not in after or everything or changed(key))]
    creates = [key for key, statements in after.items()
               if key not in before or (not holds_data(statements) and (everything or changed(key)))]
    dropping = [_drop(target, key) for kinds in DROP_ORDER for key in reversed(drops) if key[0] in kinds]
    renderer = DdlRenderer(new, target)
    if target.TREE_PATH and _paths(new) and not _paths(old):  # the path's type, before a column takes it
        dropping.insert(0, _end(target, target.TREE_PATH[2]))
    creating = [_end(target, line) for line in history_additions(old, new, renderer) + hierarchy.fills(old, new, renderer)]
    for key in creates:
        creating += [_end(target, s) for s in after[key]]
    notes = [f"pattern objects: {len(creates)} created, {len(drops)} dropped"] if creates or drops else []
    notes += [f"{key[1]} is kept with its rows: the pattern that wrote it is off; drop it when they are no longer needed"
              for key, statements in before.items() if key not in after and holds_data(statements)]
    return dropping, creating, notes


def _paths(design: Design) -> bool:
    return any(t.strategy == "materialized_path" for t in hierarchy.trees(design))


def _drop(target: SqlTarget, key: tuple) -> str:
    kind, name, table = key
    return _end(target, target.DROP_PATTERN_OBJECT[kind].format(name=name, table=table))


def _end(target: SqlTarget, statement) -> str:
    sql, procedural = (statement, False) if isinstance(statement, str) else (statement.sql, statement.procedural)
    procedural = procedural or sql.startswith("BEGIN ")  # Oracle's guarded DROP is a PL/SQL block
    if not sql.endswith(";") or procedural:
        sql += target.PROCEDURAL_END if procedural else ";"
    return sql + ("\n" + target.BATCH_SEPARATOR if target.BATCH_SEPARATOR else "")
