"""Each access pattern as the CQL SELECT that answers it (queries/cassandra.json).

A statement binds named markers (`:author_id`), the names of queries/<target>.sql's parameters.
It restricts the whole partition key by equality (`IN` for a list), and at most its first
clustering column by a range: a prefix is the range from the prefix to `<column>_prefix_end`,
the smallest text after every text that starts with it, which the application computes
(`derived`). No statement needs ALLOW FILTERING, and none says ORDER BY: a table's clustering
order is its pattern's order. With a list and a sort, every partition is read in its order
(`PER PARTITION LIMIT`) and the application merges them (`then`). `null_flags` names the flag
that marks a NULL in a column clustered by; `types` is the logical type of each column of the
table.
"""

from __future__ import annotations

from typing import Any

from schemaforge.design.model import Design
from schemaforge.nosql.cassandra.cql import quote, table_columns
from schemaforge.nosql.values import null_flag
from schemaforge.nosql.cassandra.model import BUCKET, CassandraModel, Lookup, cassandra_model
from schemaforge.nosql.answers import checked_fields
from schemaforge.nosql.requests import request_parameters, then_of


def statement(model: CassandraModel, lookup: Lookup, checked: list[str]) -> tuple[str, dict[str, Any]]:
    """The SELECT, and the markers the application derives from the parameters. It returns the
    pattern's columns, its sort columns and the `checked` ones the application reads."""
    read, table = lookup.read, lookup.table
    entity = read.entity
    returned = list(dict.fromkeys([*read.select, *(c for c, _ in read.order)]))
    fields = list(dict.fromkeys([entity.physical(c) for c in returned] + checked))
    fields += [null_flag(entity, c) for c in table.nullable if c in returned]
    conditions, derived = [], {}
    if not table.partition:
        conditions.append(f"{BUCKET} = 0")
    for column in table.partition:
        parameter = read.parameter_of(column)
        operator = "IN" if column in dict(read.listed) else "="
        conditions.append(f"{quote(entity.physical(column))} {operator} :{parameter}")
    ranged = quote(entity.physical(read.range or read.prefix)) if (read.range or read.prefix) else None
    if read.range:
        conditions += [f"{ranged} >= :{read.range}_from", f"{ranged} < :{read.range}_to"]
    elif read.prefix:
        end = f"{read.prefix}_prefix_end"
        conditions += [f"{ranged} >= :{read.prefix}_prefix", f"{ranged} < :{end}"]
        derived[end] = {"after_every_text_starting_with": f"{read.prefix}_prefix"}
    text = (f"SELECT {', '.join(quote(f) for f in fields)} FROM {quote(model.keyspace)}.{quote(table.name)} "
            f"WHERE {' AND '.join(conditions)}")
    if read.limit is not None and lookup.client_sort and read.listed and not _sorts_beyond_table(lookup):
        text += f" PER PARTITION LIMIT {read.limit}"
    elif read.limit is not None and not lookup.client_sort:
        text += f" LIMIT {read.limit}"
    return text, derived


def _sorts_beyond_table(lookup: Lookup) -> bool:
    """The pattern's sort is not the table's order (the application sorts every row it reads)."""
    order = [(c, d) for c, d in lookup.table.clustering][: len(lookup.read.order)]
    return order != list(lookup.read.order)


def lookup_request(design: Design, model: CassandraModel, lookup: Lookup) -> dict[str, Any]:
    read, table = lookup.read, lookup.table
    entity = read.entity
    then = then_of(read, lookup.client_checks, lookup.client_sort, table.partition)
    text, derived = statement(model, lookup, checked_fields({"then": then}))
    types = {entity.physical(c): str(entity.column(c).type) for c in table.columns(entity)}
    request: dict[str, Any] = {
        "query": read.name, "entity": entity.name, "table": table.name, "cql": text,
        "parameters": request_parameters(read), "fields": [entity.physical(c) for c in read.select],
        "types": types, "columns": [name for name, _ in table_columns(entity, table)],
        "null_flags": {entity.physical(c): null_flag(entity, c) for c in table.nullable},
    }
    if derived:
        request["derived"] = derived
    request["then"] = then
    return request


def requests(design: Design) -> dict[str, Any]:
    model = cassandra_model(design)
    return {"design": design.name, "keyspace": model.keyspace,
            "queries": {lookup.read.name: lookup_request(design, model, lookup) for lookup in model.lookups}}
