"""The compliance checklist (`security/checklist.md`): for each regime the design names under
`compliance:`, the concrete controls, each marked met, not met, or outside the schema, from
facts of the design. A control the design fails is also a lint finding, with the control's
code (SC2xx GDPR and CCPA, SC3xx HIPAA, SC4xx PCI DSS, SC5xx SOX and SOC 2).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Literal

from schemaforge.ddl.targets import SQL_TARGETS
from schemaforge.deliverables.files import Artifact
from schemaforge.design.model import Column, Design, Entity
from schemaforge.findings import Finding
from schemaforge.security.grants import privilege_matrix
from schemaforge.security.policy import AUDIT_TABLE, audited_entities, encrypted_columns, retentions

CHECKLIST = "security/checklist.md"
Status = Literal["met", "not met", "outside the schema"]
WRITES = {"insert", "update", "delete", "truncate"}
REGIME_TITLES = {"gdpr": "GDPR", "ccpa": "CCPA", "hipaa": "HIPAA", "pci_dss": "PCI DSS", "sox": "SOX", "soc2": "SOC 2"}


@dataclass
class Control:
    code: str
    regime: str
    title: str
    status: Status
    evidence: list[str] = field(default_factory=list)
    fix: str | None = None
    path: tuple = ("security", "compliance")  # where in the design a failure is reported
    severity: str = "warning"


# -- facts of the design ----------------------------------------------------------------------

def _pii(design: Design, kinds: set[str] | None = None) -> list[tuple[Entity, Column]]:
    return [(e, c) for e in design.entities.values() for c in e.columns if c.pii and (kinds is None or c.pii in kinds)]


def _clear_readers(design: Design, kinds: set[str]) -> dict[str, list[str]]:
    """role -> the columns of these kinds it reads in clear."""
    readers: dict[str, list[str]] = {}
    for role, by_entity in privilege_matrix(design).items():
        for entity_name, access in by_entity.items():
            entity = design.entities[entity_name]
            for column in entity.columns:
                readable = "select" in access.privileges or column.name in (access.readable or ())
                if column.pii in kinds and readable:
                    readers.setdefault(role, []).append(f"{entity.name}.{column.field}")
    return readers


def _unexplained(design: Design, readers: dict[str, list[str]]) -> list[str]:
    return [role for role in readers if not design.doc.security.roles[role].description]


def _encryption(design: Design):
    return design.doc.security.encryption


def _in_transit(design: Design) -> bool:
    return _encryption(design) is not None and _encryption(design).in_transit == "required"


def _at_rest(design: Design) -> bool:
    return _encryption(design) is not None and _encryption(design).at_rest


# -- controls -----------------------------------------------------------------------------------

def _inventory(design: Design, regime: str, code: str) -> Control:
    holding = sorted({f"{e.name} ({', '.join(sorted({c.pii for c in e.columns if c.pii}))})" for e, _ in _pii(design)})
    return Control(code, regime, "Personal data is identified: which entities hold it, and of which kind",
                   "met" if holding else "not met", holding or ["no field is marked pii"],
                   None if holding else "mark each personal field with pii: (email, name, phone, ...)")


def _erasure(design: Design, regime: str, code: str) -> Control:
    paths = [erasure_sql(design, e) for e in design.entities.values() if any(c.pii for c in e.columns)]
    return Control(code, regime, "A data subject's personal data can be erased (right to erasure / deletion)",
                   "met" if paths else "not met", paths or ["no entity holds personal data to erase"])


def _least_privilege(kinds: set[str], what: str):
    def control(design: Design, regime: str, code: str) -> Control:
        readers = _clear_readers(design, kinds)
        unexplained = _unexplained(design, readers)
        evidence = [f"{role} reads {', '.join(columns)} in clear"
                    + ("" if role in unexplained else f" ({design.doc.security.roles[role].description})")
                    for role, columns in readers.items()] or [f"no role reads {what} in clear"]
        return Control(code, regime, f"Only roles with a stated reason read {what} in clear",
                       "not met" if unexplained else "met", evidence,
                       "give those roles pii: masked (or a list of the kinds they need), or say why in their "
                       "description:" if unexplained else None,
                       ("security", "roles", unexplained[0]) if unexplained else ("security", "roles"))
    return control


def _encrypted(kind: str, what: str):
    def control(design: Design, regime: str, code: str) -> Control:
        columns = _pii(design, {kind})
        encrypted = {(e.name, c.name) for e, c in encrypted_columns(design)}
        plain = [(e, c) for e, c in columns if (e.name, c.name) not in encrypted]
        evidence = [f"{e.name}.{c.field}: {'plain' if (e, c) in plain else 'encrypted'}" for e, c in columns]
        return Control(code, regime, f"{what} is encrypted in the database", "not met" if plain else "met",
                       evidence or [f"no field holds {what.lower()} (pii: {kind})"],
                       f"add {kind} to security.encryption.columns" if plain else None,
                       plain[0][1].path if plain else ("security", "encryption"), "error")
    return control


def _audited(kinds: set[str] | None, what: str, reads: bool = False):
    def control(design: Design, regime: str, code: str) -> Control:
        if kinds is None:  # financial records: entities with amounts
            holding = [e for e in design.entities.values() if any(c.type.kind == "decimal" for c in e.columns)]
        else:
            holding = list({e.name: e for e, _ in _pii(design, kinds)}.values())
        audited = {e.name for e in audited_entities(design)}
        operations = design.doc.security.audit.operations if design.doc.security.audit else []
        missing = [e.name for e in holding if e.name not in audited]
        reads_missing = reads and holding and "select" not in operations
        evidence = [f"{e.name}: {'audited (' + ', '.join(operations) + ')' if e.name in audited else 'not audited'}"
                    for e in holding] or [f"no entity holds {what}"]
        fix = None
        if missing:
            fix = f"add {', '.join(missing)} to security.audit.entities"
        elif reads_missing:
            fix = "add select to security.audit.operations (reads are logged by pgaudit)"
        return Control(code, regime, f"Changes to {what}{' and reads of it' if reads else ''} are recorded in an audit "
                       "trail", "not met" if fix else "met", evidence, fix, ("security", "audit"))
    return control


def _transit(design: Design, regime: str, code: str) -> Control:
    ok = _in_transit(design)
    return Control(code, regime, "Connections are encrypted in transit (TLS only)", "met" if ok else "not met",
                   [f"in_transit: {_encryption(design).in_transit if _encryption(design) else 'not set'}"],
                   None if ok else "set security.encryption.in_transit: required", ("security", "encryption"))


def _at_rest_control(design: Design, regime: str, code: str) -> Control:
    ok = _at_rest(design)
    return Control(code, regime, "Data is encrypted at rest (TDE, tablespace encryption, or the platform's volume "
                   "encryption where PostgreSQL runs)", "met" if ok else "not met",
                   [f"at_rest: {bool(ok)}"], None if ok else "set security.encryption.at_rest: true",
                   ("security", "encryption"))


def _retention(design: Design, regime: str, code: str) -> Control:
    kept = {r.entity.name: r.words for r in retentions(design) if r.entity is not None}
    holding = sorted({e.name for e, _ in _pii(design)})
    missing = [name for name in holding if name not in kept]
    evidence = [f"{name}: {'kept ' + kept[name] if name in kept else 'kept indefinitely'}" for name in holding]
    return Control(code, regime, "Personal data is kept no longer than needed (a retention per entity)",
                   "not met" if missing else "met", evidence or ["no personal data"],
                   f"set security.retention for {', '.join(missing)}" if missing else None, ("security", "retention"))


def _audit_kept(design: Design, regime: str, code: str) -> Control:
    kept = next((r for r in retentions(design) if r.table == AUDIT_TABLE and r.entity is None), None)
    audited = bool(audited_entities(design))
    ok = audited and (kept is None or (kept.unit == "year" and kept.amount >= 7))
    evidence = ["no audit trail" if not audited else f"audit log kept {kept.words if kept else 'indefinitely'}; no "
                "role is granted writes on it (the trigger writes as its owner)"]
    return Control(code, regime, "The audit trail is tamper-resistant and kept at least 7 years",
                   "met" if ok else "not met", evidence,
                   None if ok else "audit the financial entities and keep audit_log at least 7y", ("security", "retention"))


def _segregation(design: Design, regime: str, code: str) -> Control:
    everything = [name for name, role in design.doc.security.roles.items()
                  if set(role.grants.get("*", [])) & WRITES]
    return Control(code, regime, "Duties are segregated: no role may change every table",
                   "not met" if everything else "met",
                   [f"{name} writes every entity (\"*\")" for name in everything] or ["no role writes every entity"],
                   "grant writes per entity, to the roles whose job it is" if everything else None,
                   ("security", "roles", everything[0]) if everything else ("security", "roles"))


def _outside(title: str):
    def control(design: Design, regime: str, code: str) -> Control:
        return Control(code, regime, title, "outside the schema")
    return control


ControlFn = Callable[[Design, str, str], Control]
HEALTH, CARD = {"health"}, {"card"}
PERSONAL = {"email", "name", "phone", "address", "ssn", "card", "health", "dob", "ip", "free_text"}

REGIMES: dict[str, list[tuple[str, ControlFn]]] = {
    "gdpr": [("SC201", _inventory), ("SC202", _erasure), ("SC203", _least_privilege(PERSONAL, "personal data")),
             ("SC204", _retention), ("SC205", _transit),
             ("SC206", _outside("A breach is notified within 72 hours; processing is recorded (Art. 30, 33)"))],
    "ccpa": [("SC211", _inventory), ("SC212", _erasure), ("SC213", _least_privilege(PERSONAL, "personal data"))],
    "hipaa": [("SC301", _encrypted("health", "Health data")), ("SC302", _least_privilege(HEALTH, "health data")),
              ("SC303", _audited(HEALTH, "health data", reads=True)), ("SC304", _transit), ("SC305", _at_rest_control),
              ("SC306", _outside("Backups, disaster recovery and emergency access are planned (164.308(a)(7))"))],
    "pci_dss": [("SC401", _encrypted("card", "Card data")), ("SC402", _least_privilege(CARD, "card data")),
                ("SC403", _audited(CARD, "card data", reads=True)), ("SC404", _transit),
                ("SC405", _outside("Keys are managed and rotated outside the database (req. 3.6, 3.7)"))],
    "sox": [("SC501", _audited(None, "financial records")), ("SC502", _audit_kept), ("SC503", _segregation),
            ("SC504", _outside("Schema changes go through reviewed migrations (change management)"))],
    "soc2": [("SC511", _least_privilege(PERSONAL, "personal data")), ("SC512", _audited(None, "financial records")),
             ("SC513", _transit), ("SC514", _at_rest_control)],
}


def controls(design: Design) -> list[Control]:
    return [make(design, regime, code) for regime in design.doc.security.compliance
            for code, make in REGIMES[regime]]


def checklist_findings(design: Design) -> list[Finding]:
    found = []
    for control in controls(design):
        if control.status == "not met":
            found.append(Finding(design.source.value(control.path),
                                 f"{REGIME_TITLES[control.regime]}: {control.title[0].lower()}{control.title[1:]}: not met "
                                 f"({'; '.join(control.evidence)})", control.code, control.severity, control.fix))
    return found


# -- erasure ------------------------------------------------------------------------------------

# What an erased value of a `format:` column becomes: still valid for its CHECK, naming no one.
ERASED_BY_FORMAT = {"email": "'erased-' || {key} || '@erased.invalid'", "phone": "'+0000000'",
                    "url": "'https://erased.invalid'", "ipv4": "'0.0.0.0'", "ipv6": "'::'",
                    "hostname": "'erased.invalid'", "postal_code": "'00000'"}


def _anonymized(entity: Entity, column: Column, name, encrypted: bool) -> str:
    if column.nullable:
        return "NULL"
    if encrypted:  # ciphertext in a bytea column on PostgreSQL: erased to no bytes
        return "''::bytea"
    if column.type.kind in ("string", "text", "char"):
        template = ERASED_BY_FORMAT.get(column.format, "'erased-' || {key}")
        return template.format(key=name(entity.primary_key[0]))
    return {"date": "DATE '1900-01-01'", "timestamp": "TIMESTAMP '1900-01-01 00:00:00'",
            "timestamptz": "TIMESTAMP '1900-01-01 00:00:00'"}.get(column.type.kind, "NULL")


def _cascade(design: Design, entity: Entity) -> tuple[list[str], list[str]]:
    """(what deleting a row of `entity` does to other rows, the references that would refuse it),
    following ON DELETE CASCADE as far as it goes."""
    effects, blocking, seen, stack = [], [], {entity.name}, [entity]
    while stack:
        current = stack.pop()
        for other in design.entities.values():
            for fk in other.foreign_keys:
                if fk.target != current.name:
                    continue
                action = fk.on_delete or "no_action"
                if action in ("restrict", "no_action"):
                    blocking.append(f"{other.name}.{fk.field}")
                elif action == "cascade":
                    effects.append(f"{other.name} rows deleted (through {other.name}.{fk.field})")
                    if other.name not in seen:
                        seen.add(other.name)
                        stack.append(other)
                else:
                    effects.append(f"{other.name}.{fk.field} {action.replace('_', ' ')}")
    return effects, blocking


def erasure_sql(design: Design, entity: Entity) -> str:
    """How one row of `entity` is erased (in the SQL of the design's database): deleted, with what
    the delete cascades to, or anonymized in place where a reference anywhere down the cascade
    would refuse the delete."""
    target = SQL_TARGETS.get(design.database, SQL_TARGETS["postgres"])()
    table, name = target.ident(entity.table), lambda column: target.ident(entity.physical(column))
    effects, blocking = _cascade(design, entity)
    key = " AND ".join(f"{name(c)} = :{c}" for c in entity.primary_key)
    if blocking:
        encrypted = {c.name for e, c in encrypted_columns(design) if e is entity} if design.database == "postgres" else set()
        sets = ", ".join(f"{name(c.name)} = {_anonymized(entity, c, name, c.name in encrypted)}"
                         for c in entity.columns if c.pii)
        return (f"{entity.name}: anonymized in place, since {', '.join(blocking)} would refuse its delete\n"
                f"UPDATE {table} SET {sets} WHERE {key};")
    return (f"{entity.name}: deleted{'; ' + ', '.join(effects) if effects else ''}\n"
            f"DELETE FROM {table} WHERE {key};")


def checklist_markdown(design: Design) -> str:
    lines = [f"# Compliance checklist: {design.name} {design.version}", "",
             f"Derived from {design.file} by schemaforge: each control is met, not met, or outside the schema "
             "(the operator's to meet). A control not met is also a lint finding with its code.", ""]
    listed = controls(design)
    if not listed:
        lines += ["The design names no regime under security.compliance.", ""]
    for regime in design.doc.security.compliance:
        lines += [f"## {REGIME_TITLES[regime]}", "", "| code | control | status | evidence | fix |",
                  "| --- | --- | --- | --- | --- |"]
        for control in (c for c in listed if c.regime == regime):
            evidence = "<br>".join(e.replace("\n", "<br>").replace("|", "\\|") for e in control.evidence)
            lines.append(f"| {control.code} | {control.title} | **{control.status}** | {evidence} | {control.fix or ''} |")
        lines.append("")
    return "\n".join(lines)


def checklist_paths(design: Design) -> list[str]:
    return [CHECKLIST] if design.doc.security.compliance else []


def checklist_artifacts(design: Design) -> list[Artifact]:
    return [Artifact(CHECKLIST, checklist_markdown(design).encode())]
