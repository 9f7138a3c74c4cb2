"""Run history in SQLite: rows round-trip, newest first, filters, interrupted runs, schema guard."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from greendc.optimizer.io import history
from greendc.optimizer.io.history import SiteRun
from greendc.weather.errors import InputError


def _row(run_id: str, site: str, status: str, started: str, **extra: object) -> SiteRun:
    return SiteRun(
        run_id=run_id, site=site, plan_date="2026-12-01", status=status, wall_s=3.5,
        started_utc=started, finished_utc=started, **extra,  # type: ignore[arg-type]
    )


def test_rows_round_trip_with_kpis_and_digests(tmp_path: Path) -> None:
    db = tmp_path / "runs.sqlite"
    row = _row(
        "r1", "wuhu", "fallback", "2026-11-30T22:00:00Z",
        gap=None, objective_total=12345.5, pue=1.21, kpis={"pue": 1.21, "carbon_kg": 800.0},
        jobs_digest="ab" * 32, reason="solver time limit 0.01 s; heuristic plan", solver_status="fallback",
    )
    with history.connect(db) as conn:
        history.start_run(conn, "r1", "fleet.toml", "f" * 64, "2026-11-30T22:00:00Z")
        history.record(conn, row)
    with history.connect(db, create=False) as conn:
        (back,) = history.query(conn)
    assert back == row


def test_query_newest_first_by_site_and_last(tmp_path: Path) -> None:
    with history.connect(tmp_path / "h.sqlite") as conn:
        for night, started in enumerate([f"2026-11-{day}T22:00:00Z" for day in (28, 29, 30)]):
            run_id = f"r{night}"
            history.start_run(conn, run_id, "f", "d", started)
            history.record(conn, _row(run_id, "wuhu", "optimal", started))
            history.record(conn, _row(run_id, "qingpu", "kept_previous", started, error="jobs: bad"))
            history.finish_run(conn, run_id, started, 1)
        assert [r.run_id for r in history.query(conn, site="wuhu")] == ["r2", "r1", "r0"]
        assert [(r.run_id, r.site) for r in history.query(conn, last=3)] == [
            ("r2", "qingpu"), ("r2", "wuhu"), ("r1", "qingpu")
        ]
        assert history.query(conn, site="nowhere") == []


def test_interrupted_run_has_no_end(tmp_path: Path) -> None:
    with history.connect(tmp_path / "h.sqlite") as conn:
        history.start_run(conn, "done", "f", "d", "2026-11-29T22:00:00Z")
        history.finish_run(conn, "done", "2026-11-29T22:03:00Z", 0)
        history.start_run(conn, "killed", "f", "d", "2026-11-30T22:00:00Z")
        runs = history.runs(conn)
    assert [(r["run_id"], r["finished_utc"], r["exit_code"]) for r in runs] == [
        ("killed", None, None), ("done", "2026-11-29T22:03:00Z", 0)
    ]


def test_status_outside_the_four_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not in"):
        _row("r", "wuhu", "fine", "t")
    with history.connect(tmp_path / "h.sqlite") as conn:
        history.start_run(conn, "r", "f", "d", "t")
        with pytest.raises(sqlite3.IntegrityError):  # the database enforces it too
            conn.execute(
                "INSERT INTO site_runs (run_id, site, plan_date, status, wall_s, started_utc, finished_utc)"
                " VALUES ('r', 'x', 'd', 'fine', 1, 't', 't')"
            )


def test_one_row_per_site_and_run(tmp_path: Path) -> None:
    with history.connect(tmp_path / "h.sqlite") as conn:
        history.start_run(conn, "r", "f", "d", "t")
        history.record(conn, _row("r", "wuhu", "optimal", "t"))
        with pytest.raises(sqlite3.IntegrityError):
            history.record(conn, _row("r", "wuhu", "optimal", "t"))


def test_missing_or_newer_history_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no run history here yet"), history.connect(
        tmp_path / "none.sqlite", create=False
    ):
        pass
    db = tmp_path / "future.sqlite"
    with sqlite3.connect(db) as raw:
        raw.execute(f"PRAGMA user_version={history.SCHEMA_VERSION + 1}")
    with pytest.raises(InputError, match="newer than this greendc"), history.connect(db):
        pass


def test_last_wall_s_takes_each_sites_newest_run(tmp_path: Path) -> None:
    with history.connect(tmp_path / "h.sqlite") as conn:
        for run_id, started, walls in [("r1", "2026-11-29T22:00:00Z", {"wuhu": 50.0, "qingpu": 10.0}),
                                       ("r2", "2026-11-30T22:00:00Z", {"wuhu": 20.0})]:
            history.start_run(conn, run_id, "f", "d", started)
            for site, wall_s in walls.items():
                history.record(conn, SiteRun(run_id=run_id, site=site, plan_date="d", status="optimal",
                                             wall_s=wall_s, started_utc=started, finished_utc=started))
        assert history.last_wall_s(conn) == {"wuhu": 20.0, "qingpu": 10.0}


def _garbage(path: Path) -> bytes:
    """A runs.sqlite that is not a database at all (a disk error, a bad copy)."""
    data = b"this is not a database\n" * 200
    path.write_bytes(data)
    return data


def _damaged(path: Path) -> None:
    """A real history whose pages past the header are overwritten: SQLite calls it malformed."""
    with history.connect(path) as conn:
        history.start_run(conn, "r", "f", "d", "t")
        for n in range(200):
            history.record(conn, _row("r", f"site{n}", "optimal", "t", error="e" * 200))
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    data[4096:] = b"\xff" * (len(data) - 4096)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("spoil", [_garbage, _damaged])
def test_a_corrupt_history_is_moved_aside_and_kept(tmp_path: Path, spoil: object) -> None:
    db = tmp_path / "runs.sqlite"
    spoil(db)  # type: ignore[operator]
    spoiled = db.read_bytes()
    assert history.corruption(db)
    with pytest.raises(history.CorruptHistoryError, match=r"runs\.sqlite: the run history database is "
                                                          r"corrupt \(.+\); the next `greendc nightly`"), \
            history.reader(db) as conn:
        history.query(conn)
    copy, reason = history.recover(db) or (None, "")
    assert copy is not None and copy.read_bytes() == spoiled and reason
    assert not db.exists() and history.corrupt_copies(db) == [copy]
    assert copy.name.startswith("runs.sqlite.corrupt-")
    with history.connect(db) as conn:  # a new history starts
        history.start_run(conn, "r2", "f", "d", "t")
    assert history.recover(db) is None and history.corruption(db) is None


def test_a_sound_or_new_history_reads_through_the_reader(tmp_path: Path) -> None:
    db = tmp_path / "runs.sqlite"
    db.touch()  # an empty file is an empty database, not a corrupt one
    assert history.corruption(db) is None
    with history.reader(db) as conn:
        assert history.query(conn) == [] and history.runs(conn) == []
    with history.connect(db) as conn:
        history.start_run(conn, "r", "f", "d", "t")
        history.record(conn, _row("r", "wuhu", "optimal", "t", solver_status="time_limit", gap=0.04))
    with history.reader(db) as conn:
        (row,) = history.query(conn)
    assert row.solver_status == "time_limit"
