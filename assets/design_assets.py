"""Thin factories: a design file in, Dagster assets and checks out.

What a design builds is the engine's registry (`schemaforge.deliverables.registry`); this module
only turns each entry into an asset (its key, group, code version, dependencies, checks) and
what the entry shows into Dagster metadata.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import dagster as dg

from schemaforge.config import build_dir
from schemaforge.deliverables.files import file_sha256
from schemaforge.deliverables.records import build_or_reuse, check_or_reuse
from schemaforge.deliverables.registry import (
    Check, Deliverable, DeliverableFailed, Plan, Shown, deliverables, plan_design,
)
from schemaforge.design.loader import load_design
from schemaforge.migrate.history import history_dir
from schemaforge.performance.server import configured_server
from schemaforge.findings import DesignErrors

_METADATA = {
    "md": dg.MetadataValue.md, "json": dg.MetadataValue.json, "int": dg.MetadataValue.int,
    "path": dg.MetadataValue.path, "text": dg.MetadataValue.text,
}


def asset_key(design_name: str, deliverable_name: str) -> dg.AssetKey:
    return dg.AssetKey([design_name, deliverable_name])


def metadata(shown: dict[str, Shown]) -> dict[str, dg.MetadataValue]:
    return {name: _METADATA[entry.kind](entry.value) for name, entry in shown.items()}


class _ToDagster(logging.Handler):
    def __init__(self, log):
        super().__init__(logging.INFO)
        self.log = log

    def emit(self, record: logging.LogRecord) -> None:
        self.log.info(record.getMessage())


@contextmanager
def _engine_log_to(log):
    """The engine's progress (a large seed's estimate and steps) in the run's event log."""
    logger, handler = logging.getLogger("schemaforge"), _ToDagster(log)
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _asset(plan: Plan, item: Deliverable) -> dg.AssetsDefinition:
    design = plan.design

    @dg.asset(
        key=asset_key(design.name, item.name), group_name=design.name, code_version=item.code_version,
        description=item.description, kinds=set(item.kinds) or None, metadata={"design_file": design.file},
        deps=[asset_key(design.name, dep) for dep in item.deps] or None,
        required_resource_keys={"postgres"} if item.measures_on_postgres else None,
    )
    def _build(context) -> dg.MaterializeResult:  # an AssetExecutionContext
        server = context.resources.postgres.url if item.measures_on_postgres else None
        try:
            with _engine_log_to(context.log), configured_server(server):
                built, was_built = build_or_reuse(item, build_dir() / design.name)
        except DeliverableFailed as failed:
            raise dg.Failure(description=str(failed),
                             metadata={"items": dg.MetadataValue.md("\n".join(f"- {i}" for i in failed.items))}) from None
        if not was_built:
            context.log.info(f"{design.name}/{item.name}: unchanged since its last build, reused")
        return dg.MaterializeResult(data_version=dg.DataVersion(built.data_version),
                                    metadata=metadata(built.shown) | {"regenerated": dg.MetadataValue.bool(was_built)})

    return _build


def _check(plan: Plan, item: Deliverable, check: Check) -> dg.AssetChecksDefinition:
    """One op for a check's run, with a Dagster check per judgement it makes (the seed's
    expectations: one run of every suite, one result per entity)."""
    design, key = plan.design, asset_key(plan.design.name, item.name)
    also = [asset_key(design.name, read) for read in check.also_reads] or None
    specs = [dg.AssetCheckSpec(name, asset=key, description=description, blocking=check.blocking, additional_deps=also)
             for name, description in check.judgements]

    def results(server: str | None):
        with configured_server(server):
            outcomes, _ = check_or_reuse(item, check, build_dir() / design.name)
        for name, outcome in outcomes.items():
            yield dg.AssetCheckResult(asset_key=key, check_name=name, passed=outcome.passed,
                                      severity=dg.AssetCheckSeverity.ERROR if check.blocking else dg.AssetCheckSeverity.WARN,
                                      metadata=metadata(outcome.shown))

    name = f"{design.name}__{item.name}_{check.name}"
    if check.measures_on_postgres:  # it runs on the PostgreSQL the `postgres` resource names
        @dg.multi_asset_check(specs=specs, name=name, required_resource_keys={"postgres"})
        def _measuring(context):
            yield from results(context.resources.postgres.url)

        return _measuring

    @dg.multi_asset_check(specs=specs, name=name)
    def _run():  # no context: a check can be called directly, as the tests do
        yield from results(None)

    return _run


def _broken_design_asset(design_name: str, errors: DesignErrors) -> dg.AssetsDefinition:
    """A design with errors builds nothing: one asset that fails with every located error."""
    message = "\n".join(str(f) for f in errors.findings)

    @dg.asset(key=asset_key(design_name, "spec"), group_name=design_name,
              description=f"This design does not load:\n\n```\n{message}\n```")
    def _broken() -> None:
        raise dg.Failure(description=f"design '{design_name}' has errors:\n{message}")

    return _broken


def design_plan(path: Path) -> Plan:
    """The design at `path` with its releases; raises DesignErrors when it does not load. Loaded
    once while the file and its release snapshots keep their content: the definitions and the
    command that finds stale assets share it."""
    files = [path, *sorted(history_dir(path).glob("*.yaml"))]
    return _plan_of(path, tuple((file.name, _content_hash(file)) for file in files))


def _content_hash(file: Path) -> str | None:
    if not file.is_file():  # a pipe or a folder named like a design is never read here
        return None
    try:
        return file_sha256(file)
    except OSError:  # not readable: the loader says where and why
        return None


@lru_cache(maxsize=64)
def _plan_of(path: Path, *stamps) -> Plan:
    return plan_design(path, load_design(path))


def design_definitions(path: Path) -> tuple[list, list]:
    """(assets, checks) for one design file."""
    try:
        plan = design_plan(path)
    except DesignErrors as errors:
        return [_broken_design_asset(path.stem, errors)], []
    items = deliverables(plan)
    assets = [_asset(plan, item) for item in items]
    checks = [_check(plan, item, check) for item in items for check in item.checks]
    return assets, checks


def planned_code_versions(plan: Plan) -> dict[dg.AssetKey, str]:
    """Code version of every asset of the design, as the factory would define it now."""
    return {asset_key(plan.design.name, d.name): d.code_version for d in deliverables(plan)}
