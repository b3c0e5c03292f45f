"""What a seed run made and what it could not satisfy."""

from __future__ import annotations

from dataclasses import dataclass, field

from schemaforge.design.model import Design
from schemaforge.findings import Finding

# Seed problem codes: SD101 an entity whose rows cannot be made, SD102 a check the data still
# fails, SD103 a rule it still fails, SD104 a column the generator could not fill, SD105 a
# regex check no string can be generated for.
SEED_CODES = {"rows": "SD101", "check": "SD102", "rule": "SD103", "generator": "SD104", "regex": "SD105"}


@dataclass(frozen=True)
class SeedProblem:
    """Something the seed data does not satisfy, named for the build output and located at the
    part of the design it comes from."""

    kind: str  # rows | check | rule | generator | regex
    entity: str
    name: str
    rows: int
    message: str
    path: tuple = ()  # where in the design file: the entity, the column, the check or the rule

    @property
    def code(self) -> str:
        return SEED_CODES[self.kind]

    def finding(self, design: Design) -> Finding:
        return Finding(design.source.value(self.path), f"seed data: {self.message}", self.code)

    def as_json(self) -> dict:
        return {"kind": self.kind, "code": self.code, "entity": self.entity, "name": self.name, "rows": self.rows,
                "message": self.message}


@dataclass
class SeedResult:
    rows: dict[str, int]
    problems: list[SeedProblem] = field(default_factory=list)
    repaired_rules: list[str] = field(default_factory=list)
