"""What a seed run made and what it could not satisfy."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SeedProblem:
    """Something the seed data does not satisfy, named for the build output."""

    kind: str  # rows | check | rule
    entity: str
    name: str
    rows: int
    message: str

    def as_json(self) -> dict:
        return {"kind": self.kind, "entity": self.entity, "name": self.name, "rows": self.rows, "message": self.message}


@dataclass
class SeedResult:
    rows: dict[str, int]
    problems: list[SeedProblem] = field(default_factory=list)
    repaired_rules: list[str] = field(default_factory=list)
