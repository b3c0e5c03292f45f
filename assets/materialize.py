"""`schemaforge-materialize`: materialize exactly the assets that are stale, the command CI runs.

`dagster asset materialize --select '*'` launches every asset (each reuses its previous result
when nothing it reads changed, but every step still costs Dagster's own overhead), and
`--select 'status:stale'` is refused outside the UI. This command asks the Dagster instance
($DAGSTER_HOME) which assets it never materialized or materialized from another code version,
adds those the engine would regenerate (an input's data version moved, or the files on disk no
longer match their build record: a build folder deleted or edited by hand), and
launches one run of exactly those with their checks. Nothing stale: no run at all.

    schemaforge-materialize            # build what is stale; exit 1 when the run fails
    schemaforge-materialize --dry-run  # only list what is stale
"""

from __future__ import annotations

import argparse
import os
import sys

import dagster as dg

from assets.automation import CODE_VERSION_TAG

MAX_ROUNDS = 3  # a run, then at most two more for what a rebuilt input's new content staled
from assets.design_assets import asset_key, design_plan
from schemaforge.config import build_dir, design_files
from schemaforge.deliverables.records import is_current
from schemaforge.deliverables.registry import deliverables
from schemaforge.findings import DesignErrors


def _stale_in_dagster(defs: dg.Definitions, instance: dg.DagsterInstance) -> set[dg.AssetKey]:
    """Assets the instance has never materialized, or last materialized from another code
    version: one query for all of them. (What moved upstream is found on disk: a deliverable's
    build record keeps the data versions of the inputs it was built from.)"""
    keys = list(defs.resolve_asset_graph().get_all_asset_keys())
    planned = {key: defs.resolve_assets_def(key).code_versions_by_key.get(key) for key in keys}
    recorded = {}
    for record in instance.get_asset_records(keys):
        event = record.asset_entry.last_materialization
        if event is not None and event.asset_materialization is not None:
            recorded[record.asset_entry.asset_key] = event.asset_materialization.tags.get(CODE_VERSION_TAG)
    return {key for key in keys if key not in recorded or recorded[key] != planned[key]}


def _stale_on_disk() -> set[dg.AssetKey]:
    """What the engine would regenerate: files missing or changed since their build record."""
    stale = set()
    for path in design_files():
        try:
            plan = design_plan(path)
        except DesignErrors:
            continue  # its one failing asset is never fresh in the instance
        root = build_dir() / plan.design.name
        stale |= {asset_key(plan.design.name, item.name) for item in deliverables(plan) if not is_current(item, root)}
    return stale


def stale_assets(defs: dg.Definitions, instance: dg.DagsterInstance) -> list[dg.AssetKey]:
    """Every asset to materialize now. What depends on a stale asset is not added blindly: when
    it reads what the edit changed its own code version moved too (the manifest hashes the whole
    design), and when a rebuilt input comes back with new content its build record says so on
    the next look (`main` looks again after each run)."""
    stale = _stale_in_dagster(defs, instance) | _stale_on_disk()
    return sorted(stale, key=lambda k: k.to_user_string())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="schemaforge-materialize", description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="list the stale assets, launch nothing")
    args = parser.parse_args(argv)

    if not os.environ.get("DAGSTER_HOME"):
        print("schemaforge-materialize: set DAGSTER_HOME to the Dagster instance to compare with "
              "(the README uses $PWD/.dagster_home)", file=sys.stderr)
        return 2
    from definitions import build_definitions

    defs = build_definitions()  # made now, from $SCHEMAFORGE_DESIGNS as it is (the designs are loaded once)
    with dg.DagsterInstance.get() as instance:
        keys = stale_assets(defs, instance)
        if not keys:
            print("nothing is stale: no run launched")
            return 0
        for _ in range(MAX_ROUNDS):
            print(f"{len(keys)} stale: " + ", ".join(k.to_user_string() for k in keys), flush=True)
            if args.dry_run:
                return 0
            if not _run(defs, instance, keys):
                return 1
            # A rebuilt input that came back with other content stales what reads it: one more round.
            keys = stale_assets(defs, instance)
            if not keys:
                return 0
        print(f"still stale after {MAX_ROUNDS} runs: " + ", ".join(k.to_user_string() for k in keys), file=sys.stderr)
        return 1


def _run(defs: dg.Definitions, instance: dg.DagsterInstance, keys: list[dg.AssetKey]) -> bool:
    """One run of `keys` with their checks; True when every step and check passed."""
    result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
        instance=instance, asset_selection=keys, raise_on_error=False)
    failed = [event.step_key for event in result.all_events if event.is_step_failure]
    failed += [f"{e.asset_key.to_user_string()}:{e.check_name}" for e in result.get_asset_check_evaluations()
               if not e.passed]
    for item in failed:
        print(f"failed: {item}", file=sys.stderr)
    print(f"run {result.run_id}: {'failure' if failed or not result.success else 'success'}")
    return result.success and not failed


if __name__ == "__main__":
    sys.exit(main())
