"""A generated design the size of a large company's database: hundreds of tables in domains.

`wide_design(tables=510)` writes the YAML of a design with that many entities (about 16.6
columns each: 510 tables hold 8,470 columns), grouped in domains of 30. Each entity references one to
two earlier entities of its domain and, now and then, one of another domain; its fields cover
every logical type, with uniques, enums, checks, a format, an index, descriptions and defaults.
Deterministic: the same arguments give the same text. The tests build it through Dagster and
`bench/` times it.
"""

from __future__ import annotations

import random

DOMAIN_SIZE = 30
# (name, YAML of the field): the columns every entity draws from, beyond its key and references.
FIELD_KINDS = [
    ("code", "{type: \"string(32)\", unique: true, check: \"value ~ '^[A-Z]{3}-[0-9]{6}$'\"}"),
    ("title", "{type: string(120), description: What people call it}"),
    ("notes", "{type: text, nullable: true}"),
    ("status", '{type: "enum(draft, active, retired)", default: draft}'),
    ("amount", "money"),
    ("quantity", "{type: integer, default: 0, check: \"value >= 0\"}"),
    ("ratio", "{type: \"decimal(5,4)\", nullable: true}"),
    ("score", "{type: double, nullable: true}"),
    ("enabled", "{type: boolean, default: true}"),
    ("starts_on", "date"),
    ("created_at", "{type: timestamptz, default: now}"),
    ("updated_at", "{type: timestamp, nullable: true}"),
    ("contact_email", "{type: email, nullable: true}"),
    ("external_id", "{type: uuid, default: uuid}"),
    ("payload", "{type: json, nullable: true}"),
    ("rank", "{type: smallint, check: \"value BETWEEN 1 AND 100\"}"),
    ("big_total", "{type: bigint, nullable: true}"),
]


def _entity_name(domain: int, index: int) -> str:
    return f"d{domain:02d}_item_{index:02d}"


def wide_design(tables: int = 510, columns: int = 16, rows: int = 20, name: str = "wide", seed: int = 7,
                queries: bool = False) -> str:
    """The YAML text of a design of `tables` entities of about `columns` columns each; with
    `queries`, access patterns over them too (bench/index_plan.py)."""
    rng = random.Random(seed)
    lines = [
        f"design: {name}", "version: 1.0.0", f"description: A generated design of {tables} tables in domains",
        "database: postgres", "targets: [postgres, mysql, sqlite, sqlserver, oracle, duckdb, clickhouse]",
        "types:",
        '  money: {type: "decimal(14,2)", check: "value >= 0", description: An amount}',
        "  email: {type: string(320), format: email, pii: email}",
        "entities:",
    ]
    names, patterns = [], []
    for number in range(tables):
        domain, index = divmod(number, DOMAIN_SIZE)
        entity = _entity_name(domain, index)
        lines += [f"  {entity}:", f"    description: Entity {index} of domain {domain}", "    fields:",
                  "      id: {type: bigint, pk: true}"]
        references = []
        in_domain = [n for n in names if n.startswith(f"d{domain:02d}_")]
        if in_domain:
            references += rng.sample(in_domain, min(len(in_domain), rng.choice((1, 2))))
        if names and rng.random() < 0.15:
            references.append(rng.choice(names))
        for position, target in enumerate(dict.fromkeys(references)):
            nullable = ", nullable: true" if position else ""
            lines.append(f"      ref_{position}: {{ref: {target}{nullable}, on_delete: restrict}}")
        picked = rng.sample(FIELD_KINDS, max(0, min(len(FIELD_KINDS), columns - 1 - len(references))))
        lines += [f"      {field}: {spec}" for field, spec in picked]
        if any(field == "title" for field, _ in picked):
            lines += ["    indexes:", "      - {fields: [title]}"]
        names.append(entity)
        patterns += _patterns(entity, bool(references), {field for field, _ in picked}, rng)
    if queries and patterns:
        lines += ["queries:", *patterns]
    lines += ["seed:", "  random_seed: 1", f"  rows: {{{', '.join(f'{n}: {rows}' for n in names)}}}", ""]
    return "\n".join(lines)


def _patterns(entity: str, referencing: bool, fields: set[str], rng: random.Random) -> list[str]:
    """An entity's access patterns, of every filter shape its fields allow."""
    rate = rng.choice((5, 50, 500))
    found = []
    if referencing and "created_at" in fields:
        found.append(f"  {entity}_recent: {{entity: {entity}, filter: {{ref_0: eq, created_at: range}}, "
                     f"order_by: [created_at desc], limit: 20, rate: {rate}, p95_ms: 20}}")
    if "status" in fields:
        found.append(f"  {entity}_active: {{entity: {entity}, filter: {{status: {{eq: active}}}}, order_by: [id], limit: 50}}")
    if "title" in fields:
        found.append(f"  {entity}_by_title: {{entity: {entity}, filter: {{title: prefix}}, limit: 20, rate: {rate}}}")
    if "code" in fields:
        found.append(f"  {entity}_by_codes: {{entity: {entity}, filter: {{code: in}}}}")
    return found


if __name__ == "__main__":
    print(wide_design())
