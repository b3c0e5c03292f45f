"""The one Definitions object: every design in designs/ (or $SCHEMAFORGE_DESIGNS) as assets."""

from __future__ import annotations

import dagster as dg

from assets.automation import all_designs_job, design_file_sensor, nightly
from assets.design_assets import design_definitions
from assets.importing import import_job
from assets.resources import postgres_server
from schemaforge.config import design_files


def build_definitions() -> dg.Definitions:
    assets, checks = [], []
    for path in design_files():
        design_assets, design_checks = design_definitions(path)
        assets += design_assets
        checks += design_checks
    return dg.Definitions(
        assets=assets, asset_checks=checks, jobs=[all_designs_job, import_job], schedules=[nightly],
        sensors=[design_file_sensor], executor=dg.in_process_executor, resources={"postgres": postgres_server()},
    )


defs = build_definitions()
