"""Cassandra: query-first tables, one per access pattern (model.py), as CQL (cql.py)."""
