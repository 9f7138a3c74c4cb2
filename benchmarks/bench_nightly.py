"""Time `greendc nightly` on the 13 built-in sites with their sample queues (target < 180 s, 2 cores).

Run: .venv/bin/python benchmarks/bench_nightly.py [--date YYYY-MM-DD] [--fleet FILE]
Runs the real command in a fresh process on a copy of the fleet file that writes into a temporary
data folder, then prints the total wall time as a ratio of the target, the status count, and each
site's wall seconds, solver status and gap from the history. Exit 1 if the target is missed.
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_S = 180.0
ROOT = Path(__file__).resolve().parents[1]


def fleet_copy(fleet: Path, folder: Path) -> Path:
    """The fleet file with output_root pointing into ``folder`` (sites and queues unchanged)."""
    text = re.sub(r'(?m)^output_root\s*=.*$', f'output_root = "{folder / "data"}"', fleet.read_text())
    copy = folder / "fleet.toml"
    copy.write_text(text)
    return copy


def main(argv: list[str]) -> int:
    """Run once, print figures, exit 0 when under the target."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--date", default="2026-07-15")
    parser.add_argument("--fleet", type=Path, default=ROOT / "examples" / "fleet.toml")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        fleet = fleet_copy(args.fleet, Path(tmp))
        command = [sys.executable, "-m", "greendc", "nightly", "--fleet", str(fleet), "--date", args.date]
        t0 = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        wall_s = time.perf_counter() - t0
        events = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
        with sqlite3.connect(Path(tmp) / "data" / "runs.sqlite") as conn:
            columns = "site, status, wall_s, solver_status, gap, build_s, solve_s, reason"
            rows = conn.execute(f"SELECT {columns} FROM site_runs ORDER BY site").fetchall()
    print(f"greendc nightly, {len(rows)} sites, date {args.date}, exit code {done.returncode}")
    for site, status, site_wall_s, solver, gap, build_s, solve_s, reason in rows:
        gap_text = "" if gap is None else f"gap {100 * gap:.2f} %"
        print(f"  {site:12s} {status:13s} wall {site_wall_s:6.1f} s  build {build_s or 0:5.1f} s  "
              f"solve {solve_s or 0:5.1f} s  {solver:10s} {gap_text} {reason}")
    counts = {s: sum(r[1] == s for r in rows) for s in ("optimal", "fallback", "kept_previous", "failed")}
    run_done = next((e for e in events if e.get("event") == "run_done"), {})
    print(f"statuses {counts}; orchestrator wall {run_done.get('wall_s', '?')} s")
    print(f"total wall {wall_s:.1f} s = {wall_s / TARGET_S:.2f} x the {TARGET_S:g} s target")
    return 0 if wall_s < TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
