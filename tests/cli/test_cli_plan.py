"""`greendc plan` end to end: real site, queue and weather files; exit codes and one-line errors."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
from locations import DATA, ROOT

from greendc.cli import main

SITE = str(DATA / "sites" / "good.toml")
JOBS = DATA / "jobs"


def _plan(tmp_path: Path, *args: str) -> tuple[int, Path]:
    out = tmp_path / "plan"
    code = main(["plan", "--site", SITE, "--date", "2026-12-01", "--out", str(out), "--time-limit", "20",
                 *args])
    return code, out


def test_plan_with_a_queue_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A user's site and queue: exit 0, the four files, the summary and where the report is."""
    code, out = _plan(tmp_path, "--jobs", str(JOBS / "good.csv"))
    printed = capsys.readouterr().out
    assert code == 0
    made = sorted(p.name for p in out.iterdir())
    assert made == ["inputs", "jobs.csv", "plan.json", "report.html", "setpoints.csv", "steps.csv"]
    assert sorted(p.name for p in (out / "inputs").iterdir()) == ["jobs.csv", "profile.nc", "site.toml"]
    assert (out / "inputs" / "site.toml").read_bytes() == Path(SITE).read_bytes()
    assert f"report: {out / 'report.html'}" in printed and "today's practice" in printed
    meta = json.loads((out / "plan.json").read_text())
    assert meta["plan_date"] == "2026-12-01" and meta["horizon"]["steps"] == 96
    assert {j["job_id"] for j in meta["jobs"]} == {"train-a", "train-b", "finetune-c"}
    assert meta["objective"]["total"] <= meta["baseline"]["objective"]["total"] + 1e-6
    assert meta["inputs"]["weather"] == "synthetic" and len(meta["inputs"]["jobs"]) == 64


def test_hard_jobs_are_planned_late_with_reasons(tmp_path: Path) -> None:
    """A job wider than the site and one longer than its window are reported; the rest is planned."""
    code, out = _plan(tmp_path, "--jobs", str(JOBS / "wide_and_long.csv"))
    assert code == 0
    jobs = {j["job_id"]: j for j in json.loads((out / "plan.json").read_text())["jobs"]}
    assert jobs["normal"]["status"] == "on_time"
    assert jobs["too-wide"]["status"] == "not_run" and "64 nodes" in jobs["too-wide"]["reason"]
    assert jobs["too-long"]["status"] == "late" and jobs["too-long"]["lateness_h"] >= 4.0 - 1e-6
    assert jobs["too-long"]["reason"]


def test_empty_queue_plans_the_firm_load(tmp_path: Path) -> None:
    """An empty queue gives a plan with no busy nodes."""
    code, out = _plan(tmp_path, "--jobs", str(JOBS / "empty.csv"))
    steps = pd.read_csv(out / "steps.csv")
    assert code == 0 and (steps["busy_nodes"].abs() < 1e-9).all() and (steps["it_kw"] > 0).all()


def test_naive_times_warn_on_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Naive queue times are planned as local time and the warning is printed and recorded."""
    code, out = _plan(tmp_path, "--jobs", str(JOBS / "naive_times.csv"))
    assert code == 0
    assert "warning: " in capsys.readouterr().err
    assert any("Asia/Shanghai" in w for w in json.loads((out / "plan.json").read_text())["warnings"])


@pytest.mark.parametrize(("args", "words"), [
    (["--jobs", str(JOBS / "deadline_before_release.csv")], "job backwards, deadline"),
    (["--jobs", str(JOBS / "duplicate_ids.csv")], "job j1, job_id: duplicate job id"),
    (["--jobs", str(JOBS / "unknown_column.csv")], "priority: unknown column"),
    (["--jobs", str(JOBS / "nope.csv")], "--jobs: job queue file not found"),
    (["--weather", str(DATA / "nope.epw")], "--weather: weather file not found"),
    (["--step-min", "7"], "--step-min: step of 7 min is not allowed"),
    (["--horizon-h", "0"], "--horizon-h: must be in (0, 168]"),
    (["--gap", "2"], "--gap: must be in [0, 1)"),
    (["--checkpoint-h", "-1"], "--checkpoint-h: -1 is outside 0-24 h"),
    (["--late-window-h", "200"], "--late-window-h: 200 is outside 0-168 h"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str],
                                          words: str) -> None:
    """Bad input: exit code 2, one 'error:' line naming the field, nothing written."""
    code, out = _plan(tmp_path, *args)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and not out.exists()
    assert len(err) == 1 and err[0].startswith("error: ") and words in err[0]


def test_bad_date_and_unknown_site(capsys: pytest.CaptureFixture[str]) -> None:
    """A malformed --date and an unknown site are refused before any work."""
    assert main(["plan", "--site", SITE, "--date", "2026-13-01"]) == 2
    assert "--date: not a date" in capsys.readouterr().err
    assert main(["plan", "--site", "atlantis"]) == 2
    assert "no such site id or file; built-in ids are" in capsys.readouterr().err


def test_default_date_and_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without --date and --out: tomorrow on the site's calendar under greendc-data/plans/<site>/<date>/."""
    monkeypatch.chdir(tmp_path)
    before = pd.Timestamp.now(tz="Asia/Shanghai").date()
    assert main(["plan", "--site", SITE, "--jobs", str(JOBS / "good.json"), "--time-limit", "20"]) == 0
    after = pd.Timestamp.now(tz="Asia/Shanghai").date()
    made = sorted(p.name for p in (tmp_path / "greendc-data" / "plans" / "testsite").iterdir())
    assert made[0] in {(before + timedelta(days=1)).isoformat(), (after + timedelta(days=1)).isoformat()}


def test_user_weather_file(tmp_path: Path) -> None:
    """A weather file is read, used and its digest recorded."""
    from greendc.sites.loader import load_site
    from greendc.sites.profile import default_weather
    from greendc.weather.readers import write_netcdf

    weather = write_netcdf(default_weather(load_site(SITE), year=2026, seed=5), tmp_path / "w.nc")
    code, out = _plan(tmp_path, "--jobs", str(JOBS / "good.csv"), "--weather", str(weather))
    meta = json.loads((out / "plan.json").read_text())
    assert code == 0 and len(meta["inputs"]["weather"]) == 64 and "seed 5" in meta["weather_source"]


@pytest.mark.slow
def test_console_script_on_a_builtin_site(tmp_path: Path) -> None:
    """The installed console script plans a western hub with the sample queue within its time limit."""
    exe = Path(sys.executable).with_name("greendc")
    command = [str(exe), "plan", "--site", "zhongwei", "--date", "2026-07-01", "--time-limit", "15",
               "--out", str(tmp_path / "zw")]
    result = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert result.returncode in (0, 1), result.stderr
    meta = json.loads((tmp_path / "zw" / "plan.json").read_text())
    assert meta["job_counts"]["total"] == 150
    assert meta["objective"]["total"] <= meta["baseline"]["objective"]["total"] + 1e-6
    assert "report: " in result.stdout


@pytest.mark.slow
def test_pareto_front_is_recorded(tmp_path: Path) -> None:
    """--pareto 3: from the cheapest point (the plan itself) to the cleanest, cost rising as carbon falls."""
    code, out = _plan(tmp_path, "--jobs", str(JOBS / "good.csv"), "--pareto", "3", "--time-limit", "10")
    meta = json.loads((out / "plan.json").read_text())
    front = meta["pareto"]
    assert code == 0 and len(front) == 3
    assert front[0]["objective"]["total"] == pytest.approx(meta["objective"]["total"])
    carbon = [p["carbon_kg"] for p in front]
    cost = [p["objective"]["total"] for p in front]
    assert carbon == sorted(carbon, reverse=True) and cost == sorted(cost)


def test_heuristic_only_run_is_a_flagged_fallback(tmp_path: Path) -> None:
    """The nightly's heuristic-only retry: today's practice, verified, flagged as a fallback."""
    from datetime import date

    from greendc.optimizer.day.inputs import read_inputs
    from greendc.optimizer.types import PlanSettings

    from greendc.workflows.plan import plan_with_report

    inputs = read_inputs(SITE, plan_date=date(2026, 12, 1), jobs_path=JOBS / "good.csv", weather_path=None,
                         settings=PlanSettings())
    outcome = plan_with_report(inputs, tmp_path / "h", heuristic_only=True)
    facts = outcome.facts()
    assert facts["fallback"] and facts["solver_status"] == "fallback" and facts["kpis"]["cost_saving"] == 0.0
    assert json.loads((tmp_path / "h" / "plan.json").read_text())["solver"]["fallback"] is True


def test_far_away_weather_warns_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Weather from 500 km away is used, with a one-line warning printed and recorded in plan.json."""
    from greendc.sites.loader import load_site
    from greendc.sites.profile import default_weather
    from greendc.weather.readers import write_netcdf

    weather = write_netcdf(default_weather(load_site("zhongwei"), year=2026), tmp_path / "zw.nc")
    code, out = _plan(tmp_path, "--jobs", str(JOBS / "empty.csv"), "--weather", str(weather))
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("warning: ")]
    assert code == 0 and len(lines) == 1 and "500 km from testsite" in lines[0]
    assert any("500 km" in w for w in json.loads((out / "plan.json").read_text())["warnings"])


def test_a_dearer_incumbent_gives_way_to_the_cheaper_plan() -> None:
    """A plan costing more than the plan it is compared with is replaced by it, flagged with the reason."""
    from baseline_cases import job, tiny_profile, tiny_site
    from greendc.optimizer.day.baseline import baseline_plan
    from greendc.optimizer.day.plan import make_plan
    from greendc.optimizer.day.service import no_worse_than_baseline
    from greendc.optimizer.types import PlanSettings

    site = tiny_site()
    profile = tiny_profile(site)
    jobs = [job("A", 2, 2.0, 0, 4, True), job("B", 3, 1.0, 0, 4, True)]
    cheap = make_plan(profile, site, jobs, PlanSettings())
    dear = baseline_plan(profile, site, jobs, PlanSettings())
    assert dear.objective["total"] > cheap.objective["total"]
    assert no_worse_than_baseline(cheap, dear) is cheap
    kept = no_worse_than_baseline(dear, cheap)
    assert kept.objective == cheap.objective and kept.solver.fallback  # "dear" proved nothing: a fallback
    assert "more than today's practice" in kept.solver.fallback_reason


def _no_solve(*_args: object, **_kwargs: object) -> None:
    """Stands in the way of the first planning step: reaching it means the refusal came too late."""
    raise AssertionError("planning started before the bad --out was refused")


@pytest.mark.parametrize("under", [False, True])
def test_out_that_is_a_file_is_refused_before_planning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str],
                                                        under: bool) -> None:
    """--out naming a file (or a path inside one): one error line, exit 2, the file untouched, no solve."""
    import greendc.optimizer.day.service as service

    monkeypatch.setattr(service, "profile_for", _no_solve)
    afile = tmp_path / "not-a-folder"
    afile.write_text("keep me\n")
    out = afile / "plan" if under else afile
    code = main(["plan", "--site", SITE, "--date", "2026-12-01", "--jobs", str(JOBS / "good.csv"),
                 "--out", str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and afile.read_text() == "keep me\n"
    assert len(err) == 1 and err[0].startswith(f"error: {afile}: --out: ") and "folder" in err[0]


def test_zero_byte_queue_is_one_line_naming_the_file(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """A zero-byte jobs CSV (not even a header) is bad input naming the file, not a pandas traceback."""
    queue = tmp_path / "queue.csv"
    queue.write_bytes(b"")
    code, out = _plan(tmp_path, "--jobs", str(queue))
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and not out.exists()
    assert err == [f"error: {queue}: empty file; a queue needs at least its header line"]


EXAMPLE_SQUEUE = ROOT / "examples" / "squeue.json"


@pytest.mark.slow
@pytest.mark.parametrize("fmt", [[], ["--jobs-format", "squeue"]])
def test_a_slurm_dump_gives_start_times_setpoints_and_held_nodes(tmp_path: Path, fmt: list[str]) -> None:
    """--jobs squeue.json (recognised, or said): the Slurm script and setpoints.csv as the nightly writes
    them; the running job's 32 nodes are busy from midnight to its expected end (08:00) and not in the
    script; every pending job's scripted start is its planned start."""
    out = tmp_path / "sq"
    code = main(["plan", "--site", "zhongwei", "--date", "2026-12-01", "--jobs", str(EXAMPLE_SQUEUE),
                 "--out", str(out), "--time-limit", "20", *fmt])
    assert code == 0
    script = (out / "slurm-starttime.sh").read_text()
    assert subprocess.run(["sh", "-n"], input=script, text=True, check=False).returncode == 0
    starts = dict(re.findall(r"scontrol update JobId=(\S+) StartTime=(\S+) \|\| status=1", script))
    assert set(starts) == {"81240", "81241", "81244", "81250", "81262_0", "81262_1", "81275"}
    runs = pd.read_csv(out / "jobs.csv", dtype={"job_id": str})
    for job_id, local in starts.items():
        first = pd.to_datetime(runs.loc[runs["job_id"] == job_id, "start"], utc=True).min()
        assert pd.Timestamp(local, tz="Asia/Shanghai") == first
    held = runs[runs["job_id"] == "81231"]
    assert len(held) == 1 and held["nodes"].item() == 32
    assert pd.Timestamp(held["start"].item()) == pd.Timestamp("2026-12-01T00:00", tz="Asia/Shanghai")
    assert pd.Timestamp(held["end"].item()) == pd.Timestamp("2026-12-01T08:00", tz="Asia/Shanghai")
    steps = pd.read_csv(out / "steps.csv")
    assert (steps["busy_nodes"].iloc[:32] >= 32 - 1e-6).all()  # 8 h of 15-min steps
    meta = json.loads((out / "plan.json").read_text())
    assert any("81231" in w and "32 nodes held" in w for w in meta["warnings"])
    assert meta["inputs"]["jobs"] == hashlib.sha256(EXAMPLE_SQUEUE.read_bytes()).hexdigest()
    schedule = pd.read_csv(out / "setpoints.csv")
    span = pd.to_datetime(schedule["end_utc"]) - pd.to_datetime(schedule["start_utc"])
    steps_per_row = (span / pd.Timedelta(minutes=15)).astype(int)
    expanded = [s for s, n in zip(schedule["setpoint_c"], steps_per_row, strict=True) for _ in range(n)]
    assert expanded == pytest.approx(steps["setpoint_c"].tolist())
    report = (out / "report.html").read_text()
    assert "Actions: when each job runs" in report and "2026-12-01 08:00" in report


def test_a_csv_queue_named_squeue_is_refused_in_one_line(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """--jobs-format squeue on a CSV queue: exit 2, one error line naming the file."""
    code, _ = _plan(tmp_path, "--jobs", str(JOBS / "good.csv"), "--jobs-format", "squeue")
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "good.csv" in err[0]


def _lateness(runs: pd.DataFrame, deadlines: dict[str, pd.Timestamp]) -> dict[str, float]:
    """Each run job's lateness from its runs: the end of its last run after its deadline [h]."""
    end = pd.to_datetime(runs["end"], utc=True).groupby(runs["job_id"].astype(str)).max()
    return {j: max(0.0, (t - deadlines[j]) / pd.Timedelta(hours=1)) for j, t in end.items()}


@pytest.mark.slow
def test_pareto_points_keep_the_cost_optimal_lateness(tmp_path: Path) -> None:
    """--pareto 3 with a job that cannot be on time: every point saves its steps and jobs under
    pareto/<k>/, runs the same jobs and makes none later than the cheapest plan does (recomputed from
    the saved files), and its lateness penalty is the cheapest plan's."""
    from greendc.optimizer.io.planfolder import read_pareto_point, read_plan_folder

    code, out = _plan(tmp_path, "--jobs", str(JOBS / "wide_and_long.csv"), "--pareto", "3",
                      "--time-limit", "10")
    assert code == 0
    folder = read_plan_folder(out)
    front = folder.meta["pareto"]
    assert len(front) == 3 and sorted(p.name for p in (out / "pareto").iterdir()) == ["0", "1", "2"]
    queue = pd.read_csv(out / "inputs" / "jobs.csv", dtype={"job_id": str})
    deadlines = dict(zip(queue["job_id"], pd.to_datetime(queue["deadline"], utc=True), strict=True))
    steps0, runs0 = read_pareto_point(out, 0)
    assert steps0["grid_import_kw"].tolist() == pytest.approx(folder.steps["grid_import_kw"].tolist())
    cheapest = _lateness(runs0, deadlines)
    assert cheapest["too-long"] >= 4.0 - 1e-6  # the case has lateness to keep
    penalty0 = front[0]["objective"]["lateness_penalty"]
    for point in front:
        steps, runs = read_pareto_point(out, point["rank"])
        assert len(steps) == len(folder.steps)
        late = _lateness(runs, deadlines)
        assert set(late) == set(cheapest)  # no job dropped to get cleaner
        assert all(late[j] <= cheapest[j] + 1e-6 for j in late)
        assert point["objective"]["lateness_penalty"] == pytest.approx(penalty0, rel=1e-6, abs=1e-6)
        carbon = (steps["grid_import_kw"] * steps["carbon_kg_per_kwh"]).sum() * 0.25
        assert carbon == pytest.approx(point["carbon_kg"], rel=1e-6)


def _folder_bytes(folder: Path) -> int:
    """The size of every file under a folder, in bytes (what the folder costs on disk, give or take)."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def test_a_plan_in_the_data_folder_shares_plotly_js_and_stays_small(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """issue 13: every report.html inlined plotly.js (a 5 MB plan folder). In the data folder, the report
    loads <data>/assets/plotly-<version>.min.js by a relative path; with --out elsewhere it inlines it,
    so that folder opens offline on its own and nothing is written beside it."""
    from plotly.offline import get_plotlyjs

    monkeypatch.chdir(tmp_path)
    assert main(["plan", "--site", "zhongwei", "--date", "2026-12-01", "--step-min", "60",
                 "--time-limit", "10"]) in (0, 1)
    folder = tmp_path / "greendc-data" / "plans" / "zhongwei" / "2026-12-01"
    assert f"report: {Path('greendc-data/plans/zhongwei/2026-12-01/report.html')}" in capsys.readouterr().out
    assert _folder_bytes(folder) < 500_000
    report = (folder / "report.html").read_text(encoding="utf-8")
    src = re.findall(r'<script src="([^"]+)"', report)[0]  # then the same one folder up, for .versions/
    shared = Path(os.path.normpath(folder / src))  # as a browser resolves it
    assert shared.parent == tmp_path / "greendc-data" / "assets"
    assert shared.read_bytes() == get_plotlyjs().encode("utf-8")

    elsewhere = tmp_path / "mine" / "plan"
    assert main(["plan", "--site", "zhongwei", "--date", "2026-12-01", "--step-min", "60", "--horizon-h", "6",
                 "--time-limit", "10", "--out", str(elsewhere)]) in (0, 1)
    alone = (elsewhere / "report.html").read_text(encoding="utf-8")
    assert "<script src=" not in alone and get_plotlyjs()[:300] in alone
    assert [p.name for p in (tmp_path / "mine").iterdir()] == ["plan"]
    assert [p.name for p in (tmp_path / "greendc-data" / "assets").iterdir()] == [shared.name]
