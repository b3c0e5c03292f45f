"""A whole build at a large row count: its time, peak memory and disk, phase by phase.

Run: .venv/bin/python bench/big_build.py [--rows 50000000] [--design shop] [--out DIR]

The design's seed rows are scaled so that its entities add up to --rows, and `schemaforge build`
runs on it in a child process (every deliverable: DDL, ERD, lint, Parquet files and one load
script per SQL target, the manifest). Peak RSS is the largest of that process and the ones it
started (the D2 renderer), as the kernel reports it to `wait4`. The build's own progress lines
(seed generation, then each load script) are printed with the seconds since the start.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from schemaforge.design.loader import load_design  # noqa: E402
from schemaforge.seed.plan import row_counts  # noqa: E402


def scaled_design(name: str, rows: int, folder: Path, targets: list[str] | None) -> Path:
    """designs/<name>.yaml with its seed rows scaled to `rows` in all (and its targets replaced
    by `targets` when given), written into `folder`."""
    source = ROOT / "designs" / f"{name}.yaml"
    counts = row_counts(load_design(source))
    factor = rows / sum(counts.values())
    data = yaml.safe_load(source.read_text())
    if targets:
        data["targets"], data["database"] = targets, targets[0]
    data.setdefault("seed", {}).pop("scale", None)
    data["seed"]["rows"] = {entity: max(1, round(count * factor)) for entity, count in counts.items()}
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


class RssSampler(threading.Thread):
    """Samples a process's resident memory, keeping the largest seen in each phase of its log."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.status, self.phase, self.stop, self.peaks = Path(f"/proc/{pid}/status"), "start", False, {}

    def run(self) -> None:
        while not self.stop:
            try:
                line = next(x for x in self.status.read_text().splitlines() if x.startswith("VmRSS:"))
            except (OSError, StopIteration):
                return
            rss = int(line.split()[1]) * 1024
            self.peaks[self.phase] = max(self.peaks.get(self.phase, 0), rss)
            time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=50_000_000)
    parser.add_argument("--design", default="shop")
    parser.add_argument("--targets", nargs="*", help="the SQL targets to build (default: the design's own)")
    parser.add_argument("--out", help="where to build (default: a temporary folder, removed after)")
    args = parser.parse_args()
    work = Path(args.out or tempfile.mkdtemp(prefix="schemaforge-big-"))
    designs, build = work / "designs", work / "build"
    designs.mkdir(parents=True, exist_ok=True)
    path = scaled_design(args.design, args.rows, designs, args.targets)
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "schemaforge", "build", str(path), "--build", str(build)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=work,
        env={**os.environ, "SCHEMAFORGE_DESIGNS": str(designs)})
    sampler = RssSampler(process.pid)
    sampler.start()
    for line in process.stdout:
        sampler.phase = line.strip()
        print(f"{time.perf_counter() - start:8.1f} s  {line.rstrip()}", flush=True)
    _, status, usage = os.wait4(process.pid, 0)
    sampler.stop = True
    seconds = time.perf_counter() - start
    size = sum(f.stat().st_size for f in (build / args.design).rglob("*") if f.is_file())
    targets = " ".join(load_design(path).targets)
    print("\n| design | targets | rows | exit | seconds | rows/s | peak RSS | build size |\n| --- | --- | --- | --- | --- | --- | --- | --- |")
    print(f"| {args.design} | {targets} | {args.rows:,} | {os.waitstatus_to_exitcode(status)} | {seconds:,.0f} | "
          f"{args.rows / seconds:,.0f} | {usage.ru_maxrss / 1024:,.0f} MiB | {size / 2**30:,.1f} GiB |")
    print("\nLargest RSS sampled in each phase (every 0.2 s, the build process alone):")
    for phase, rss in sampler.peaks.items():
        print(f"  {rss / 2**20:7,.0f} MiB  {phase}")
    if not args.out:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
