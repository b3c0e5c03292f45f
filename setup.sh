#!/usr/bin/env bash
# Set up a fresh machine: a virtualenv with schemaforge and its dependencies, then build the
# example designs as Dagster assets (the same command your CI would run).
set -euo pipefail
cd "$(dirname "$0")"
# PostgreSQL's HypoPG, with which the tests price the index plan's indexes hypothetically
# (Debian's package; installed here when it is missing and we are root).
if command -v apt-get >/dev/null && ! dpkg -s postgresql-15-hypopg >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  apt-get install -y -q postgresql-15-hypopg >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q postgresql-15-hypopg >/dev/null; }
fi
python3 -m venv .venv
.venv/bin/pip install --quiet --upgrade pip
.venv/bin/pip install --quiet -e '.[dev,bench]'
export DAGSTER_HOME="${DAGSTER_HOME:-$PWD/.dagster_home}"
mkdir -p "$DAGSTER_HOME"
.venv/bin/schemaforge-materialize  # everything, the first time; after that only what is stale
echo "Built: $(ls -d build/*/ | tr '\n' ' ')"
