"""Nightly orchestration: how outcomes become statuses, exit codes, the fleet-file and lock paths."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from greendc.cli import main
from greendc.workflows.nightly import (
    EXIT_DEGRADED,
    EXIT_OPTIMAL,
    Outcome,
    default_plan_date,
    exit_code,
    judge,
    longest_first,
    needs_heuristic_retry,
)


def _outcome(ended: str, result: dict[str, Any] | None = None, **extra: Any) -> Outcome:
    return Outcome(label="wuhu", ended=ended, wall_s=12.5, started_utc="a", finished_utc="b",
                   heuristic_only=False, result=result, **extra)


PLANNED: dict[str, Any] = {"kind": "planned", "plan_dir": "/x", "fallback_reasons": []}
TIMED_OUT: dict[str, Any] = {**PLANNED, "fallback_reasons": ["solver time limit"]}
UNUSABLE: dict[str, Any] = {"kind": "unusable", "error": "q.csv: nodes: bad"}


@pytest.mark.parametrize(
    ("outcome", "has_previous", "first_failure", "status", "publish"),
    [
        (_outcome("result", PLANNED), False, "", "optimal", True),
        (_outcome("result", TIMED_OUT), True, "", "fallback", True),
        (_outcome("result", PLANNED), True, "killed at the wall limit; heuristic plan", "fallback", True),
        (_outcome("result", UNUSABLE), True, "", "kept_previous", False),
        (_outcome("result", UNUSABLE), False, "", "failed", False),
        (_outcome("timeout"), True, "", "kept_previous", False),
        (_outcome("crash", returncode=-11, stderr_tail="boom\nSegfault\n"), False, "", "failed", False),
    ],
)
def test_judge_maps_outcomes_to_statuses(
    outcome: Outcome, has_previous: bool, first_failure: str, status: str, publish: bool
) -> None:
    verdict = judge(outcome, has_previous, first_failure)
    assert (verdict.status, verdict.publish) == (status, publish)


def test_judge_texts_say_why() -> None:
    assert judge(_outcome("timeout"), True).error == "killed at the wall-clock limit after 12.5 s"
    crash = judge(_outcome("crash", returncode=-11, stderr_tail="trace\nSegmentation fault\n"), False)
    assert crash.error == "site process died (exit code -11): Segmentation fault"
    assert crash.reason == "no previous plan to keep"
    bad = judge(_outcome("result", {"kind": "unusable", "error": "q.csv: nodes: bad"}), True)
    assert bad.error == "q.csv: nodes: bad" and bad.reason == "previous plan kept"
    fell = judge(_outcome("result", {**PLANNED, "fallback_reasons": ["a", "b"]}), True, "first")
    assert fell.reason == "first; a; b"


def test_only_killed_or_crashed_optimisations_are_retried() -> None:
    assert needs_heuristic_retry(_outcome("timeout"))
    assert needs_heuristic_retry(_outcome("crash"))
    assert not needs_heuristic_retry(_outcome("result", {"kind": "unusable", "error": "x"}))
    retry = Outcome(label="w", ended="timeout", wall_s=1, started_utc="a", finished_utc="b",
                    heuristic_only=True)
    assert not needs_heuristic_retry(retry)  # one retry only


def test_exit_codes() -> None:
    assert exit_code(["optimal", "optimal"]) == EXIT_OPTIMAL
    for degraded in ("fallback", "kept_previous", "failed"):
        assert exit_code(["optimal", degraded]) == EXIT_DEGRADED


def test_default_date_is_tomorrow() -> None:
    assert default_plan_date(date(2026, 12, 31)) == date(2027, 1, 1)


def test_unusable_fleet_file_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fleet = tmp_path / "fleet.toml"
    fleet.write_text('[[site]]\nid = "wuhu"\ntime_limit_s = "soon"\n')
    assert main(["nightly", "--fleet", str(fleet), "--date", "2026-12-01"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    event = json.loads(err[0])
    assert event["event"] == "fleet_unusable" and "site[1].time_limit_s" in event["error"]
    assert err[1].startswith("error: ") and err[1].count("\n") == 0
    assert not (tmp_path / "greendc-data").exists()  # nothing written


def test_bad_date_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["nightly", "--fleet", str(tmp_path / "f.toml"), "--date", "31/12/2026"]) == 2
    assert "--date: not a date: '31/12/2026'; use YYYY-MM-DD" in capsys.readouterr().err


@pytest.mark.parametrize("night", ["0001-01-01", "9999-12-31", "1899-12-31", "2201-01-01"])
def test_a_date_outside_the_supported_range_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                    night: str) -> None:
    """issue 13: --date 0001-01-01 or 9999-12-31 was a traceback (pandas timestamps end in 1677 and 2262)."""
    (tmp_path / "f.toml").write_text('[[site]]\nid = "wuhu"\n')
    assert main(["nightly", "--fleet", str(tmp_path / "f.toml"), "--date", night]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"error: --date: {night} is outside the plan dates greendc supports "
                   "(1900-01-01 to 2200-12-31)"]


_HOLD = "import sys,time; from pathlib import Path; from greendc.optimizer.io.publish import run_lock\n" \
    "with run_lock(Path(sys.argv[1])):\n    print('held', flush=True); time.sleep(60)\n"


def test_a_held_lock_stops_the_run_with_the_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fleet = tmp_path / "fleet.toml"
    fleet.write_text('[fleet]\noutput_root = "data"\n[[site]]\nid = "wuhu"\n')
    command = [sys.executable, "-c", _HOLD, str(tmp_path / "data")]
    holder = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert main(["nightly", "--fleet", str(fleet), "--date", "2026-12-01"]) == 3
    finally:
        holder.kill()
        holder.wait()
    err = capsys.readouterr().err
    lock = tmp_path / "data" / ".nightly.lock"
    assert f"error: another greendc nightly run holds the lock {lock} (pid {holder.pid}" in err
    assert '"event": "lock_held"' in err
    assert not (tmp_path / "data" / "runs.sqlite").exists()


@pytest.mark.slow
def test_dry_run_checks_every_input_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    header = "job_id,nodes,duration_h,release,deadline,preemptible\n"
    good = header + "j0,4,2,2026-12-01T01:00,2026-12-01T20:00,true\n"
    (tmp_path / "good.csv").write_text(good)
    (tmp_path / "bad.csv").write_text(good.replace(",4,", ",four,"))
    fleet = tmp_path / "fleet.toml"
    fleet.write_text(
        '[fleet]\noutput_root = "data"\n'
        '[[site]]\nid = "wuhu"\njobs = "good.csv"\n'
        '[[site]]\nid = "qingpu"\njobs = "bad.csv"\n'
        '[[site]]\nid = "tianfu"\njobs = "good.csv"\nweather = "wx/{date}.nc"\n'
    )
    assert main(["nightly", "--fleet", str(fleet), "--date", "2026-12-01", "--dry-run"]) == 1
    captured = capsys.readouterr()
    lines = map(json.loads, captured.err.splitlines())
    events = {e["site"]: e for e in lines if e["event"] == "dry_run_site"}
    assert events["wuhu"]["would"] == f"plan -> {tmp_path / 'data/plans/wuhu/2026-12-01'}"
    assert events["wuhu"]["jobs"] == "good.csv, 1 jobs"
    assert events["qingpu"]["would"].startswith("fail: no previous plan (")
    assert "bad.csv: job j0, nodes" in events["qingpu"]["would"]
    assert "flagged: forecast" in events["tianfu"]["would"] and "synthetic" in events["tianfu"]["would"]
    assert "2 of 3 sites would be planned" in captured.out
    assert not (tmp_path / "data").exists()


def test_an_unwritable_data_folder_is_a_fleet_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "blocker").write_text("a file where the data folder's parent should be")
    fleet = tmp_path / "fleet.toml"
    fleet.write_text('[fleet]\noutput_root = "blocker/data"\n[[site]]\nid = "wuhu"\n')
    assert main(["nightly", "--fleet", str(fleet), "--date", "2026-12-01"]) == 2
    err = capsys.readouterr().err
    assert "fleet.output_root: cannot be written" in err and "blocker is not a writable folder" in err


def test_longest_sites_start_first_and_new_sites_before_them(tmp_path: Path) -> None:
    from greendc.fleet import load_fleet, resolve

    fleet = tmp_path / "fleet.toml"
    fleet.write_text("".join(f'[[site]]\nid = "{s}"\n' for s in ("wuhu", "qingpu", "tianfu", "guian")))
    tasks = resolve(load_fleet(fleet), fleet, date(2026, 12, 1))
    order = longest_first(tasks, {"wuhu": 12.0, "qingpu": 40.0, "guian": 12.0})
    assert [t.label for t in order] == ["tianfu", "qingpu", "wuhu", "guian"]  # ties keep fleet order


def test_a_fresh_interpreter_child_and_its_own_child_are_killed_at_the_limit(tmp_path: Path) -> None:
    """The fallback launcher (no fork) kills the child's whole group at the limit and says so."""
    import os
    import time

    from greendc.workflows.site_process import run_exec

    pid_file = tmp_path / "grandchild.pid"
    script = (
        "import subprocess, sys, time\n"
        "g = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        f"open({str(pid_file)!r}, 'w').write(str(g.pid))\n"
        "time.sleep(60)\n"
    )
    assert run_exec(tmp_path, 3.0, [sys.executable, "-c", script]) == (None, True)  # (no code, timed out)
    assert (tmp_path / "stderr.txt").is_file()
    grandchild = int(pid_file.read_text())
    for _ in range(50):  # the grandchild (the solver's stand-in) dies with the group
        try:
            os.kill(grandchild, 0)
        except ProcessLookupError:
            break
        if Path(f"/proc/{grandchild}/stat").read_text().split()[2] == "Z":
            break  # killed, only waiting for its parent (init) to reap it
        time.sleep(0.1)
    else:
        raise AssertionError("the child's own child outlived the kill")


def test_a_fresh_interpreter_child_that_ends_in_time_gives_its_exit_code(tmp_path: Path) -> None:
    """A child that ends before its limit reports its own exit code and no timeout."""
    from greendc.workflows.site_process import run_exec

    assert run_exec(tmp_path, 30.0) == (1, False)  # no spec.json: site_main fails, exit code 1
    assert "spec.json" in (tmp_path / "stderr.txt").read_text()


def test_the_summary_is_one_table_for_people(capsys: pytest.CaptureFixture[str]) -> None:
    """greendc nightly ends with a table on stdout: site, status, solver, gap, savings, time, why."""
    from greendc.optimizer.io.history import SiteRun

    from greendc.commands.nightly import print_summary

    common = {"run_id": "r", "plan_date": "2026-12-01", "started_utc": "t", "finished_utc": "t"}
    print_summary([
        SiteRun(site="wuhu", status="optimal", wall_s=12.3, solver_status="time_limit", gap=0.0123,
                cost_saving=1234.5, carbon_saving_kg=678.9, **common),
        SiteRun(site="qingpu", status="kept_previous", wall_s=1.0, error="queue.csv: job j1, nodes",
                **common),
    ], 1)
    out = capsys.readouterr().out
    assert "greendc nightly 2026-12-01, exit code 1: 1 optimal, 1 kept_previous" in out
    for header in ("site", "status", "solver", "gap %", "cost saving", "carbon saving kg", "wall s"):
        assert header in out
    wuhu = next(line for line in out.splitlines() if "wuhu" in line)
    for cell in ("optimal", "time_limit", "1.23", "1,234", "679", "12.3"):
        assert cell in wuhu
    assert "queue.csv: job j1" in out and len(out.splitlines()) < 25
