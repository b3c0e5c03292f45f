"""The read models (CQRS) as a SQLMesh project: `build/D/read_models/`.

Each `scaling.read_models` entry is a model: the entity's rows grouped by `group_by`, each measure
its aggregate (`{total: sum}` is `SUM(total) AS total`). Each event store adds the projection
`<entity>_streams`: per stream, its last version, its count of events and the time of its last
one. The models read the seed through one staging view per entity (`staging.<table>`, over
`../seed/<entity>.parquet`), run on DuckDB (the project's default gateway), and carry SQLMesh's
audits: the grain is not null and unique. Each design rule is a standalone audit over the staging
views. The same aggregate is also written as plain DuckDB SQL (`ReadModel.direct`), so a check can
compare what SQLMesh built with what the seed says.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from schemaforge.deliverables.files import Artifact
from schemaforge.design.model import Design, Entity
from schemaforge.design.physical import physical_tree
from schemaforge.patterns.event_store import event_stores
from schemaforge.patterns.triggers import Statement

FOLDER = "read_models"
DATABASE = "warehouse.duckdb"  # its catalog must not take the schema's name
SCHEMA = "read_models"
STAGING = "staging"
_AGGREGATES = {"sum": "SUM", "count": "COUNT", "avg": "AVG", "min": "MIN", "max": "MAX"}


def _q(name: str) -> str:
    return exp.to_identifier(name, quoted=True).sql("duckdb")


@dataclass(frozen=True)
class ReadModel:
    name: str
    entity: Entity
    group_by: tuple[str, ...]  # physical columns
    measures: tuple[tuple[str, str, str], ...]  # (output name, aggregate, physical column or *)
    description: str

    def select(self, source: str) -> str:
        """The model's query over `source` (a staging view, or read_parquet(...))."""
        items = [_q(c) for c in self.group_by] + [
            f"{_AGGREGATES[aggregate]}({'*' if column == '*' else _q(column)}) AS {_q(name)}"
            for name, aggregate, column in self.measures]
        grouped = f" GROUP BY {', '.join(_q(c) for c in self.group_by)}" if self.group_by else ""
        return f"SELECT {', '.join(items)} FROM {source}{grouped}"


def read_models(design: Design) -> list[ReadModel]:
    """The design's read models, then the event stores' projections (made once per design)."""
    return design.derived("read models", lambda: _read_models(design))


def _read_models(design: Design) -> list[ReadModel]:
    found = []
    for name, model in design.doc.scaling.read_models.items():
        entity = design.entities.get(model.from_)
        if entity is None:
            continue  # the sections check reported it
        group_by = tuple(entity.physical(c.name) for field in model.group_by for c in entity.columns if c.field == field)
        measures = tuple((field, aggregate, entity.physical(next(c.name for c in entity.columns if c.field == field)))
                         for field, aggregate in model.measures.items())
        found.append(ReadModel(name, entity, group_by, measures, model.description or f"{entity.name} by {', '.join(model.group_by)}"))
    for events in event_stores(design):
        stream = next(fk for fk in events.foreign_keys if fk.field == "stream")
        found.append(ReadModel(
            f"{events.name}_streams", events, tuple(events.physical(c) for c in stream.columns),
            (("version", "max", events.physical("version")), ("events", "count", "*"),
             ("last_recorded_at", "max", events.physical("recorded_at"))),
            f"each stream of {events.name}: its last version, its events and when the last was recorded"))
    return found


def staged_entities(design: Design) -> list[Entity]:
    """The entities the models and the rules' audits read."""
    names = {m.entity.name for m in read_models(design)}
    names |= {t.name for rule in design.rules for t in rule.query.find_all(exp.Table)}
    return [e for name, e in design.entities.items() if name in names]


def _model_file(model: ReadModel) -> str:
    grain = ", ".join(_q(c) for c in model.group_by)
    audits = (f",\n  grain ({grain}),\n  audits (not_null(columns := ({grain})), "
              f"unique_combination_of_columns(columns := ({grain})))") if model.group_by else ""
    source = f"{STAGING}.{_q(model.entity.table)}"
    return (f"MODEL (\n  name {SCHEMA}.{model.name},\n  kind FULL,\n  description '{_text(model.description)}'{audits}\n);\n\n"
            f"{model.select(source)}\n")


def _staging_file(entity: Entity) -> str:
    return (f"MODEL (\n  name {STAGING}.{_q(entity.table)},\n  kind VIEW,\n  description 'the seed rows of {entity.name}'\n);\n\n"
            f"SELECT * FROM read_parquet('../seed/{entity.name}.parquet')\n")


def _rule_audit(design: Design, rule) -> str:
    tree = physical_tree(design, rule.query, lambda name: True)
    for table in tree.find_all(exp.Table):
        if table.name in {e.table for e in design.entities.values()}:
            table.set("db", exp.to_identifier(STAGING))
    description = rule.description or rule.name
    return f"AUDIT (\n  name {rule.name},\n  standalone true\n);\n-- {' '.join(description.split())}\n{tree.sql('duckdb')}\n"


def _text(text: str) -> str:
    return " ".join(text.split()).replace("'", "''")


CONFIG = f"""gateways:
  local:
    connection:
      type: duckdb
      database: {DATABASE}
default_gateway: local
model_defaults:
  dialect: duckdb
"""


def read_model_artifacts(design: Design) -> list[Artifact]:
    """The SQLMesh project; none where the design has no read model."""
    models = read_models(design)
    if not models:
        return []
    files = {f"{FOLDER}/config.yaml": CONFIG}
    for entity in staged_entities(design):
        files[f"{FOLDER}/models/{STAGING}/{entity.name}.sql"] = _staging_file(entity)
    for model in models:
        files[f"{FOLDER}/models/{model.name}.sql"] = _model_file(model)
    for rule in design.rules:
        files[f"{FOLDER}/audits/{rule.name}.sql"] = _rule_audit(design, rule)
    return [Artifact(path, text.encode()) for path, text in sorted(files.items())]


def materialized_views(design: Design, renderer) -> list[Statement]:
    """PostgreSQL: each read model as a materialized view over the tables, a unique index on its
    grain (so it refreshes CONCURRENTLY, readers never blocked), and `refresh_read_models()`."""
    models = read_models(design)
    if not models:
        return []
    dialect = renderer.target.dialect
    statements, refreshes = [], []
    for model in models:
        view = renderer.ident(model.name).sql(dialect)
        made = ("materialized_view", view, None)
        statements.append(Statement(f"CREATE MATERIALIZED VIEW {view} AS "
                                    f"{model.select(renderer.table(model.entity).sql(dialect))}", object=made))
        if model.group_by:
            columns = ", ".join(_q(c) for c in model.group_by)
            statements.append(Statement(f"CREATE UNIQUE INDEX {renderer.ident(f'ux_{model.name}').sql(dialect)} ON "
                                        f"{view} ({columns})", object=made))
        refreshes.append(f"REFRESH MATERIALIZED VIEW {'CONCURRENTLY ' if model.group_by else ''}{view};")
    statements.append(Statement("CREATE OR REPLACE PROCEDURE refresh_read_models() LANGUAGE plpgsql AS $$\nBEGIN\n  "
                                + "\n  ".join(refreshes) + "\nEND\n$$", procedural=True,
                                object=("procedure", "refresh_read_models()", None)))
    return statements
