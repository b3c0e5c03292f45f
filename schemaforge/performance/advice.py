"""What a reviewer would say of a design's access patterns before any database runs them.

Each recommendation cites the design line it comes from:
- PF201 a LIKE whose pattern starts with a wildcard (no B-tree serves it);
- PF202 a function or arithmetic on a compared column (no plain index serves it);
- PF203 OFFSET paging (each page reads and discards every row before it);
- PF204 a high-rate query with no LIMIT that may return many rows;
- PF205 an N+1 shape: a query run once per row of another declared query.
Then the caching candidates (high rate, read through a key), the connection pool (Little's law:
connections busy at once = calls per second x seconds per call), and when to partition or add
read replicas.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlglot import exp

from schemaforge.design.model import AccessPattern, Design
from schemaforge.findings import Finding
from schemaforge.indexes.render import index_plan
from schemaforge.seed.plan import row_counts

HIGH_RATE = 100  # calls per second from which a query's shape matters to the whole server
CACHE_RATE = 200  # calls per second from which a key lookup is worth a cache in front
CACHE_TTL_SECONDS = 60
POOL_HEADROOM = 2.0  # bursts above the declared peak, and calls slower than their p50
MIN_POOL, MAX_CLIENTS_PER_CONNECTION = 5, 20
PARTITION_ROWS = 50_000_000  # rows from which a time-ranged table is worth partitioning
REPLICA_READS_PER_SECOND = 20_000  # declared reads per second from which replicas pay off


@dataclass(frozen=True)
class Recommendation:
    finding: Finding
    query: str | None = None


def _sql_recommendations(design: Design, name: str, pattern: AccessPattern) -> list[Finding]:
    where = design.source.value(pattern.path)
    found = []
    tree = pattern.sql
    for like in tree.find_all(exp.Like, exp.ILike):
        pattern_node = like.expression
        first = pattern_node.this if isinstance(pattern_node, exp.DPipe) else pattern_node
        if isinstance(first, exp.Literal) and first.is_string and first.this.startswith(("%", "_")):
            found.append(Finding(where, f"query {name} matches LIKE with a leading wildcard ({like.sql()}): no B-tree "
                                 "index serves it, each call reads the whole table", "PF201", "warning",
                                 "search a prefix, or use full-text search (a GIN index on tsvector or pg_trgm)"))
    for compare in tree.find_all(exp.EQ, exp.GT, exp.GTE, exp.LT, exp.LTE):
        for side in (compare.this, compare.expression):
            if isinstance(side, (exp.Func, exp.Binary)) and not isinstance(side, exp.Column) and side.find(exp.Column):
                if isinstance(side, (exp.Placeholder, exp.Literal)) or side.find(exp.Placeholder):
                    continue
                found.append(Finding(where, f"query {name} compares {side.sql()}: a function or arithmetic on the column "
                                     "keeps a plain index on it from serving the query", "PF202", "warning",
                                     "compare the column itself, or index the expression"))
    if tree.args.get("offset"):
        found.append(Finding(where, f"query {name} pages with OFFSET: each page reads and discards every row before it",
                             "PF203", "warning", "page by the last key seen (WHERE key > :last ORDER BY key LIMIT n)"))
    return found


def _returns_one_row(design: Design, pattern: AccessPattern) -> bool:
    """A lookup by the key or a unique of its entity (for an `sql` query over one entity: the
    columns its WHERE compares with a parameter)."""
    entity_name, compared = pattern.entity, set()
    if pattern.sql is not None:
        tables = list(pattern.sql.find_all(exp.Table))
        if len(tables) != 1 or tables[0].name not in design.entities:
            return False
        entity_name = tables[0].name
        where = pattern.sql.args.get("where")
        compared = {c.name for eq in (where.find_all(exp.EQ) if where else ())
                    for c, other in ((eq.this, eq.expression), (eq.expression, eq.this))
                    if isinstance(c, exp.Column) and isinstance(other, exp.Placeholder)}
    elif entity_name is not None:
        compared = {c for f in pattern.filters if f.op == "eq" and f.literal is None for c in f.columns}
    if entity_name is None:
        return False
    entity = design.entities[entity_name]
    keys = [set(entity.primary_key)] + [set(u.columns) for u in entity.uniques]
    return any(key and key <= compared for key in keys)


def _n_plus_one(design: Design) -> list[Finding]:
    """B looks up one row of entity E by its key, A returns many rows of an entity that refers
    to E, and B runs at least twice as often as A: B is likely called once per row of A."""
    found = []
    for b_name, b in design.queries.items():
        if not (b.entity and b.rate and _returns_one_row(design, b)):  # structured lookups
            continue
        for a_name, a in design.queries.items():
            if a is b or not (a.entity and a.rate) or _returns_one_row(design, a):
                continue
            refers = [fk for fk in design.entities[a.entity].foreign_keys if fk.target == b.entity]
            if refers and b.rate >= 2 * a.rate:
                found.append(Finding(design.source.value(b.path), f"query {b_name} ({b.rate:g}/s) looks up one '{b.entity}' "
                                     f"at {b.rate / a.rate:g} times the rate of {a_name} ({a.rate:g}/s), whose rows refer "
                                     f"to '{b.entity}': an N+1 shape", "PF205", "warning",
                                     f"join '{b.entity}' into {a_name}, or fetch the rows of one call with IN"))
    return found


def recommendations(design: Design) -> list[Finding]:
    found = []
    for name, pattern in design.queries.items():
        if pattern.sql is not None:
            found += _sql_recommendations(design, name, pattern)
            limited = pattern.sql.args.get("limit") is not None or _returns_one_row(design, pattern)
        else:
            limited = pattern.limit is not None or _returns_one_row(design, pattern)
        if (pattern.rate or 0) >= HIGH_RATE and not limited:
            found.append(Finding(design.source.value(pattern.path), f"query {name} runs {pattern.rate:g} times a second "
                                 "with no LIMIT: one busy key returns every row it has", "PF204", "warning",
                                 "add limit: (and page by the last key seen)"))
    return found + _n_plus_one(design)


@dataclass(frozen=True)
class CacheCandidate:
    query: str
    key: str
    ttl_seconds: int
    rate: float


def caching(design: Design) -> list[CacheCandidate]:
    """Key lookups called often: a cache in front (cache-aside), keyed by the query's parameters."""
    from schemaforge.queries.render import render_queries

    parameters = {q.name: [p.name for p in q.parameters] for q in render_queries(design, "postgres")}
    return [CacheCandidate(name, ":".join([design.name, name, *(f"{{{p}}}" for p in parameters[name])]),
                           CACHE_TTL_SECONDS, pattern.rate)
            for name, pattern in design.queries.items()
            if (pattern.rate or 0) >= CACHE_RATE and _returns_one_row(design, pattern)]


@dataclass(frozen=True)
class Pool:
    size: int
    max_client_connections: int
    lines: list[str]  # the arithmetic, one line per query and the totals


def pool(design: Design, seconds_per_call: dict[str, float] | None = None) -> Pool:
    """Little's law: the connections busy at once are the calls per second times the seconds each
    call holds one. Each query is taken at its declared rate and, measured or else at its p95
    target, its latency; doubled for bursts."""
    seconds_per_call = seconds_per_call or {}
    busy, lines = 0.0, []
    for name, pattern in design.queries.items():
        if not pattern.rate:
            continue
        seconds = seconds_per_call.get(name, (pattern.p95_ms or 10) / 1000)
        source = "measured" if name in seconds_per_call else ("its p95_ms" if pattern.p95_ms else "10 ms assumed")
        busy += pattern.rate * seconds
        lines.append(f"{name}: {pattern.rate:g} calls/s x {seconds * 1000:.3f} ms ({source}) = {pattern.rate * seconds:.3f}")
    size = max(MIN_POOL, math.ceil(busy * POOL_HEADROOM))
    lines.append(f"busy connections at peak = {busy:.3f}; x {POOL_HEADROOM:g} headroom = {busy * POOL_HEADROOM:.3f}; "
                 f"pool size = max({MIN_POOL}, ceil) = {size}")
    return Pool(size, size * MAX_CLIENTS_PER_CONNECTION, lines)


def pgbouncer_ini(design: Design, sized: Pool) -> str:
    arithmetic = "\n".join(f";   {line}" for line in sized.lines)
    return f"""; PgBouncer for design '{design.name}', sized from its queries' rates and latencies.
; Generated by schemaforge from {design.file}.
; Connections busy at once (Little's law) = calls per second x seconds per call:
{arithmetic}
[databases]
{design.name} = host=127.0.0.1 port=5432 dbname={design.name}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = 6432
auth_type = scram-sha-256
auth_file = /etc/pgbouncer/userlist.txt
; Transaction pooling: a server connection is held only for a transaction, so the pool can be
; as small as the busy connections. Session state (SET, advisory locks, LISTEN) does not survive it.
pool_mode = transaction
default_pool_size = {sized.size}
min_pool_size = {min(sized.size, MIN_POOL)}
reserve_pool_size = {max(1, sized.size // 4)}
reserve_pool_timeout = 3
max_client_conn = {sized.max_client_connections}
server_idle_timeout = 600
query_wait_timeout = 30
"""


def scaling(design: Design) -> list[str]:
    """When to partition and when read replicas pay off, from row counts and declared rates."""
    counts, advice = row_counts(design), []
    declared = design.doc.scaling
    partitions = getattr(declared, "partitions", None) or {}
    for entity in design.entities.values():
        rows = counts.get(entity.name, 0)
        ranged = sorted({f.field for q in design.queries.values() if q.entity == entity.name
                         for f in q.filters if f.op == "range"})
        if entity.name in partitions:
            advice.append(f"{entity.table}: partitioned as the design declares (scaling.partitions).")
        elif ranged and rows >= PARTITION_ROWS:
            advice.append(f"{entity.table}: {rows:,} rows, read by ranges of {', '.join(ranged)}: partition it by range "
                          f"on {ranged[0]} (monthly), so old partitions detach instead of being deleted.")
        elif ranged:
            advice.append(f"{entity.table}: read by ranges of {', '.join(ranged)}; partition by range on {ranged[0]} "
                          f"once it nears {PARTITION_ROWS:,} rows (the seed has {rows:,}).")
    reads = sum(q.rate or 0 for q in design.queries.values())
    replicas = getattr(getattr(declared, "replicas", None), "read", None)
    if replicas:
        advice.append(f"reads: {reads:g} declared calls/s; the design declares {replicas} read replicas.")
    elif reads >= REPLICA_READS_PER_SECOND:
        advice.append(f"reads: {reads:g} declared calls/s: read replicas pay off; send the key lookups there.")
    else:
        advice.append(f"reads: {reads:g} declared calls/s: one primary serves them; read replicas pay off past "
                      f"{REPLICA_READS_PER_SECOND:,} calls/s.")
    return advice


def write_costs(design: Design) -> dict[str, int]:
    """The indexes each table keeps up on every write: its keys, uniques and planned indexes."""
    planned: dict[str, int] = {}
    for index in index_plan(design).indexes:
        planned[index.entity] = planned.get(index.entity, 0) + 1
    return {e.table: 1 + len(e.uniques) + planned.get(e.name, 0) for e in design.entities.values()}
