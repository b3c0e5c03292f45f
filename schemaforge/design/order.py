"""The order in which a design's tables can be created and filled."""

from __future__ import annotations

from schemaforge.design.model import Design, Entity, ForeignKey


def creation_order(design: Design) -> tuple[list[Entity], list[tuple[Entity, ForeignKey]]]:
    """Tables in an order where each reference resolves, in design order where possible.

    When every remaining table waits on another, the first one whose NOT NULL references are
    all met goes next (the loader guarantees one exists; a deferrable reference counts as one
    that can wait), and its nullable and deferrable references to tables not yet created are
    returned as deferred: added (DDL) or filled (seed data) after every table exists.
    """
    remaining = list(design.entities.values())
    created: set[str] = set()
    order: list[Entity] = []
    deferred: list[tuple[Entity, ForeignKey]] = []

    def waits_on(entity: Entity, nullable_too: bool) -> list[ForeignKey]:
        return [
            fk for fk in entity.foreign_keys
            if fk.target != entity.name and fk.target not in created and (nullable_too or not fk.may_wait)
        ]

    while remaining:
        ready = next((e for e in remaining if not waits_on(e, True)), None)
        if ready is None:
            ready = next(e for e in remaining if not waits_on(e, False))
            deferred.extend((ready, fk) for fk in waits_on(ready, True))
        remaining.remove(ready)
        created.add(ready.name)
        order.append(ready)
    return order, deferred
