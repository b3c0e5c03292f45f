"""Event streams without gaps: the seed numbers each stream's events 1, 2, 3... in the order of
their place in the store (`position`), so every stream reads as an event-sourced aggregate's
history does. The generator drew `version` unique (the key it shares with the stream); here it
is rewritten, in row order, as the event's rank in its stream."""

from __future__ import annotations

from pathlib import Path

from schemaforge.design.model import Design
from schemaforge.patterns.event_store import event_stores
from schemaforge.seed.sql import ident, read_parquet, rewrite_parquet


def number_the_streams(design: Design, out_dir: Path, con) -> None:
    for entity in event_stores(design):
        stream = next(fk for fk in entity.foreign_keys if fk.field == "stream")
        partition = ", ".join(ident(entity.physical(c)) for c in stream.columns)
        version, position = ident(entity.physical("version")), ident(entity.physical("position"))
        select = (f"SELECT * EXCLUDE (file_row_number) REPLACE (CAST(row_number() OVER (PARTITION BY {partition} "
                  f"ORDER BY {position}) AS INTEGER) AS {version}) FROM {read_parquet(out_dir, entity, row_numbers=True)} "
                  "ORDER BY file_row_number")
        rewrite_parquet(con, out_dir, entity, select)
