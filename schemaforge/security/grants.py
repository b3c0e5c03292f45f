"""Who may do what: the design's `security.roles` as a privilege matrix, and as PostgreSQL.

Least privilege is the default: a role gets exactly what it is granted (`"*"` is every entity),
plus what the roles it `inherits` get, and PUBLIC gets nothing. An event store
(event_sourcing) is never granted more than SELECT, INSERT and REFERENCES. What a role reads of personal
data follows its `pii:` setting: `clear` (the default) reads every column; `masked` and `hidden`
read none of the columns marked `pii` (a masked role reads them through masked views, in their
own module); a list of kinds reads only those. Writing is granted on the whole table.

Roles are cluster-wide in PostgreSQL, so each is named after the design (`shop_app`). Each group
role gets a login role of its own (`shop_app_login`) that only inherits it and carries no
password: it is set out of band.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemaforge.design.model import Design, Entity

TABLE_PRIVILEGES = ("select", "insert", "update", "delete", "truncate", "references")
REFUSED_ON_EVENTS = frozenset({"update", "delete", "truncate"})


@dataclass(frozen=True)
class Access:
    """One role's privileges on one entity."""

    privileges: frozenset[str]  # granted on the whole table
    readable: tuple[str, ...] | None  # when SELECT is limited to these columns (logical names)


def role_name(design: Design, role: str) -> str:
    return f"{design.name}_{role}"


def _readable(entity: Entity, pii) -> tuple[str, ...] | None:
    """The columns a role with this `pii:` setting may read, or None for all of them."""
    if pii in (None, "clear") or not any(c.pii for c in entity.columns):
        return None
    kinds = set(pii) if isinstance(pii, list) else set()
    return tuple(c.name for c in entity.columns if c.pii is None or c.pii in kinds)


def _own_access(design: Design, role) -> dict[str, Access]:
    granted: dict[str, set[str]] = {}
    for target, privileges in role.grants.items():
        for name in (list(design.entities) if target == "*" else [target]):
            granted.setdefault(name, set()).update(privileges)
    access = {}
    for name, privileges in granted.items():
        if design.entities[name].append_only:  # an event store: events are added and read, never changed
            privileges -= REFUSED_ON_EVENTS
        readable = _readable(design.entities[name], role.pii) if "select" in privileges else None
        access[name] = Access(frozenset(privileges - {"select"} if readable is not None else privileges), readable)
    return access


def _union(a: Access, b: Access) -> Access:
    """What a member of two roles may do: either's table privileges, either's columns."""
    privileges = a.privileges | b.privileges
    if "select" in privileges:
        return Access(privileges, None)
    readable = None if (a.readable is None and b.readable is None) else tuple(dict.fromkeys((a.readable or ()) + (b.readable or ())))
    return Access(privileges, readable)


def privilege_matrix(design: Design) -> dict[str, dict[str, Access]]:
    """role (the design's name for it) -> entity -> its access: its own grants, and those of the
    roles it inherits (membership, as PostgreSQL has it: each keeps its own column limits). Made
    once per loaded design: every writer, the lint and the checklist read it (and none changes it)."""
    return design.derived("privilege matrix", lambda: _matrix(design))


def _matrix(design: Design) -> dict[str, dict[str, Access]]:
    roles = design.doc.security.roles

    def access_of(name: str, seen: frozenset[str]) -> dict[str, Access]:
        access = dict(_own_access(design, roles[name]))
        for parent in roles[name].inherits:
            if parent in seen:
                continue
            for entity, inherited in access_of(parent, seen | {parent}).items():
                access[entity] = _union(access[entity], inherited) if entity in access else inherited
        return access

    return {name: access_of(name, frozenset({name})) for name in roles}
