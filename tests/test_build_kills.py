"""A build is whole or not at all: `schemaforge build` killed (SIGKILL) at random moments of its
DDL, seed and manifest phases leaves the build folder as the previous build or the new one, byte
for byte by its manifest, and the next build leaves nothing of the killed one behind."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import DESIGNS, ROOT
from schemaforge.deliverables.staging import manifest_problems

KILLS = 20
# The line `schemaforge build` logs as each phase starts; a phase lasts until the next one's.
PHASES = ("building ddl_postgres", "building seed", "building manifest")


def _build(design: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "schemaforge", "build", str(design), "--build", str(out)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _phase_times(design: Path, out: Path) -> tuple[dict[str, float], float]:
    """A complete build: when each phase started, and when the process ended (seconds)."""
    start, started = time.monotonic(), {}
    process = _build(design, out)
    for line in process.stderr:
        if line.strip().endswith(PHASES):
            started[next(p for p in PHASES if line.strip().endswith(p))] = time.monotonic() - start
    assert process.wait() == 0
    return started, time.monotonic() - start


def _killed_build(design: Path, out: Path, phase: str, delay: float) -> bool:
    """Build, and SIGKILL the process `delay` seconds after `phase` starts. True if it was killed."""
    process = _build(design, out)
    for line in process.stderr:
        if line.strip().endswith(phase):
            time.sleep(delay)
            process.send_signal(signal.SIGKILL)
            break
    process.stderr.close()
    return process.wait() == -signal.SIGKILL


def _manifest(root: Path) -> dict:
    """The manifest, but for the performance report's files: latencies measured on a server differ
    from one build of the same design to the next (manifest_problems still checks their hashes)."""
    manifest = json.loads((root / "manifest.json").read_text())
    manifest["artifacts"] = [a for a in manifest["artifacts"] if not a["path"].startswith("performance/")]
    return manifest


def test_a_killed_build_leaves_the_previous_build_or_the_new_one(tmp_path):
    designs, out = tmp_path / "designs", tmp_path / "build"
    designs.mkdir()
    text = (DESIGNS / "shop.yaml").read_text()
    # Two builds that differ in every phase: another seed, and a description in the DDL.
    versions = {"a": text, "b": text.replace("random_seed: 42", "random_seed: 7").replace(
        "description: A person who buys from the shop", "description: Someone who buys from the shop")}
    assert versions["b"].count("random_seed: 7") == 1 and "Someone who buys" in versions["b"]
    design = designs / "shop.yaml"

    def use(version: str) -> None:
        design.write_text(versions[version])
        shutil.rmtree(designs / "shop.history", ignore_errors=True)  # both texts are version 1.1.0

    manifests, phases = {}, {}
    for version in ("b", "a"):  # a, built last, is the folder's state as the kills begin
        use(version)
        phases, ended = _phase_times(design, out)
        manifests[version] = _manifest(out / "shop")
    assert manifests["a"]["artifacts"] != manifests["b"]["artifacts"]
    ends = [phases[p] for p in PHASES[1:]] + [ended]
    spans = {p: end - phases[p] for p, end in zip(PHASES, ends)}

    rng, current, outcomes = random.Random(12), "a", []
    for kill in range(KILLS):
        phase = PHASES[kill % len(PHASES)]
        new = "b" if current == "a" else "a"
        use(new)
        killed = _killed_build(design, out, phase, rng.uniform(0, spans[phase]))
        root = out / "shop"
        assert manifest_problems(root) == [], f"kill {kill} in {phase}"
        found = next(v for v, m in manifests.items() if m == _manifest(root))
        assert found in (current, new)
        outcomes.append((phase, killed, found == new))
        current = found
    assert sum(killed for _, killed, _ in outcomes) >= KILLS * 3 // 4, outcomes  # most kills landed mid-build
    assert {phase for phase, killed, _ in outcomes if killed} == set(PHASES), outcomes

    use(current)  # the next complete build removes every leftover of the killed ones
    assert _build(design, out).wait() == 0
    assert sorted(p.name for p in out.iterdir()) == [".shop.lock", "shop"]
    # No leftover of a killed build inside it either: the build records are its only hidden files.
    assert not [p for p in (out / "shop").rglob(".*") if p.relative_to(out / "shop").parts[0] != ".built"]
    assert {p.name for p in (out / "shop" / ".built").iterdir()} >= {"seed.json", "manifest.json"}
    assert manifest_problems(out / "shop") == [] and _manifest(out / "shop") == manifests[current]


def test_a_failed_build_keeps_the_previous_one(tmp_path):
    """A build that fails (here a destructive migration without allow_destructive) swaps nothing in."""
    designs, out = tmp_path / "designs", tmp_path / "build"
    designs.mkdir()
    design = designs / "shop.yaml"
    text = (DESIGNS / "shop.yaml").read_text()
    design.write_text(text)
    assert _build(design, out).wait() == 0
    before = {p: p.read_bytes() for p in (out / "shop").rglob("*") if p.is_file()}
    design.write_text(text.replace("version: 1.1.0", "version: 1.2.0").replace(
        "      label: {type: string(40), unique: true}\n", ""))
    assert "label" not in design.read_text().split("tag:")[-1]
    process = _build(design, out)
    assert process.wait() == 1 and "keeps the previous build" in process.stderr.read()
    assert {p: p.read_bytes() for p in (out / "shop").rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in out.iterdir()) == [".shop.lock", "shop"]


def test_the_manifest_check_names_what_disagrees(tmp_path):
    """The check the manifest asset runs in Dagster: a changed, a missing and an unlisted file."""
    out = tmp_path / "build"
    assert subprocess.run([sys.executable, "-m", "schemaforge", "build", str(DESIGNS / "ledger.yaml"), "--build", str(out)],
                          cwd=ROOT, capture_output=True).returncode == 0
    root = out / "ledger"
    assert manifest_problems(root) == []
    (root / "ddl" / "postgres.sql").write_text("-- edited by hand\n")
    (root / "erd" / "erd.svg").unlink()
    (root / "ddl" / "extra.sql").write_text("")
    os.makedirs(root / "seed" / "expectations", exist_ok=True)
    (root / "seed" / "expectations" / "account.json").write_text("{}")  # written after the manifest, by its checks
    assert manifest_problems(root) == [
        "ddl/postgres.sql: its content is not the manifest's (sha256 " + next(
            a["sha256"][:12] for a in _manifest(root)["artifacts"] if a["path"] == "ddl/postgres.sql") + "...)",
        "erd/erd.svg: listed in the manifest, missing",
        "ddl/extra.sql: not in the manifest",
    ]


def test_a_build_folder_that_cannot_be_written_is_said_not_a_traceback(tmp_path):
    """--build naming a file: the build says it cannot write there and exits 1; its good twin,
    a folder, builds."""
    taken = tmp_path / "taken"
    taken.write_text("not a folder\n")
    command = [sys.executable, "-m", "schemaforge", "build", str(DESIGNS / "ledger.yaml"), "--build"]
    process = subprocess.run(command + [str(taken)], cwd=ROOT, capture_output=True, text=True)
    assert process.returncode == 1 and "cannot write the build beside" in process.stderr, process.stderr[-2000:]
    assert "Traceback" not in process.stderr and taken.read_text() == "not a folder\n"
    assert subprocess.run(command + [str(tmp_path / "out")], cwd=ROOT, capture_output=True).returncode == 0
