"""The nightly in joint mode (issue 17): one plan across hubs, each hub's plan published as today, the
fleet's transfers beside them; a joint plan that fails or runs out of time falls back to each hub alone."""

from __future__ import annotations

import json
import os
import re
import sqlite3
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from greendc.cli import main
from greendc.workflows.nightly import run_nightly
from greendc.workflows.nightly_joint import failure_of
from greendc.workflows.site_process import Outcome

NIGHT = "2026-12-01"
HUBS = ("wuhu", "zhongwei")


def write_fleet(folder: Path, joint: str = "") -> Path:
    """Two hubs, hourly steps, short solver limits, the built-in fleet queue kept small."""
    path = folder / "fleet.toml"
    path.write_text(
        '[fleet]\nname = "two-hubs"\noutput_root = "data"\nworkers = 1\nmode = "joint"\n'
        "[defaults]\ntime_limit_s = 5\nstep_minutes = 60\nrel_gap = 0.01\n"
        "[joint]\nn_jobs = 10\ninference_peak_kw = 0\nlp_time_limit_s = 30\n"
        'candidates = ["independent", "joint"]\n'
        f"{joint}"
        + "".join(f'[[site]]\nid = "{hub}"\n' for hub in HUBS)
    )
    return path


def events(err: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in err.splitlines() if line.startswith("{")]


def history_rows(data: Path) -> list[sqlite3.Row]:
    with sqlite3.connect(data / "runs.sqlite") as conn:
        conn.row_factory = sqlite3.Row
        return conn.execute("SELECT site, status, reason, plan_path FROM site_runs ORDER BY site").fetchall()


def plotly_found(folder: Path) -> list[str]:
    """The paths by which ``folder``/report.html, opened at this path, finds plotly.js: its script src and
    the one folder further up it falls back to (report_assets.script_tag), resolved as a browser does,
    from the path opened and not through links; empty for a report with plotly.js inline."""
    found = re.search(r'<script src="([^"]+)" charset="utf-8">', (folder / "report.html").read_text())
    if found is None:
        return []
    return [src for src in (found.group(1), "../" + found.group(1))
            if Path(os.path.normpath(folder / src)).is_file()]


def queue_ids(plan: Path) -> set[str]:
    """The job ids a hub's published plan was made from (its inputs/jobs.csv)."""
    return set(pd.read_csv(plan / "inputs" / "jobs.csv")["job_id"].astype(str))


@pytest.mark.slow
def test_a_joint_night_publishes_each_hub_and_the_fleet_transfers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fleet = write_fleet(tmp_path, "wall_limit_s = 600\nhub_reports = true\n")
    assert main(["nightly", "--fleet", str(fleet), "--date", NIGHT]) == 0
    err = capsys.readouterr().err
    data = tmp_path / "data"
    latest = data / "fleet" / "two-hubs" / "latest"
    assert latest.resolve() == (data / "fleet" / "two-hubs" / NIGHT).resolve()
    assignments = pd.read_csv(latest / "assignments.csv", parse_dates=["transfer_end", "first_start"])
    transfers = pd.read_csv(latest / "transfers.csv")
    assert assignments["job_id"].is_unique  # every job planned once
    for hub in HUBS:  # each hub's plan: today's folder, made from exactly the jobs assigned to it
        plan = data / "plans" / hub / NIGHT
        files = {p.name for p in plan.iterdir()}
        assert {"plan.json", "steps.csv", "jobs.csv", "setpoints.csv", "inputs"} <= files
        assert queue_ids(plan) == set(assignments.loc[assignments["hub"] == hub, "job_id"])
    moved = assignments[assignments["moved"]]
    assert (transfers["gb"] <= transfers["capacity_gb"] + 1e-6).all()  # within bandwidth at every step
    sent = transfers.groupby(["from_hub", "to_hub"])["gb"].sum()
    owed = moved.groupby(["home_hub", "hub"])["gb"].sum()
    assert sent.to_dict() == pytest.approx(owed.to_dict())  # every GB a move needs is sent
    ran = moved.dropna(subset=["first_start"])
    assert (ran["transfer_end"] <= ran["first_start"]).all()  # data arrive before the job starts
    rows = history_rows(data)
    assert [(r["site"], r["status"]) for r in rows] == [(hub, "optimal") for hub in HUBS]
    assert any(e["event"] == "joint_done" for e in events(err))
    assert "timings_s" not in json.loads((latest / "fleet.json").read_text())  # no run times: equal bytes
    for folder in (data / "fleet" / "two-hubs", *(data / "plans" / hub for hub in HUBS)):  # one plotly.js
        src = plotly_found(folder / NIGHT)
        assert len(src) == 1 and (folder / NIGHT / "report.html").stat().st_size < 500_000
        assert plotly_found(folder / "latest") == src
        assert plotly_found((folder / NIGHT).resolve()) == ["../" + src[0]]  # the version folder
    assert len(list((data / "assets").iterdir())) == 1

    versions = {hub: (data / "plans" / hub / NIGHT).resolve() for hub in HUBS}
    assert main(["nightly", "--fleet", str(fleet), "--date", NIGHT]) == 0  # same inputs, same bytes
    assert {hub: (data / "plans" / hub / NIGHT).resolve() for hub in HUBS} == versions


def _crash(spec_dir: Path, fleet_path: Path, night: date, limit_s: float) -> Outcome:
    """A joint plan forced to fail: its process died with a traceback."""
    return Outcome(label="joint plan", ended="crash", wall_s=1.0, started_utc="a", finished_utc="b",
                   heuristic_only=False, returncode=1, stderr_tail="Traceback ...\nRuntimeError: forced\n")


@pytest.mark.slow
@pytest.mark.parametrize(("joint", "launcher", "why"), [
    ("", _crash, "joint plan process died (exit code 1): RuntimeError: forced"),
    ("wall_limit_s = 0.5\n", None, "killed at the joint wall-clock limit"),
])
def test_a_failed_joint_plan_falls_back_to_each_hub_alone_flagged(
    tmp_path: Path, joint: str, launcher: object, why: str, capsys: pytest.CaptureFixture[str]
) -> None:
    fleet = write_fleet(tmp_path, joint)
    code = run_nightly(fleet, date.fromisoformat(NIGHT), joint_launcher=launcher)  # type: ignore[arg-type]
    assert code == 1  # a flagged night
    data = tmp_path / "data"
    rows = history_rows(data)
    assert [(r["site"], r["status"]) for r in rows] == [(hub, "fallback") for hub in HUBS]
    for row in rows:
        assert row["reason"].startswith("joint plan failed (") and why in row["reason"]
        assert "each hub planned alone" in row["reason"]
    for hub in HUBS:  # each hub alone on its own home jobs of the fleet queue
        ids = queue_ids(data / "plans" / hub / NIGHT)
        assert ids and all(i.startswith(f"{hub}-") for i in ids)
    assert not (data / "fleet" / "two-hubs" / "latest").exists()  # no fleet plan published
    failed = [e for e in events(capsys.readouterr().err) if e["event"] == "joint_failed"]
    assert len(failed) == 1 and why in str(failed[0]["reason"])


def test_failure_texts_name_the_cause() -> None:
    def outcome(ended: str, result: dict[str, object] | None = None) -> Outcome:
        return Outcome(label="joint plan", ended=ended, wall_s=12.5, started_utc="a", finished_utc="b",
                       heuristic_only=False, result=result, returncode=-9, stderr_tail="")

    assert failure_of(outcome("result", {"kind": "planned", "hubs": {}})) == ""
    assert failure_of(outcome("timeout")) == "killed at the joint wall-clock limit after 12.5 s"
    assert failure_of(outcome("crash")) == "joint plan process died (exit code -9): no output"
    bad = {"kind": "unusable", "error": "f.toml: region[1].id: unknown region"}
    assert failure_of(outcome("result", bad)) == "f.toml: region[1].id: unknown region"


def test_joint_dry_run_says_what_would_run_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fleet = write_fleet(tmp_path)
    assert main(["nightly", "--fleet", str(fleet), "--date", NIGHT, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "joint plan of 2 hubs" in out and "nothing was written" in out
    assert not (tmp_path / "data").exists()


def test_an_unusable_joint_queue_falls_back_at_dry_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fleet = write_fleet(tmp_path, 'jobs = "missing.csv"\n')
    assert main(["nightly", "--fleet", str(fleet), "--date", NIGHT, "--dry-run"]) == 1
    out = capsys.readouterr().out
    assert "joint plan unusable" in out and "missing.csv" in out


@pytest.mark.slow
def test_fleet_plan_without_out_publishes_through_the_pointers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`greendc fleet plan` and the joint nightly share fleet/<name>/: versions, <date> and latest."""
    fleet = write_fleet(tmp_path)
    assert main(["fleet", "plan", "--fleet", str(fleet), "--date", NIGHT]) == 0
    out = capsys.readouterr().out
    folder = tmp_path / "data" / "fleet" / "two-hubs"
    assert f"fleet plan: {folder / NIGHT}" in out and "chosen: " in out
    assert (folder / NIGHT).is_symlink() and (folder / "latest").resolve() == (folder / NIGHT).resolve()
    assert (folder / NIGHT).resolve().parent.name == ".versions"
    assert {p.name for p in (folder / NIGHT / "hubs").iterdir()} == set(HUBS)
    assert not (folder / ".staging").exists()


@pytest.mark.slow
def test_fleet_reports_share_one_plotly_js_in_a_data_folder_and_in_a_folder_elsewhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Published in a data folder, the fleet's and each hub's report.html load <data>/assets/plotly-*.js
    from the date, latest and version paths; with --out elsewhere the folder keeps one of its own."""
    fleet = write_fleet(tmp_path, "hub_reports = true\n")
    assert main(["fleet", "plan", "--fleet", str(fleet), "--date", NIGHT]) == 0
    folder = tmp_path / "data" / "fleet" / "two-hubs"
    version = (folder / NIGHT).resolve()
    for below in (Path(), *(Path("hubs") / hub for hub in HUBS)):
        src = plotly_found(folder / NIGHT / below)
        assert len(src) == 1 and (folder / NIGHT / below / "report.html").stat().st_size < 500_000
        assert plotly_found(folder / "latest" / below) == src
        assert plotly_found(version / below) == ["../" + src[0]]
    assert [p.name for p in (tmp_path / "data" / "assets").iterdir()] == [Path(src[0]).name]

    out = tmp_path / "elsewhere" / "my-fleet-plan"
    assert main(["fleet", "plan", "--fleet", str(fleet), "--date", NIGHT, "--out", str(out)]) == 0
    capsys.readouterr()
    for below in (Path(), *(Path("hubs") / hub for hub in HUBS)):  # one plotly.js inside the folder
        found = plotly_found(out / below)
        assert found and Path(os.path.normpath(out / below / found[0])).parent == out / "assets"
        assert (out / below / "report.html").stat().st_size < 500_000
    assert [p.name for p in (out / "assets").iterdir()] == [Path(src[0]).name]
    assert sorted(p.name for p in (tmp_path / "elsewhere").iterdir()) == ["my-fleet-plan"]
