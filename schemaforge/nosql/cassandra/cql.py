"""The Cassandra schema as CQL (`ddl/cassandra.cql`): the keyspace, then every table with the
queries it serves, the rows it holds and what keeps its copy of the entity in step.

Logical types map to CQL's: a string, an enum and JSON are `text`, a timestamp is `timestamp`
(milliseconds since 1970 UTC; a `timestamp` without a zone is read as UTC), an array is a
`frozen<list<...>>`, an interval is its text. Identifiers are quoted only where CQL needs it (a
reserved word, capitals, a leading digit).
"""

from __future__ import annotations

import re

from schemaforge.design.model import Design, Entity
from schemaforge.design.types import LogicalType
from schemaforge.nosql.cassandra.model import BUCKET, CassandraModel, Table, cassandra_model
from schemaforge.nosql.values import null_flag

# CQL's reserved keywords (those that cannot name a column unquoted).
RESERVED = frozenset("""
add allow alter and apply asc authorize batch begin by columnfamily create default delete desc describe drop
entries execute from full grant if in index infinity insert into is keyspace limit materialized mbean mbeans
modify nan norecursive not null of on or order primary rename replace revoke schema select set table to token
truncate unlogged unset update use using view where with
""".split())

_TYPES = {
    "boolean": "boolean", "smallint": "smallint", "integer": "int", "bigint": "bigint", "decimal": "decimal",
    "real": "float", "double": "double", "string": "text", "text": "text", "enum": "text", "json": "text",
    "uuid": "uuid", "date": "date", "time": "time", "timestamp": "timestamp", "timestamptz": "timestamp",
    "bytes": "blob", "interval": "text",
}


def quote(name: str) -> str:
    if re.fullmatch(r"[a-z][a-z0-9_]*", name) and name not in RESERVED:
        return name
    return '"' + name.replace('"', '""') + '"'


def cql_type(typ: LogicalType) -> str:
    if typ.kind == "array":
        return f"frozen<list<{cql_type(typ.item)}>>"
    return _TYPES[typ.kind]


def table_columns(entity: Entity, table: Table) -> list[tuple[str, str]]:
    """(physical name, CQL type) of every column the table holds, its flags and bucket included."""
    columns = [(BUCKET, "int")] if not table.partition else []
    for name in table.columns(entity):
        if name in table.nullable:
            columns.append((null_flag(entity, name), "boolean"))
        columns.append((entity.physical(name), cql_type(entity.column(name).type)))
    return columns


def primary_key(entity: Entity, table: Table) -> tuple[list[str], list[tuple[str, bool]]]:
    """(partition key columns, clustering columns with their direction), physical names."""
    partition = [entity.physical(c) for c in table.partition] or [BUCKET]
    clustering = []
    for name, descending in table.clustering:
        if name in table.nullable:
            clustering.append((null_flag(entity, name), descending))
        clustering.append((entity.physical(name), descending))
    return partition, clustering


def _literal(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def _holds(entity: Entity, table: Table) -> str:
    conditions = [f"{entity.physical(c)} = {_literal(v)}" for c, v in table.constants]
    conditions += [f"{entity.physical(c)} IS NOT NULL" for c in table.present]
    conditions += [f"{entity.physical(table.hidden)} IS NULL"] if table.hidden else []
    return " AND ".join(conditions)


def _comment(design: Design, model: CassandraModel, table: Table) -> list[str]:
    entity = design.entities[table.entity]
    size = model.sizes[table.name]
    if table.own:
        copies = [t.name for t in model.tables if t.entity == table.entity and not t.own]
        lines = [f"-- {table.entity}: every row, by its primary key"
                 + (f"; {', '.join(copies)} {'holds a copy' if len(copies) == 1 else 'hold copies'}, written with it in one logged batch "
                    "(BEGIN BATCH ... APPLY BATCH) so that they change together." if copies else ".")]
        lines += [f"-- Serves: {', '.join(table.queries)}."] if table.queries else []
    else:
        lines = [f"-- Serves: {', '.join(table.queries)}. A copy of {table.entity}, written in the logged batch "
                 f"that writes {quote(model.keyspace)}.{quote(_own(model, table.entity).name)}."]
    if table.sparse:
        lines.append(f"-- It holds only the rows where {_holds(entity, table)}: the application writes a row here when "
                     "that holds and deletes it here when it stops holding.")
    if not table.partition:
        lines.append(f"-- The query compares no field: one partition (`{BUCKET} = 0`) holds every row.")
    if table.nullable:
        lines.append("-- " + ", ".join(f"{null_flag(entity, c)} marks a NULL {entity.physical(c)}" for c in table.nullable)
                     + " (a key column holds no NULL: it holds its type's zero value then, and the flag sorts the row "
                     "where the design puts NULLs).")
    if table.queries:
        lines.append(f"-- Largest partition at the design's row counts: up to about {size.rows:,} row{'s' if size.rows != 1 else ''}, "
                     f"{size.bytes / 1024:,.0f} KiB.")
    return lines


def _own(model: CassandraModel, entity_name: str) -> Table:
    return next(t for t in model.tables if t.own and t.entity == entity_name)


def create_table(design: Design, model: CassandraModel, table: Table) -> str:
    entity = design.entities[table.entity]
    partition, clustering = primary_key(entity, table)
    columns = [f"  {quote(name)} {typ}," for name, typ in table_columns(entity, table)]
    key = ", ".join(quote(c) for c in partition)
    key = f"({key})" if len(partition) > 1 else key
    key = ", ".join([key] + [quote(c) for c, _ in clustering])
    text = f"CREATE TABLE IF NOT EXISTS {quote(model.keyspace)}.{quote(table.name)} (\n" + "\n".join(columns)
    text += f"\n  PRIMARY KEY ({key})\n)"
    if clustering:
        text += " WITH CLUSTERING ORDER BY (" + ", ".join(
            f"{quote(c)} {'DESC' if d else 'ASC'}" for c, d in clustering) + ")"
    return "\n".join(_comment(design, model, table)) + "\n" + text + ";"


def cassandra_cql(design: Design) -> str:
    model = cassandra_model(design)
    keyspace = (f"-- The {design.name} design (version {design.version}) on Cassandra: a table per access pattern.\n"
                f"-- Replication factor {model.replication}: "
                + ("the primary and its read replicas (scaling.replicas)." if design.doc.scaling.replicas else
                   "three copies, the usual for production (the design sets no scaling.replicas).") + "\n"
                f"CREATE KEYSPACE IF NOT EXISTS {quote(model.keyspace)} WITH replication = "
                f"{{'class': 'NetworkTopologyStrategy', 'datacenter1': {model.replication}}};")
    return "\n\n".join([keyspace] + [create_table(design, model, t) for t in model.tables]) + "\n"
