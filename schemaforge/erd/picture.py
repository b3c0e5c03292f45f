"""The ERD as a picture: D2 source with `sql_table` shapes, rendered to SVG by the D2 binary
that the `d2-python-wrapper` wheel ships (so a pip install is all it needs)."""

from __future__ import annotations

import hashlib
import math
import os
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

from schemaforge.deliverables.files import write_atomic
from schemaforge.design.model import Design, Entity
from schemaforge.erd.mermaid import cardinality

RENDER_TIMEOUT_SECONDS = 60  # a picture of at most LARGE_ERD entities takes seconds
RENDER_ARGS = ("--layout", "elk")  # the best layout of one design's picture
# A large design's cluster pictures and overview: dagre lays out 30 tables in a second, ELK in ten.
FAST_RENDER_ARGS = ("--layout", "dagre")
D2_GOGC = "400"
# Keys D2 reads as attributes wherever they stand, quoted or not (d2graph's reserved keywords).
D2_RESERVED = frozenset("""
    label desc shape icon constraint tooltip link near width height direction top left class
    classes vars style filled opacity stroke fill shadow font bold italic underline animated
    multiple null
""".split())
ZERO_WIDTH_SPACE = "\u200b"


class RenderError(RuntimeError):
    pass


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _constraint(entity: Entity, column) -> str | None:
    if column.name in entity.primary_key:
        return "primary_key"
    if any(column.name in fk.columns for fk in entity.foreign_keys):
        return "foreign_key"
    if any(u.columns == (column.name,) for u in entity.uniques):
        return "unique"
    return None


def _row_key(column_name: str) -> str:
    """A row's key is the name D2 shows. A name D2 reserves (a column may well be called
    `label`) gets an invisible zero-width space so that it stays a row."""
    suffix = ZERO_WIDTH_SPACE if column_name.lower() in D2_RESERVED else ""
    return _quote(column_name + suffix)


# D2's crow's-foot arrowheads for each end of a reference (see mermaid.cardinality).
ARROWHEADS = {"exactly_one": "cf-one-required", "zero_or_one": "cf-one", "zero_or_many": "cf-many"}


def render_d2(design: Design, names: tuple[str, ...] | None = None) -> str:
    """D2 source: a `sql_table` per entity under its physical table name, an arrow per foreign
    key from the child's column to the parent's, with crow's feet at both ends. With `names`
    (a cluster), those entities only, and each table outside it that they reference or that
    references them as a plain box, so that the picture says where its arrows lead."""
    shown = list(design.entities) if names is None else list(names)
    inside = set(shown)
    lines = ["direction: right", ""]
    keys: dict[tuple[str, str], str] = {}
    containers = _store_containers(design, lines) if names is None else {}
    for t, name in enumerate(shown):
        entity = design.entities[name]
        # entity names such as `shape` would be D2 keywords too; a store's tables sit in its box
        table_key = f"{containers[name]}.t{t}" if name in containers else f"t{t}"
        lines += [f"{table_key}: {{", "  shape: sql_table", f"  label: {_quote(entity.table)}"]
        for column in entity.columns:
            keys[(entity.name, column.name)] = f"{table_key}.{_row_key(column.physical)}"
            constraint = _constraint(entity, column)
            attrs = f" {{constraint: {constraint}}}" if constraint else ""
            lines.append(f"  {_row_key(column.physical)}: {_quote(str(column.type))}{attrs}")
        lines += ["}", ""]
    outside: dict[str, str] = {}  # an entity of another cluster -> its box's key

    def box(name: str) -> str:
        if name not in outside:
            outside[name] = f"o{len(outside)}"
            lines.extend([f"{outside[name]}: {_quote(design.entities[name].table)} {{",
                          "  style: {stroke-dash: 3; fill: \"#f4f4f4\"}", "}"])
        return outside[name]

    for entity in design.entities.values():
        for fk in entity.foreign_keys:
            if entity.name not in inside and fk.target not in inside:
                continue
            source = keys.get((entity.name, fk.columns[0])) or box(entity.name)
            target = keys.get((fk.target, fk.target_columns[0])) or box(fk.target)
            parent, child = cardinality(fk)
            across = containers.get(entity.name) != containers.get(fk.target)  # an application-level reference
            lines += [f"{source} <-> {target}: {{", *(['  label: "across stores"', "  style: {stroke-dash: 5}"]
                                                         if across else []),
                      f"  source-arrowhead: {{shape: {ARROWHEADS[child]}}}",
                      f"  target-arrowhead: {{shape: {ARROWHEADS[parent]}}}", "}"]
    return "\n".join(lines) + "\n"


def _store_containers(design: Design, lines: list[str]) -> dict[str, str]:
    """entity -> the key of its store's box (a design with stores), each box declared in `lines`
    with its store's name, database and service."""
    containers = {}
    for i, (name, store) in enumerate(design.doc.stores.items()):
        service = f", service {store.service}" if store.service else ""
        lines += [f"s{i}: {_quote(f'{name} ({store.database}{service})')}", ""]
        containers |= {entity: f"s{i}" for entity in store.entities}
    return containers


def render_overview_d2(design: Design, clusters) -> str:
    """D2 source of a large design's map: a box per cluster (its hub and how many tables it
    holds), an arrow between two clusters labelled with the number of references across.

    The boxes are laid out in a square grid: clusters of a large design reference each other
    densely, and a layered layout of such a graph took D2 seconds (4 s for 24 clusters and 81
    arrows, a quarter of all the ERD's work) to draw arrows no easier to follow."""
    columns = max(1, math.isqrt(len(clusters) - 1) + 1) if clusters else 1
    lines = [f"grid-columns: {columns}", "grid-gap: 80", ""]
    where = {name: i for i, cluster in enumerate(clusters) for name in cluster.entities}
    for i, cluster in enumerate(clusters):
        lines.append(f"c{i}: {_quote(f'{cluster.name} ({len(cluster.entities)} tables)')}")
    across: dict[tuple[int, int], int] = {}
    for entity in design.entities.values():
        for fk in entity.foreign_keys:
            pair = (where[entity.name], where[fk.target])
            if pair[0] != pair[1]:
                across[pair] = across.get(pair, 0) + 1
    lines += [f"c{a} -> c{b}: {count}" for (a, b), count in sorted(across.items())]
    return "\n".join(lines) + "\n"


def d2_binary() -> str:
    from d2_python import D2  # the wheel's own lookup of its bundled binary

    return D2().binary_path


def _cache_folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "schemaforge" / "d2"


@lru_cache(maxsize=4)
def _renderer_digest(args: tuple[str, ...]) -> str:
    """What the picture depends on besides its source: the d2 binary itself and its flags."""
    binary = Path(d2_binary())
    digest = hashlib.sha256(f"{args}\0".encode())
    stat = binary.stat()
    digest.update(f"{binary.resolve()}\0{stat.st_size}\0{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def render_svg(d2_source: str, args: tuple[str, ...] = RENDER_ARGS) -> bytes:
    """The SVG of `d2_source`. D2 takes about a second and is deterministic, so a picture is
    kept in the user's cache folder under the hash of its source and of the binary; a build
    whose ERD did not change (most edits) takes it from there. Without a writable cache it just
    renders."""
    key = hashlib.sha256(f"{_renderer_digest(args)}\0{d2_source}".encode()).hexdigest()
    cached = _cache_folder() / f"{key}.svg"
    try:
        return cached.read_bytes()
    except OSError:
        pass
    svg = _render(d2_source, args)
    try:
        write_atomic(cached, svg)
    except OSError:
        pass  # a read-only home: no cache, same picture
    return svg


def _render(d2_source: str, args: tuple[str, ...] = RENDER_ARGS) -> bytes:
    with tempfile.TemporaryDirectory(prefix="schemaforge-erd-") as tmp:
        source, output = Path(tmp, "erd.d2"), Path(tmp, "erd.svg")
        source.write_text(d2_source)
        try:
            result = subprocess.run(
                [d2_binary(), *args, str(source), str(output)],
                capture_output=True, text=True, timeout=RENDER_TIMEOUT_SECONDS,
                # D2 lives a second: collecting its garbage a quarter as often takes a fifth off
                # its CPU for 45 MB more memory (bench/wide_build.py). A GOGC set by the user wins.
                env={"GOGC": D2_GOGC, **os.environ},
            )
        except subprocess.TimeoutExpired:
            raise RenderError(f"d2 did not finish the layout in {RENDER_TIMEOUT_SECONDS} s") from None
        if result.returncode != 0 or not output.exists():
            raise RenderError(f"d2 could not render the ERD: {result.stderr.strip()}")
        return output.read_bytes()
