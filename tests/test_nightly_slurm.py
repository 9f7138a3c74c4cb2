"""A site planned from a Slurm dump in its own process: the scontrol script and the BMS schedule."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import asdict
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from greendc.fleet import load_fleet, resolve
from greendc.workflows.nightly import Outcome, run_site_process

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "squeue.json"


@pytest.mark.slow
def test_squeue_site_gets_start_times_and_setpoints(tmp_path: Path) -> None:
    fleet = tmp_path / "fleet.toml"
    site = f'id = "zhongwei"\njobs = "{EXAMPLE}"\njobs_format = "squeue"\ntime_limit_s = 30\n'
    fleet.write_text(f"[[site]]\n{site}")
    (task,) = resolve(load_fleet(fleet), fleet, date(2026, 12, 1))
    outcome: Outcome = run_site_process(asdict(task), str(tmp_path / "spec"))
    assert outcome.ended == "result", outcome.stderr_tail
    assert outcome.result is not None and outcome.result["kind"] == "planned"
    folder = Path(outcome.result["plan_dir"])
    script = (folder / "slurm-starttime.sh").read_text()
    assert subprocess.run(["sh", "-n"], input=script, text=True, check=False).returncode == 0
    starts = dict(re.findall(r"scontrol update JobId=(\S+) StartTime=(\S+) \|\| status=1", script))
    # The seven pending jobs of the dump with a time limit are planned (81270 has none: left out).
    assert set(starts) == {"81240", "81241", "81244", "81250", "81262_0", "81262_1", "81275"}
    runs = pd.read_csv(folder / "jobs.csv", dtype={"job_id": str})
    for job_id, local in starts.items():
        first = pd.to_datetime(runs.loc[runs["job_id"] == job_id, "start"], utc=True).min()
        assert pd.Timestamp(local, tz="Asia/Shanghai") == first  # the script's time is the plan's start
        # Slurm jobs run once: one interval each (planned non-preemptible).
        assert (runs["job_id"] == job_id).sum() == 1
    # 81275 may not begin before its --begin 2026-12-01T10:00 local.
    assert pd.Timestamp(starts["81275"]) >= pd.Timestamp("2026-12-01T10:00:00")
    meta = json.loads((folder / "plan.json").read_text())
    assert "build_s" not in meta["solver"] and "solve_s" not in meta["solver"]
    assert any("81270" in w for w in meta["warnings"])
    # The BMS schedule expands back to steps.csv's setpoints.
    steps = pd.read_csv(folder / "steps.csv")
    schedule = pd.read_csv(folder / "setpoints.csv")
    steps_per_row = ((pd.to_datetime(schedule["end_utc"]) - pd.to_datetime(schedule["start_utc"]))
                     / pd.Timedelta(minutes=15)).astype(int)
    expanded = [s for s, n in zip(schedule["setpoint_c"], steps_per_row, strict=True) for _ in range(n)]
    assert expanded == pytest.approx(steps["setpoint_c"].tolist())
