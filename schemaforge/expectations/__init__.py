"""Expectations on seed data: suites derived from the design, run by Great Expectations on DuckDB."""
