"""A DuckDB SQLAlchemy dialect whose results outlive their connection.

Great Expectations (1.24) runs each metric query in `with engine.connect()` and reads the rows
after that block has closed the connection. Closing rolls the connection back, and DuckDB then
drops the pending result, so GX reads no rows and fails with `IndexError` in
`resolve_metric_bundle` (fivetran/great_expectations#11579). Drivers such as psycopg fetch rows
into the client on execute; this dialect does the same for DuckDB, using SQLAlchemy's own
fully-buffered fetch strategy, as SQLAlchemy's Oracle and SQL Server dialects do. Use it with
the URL scheme `duckdb+buffered:///path`.
"""

from __future__ import annotations

from duckdb_engine import Dialect as DuckDBDialect
from sqlalchemy.dialects import registry
from sqlalchemy.engine import cursor

SCHEME = "duckdb+buffered"


class _BufferedExecutionContext(DuckDBDialect.execution_ctx_cls):
    def post_exec(self) -> None:
        super().post_exec()
        if self.cursor.description is not None:
            self.cursor_fetch_strategy = cursor.FullyBufferedCursorFetchStrategy(
                self.cursor, self.cursor.description, self.cursor.fetchall()
            )


class BufferedDuckDBDialect(DuckDBDialect):
    execution_ctx_cls = _BufferedExecutionContext
    supports_statement_cache = False  # as duckdb_engine itself


registry.register("duckdb.buffered", __name__, "BufferedDuckDBDialect")
