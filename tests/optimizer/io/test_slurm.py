"""Slurm dump reading and the scontrol export: hand-checked jobs, both dump shapes, a script that runs."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from greendc.optimizer.io.slurm import parse_squeue, read_squeue, scontrol_script, slurm_number
from greendc.weather.errors import InputError
from locations import DATA, ROOT

EXAMPLE = ROOT / "examples" / "squeue.json"
TZ = "Asia/Shanghai"
# Plan day 2026-12-01 in Shanghai (UTC+8): the horizon is [2026-11-30T16:00Z, 2026-12-01T16:00Z).
DAY_START = pd.Timestamp("2026-12-01", tz=TZ)
DAY_END = DAY_START + pd.Timedelta(hours=24)


def test_example_dump_keeps_pending_jobs_only() -> None:
    got = read_squeue(EXAMPLE, default_release=DAY_START, default_deadline=DAY_END)
    ids = [j.job_id for j in got.jobs]
    # RUNNING 81231 and COMPLETED 81280 are not pending; 81270 has no time limit.
    assert ids == ["81240", "81241", "81244", "81250", "81262_0", "81262_1", "81275"]
    assert set(got.skipped) == {"81270"}
    assert "time_limit" in got.skipped["81270"]
    assert all(not j.preemptible for j in got.jobs)


def test_example_job_fields_map_to_job() -> None:
    got = read_squeue(EXAMPLE, default_release=DAY_START, default_deadline=DAY_END)
    jobs = {j.job_id: j for j in got.jobs}
    sft = jobs["81240"]
    assert sft.nodes == 16
    assert sft.duration_h == pytest.approx(6.0)  # time_limit 360 min
    assert sft.release == pd.Timestamp("2026-11-30T16:00:00Z")  # --begin 2026-12-01T00:00 +08:00
    assert sft.deadline == pd.Timestamp("2026-12-01T10:00:00Z")  # --deadline 2026-12-01T18:00 +08:00
    # No --deadline: the end of the planning horizon.
    assert jobs["81244"].deadline == DAY_END
    assert jobs["81241"].duration_h == pytest.approx(1.5)


def test_legacy_plain_integer_shape_reads_the_same() -> None:
    begin = int(pd.Timestamp("2026-12-01T02:00", tz=TZ).timestamp())
    legacy = {"jobs": [{"job_id": 7, "job_state": "PENDING", "node_count": 3, "time_limit": 30,
                        "begin_time": begin, "deadline": 0}]}
    new = {"jobs": [{"job_id": 7, "job_state": ["PENDING"],
                     "node_count": {"set": True, "infinite": False, "number": 3},
                     "time_limit": {"set": True, "infinite": False, "number": 30},
                     "begin_time": {"set": True, "infinite": False, "number": begin},
                     "deadline": {"set": True, "infinite": False, "number": 0}}]}
    a = parse_squeue(legacy, default_release=DAY_START, default_deadline=DAY_END).jobs
    b = parse_squeue(new, default_release=DAY_START, default_deadline=DAY_END).jobs
    assert a == b
    assert a[0].release == pd.Timestamp("2026-11-30T18:00Z") and a[0].duration_h == 0.5


def test_deadline_default_never_before_earliest_finish() -> None:
    late = int(pd.Timestamp("2026-12-01T23:00", tz=TZ).timestamp())
    record = {"job_id": 9, "job_state": ["PENDING"], "node_count": 1, "time_limit": 120, "begin_time": late}
    dump = {"jobs": [record]}
    job = parse_squeue(dump, default_release=DAY_START, default_deadline=DAY_END).jobs[0]
    assert job.deadline == job.release + pd.Timedelta(hours=2)


def test_slurm_number_shapes() -> None:
    assert slurm_number(5) == 5
    assert slurm_number({"set": True, "infinite": False, "number": 5}) == 5
    assert slurm_number({"set": False, "infinite": False, "number": 5}) is None
    assert slurm_number({"set": True, "infinite": True, "number": 0}) is None
    assert slurm_number(True) is None and slurm_number("5") is None


def test_bad_dumps_raise_input_error(tmp_path: Path) -> None:
    bad = tmp_path / "q.json"
    bad.write_text('{"jobs": [')
    with pytest.raises(InputError, match=r"q\.json: malformed JSON"):
        read_squeue(bad, default_release=DAY_START, default_deadline=DAY_END)
    bad.write_text(json.dumps([{"job_id": 1}]))
    with pytest.raises(InputError, match="not a `squeue --json` dump") as info:
        read_squeue(bad, default_release=DAY_START, default_deadline=DAY_END)
    assert info.value.key == "jobs"
    with pytest.raises(InputError, match="not found"):
        read_squeue(tmp_path / "none.json", default_release=DAY_START, default_deadline=DAY_END)


def _runs() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "job_id": ["81240", "81240", "81241", "x; rm -rf /"],
            "start": [f"2026-11-30T{h}Z" for h in ("20:00", "18:15", "17:00", "17:00")],
            "end": [f"2026-11-30T{h}Z" for h in ("22:00", "19:00", "18:30", "18:00")],
            "nodes": [16, 16, 4, 1],
        }
    )


def test_script_sets_first_start_in_site_local_time() -> None:
    script = scontrol_script(_runs(), TZ, title="site x, 2026-12-01", unplanned=["81244"])
    lines = script.splitlines()
    assert "export TZ=Asia/Shanghai" in lines
    # 81240's first interval starts 18:15Z = 02:15 local; jobs in start order.
    updates = [ln for ln in lines if ln.startswith("scontrol")]
    assert updates == [
        "scontrol update JobId=81241 StartTime=2026-12-01T01:00:00 || status=1",
        "scontrol update JobId=81240 StartTime=2026-12-01T02:15:00 || status=1",
    ]
    assert "# skipped 'x; rm -rf /': not a Slurm job id" in lines
    assert "# 81244: not run in this plan's horizon; left unchanged" in lines


def test_script_runs_and_reports_a_failed_update(tmp_path: Path) -> None:
    """Run the script with an scontrol stand-in on PATH that logs its arguments and refuses one job."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.txt"
    fake = bin_dir / "scontrol"
    fake.write_text(f'#!/bin/sh\necho "$TZ $*" >> {log}\ncase "$*" in *81241*) exit 1;; esac\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    script = tmp_path / "slurm.sh"
    script.write_text(scontrol_script(_runs(), TZ, title="t"))
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    done = subprocess.run(["sh", str(script)], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 1  # one update failed, the other still applied
    assert log.read_text().splitlines() == [
        "Asia/Shanghai update JobId=81241 StartTime=2026-12-01T01:00:00",
        "Asia/Shanghai update JobId=81240 StartTime=2026-12-01T02:15:00",
    ]


def test_empty_plan_gives_a_script_that_does_nothing() -> None:
    script = scontrol_script(pd.DataFrame(columns=["job_id", "start", "end", "nodes"]), TZ, title="t")
    assert "scontrol update" not in script
    assert subprocess.run(["sh", "-n"], input=script, text=True, check=False).returncode == 0


def test_running_jobs_hold_their_nodes_until_their_expected_end() -> None:
    """81231 RUNNING since 2026-11-30T08:00 local with a 24 h limit: 32 nodes held 00:00-08:00 of the day."""
    from greendc.optimizer.io.slurm import HELD_PENALTY_FACTOR, held_jobs

    read = read_squeue(EXAMPLE, default_release=DAY_START, default_deadline=DAY_END)
    assert [(r.job_id, r.nodes) for r in read.running] == [("81231", 32)]
    assert "81231" not in {j.job_id for j in read.jobs}
    (held,), notes = held_jobs(read.running, DAY_START, DAY_END, 15, penalty_per_node_h=30.0)
    assert held.release == DAY_START and held.deadline == DAY_START + pd.Timedelta(hours=8)
    assert held.duration_h == 8.0 and held.nodes == 32 and not held.preemptible
    assert held.penalty_per_h_late == HELD_PENALTY_FACTOR * 30.0 * 32
    assert "81231" in notes[0] and "32 nodes held for 8 h" in notes[0]


def test_held_runs_round_up_to_the_step_and_stop_at_the_horizon() -> None:
    """An end at 02:07 holds to 02:15; an unknown end holds the whole day; an earlier end holds nothing."""
    from greendc.optimizer.io.slurm import RunningJob, held_jobs

    running = [RunningJob("1", 4, DAY_START + pd.Timedelta(minutes=127)), RunningJob("2", 2, None),
               RunningJob("3", 1, DAY_START - pd.Timedelta(hours=1)),
               RunningJob("4", 1, DAY_END + pd.Timedelta(hours=5))]
    jobs, notes = held_jobs(running, DAY_START, DAY_END, 15, penalty_per_node_h=1.0)
    assert {j.job_id: j.duration_h for j in jobs} == {"1": 2.25, "2": 24.0, "4": 24.0}
    assert all(j.deadline == j.release + pd.Timedelta(hours=j.duration_h) for j in jobs)
    assert any("3" in n and "no nodes held" in n for n in notes)


def test_a_dump_is_recognised_by_its_content(tmp_path: Path) -> None:
    """squeue --json output is a dump; greendc's own JSON queue, CSV and broken files are not."""
    from greendc.optimizer.io.slurm import looks_like_squeue

    data = DATA / "jobs"
    assert looks_like_squeue(EXAMPLE)
    assert not looks_like_squeue(data / "good.json") and not looks_like_squeue(data / "good.csv")
    broken = tmp_path / "broken.json"
    broken.write_text('{"jobs": [')
    assert not looks_like_squeue(broken) and not looks_like_squeue(tmp_path / "missing.json")
