"""`greendc runs` through the real CLI entry point: filters, JSON lines, table, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from greendc.optimizer.io import history

from greendc.cli import main


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """Two nights of two sites, and a third run that was killed before it finished."""
    with history.connect(history.default_path(tmp_path)) as conn:
        for run_id, night, started in [("r1", "2026-11-29", "2026-11-28T22:00:00Z"),
                                       ("r2", "2026-11-30", "2026-11-29T22:00:00Z")]:
            history.start_run(conn, run_id, "fleet.toml", "abc", started)
            for site, status in [("wuhu", "optimal"), ("qingpu", "kept_previous")]:
                history.record(conn, history.SiteRun(
                    run_id=run_id, site=site, plan_date=night, status=status, wall_s=4.25,
                    started_utc=started, finished_utc=started, objective_total=98765.4, pue=1.234,
                    gap=0.0005 if status == "optimal" else None,
                    error="" if status == "optimal" else "queue.csv: nodes: not an integer",
                ))
            history.finish_run(conn, run_id, started, 1)
        history.start_run(conn, "r3", "fleet.toml", "abc", "2026-11-30T22:00:00Z")
    return tmp_path


def test_json_lines_filter_by_site_and_last(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["runs", "--data", str(data_dir), "--site", "wuhu", "--last", "1", "--json"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    row = json.loads(lines[0])
    assert (row["site"], row["plan_date"], row["status"]) == ("wuhu", "2026-11-30", "optimal")
    assert row["gap"] == 0.0005 and row["wall_s"] == 4.25


def test_table_shows_statuses_errors_and_the_killed_run(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "250")  # a wide terminal: no wrapped cells
    assert main(["runs", "--data", str(data_dir)]) == 0
    out = capsys.readouterr().out
    assert out.count("kept_previous") == 2 and out.count("optimal") == 2
    assert "queue.csv: nodes: not an integer" in out
    assert "98,765" in out and "1.234" in out and "0.05" in out  # objective, PUE, gap in %
    assert "last run r3 started 2026-11-30T22:00:00Z and never finished" in out


def test_data_folder_from_a_fleet_file(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fleet = data_dir / "fleet.toml"
    fleet.write_text('[fleet]\noutput_root = "."\n[[site]]\nid = "wuhu"\n')
    assert main(["runs", "--fleet", str(fleet), "--json"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 4


def test_no_history_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["runs", "--data", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "runs.sqlite: no run history here yet" in err
    assert "\n" not in err


def test_corrupt_history_is_one_line_naming_the_copy(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """issue 13: a corrupt runs.sqlite is one line, exit 2; once moved aside, runs names the copy."""
    db = history.default_path(tmp_path)
    db.write_bytes(b"this is not a database\n" * 100)
    assert main(["runs", "--data", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err
    assert err.startswith(f"error: {db}: the run history database is corrupt")
    assert "runs.sqlite.corrupt-<time>" in err and db.exists()  # the reader leaves the file as it is
    copy, _reason = history.recover(db) or (None, "")
    assert main(["runs", "--data", str(tmp_path)]) == 2  # no new history yet
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == [f"note: an earlier run history was corrupt; it is kept at {copy}",
                     f"error: {db}: no run history here yet; run `greendc nightly` first"]


def test_the_solver_status_is_shown_as_it_is(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A plan stopped at the solver's time limit says time_limit, not optimal, beside the night's status."""
    with history.connect(history.default_path(tmp_path)) as conn:
        history.start_run(conn, "r1", "fleet.toml", "abc", "2026-11-30T22:00:00Z")
        history.record(conn, history.SiteRun(
            run_id="r1", site="wuhu", plan_date="2026-12-01", status="optimal", wall_s=60.0,
            started_utc="2026-11-30T22:00:00Z", finished_utc="2026-11-30T22:01:00Z",
            solver_status="time_limit", gap=0.042))
    monkeypatch.setenv("COLUMNS", "250")
    assert main(["runs", "--data", str(tmp_path)]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if "wuhu" in x)
    assert "time_limit" in line and "4.20" in line
