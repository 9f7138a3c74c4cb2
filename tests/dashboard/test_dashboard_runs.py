"""Runs page: nightly history written by optimizer.io.history, read from SQLite by the dashboard."""

from __future__ import annotations

from pathlib import Path

import pytest
from greendc.dashboard import data
from greendc.dashboard.pages import runs
from greendc.optimizer.io import history


def _row(run_id: str, site: str, date: str, status: str, started: str, **extra: object) -> history.SiteRun:
    """One site's outcome as the nightly job records it."""
    return history.SiteRun(run_id=run_id, site=site, plan_date=date, status=status, wall_s=3.5,
                           started_utc=started, finished_utc=started, **extra)  # type: ignore[arg-type]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A data folder with a two-night history of two sites, written by the real history module."""
    with history.connect(history.default_path(tmp_path)) as conn:
        for night, (run_id, date, started) in enumerate(
            [("r1", "2026-11-28", "2026-11-27T22:00:00Z"), ("r2", "2026-11-29", "2026-11-28T22:00:00Z")]
        ):
            history.start_run(conn, run_id, "fleet.toml", "abc", started)
            history.record(conn, _row(run_id, "zhongwei", date, "optimal", started, pue=1.15 + night / 100,
                                      gap=0.001, carbon_kg=1000.0 + night))
            history.record(conn, _row(run_id, "shanghai", date, "failed" if night else "fallback", started,
                                      error="solver crashed" if night else "", reason="time limit"))
            history.finish_run(conn, run_id, started, 1)
    return tmp_path


def test_read_runs_reads_every_site_night(data_dir: Path) -> None:
    frame = data.read_runs(data_dir)
    assert len(frame) == 4
    assert set(frame["status"]) == {"optimal", "fallback", "failed"}
    assert "kpis_json" not in frame.columns  # raw JSON stays in the file


def test_history_view_filters_orders_and_links(data_dir: Path) -> None:
    frame = runs.history_view(data.read_runs(data_dir), "zhongwei", 10)
    assert list(frame["plan_date"]) == ["2026-11-29", "2026-11-28"]  # newest first
    assert frame["plan"].iloc[0] == "[zhongwei/2026-11-29](/plan?site=zhongwei&date=2026-11-29)"
    assert list(runs.history_view(data.read_runs(data_dir), None, 1)["plan_date"]) == ["2026-11-29"]


def test_runs_body_shows_errors_and_counts(data_dir: Path) -> None:
    body = runs.runs_body(data_dir, None, 50)
    table = body.children[1]
    assert body.children[0].children == "4 of 4 nights"
    rows = table.children[1].data["rows"]  # the table's stored rows (tables.table)
    assert any(row["error"] == "solver crashed" for row in rows)
    assert table.children[1].data["colours"][0] == "status"  # rows coloured by their status


def test_site_options_come_from_the_history(data_dir: Path) -> None:
    assert [o["value"] for o in runs.site_options(data_dir)] == ["shanghai", "zhongwei"]


def test_no_history_shows_how_to_start(tmp_path: Path) -> None:
    body = runs.runs_body(tmp_path, None, 50)
    assert "empty-card" in body.className
    assert "greendc nightly" in body.children[2].children


def test_corrupt_history_is_an_error_card(tmp_path: Path) -> None:
    (tmp_path / "runs.sqlite").write_bytes(b"this is not a database" * 100)
    body = runs.runs_body(tmp_path, None, 50)
    assert "error-card" in body.className
    assert "runs.sqlite" in body.children[1].children and "corrupt" in body.children[1].children


@pytest.mark.parametrize("last", ["abc", -5, 7, 1e308, float("nan"), [1, [2]], {"a": 1}, True])
def test_a_crafted_rows_value_gets_a_message_not_an_error(data_dir: Path, last: object) -> None:
    """issue 13: runs-last="abc" through the callback was an HTTP 500 with a traceback in the log."""
    body = runs.runs_body(data_dir, None, last)
    text = str(body)
    assert "error-card" in text and "Rows: not a value this page offers" in text
    assert "20, 50, 200, 1000" in text


@pytest.mark.parametrize("site", [5, ["zhongwei"], {"x": 1}, "zhong\x00wei"])
def test_a_crafted_site_value_gets_a_message(data_dir: Path, site: object) -> None:
    assert "Site: not a value this page offers" in str(runs.runs_body(data_dir, site, 50))


@pytest.mark.parametrize(("outputs", "inputs"), [
    ([("runs-body", "children")], [("runs-site", "value", None), ("runs-last", "value", "abc")]),
    ([("runs-body", "children")], [("runs-site", "value", [1, [2]]), ("runs-last", "value", 50)]),
    ([("runs-site", "options"), ("runs-site", "value")], [("runs-query", "data", "abc")]),
    ([("sites-study", "options"), ("sites-study", "value")], [("sites-query", "data", [1])]),
    ([("whatif-site", "options"), ("whatif-site", "value")], [("whatif-query", "data", 5)]),
    ([("plan-date", "options"), ("plan-date", "value")], [("plan-site", "value", {"a": 1})]),
])
def test_crafted_callbacks_through_http_answer_200(data_dir: Path, outputs: list[tuple[str, str]],
                                                   inputs: list[tuple[str, str, object]]) -> None:
    """Every page callback taking a free value answers a crafted request (Dash's own endpoint), no 500."""
    from greendc.dashboard.app import create_app
    from test_dashboard_app import _post

    _post(create_app(data_dir).server.test_client(), outputs, inputs)  # asserts 200 or 204
