"""postgres_exporter's custom queries for a design (`monitoring/postgres_exporter.yml`).

Each query is one metric family, `schemaforge_<family>_<column>`, with bounded labels: the
design's name, and only the design's own queries, tables and planned indexes (named in each
query's text), never free text from the server. The declared queries' statistics come from
pg_stat_statements, found by the comment each rendered query carries (queries/render.py).
"""

from __future__ import annotations

from schemaforge.design.model import Design
from schemaforge.indexes.render import index_plan
from schemaforge.queries.render import QUERY_TAG_KEY, query_tag


def sql_list(values) -> str:
    """Names as an SQL list of string literals (NULL when there are none)."""
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values) or "NULL"


def tag_value(name: str) -> str:
    """The value a query's tag carries: its name, URL-quoted."""
    return query_tag(name).split("'")[1]


def exporter_queries(design: Design) -> dict:
    """The custom queries, as the mapping postgres_exporter's `--extend.query-path` file holds."""
    label = lambda text: {"usage": "LABEL", "description": text}  # noqa: E731
    counter = lambda text: {"usage": "COUNTER", "description": text}  # noqa: E731
    gauge = lambda text: {"usage": "GAUGE", "description": text}  # noqa: E731
    design_name = "'" + design.name.replace("'", "''") + "'"
    tags = sql_list(tag_value(n) for n in design.queries)
    tables = sql_list(e.table for e in design.entities.values())
    planned = sql_list(i.name for i in index_plan(design).indexes)
    tag = f"substring(query from '{QUERY_TAG_KEY}=''([^'']*)''')"
    return {
        "schemaforge_query": {
            "query": f"SELECT {design_name} AS design, {tag} AS query, sum(calls) AS calls, "
                     "sum(total_exec_time) / 1000 AS exec_seconds, sum(rows) AS rows, "
                     "sum(shared_blks_hit + shared_blks_read) AS blocks FROM pg_stat_statements "
                     "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                     f"AND {tag} IN ({tags}) GROUP BY 2",
            "master": True,
            "metrics": [{"design": label("the design")}, {"query": label("the declared query (queries:)")},
                        {"calls": counter("times the query ran")},
                        {"exec_seconds": counter("seconds the server spent executing it")},
                        {"rows": counter("rows it returned")},
                        {"blocks": counter("shared buffer blocks it read (hit or read)")}],
        },
        "schemaforge_table": {
            "query": f"SELECT {design_name} AS design, relname AS table, n_live_tup AS rows, n_dead_tup AS dead_rows, "
                     "seq_scan AS seq_scans, coalesce(idx_scan, 0) AS index_scans, "
                     "n_tup_ins + n_tup_upd + n_tup_del AS writes, pg_total_relation_size(relid) AS bytes "
                     f"FROM pg_stat_user_tables WHERE schemaname = current_schema() AND relname IN ({tables})",
            "master": True,
            "metrics": [{"design": label("the design")}, {"table": label("the design's table")},
                        {"rows": gauge("live rows (estimated)")}, {"dead_rows": gauge("dead rows not yet vacuumed")},
                        {"seq_scans": counter("reads of the whole table")},
                        {"index_scans": counter("reads through an index")},
                        {"writes": counter("rows inserted, updated or deleted")},
                        {"bytes": gauge("the table's size with its indexes and TOAST")}],
        },
        "schemaforge_index": {
            "query": f"SELECT {design_name} AS design, p.name AS index, (i.indexrelid IS NOT NULL)::int AS present, "
                     "coalesce(i.idx_scan, 0) AS scans, coalesce(pg_relation_size(i.indexrelid), 0) AS bytes "
                     f"FROM unnest(ARRAY[{planned}]::text[]) AS p(name) LEFT JOIN pg_stat_user_indexes i "
                     "ON i.indexrelname = p.name AND i.schemaname = current_schema()",
            "master": True,
            "metrics": [{"design": label("the design")}, {"index": label("an index of the index plan")},
                        {"present": gauge("1 while the planned index exists")},
                        {"scans": counter("reads through the index")}, {"bytes": gauge("the index's size")}],
        },
        "schemaforge_database": {
            "query": f"SELECT {design_name} AS design, xact_commit AS commits, xact_rollback AS rollbacks, deadlocks, "
                     "blks_hit AS blocks_hit, blks_read AS blocks_read, pg_database_size(datname) AS bytes, "
                     "(SELECT count(*) FROM pg_locks WHERE NOT granted) AS lock_waits, "
                     "(SELECT count(*) FROM pg_stat_activity) AS connections, "
                     "current_setting('max_connections')::int AS max_connections, "
                     "CASE WHEN pg_is_in_recovery() THEN coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0) "
                     "ELSE coalesce((SELECT max(extract(epoch FROM replay_lag)) FROM pg_stat_replication), 0) END "
                     "AS replication_lag_seconds FROM pg_stat_database WHERE datname = current_database()",
            "master": True,
            "metrics": [{"design": label("the design")}, {"commits": counter("transactions committed")},
                        {"rollbacks": counter("transactions rolled back")}, {"deadlocks": counter("deadlocks detected")},
                        {"blocks_hit": counter("blocks found in shared buffers")},
                        {"blocks_read": counter("blocks read from disk or the OS cache")},
                        {"bytes": gauge("the database's size")},
                        {"lock_waits": gauge("lock requests waiting now")},
                        {"connections": gauge("server connections now")},
                        {"max_connections": gauge("the server's max_connections")},
                        {"replication_lag_seconds": gauge("replay lag: on a primary its slowest replica's, on a replica its own")}],
        },
    }
