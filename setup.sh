#!/usr/bin/env bash
# Set up a fresh machine: a virtualenv with schemaforge and its dependencies, then build the
# example designs as Dagster assets (the same command your CI would run).
set -euo pipefail
cd "$(dirname "$0")"
# From Debian's packages, installed here when missing and we are root: PostgreSQL's HypoPG and
# pg_qualstats, with which the performance analysis prices and cross-checks the index plan, and
# Prometheus (its promtool) and postgres_exporter, which run the generated monitoring config.
DEBIAN_PACKAGES="postgresql-15-hypopg postgresql-15-pg-qualstats postgresql-15-pgaudit prometheus prometheus-postgres-exporter"
missing=$(for p in $DEBIAN_PACKAGES; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done)
if [ -n "$missing" ] && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  # shellcheck disable=SC2086
  apt-get install -y -q --no-install-recommends $missing >/dev/null \
    || { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends $missing >/dev/null; }
fi
# dynalite, a local DynamoDB from the npm registry, on which the DynamoDB target's tests create
# the table, load the seed and run every access pattern.
if command -v npm >/dev/null; then
  npm install --silent --no-audit --no-fund --prefix .node dynalite@4.0.0 >/dev/null
fi
python3 -m venv .venv
.venv/bin/pip install --quiet --upgrade pip
.venv/bin/pip install --quiet -e '.[dev,bench]'
export DAGSTER_HOME="${DAGSTER_HOME:-$PWD/.dagster_home}"
mkdir -p "$DAGSTER_HOME"
.venv/bin/schemaforge-materialize  # everything, the first time; after that only what is stale
echo "Built: $(ls -d build/*/ | tr '\n' ' ')"
