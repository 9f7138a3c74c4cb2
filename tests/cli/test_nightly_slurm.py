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
from locations import ROOT

from greendc.fleet import load_fleet, resolve
from greendc.workflows.site_process import Outcome, run_site_process

EXAMPLE = ROOT / "examples" / "squeue.json"


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
    # RUNNING 81231 holds its 32 nodes from midnight to its expected end, and is not in the script.
    held = runs[runs["job_id"] == "81231"]
    assert len(held) == 1 and held["nodes"].item() == 32 and "81231" not in script
    assert meta["settings"]["carbon_price_per_t"] == 73.0  # the site's, the fleet file set none
    # The BMS schedule expands back to steps.csv's setpoints.
    steps = pd.read_csv(folder / "steps.csv")
    schedule = pd.read_csv(folder / "setpoints.csv")
    steps_per_row = ((pd.to_datetime(schedule["end_utc"]) - pd.to_datetime(schedule["start_utc"]))
                     / pd.Timedelta(minutes=15)).astype(int)
    expanded = [s for s, n in zip(schedule["setpoint_c"], steps_per_row, strict=True) for _ in range(n)]
    assert expanded == pytest.approx(steps["setpoint_c"].tolist())


@pytest.mark.parametrize(("line", "price"), [("", 73.0), ("carbon_price_per_t = 0\n", 0.0),
                                             ("carbon_price_per_t = 200\n", 200.0)])
def test_the_nightly_takes_the_site_defaults_the_fleet_leaves_unset(tmp_path: Path, line: str,
                                                                    price: float) -> None:
    """As `greendc plan` does: the carbon price from the site file unless the fleet file sets one, and
    the site's checkpoint overhead (greendc.optimizer.day.inputs.SITE_DEFAULTS)."""
    from greendc.workflows.nightly_site import check_inputs

    fleet = tmp_path / "fleet.toml"
    fleet.write_text(f'[[site]]\nid = "zhongwei"\n{line}')
    (task,) = resolve(load_fleet(fleet), fleet, date(2026, 12, 1))
    night = check_inputs(task)
    settings, site = night.plan.settings, night.plan.site
    assert settings.carbon_price_per_t == price
    assert settings.checkpoint_overhead_h == site.it.checkpoint_overhead_h > 0
    assert night.slurm is None  # the sample queue
