#!/usr/bin/env bash
# Set up a fresh machine: a virtualenv with schemaforge and its dependencies, then build the
# example designs as Dagster assets (the same command your CI would run).
set -euo pipefail
cd "$(dirname "$0")"
python3 -m venv .venv
.venv/bin/pip install --quiet --upgrade pip
.venv/bin/pip install --quiet -e '.[dev,bench]'
export DAGSTER_HOME="${DAGSTER_HOME:-$PWD/.dagster_home}"
mkdir -p "$DAGSTER_HOME"
.venv/bin/schemaforge-materialize  # everything, the first time; after that only what is stale
echo "Built: $(ls -d build/*/ | tr '\n' ' ')"
