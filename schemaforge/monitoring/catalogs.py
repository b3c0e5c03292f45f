"""Monitoring SQL per target (`monitoring/queries/<target>.sql`): what an operator runs, or a
collector scrapes, to watch the design's queries, tables and indexes on each engine.

One class per engine, in the way sqlglot writes its dialects: each says, as class-level text,
where its engine keeps statement statistics, table sizes, index use, lock waits and replication
state. A statement's statistics are found by the comment each rendered query carries, where the
engine keeps a statement's text whole (PostgreSQL's pg_stat_statements, MySQL's sample text,
SQL Server's Query Store, Oracle's V$SQL, ClickHouse's query log). SQLite and DuckDB run inside
the application and keep no such statistics: they get none.
"""

from __future__ import annotations

from typing import ClassVar

from schemaforge.design.model import Design
from schemaforge.indexes.render import index_plan
from schemaforge.monitoring.exporter import sql_list
from schemaforge.queries.render import QUERY_TAG_KEY


class MonitoringCatalog:
    title: ClassVar[str]
    # Each text is a statement with {tag} (a LIKE pattern matching the query comment), {tables},
    # {indexes} (SQL lists of names) and {schema} filled in.
    STATEMENTS: ClassVar[str]
    TABLES: ClassVar[str]
    INDEXES: ClassVar[str]
    LOCKS: ClassVar[str]
    REPLICATION: ClassVar[str]

    def script(self, design: Design) -> str:
        names = {"tag": f"'%{QUERY_TAG_KEY}=%'", "tables": sql_list(e.table for e in design.entities.values()),
                 "indexes": sql_list(i.name for i in index_plan(design).indexes)}
        parts = [f"-- Monitoring queries of design '{design.name}' for {self.title}.",
                 "-- Declared queries are found by their comment /*" + QUERY_TAG_KEY + "='<name>'*/.", ""]
        for heading, text in (("the declared queries' statistics", self.STATEMENTS), ("table growth and bloat", self.TABLES),
                              ("index use, and the planned indexes that are missing or unused", self.INDEXES),
                              ("lock waits", self.LOCKS), ("replication", self.REPLICATION)):
            parts += [f"-- {heading}", text.strip().format(**names) + ";", ""]
        return "\n".join(parts)


class PostgresCatalog(MonitoringCatalog):
    title = "PostgreSQL (pg_stat_statements in shared_preload_libraries)"
    STATEMENTS = """
SELECT substring(query FROM '{QUERY_TAG_KEY}=''([^'']*)''') AS query, sum(calls) AS calls,
       sum(total_exec_time) / sum(calls) AS mean_ms, max(max_exec_time) AS max_ms, sum(rows) AS rows
FROM pg_stat_statements WHERE query LIKE {tag} GROUP BY 1 ORDER BY 1""".replace("{QUERY_TAG_KEY}", QUERY_TAG_KEY)
    TABLES = """
SELECT relname AS table_name, n_live_tup AS live_rows, n_dead_tup AS dead_rows,
       round(n_dead_tup::numeric / greatest(n_live_tup + n_dead_tup, 1), 3) AS dead_ratio,
       pg_total_relation_size(relid) AS bytes, seq_scan, idx_scan, last_autovacuum
FROM pg_stat_user_tables WHERE relname IN ({tables}) ORDER BY bytes DESC"""
    INDEXES = """
SELECT p.name AS index_name, i.relname AS table_name, i.indexrelid IS NOT NULL AS present,
       coalesce(i.idx_scan, 0) AS scans, pg_relation_size(i.indexrelid) AS bytes
FROM unnest(ARRAY[{indexes}]::text[]) AS p(name)
LEFT JOIN pg_stat_user_indexes i ON i.indexrelname = p.name ORDER BY present, scans"""
    LOCKS = """
SELECT waiting.pid, waiting.query, blocking.pid AS blocked_by, now() - waiting.query_start AS waited
FROM pg_stat_activity waiting
JOIN pg_stat_activity blocking ON blocking.pid = ANY(pg_blocking_pids(waiting.pid))"""
    REPLICATION = """
SELECT application_name, state, replay_lag, pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) AS bytes_behind
FROM pg_stat_replication"""


class MysqlCatalog(MonitoringCatalog):
    title = "MySQL 8 (performance_schema)"
    STATEMENTS = """
SELECT SUBSTRING_INDEX(SUBSTRING_INDEX(QUERY_SAMPLE_TEXT, '{QUERY_TAG_KEY}=''', -1), '''', 1) AS query,
       COUNT_STAR AS calls, AVG_TIMER_WAIT / 1000000000 AS mean_ms, MAX_TIMER_WAIT / 1000000000 AS max_ms,
       SUM_ROWS_EXAMINED AS rows_examined, SUM_ROWS_SENT AS rows_sent, SUM_NO_INDEX_USED AS without_index
FROM performance_schema.events_statements_summary_by_digest
WHERE SCHEMA_NAME = DATABASE() AND QUERY_SAMPLE_TEXT LIKE {tag}""".replace("{QUERY_TAG_KEY}", QUERY_TAG_KEY)
    TABLES = """
SELECT TABLE_NAME AS table_name, TABLE_ROWS AS live_rows, DATA_LENGTH + INDEX_LENGTH AS bytes, DATA_FREE AS free_bytes
FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN ({tables})"""
    INDEXES = """
SELECT INDEX_NAME AS index_name, OBJECT_NAME AS table_name, COUNT_READ AS reads
FROM performance_schema.table_io_waits_summary_by_index_usage
WHERE OBJECT_SCHEMA = DATABASE() AND INDEX_NAME IN ({indexes}) ORDER BY reads"""
    LOCKS = """
SELECT REQUESTING_ENGINE_TRANSACTION_ID AS waiting, BLOCKING_ENGINE_TRANSACTION_ID AS blocked_by
FROM performance_schema.data_lock_waits"""
    REPLICATION = """
SELECT CHANNEL_NAME AS channel, SERVICE_STATE AS state, LAST_ERROR_MESSAGE AS last_error
FROM performance_schema.replication_applier_status_by_worker"""


class SqlServerCatalog(MonitoringCatalog):
    title = "SQL Server (Query Store on)"
    STATEMENTS = """
SELECT SUBSTRING(t.query_sql_text, n.start, CHARINDEX('''', t.query_sql_text, n.start) - n.start) AS query,
       SUM(s.count_executions) AS calls, AVG(s.avg_duration) / 1000.0 AS mean_ms, MAX(s.max_duration) / 1000.0 AS max_ms
FROM sys.query_store_query_text AS t
CROSS APPLY (SELECT CHARINDEX('{QUERY_TAG_KEY}=''', t.query_sql_text) + LEN('{QUERY_TAG_KEY}=''') AS start) AS n
JOIN sys.query_store_query AS q ON q.query_text_id = t.query_text_id
JOIN sys.query_store_plan AS p ON p.query_id = q.query_id
JOIN sys.query_store_runtime_stats AS s ON s.plan_id = p.plan_id
WHERE t.query_sql_text LIKE {tag}
GROUP BY t.query_sql_text, n.start""".replace("{QUERY_TAG_KEY}", QUERY_TAG_KEY)
    TABLES = """
SELECT t.name AS table_name, SUM(p.row_count) AS live_rows, SUM(p.reserved_page_count) * 8192 AS bytes
FROM sys.tables AS t JOIN sys.dm_db_partition_stats AS p ON p.object_id = t.object_id
WHERE t.name IN ({tables}) AND p.index_id IN (0, 1) GROUP BY t.name"""
    INDEXES = """
SELECT i.name AS index_name, OBJECT_NAME(i.object_id) AS table_name,
       COALESCE(u.user_seeks + u.user_scans + u.user_lookups, 0) AS reads, COALESCE(u.user_updates, 0) AS writes
FROM sys.indexes AS i LEFT JOIN sys.dm_db_index_usage_stats AS u
  ON u.object_id = i.object_id AND u.index_id = i.index_id AND u.database_id = DB_ID()
WHERE i.name IN ({indexes})"""
    LOCKS = """
SELECT session_id, blocking_session_id, wait_type, wait_time AS waited_ms
FROM sys.dm_exec_requests WHERE blocking_session_id <> 0"""
    REPLICATION = """
SELECT ar.replica_server_name, drs.synchronization_state_desc, drs.log_send_queue_size, drs.redo_queue_size
FROM sys.dm_hadr_database_replica_states AS drs JOIN sys.availability_replicas AS ar ON ar.replica_id = drs.replica_id"""


class OracleCatalog(MonitoringCatalog):
    title = "Oracle (V$ views)"
    STATEMENTS = """
SELECT REGEXP_SUBSTR(sql_fulltext, '{QUERY_TAG_KEY}=''([^'']*)''', 1, 1, NULL, 1) AS query,
       SUM(executions) AS calls, SUM(elapsed_time) / GREATEST(SUM(executions), 1) / 1000 AS mean_ms,
       SUM(rows_processed) AS row_count
FROM v$sql WHERE sql_text LIKE {tag}
GROUP BY REGEXP_SUBSTR(sql_fulltext, '{QUERY_TAG_KEY}=''([^'']*)''', 1, 1, NULL, 1)""".replace("{QUERY_TAG_KEY}", QUERY_TAG_KEY)
    TABLES = """
SELECT table_name, num_rows AS live_rows, blocks * 8192 AS bytes, last_analyzed
FROM user_tables WHERE LOWER(table_name) IN ({tables})"""
    INDEXES = """
SELECT index_name, table_name, status, num_rows, last_analyzed
FROM user_indexes WHERE LOWER(index_name) IN ({indexes})"""
    LOCKS = """
SELECT sid, blocking_session, event, seconds_in_wait FROM v$session WHERE blocking_session IS NOT NULL"""
    REPLICATION = """
SELECT name, value, time_computed FROM v$dataguard_stats WHERE name IN ('transport lag', 'apply lag')"""


class ClickhouseCatalog(MonitoringCatalog):
    title = "ClickHouse (system tables)"
    STATEMENTS = """
SELECT extract(query, '{QUERY_TAG_KEY}=''([^'']*)''') AS query_name, count() AS calls,
       avg(query_duration_ms) AS mean_ms, quantile(0.95)(query_duration_ms) AS p95_ms,
       sum(read_rows) AS rows_read, sum(result_rows) AS rows_returned
FROM system.query_log
WHERE type = 'QueryFinish' AND query LIKE {tag} AND event_time > now() - INTERVAL 1 HOUR
GROUP BY query_name""".replace("{QUERY_TAG_KEY}", QUERY_TAG_KEY)
    TABLES = """
SELECT table AS table_name, sum(rows) AS live_rows, sum(bytes_on_disk) AS bytes, count() AS active_parts
FROM system.parts WHERE active AND database = currentDatabase() AND table IN ({tables}) GROUP BY table"""
    INDEXES = """
SELECT table AS table_name, name AS index_name, type, data_compressed_bytes AS bytes
FROM system.data_skipping_indices WHERE database = currentDatabase() AND name IN ({indexes})"""
    LOCKS = """
SELECT database, table, mutation_id, command, parts_to_do, latest_fail_reason
FROM system.mutations WHERE NOT is_done"""
    REPLICATION = """
SELECT database, table, absolute_delay, queue_size, is_readonly FROM system.replicas"""


CATALOGS: dict[str, type[MonitoringCatalog]] = {
    "postgres": PostgresCatalog, "mysql": MysqlCatalog, "sqlserver": SqlServerCatalog,
    "oracle": OracleCatalog, "clickhouse": ClickhouseCatalog,
}
