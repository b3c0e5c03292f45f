"""The temporal pattern's seed: ended versions of the seeded rows, in `<entity>.history.parquet`
(patterns/temporal.py's history_entity), loaded into `<table>_history` where the target keeps one.

Each row has 0, 1 or 2 earlier versions (by a hash of the design's random seed and the row).
The versions follow each other without a gap and end when the current one began: the newest
ends at the row's `valid_from`, each lasted an hour to thirty days. An ended version keeps the
row's key, tenant and references, and takes its other values from another row of the entity
(so they are values the columns hold)."""

from __future__ import annotations

from pathlib import Path

from schemaforge.design.model import Design
from schemaforge.patterns.temporal import VALID_FROM, VALID_TO, history_entity, temporal_entities
from schemaforge.seed.sql import ident, read_parquet, rewrite_parquet

MOST_VERSIONS = 2
LONGEST_SECONDS = 30 * 86400


def write_histories(design: Design, out_dir: Path, con) -> dict[str, int]:
    """Write each temporal entity's ended versions; returns history entity -> its row count."""
    seed = design.doc.seed.random_seed
    counts = {}
    for entity in temporal_entities(design):
        history = history_entity(entity)
        kept = set(entity.primary_key) | {c for fk in entity.foreign_keys for c in fk.columns}
        kept |= {entity.tenant_key} if entity.tenant_key else set()
        source = read_parquet(out_dir, entity, row_numbers=True)
        values = []
        for column in entity.columns:
            name = ident(column.physical)
            if column.name == VALID_FROM:
                values.append(f"c.{name} - to_seconds(v.ended_before + v.lasted) AS {name}")
            else:
                values.append(f"{'c' if column.name in kept else 'o'}.{name} AS {name}")
        values.append(f"c.{ident(entity.physical(VALID_FROM))} - to_seconds(v.ended_before) AS {ident(VALID_TO)}")
        # The versions of each row, newest first: k = 1 ends at the row's valid_from.
        versions = (f"SELECT i, k, lasted, coalesce(sum(lasted) OVER (PARTITION BY i ORDER BY k ROWS BETWEEN UNBOUNDED "
                    "PRECEDING AND 1 PRECEDING), 0) AS ended_before FROM (SELECT c.file_row_number AS i, r.k, "
                    f"3600 + hash(c.file_row_number, r.k, {seed}) % {LONGEST_SECONDS - 3600} AS lasted FROM {source} c, "
                    f"range(1, {MOST_VERSIONS + 1}) r(k) WHERE hash(c.file_row_number, {seed}) % {MOST_VERSIONS + 1} >= r.k)")
        total = f"(SELECT count(*) FROM {source})"
        select = (f"WITH v AS ({versions}) SELECT {', '.join(values)} FROM v JOIN {source} c ON c.file_row_number = v.i "
                  f"JOIN {source} o ON o.file_row_number = (v.i + v.k * 7919) % {total} ORDER BY v.i, v.k DESC")
        rewrite_parquet(con, out_dir, history, select)
        counts[history.name] = con.execute(f"SELECT count(*) FROM {read_parquet(out_dir, history)}").fetchone()[0]
    return counts
