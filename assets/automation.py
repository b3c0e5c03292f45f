"""Rebuild nightly, and rebuild a design when its file changes (only the assets it affects)."""

from __future__ import annotations

import hashlib
import json

import dagster as dg

from assets.design_assets import design_plan, planned_code_versions
from schemaforge.config import design_files
from schemaforge.findings import DesignErrors

CODE_VERSION_TAG = "dagster/code_version"

all_designs_job = dg.define_asset_job("build_all_designs", selection=dg.AssetSelection.all())
nightly = dg.ScheduleDefinition(
    name="nightly_rebuild", job=all_designs_job, cron_schedule="0 3 * * *",
    default_status=dg.DefaultScheduleStatus.STOPPED,
)


def changed_assets(instance: dg.DagsterInstance, versions: dict[dg.AssetKey, str]) -> list[dg.AssetKey]:
    """Keys whose last materialization was made from another code version (or never)."""
    changed = []
    for key, version in versions.items():
        event = instance.get_latest_materialization_event(key)
        recorded = event.asset_materialization.tags.get(CODE_VERSION_TAG) if event and event.asset_materialization else None
        if recorded != version:
            changed.append(key)
    return changed


@dg.sensor(name="design_file_changed", job=all_designs_job, minimum_interval_seconds=15,
           default_status=dg.DefaultSensorStatus.STOPPED)
def design_file_sensor(context: dg.SensorEvaluationContext):
    """When a design file's content changes, materialize the assets whose inputs changed."""
    seen = json.loads(context.cursor) if context.cursor else {}
    current = {}
    for path in design_files():
        # A pipe or a directory named like a design is reported by the loader, never read here.
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "not a regular file"
        current[str(path)] = digest
        if seen.get(str(path)) == digest:
            continue
        try:
            plan = design_plan(path)
        except DesignErrors as errors:
            context.log.warning(f"{path} has errors, nothing to build:\n{errors}")
            continue
        keys = changed_assets(context.instance, planned_code_versions(plan))
        if keys:
            yield dg.RunRequest(run_key=f"{path}:{digest}", asset_selection=keys)
    context.update_cursor(json.dumps(current, sort_keys=True))
