"""Migrations between a design's releases: the changes, their safety, the gate, the files.

Between each two consecutive releases, per SQL target, `migrations/<target>/<from>__<to>.up.sql`
and `.down.sql`. The rollback is the forward changes reversed. A forward migration that would
destroy data is refused (MG101, an error) unless the newer release says `allow_destructive:
true`; the rollback of an additive change drops what it added, and says so in its header.

Finding codes: MG101 a change that loses data; MG102 one that may fail on existing rows; MG103
one that takes a long lock on PostgreSQL; MG105 a history that cannot be read (see history.py);
MG201 a Squawk finding on a PostgreSQL migration.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from schemaforge.deliverables.files import Artifact
from schemaforge.findings import Finding
from schemaforge.migrate.changes import Change, judge
from schemaforge.migrate.diff import diff_designs
from schemaforge.migrate.history import History
from schemaforge.migrate.render import render_migration, target_changes
from schemaforge.migrate.squawk import squawk_findings
from schemaforge.design.model import Design
from schemaforge.ddl.targets import SQL_TARGETS

MIGRATIONS_FOLDER = "migrations"
_VERDICT_FINDINGS = {"data-dependent": ("MG102", "warning"), "locking": ("MG103", "info")}


class MigrationBlocked(Exception):
    """A forward migration would lose data and the design does not allow it."""

    def __init__(self, findings: list[Finding]):
        self.findings = findings
        super().__init__("\n".join(str(f) for f in findings))


@dataclass
class Migration:
    """From one release to the next."""

    old: Design
    new: Design
    _sql: dict[str, tuple[str, str]] = field(default_factory=dict, repr=False, compare=False)

    @cached_property
    def changes(self) -> list[Change]:
        return diff_designs(self.old, self.new)

    @property
    def name(self) -> str:
        return f"{self.old.version}__{self.new.version}"

    def where(self, change: Change):
        """The design line a change comes from: the new release's, or for what is dropped, the
        old release's (its snapshot)."""
        obj, design, entity = (change.after, self.new, change.new_entity) if change.after is not None else (change.before, self.old, change.old_entity)
        path = getattr(obj, "path", None) or (design.entities[entity].path if entity else ("version",))
        return design.source.value(path)

    def findings(self) -> list[Finding]:
        allowed = self.new.doc.allow_destructive
        findings = []
        for change in self.changes:
            for verdict in judge(change, self.changes):
                message = f"{self.name}: {change.describe()}: {verdict.reason}"
                if verdict.safety == "destructive":
                    findings.append(Finding(
                        self.where(change), message, "MG101", "warning" if allowed else "error",
                        fix=None if allowed else "set allow_destructive: true in the design to accept the loss, "
                        "or keep the object (renamed_from: keeps the data of a renamed one)",
                    ))
                elif verdict.safety in _VERDICT_FINDINGS:
                    code, severity = _VERDICT_FINDINGS[verdict.safety]
                    findings.append(Finding(self.where(change), message, code, severity))
        return findings

    def blocked(self) -> list[Finding]:
        """What the forward migration would destroy, unless the design allows it."""
        return [f for f in self.findings() if f.code == "MG101" and f.severity == "error"]

    def sql(self, target: str) -> tuple[str, str]:
        """(up, down) for `target`; rendered once (the lint and the migration asset both read it)."""
        if target not in self._sql:
            forward = target_changes(self.old, self.new, SQL_TARGETS[target]())
            up = render_migration(self.old, self.new, target, forward)
            down = render_migration(self.new, self.old, target, [c.reversed() for c in forward])
            self._sql[target] = (up, down)
        return self._sql[target]


@lru_cache(maxsize=8)
def migrations(history: History, design_name: str) -> list[Migration]:
    """Every consecutive pair of releases, loaded (the current one from the design file). Kept
    for the same releases (a History is its texts), since the lint and each target's migration
    deliverable all ask: the releases are parsed once, each target's SQL rendered once."""
    designs = [release.load(design_name) for release in history.releases]
    return [Migration(old, new) for old, new in zip(designs, designs[1:])]


def migration_path(target: str, name: str, direction: str) -> str:
    """`migrations/<target>/<from>__<to>.<up|down>.sql`."""
    return f"{MIGRATIONS_FOLDER}/{target}/{name}.{direction}.sql"


def migration_artifacts(plans: list[Migration], target: str) -> list[Artifact]:
    """The up and down files of every migration for `target`; raises MigrationBlocked when a
    forward migration would lose data that its design does not allow to lose."""
    blocked = [f for plan in plans for f in plan.blocked()]
    if blocked:
        raise MigrationBlocked(blocked)
    artifacts = []
    for plan in plans:
        up, down = plan.sql(target)
        artifacts += [Artifact(migration_path(target, plan.name, "up"), up.encode()),
                      Artifact(migration_path(target, plan.name, "down"), down.encode())]
    return artifacts


def migration_findings(plans: list[Migration], build_root: str) -> list[Finding]:
    """The safety findings of every migration, and Squawk's on each PostgreSQL one."""
    findings = [f for plan in plans for f in plan.findings()]
    for plan in plans:
        if "postgres" in plan.new.targets:
            for direction, sql in zip(("up", "down"), plan.sql("postgres")):
                findings += squawk_findings(sql, f"{build_root}/{migration_path('postgres', plan.name, direction)}")
    return findings
