"""Dagster assets built from the designs in designs/ (see design_assets)."""
