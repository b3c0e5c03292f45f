"""A design of 510 tables (tests/wide_design.py) builds through Dagster with every check green,
its ERD drawn per cluster; and the cluster pictures of a large design, the single picture of a
small one. Speed at this size is measured in bench/wide_build.py, not here."""

from __future__ import annotations

import json
import multiprocessing

import dagster as dg
import pytest

from conftest import load_example
from schemaforge.ddl import render
from schemaforge.ddl.render import render_ddl
from schemaforge.deliverables.generate import sql_targets
from schemaforge.design.loader import load_design
from schemaforge.erd.clusters import LARGE_ERD, erd_clusters
from schemaforge.erd.picture import render_overview_d2
from schemaforge.erd.pictures import erd_paths
from wide_design import wide_design

TABLES = 510


@pytest.fixture(scope="module")
def wide(tmp_path_factory):
    folder = tmp_path_factory.mktemp("wide")
    (folder / "designs").mkdir()
    (folder / "designs" / "wide.yaml").write_text(wide_design(TABLES, rows=5))
    return folder


def test_the_510_table_design_builds_through_dagster_with_every_check_green(wide, monkeypatch):
    monkeypatch.setenv("SCHEMAFORGE_DESIGNS", str(wide / "designs"))
    monkeypatch.setenv("SCHEMAFORGE_BUILD", str(wide / "build"))
    from definitions import build_definitions

    design = load_design(wide / "designs" / "wide.yaml")
    assert len(design.entities) == TABLES and sum(len(e.columns) for e in design.entities.values()) > 8000
    result = build_definitions().resolve_implicit_global_asset_job_def().execute_in_process(
        instance=dg.DagsterInstance.ephemeral())
    assert result.success
    checks = {(e.asset_key.to_user_string(), e.check_name): e.passed for e in result.get_asset_check_evaluations()}
    assert len([c for c in checks if c[1].startswith("expectations_")]) == TABLES
    assert [c for c, passed in checks.items() if not passed] == []
    root = wide / "build" / "wide"
    lint = json.loads((root / "lint.json").read_text())
    assert lint["counts"]["error"] == 0
    assert [f["code"] for f in lint["findings"] if f["code"].startswith("ER")] == ["ER101"]
    manifest = {a["path"] for a in json.loads((root / "manifest.json").read_text())["artifacts"]}
    assert "erd/overview.svg" in manifest and "erd/erd.svg" not in manifest
    assert {p for p in manifest if p.startswith("erd/clusters/")} == {
        f"erd/clusters/{c.name}.svg" for c in erd_clusters(design)}


@pytest.mark.parametrize("example", ["shop", "saas"])
def test_ddl_rendered_side_by_side_is_the_ddl_rendered_one_target_at_a_time(example, monkeypatch):
    """A large design's targets render in forked processes; what comes back (the SQL and every
    finding, in order) is what rendering them one by one in this process gives."""
    targets = sql_targets(load_example(example))
    one_by_one = [render_ddl(load_example(example), t) for t in targets]
    monkeypatch.setattr(render, "PARALLEL_ENTITIES", 1)  # the examples are small: fork for them too
    design = load_example(example)
    forks, get_context = [], multiprocessing.get_context
    monkeypatch.setattr(multiprocessing, "get_context", lambda method: forks.append(method) or get_context(method))
    side_by_side = render.render_ddls(design, targets)
    assert forks == ["fork"]
    assert [(r.target, r.sql, r.findings) for r in side_by_side] == [(r.target, r.sql, r.findings) for r in one_by_one]
    assert render_ddl(design, targets[0]) is side_by_side[0]  # kept for the DDL deliverables


def test_a_large_design_is_clustered_into_readable_pictures_and_a_small_one_is_not(wide):
    design = load_design(wide / "designs" / "wide.yaml")
    clusters = erd_clusters(design)
    assert all(1 <= len(c.entities) <= LARGE_ERD for c in clusters)
    assert sorted(n for c in clusters for n in c.entities) == sorted(design.entities)  # each entity once
    assert erd_clusters(load_design(wide / "designs" / "wide.yaml")) == clusters  # the same every time
    # Clusters follow the references: most references stay inside their cluster.
    where = {n: c.name for c in clusters for n in c.entities}
    references = [(e.name, fk.target) for e in design.entities.values() for fk in e.foreign_keys]
    assert sum(where[a] == where[b] for a, b in references) > 0.7 * len(references)
    shop = load_example("shop")
    assert erd_clusters(shop) == [] and erd_paths(shop) == ["erd/erd.mmd", "erd/erd.svg"]
    # Just past the threshold, clusters appear.
    (wide / "designs" / "w41.yaml").write_text(wide_design(LARGE_ERD + 1, name="w41"))
    assert erd_clusters(load_design(wide / "designs" / "w41.yaml"))
    (wide / "designs" / "w40.yaml").write_text(wide_design(LARGE_ERD, name="w40"))
    assert erd_clusters(load_design(wide / "designs" / "w40.yaml")) == []


def test_the_overview_is_a_square_grid_of_clusters_with_an_arrow_per_pair_that_references_across(wide):
    """A layered layout of the clusters' dense references took D2 a quarter of the ERD's time; a
    grid draws at once. Every cross-cluster reference is still counted on its arrow."""
    design = load_design(wide / "designs" / "wide.yaml")
    clusters = erd_clusters(design)
    source = render_overview_d2(design, clusters).splitlines()
    columns = int(next(line for line in source if line.startswith("grid-columns:")).split(":")[1])
    assert (columns - 1) ** 2 < len(clusters) <= columns ** 2  # as square as the count allows
    assert len([line for line in source if line.startswith("c") and "->" not in line]) == len(clusters)
    where = {n: i for i, c in enumerate(clusters) for n in c.entities}
    across = [(where[e.name], where[fk.target]) for e in design.entities.values() for fk in e.foreign_keys
              if where[e.name] != where[fk.target]]
    arrows = {tuple(int(end.strip()[1:]) for end in line.split(":")[0].split("->")): int(line.split(":")[1])
              for line in source if "->" in line}
    assert arrows == {pair: across.count(pair) for pair in set(across)} and sum(arrows.values()) == len(across)
