"""What the NoSQL target tests share: a design rendered for a target, DuckDB's answer to each
access pattern over the seed (the design's own DuckDB query), and the comparison of a store's
answer with it.

A pattern with a sort is compared as a sorted answer: as many rows as DuckDB's up to the limit,
the same sort values in the same order, and every row one of DuckDB's (rows tied on the sort at
the limit may be any of the tied ones). A pattern without a sort is compared as a multiset (a
subset of the right size under a limit). Values are compared as texts (nosql/values.py), numbers
as numbers (a store may write 12.50 as 12.5).
"""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal
from pathlib import Path

import sqlglot

from conftest import DESIGNS
from schemaforge.deliverables.seed import build_seed
from schemaforge.design.loader import load_design_text
from schemaforge.nosql.reads import Read
from schemaforge.nosql.values import text_sql
from schemaforge.performance.parameters import draw_parameters, seed_reader
from schemaforge.queries.render import render_queries
from schemaforge.seed.plan import row_counts
from schemaforge.seed.sql import create_views, ident

NUMBER_KINDS = ("smallint", "integer", "bigint", "decimal", "real", "double")


def seeded_design(tmp_path_factory, name: str, target: str, rows: int):
    """The example `name` for `target` and a folder with its seed built, scaled to about `rows`
    rows (the store under test loads and reads it in Python or over a local server)."""
    design = design_for(name, target)
    root = tmp_path_factory.mktemp(name)
    build_seed(design, root, scale=min(1.0, rows / sum(row_counts(design).values())))
    return design, root


def example_loader(tmp_path_factory, target: str, rows: int, build):
    """get(name): the example for `target`, its seed built at about `rows` rows, made into the
    store under test by `build(design, root)`, once per test module."""
    made = {}

    def get(name: str):
        if name not in made:
            made[name] = build(*seeded_design(tmp_path_factory, name, target, rows))
        return made[name]

    return get


def design_for(name: str, target: str):
    """The example `name`, rendered for `target` alone (an example's SQL targets swapped for it; a
    design with stores has them all in that one store)."""
    text = (DESIGNS / f"{name}.yaml").read_text()
    if re.search(r"^stores:", text, flags=re.M):
        text = re.sub(r"^stores:\n(?:  .*\n)+", "", text, flags=re.M)
        text = re.sub(r"^database: (polyglot|microservices)$", f"database: {target}", text, flags=re.M)
    if re.search(r"^targets: ", text, flags=re.M):
        text = re.sub(r"^targets: .*$", f"targets: [{target}]", text, flags=re.M)
    else:
        text = re.sub(r"^(database: .*)$", rf"\1\ntargets: [{target}]", text, count=1, flags=re.M)
    return load_design_text(text, f"designs/{name}.yaml", name)


class Reference:
    """DuckDB over a built seed: each pattern's parameters drawn from it, and its answer."""

    def __init__(self, design, seed_dir: Path):
        self.design, self.seed_dir = design, seed_dir
        self.duck = seed_reader()
        create_views(self.duck, design, seed_dir)
        self.rendered = {q.name: q for q in render_queries(design, "duckdb")}

    def parameters(self, query: str) -> dict:
        return draw_parameters(self.design, self.rendered[query], self.seed_dir, self.duck)

    def answer(self, query: str, entity_name: str, parameters: dict, fields: list[str]) -> list[tuple]:
        """The design's DuckDB query without its limit, as texts of `fields` (its sort columns
        added where it does not select them)."""
        rendered = self.rendered[query]
        tree = sqlglot.parse_one(rendered.sql, read="duckdb")
        tree.set("limit", None)
        entity = self.design.entities[entity_name]
        columns = {entity.physical(c.name): c for c in entity.columns}
        selected = {e.alias_or_name for e in tree.expressions}
        for field in fields:
            if field not in selected:
                tree.expressions.append(sqlglot.exp.column(field, quoted=True))
        texts = ", ".join(text_sql(columns[f].type, "q." + ident(f)) for f in fields)
        wanted = {p.name: parameters[p.name] for p in rendered.parameters}
        rows = self.duck.execute(f"SELECT {texts} FROM ({tree.sql('duckdb')}) q", wanted).fetchall()
        return [normalised(row, entity, fields) for row in rows]


def sort_fields(read: Read) -> list[str]:
    return [read.entity.physical(c) for c, _ in read.order]


def check_pattern(reference: Reference, read: Read, request: dict, answer) -> None:
    """Answer `read` with `answer(request, parameters)` (rows of {field: text or bytes}) and
    compare with DuckDB's answer, parameters drawn from the seed; the sort columns are asked
    for too, to compare the order."""
    parameters = reference.parameters(read.name)
    order = sort_fields(read)
    request = dict(request, fields=request["fields"] + [f for f in order if f not in request["fields"]])
    fields = request["fields"]
    kinds = {read.entity.physical(c.name): c.type.kind for c in read.entity.columns}
    got = [normalised([v.decode() if isinstance(v, bytes) and kinds[f] != "bytes" else v for f, v in
                       ((f, row[f]) for f in fields)], read.entity, fields)  # Redis answers text as bytes
           for row in answer(request, parameters)]
    expected = reference.answer(read.name, read.entity.name, parameters, fields)
    assert_same_answer(read.name, parameters, got, expected, fields, order, read.limit)


def normalised(row, entity, fields: list[str]) -> tuple:
    """A row's texts, a number as its value (12.50 and 12.5 alike)."""
    kinds = {entity.physical(c.name): c.type.kind for c in entity.columns}
    return tuple(Decimal(v) if v is not None and kinds[f] in NUMBER_KINDS else v for f, v in zip(fields, row))


def assert_same_answer(query: str, parameters: dict, got: list[tuple], expected: list[tuple], fields: list[str],
                       order: list[str], limit: int | None) -> None:
    assert expected, f"{query}: the drawn parameters {parameters} match no seed row; the comparison would prove nothing"
    assert len(got) == min(len(expected), limit or len(expected)), (query, parameters, len(got), len(expected))
    extra = Counter(got) - Counter(expected)
    assert not extra, f"{query}: rows DuckDB does not give: {extra}"
    if order:
        positions = [fields.index(f) for f in order]
        assert [[row[i] for i in positions] for row in got] == [[row[i] for i in positions] for row in expected[:len(got)]]
    elif limit is None:
        assert Counter(got) == Counter(expected)
