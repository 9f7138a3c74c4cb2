"""Faults injected for real into `greendc nightly` run as a separate process (no mocks).

- SIGKILL of the run while a plan is being written: the previous plan stays intact, no partial folder
  is visible, the next run completes.
- A corrupt job file, a solver forced past its time limit, a missing forecast, a site killed at its
  wall-clock limit: the other sites are optimal, each of those reports its status, exit code 1.
- Two runs at once: one runs, the other exits with the lock message.
- The same inputs twice: byte-identical plan files.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from greendc.optimizer.io.publish import publish_version

pytestmark = pytest.mark.slow

NIGHT = "2026-12-01"
NEXT_NIGHT = "2026-12-02"
PLAN_FILES = ("plan.json", "steps.csv", "jobs.csv", "setpoints.csv")


def queue_csv(night: str, hours: tuple[float, ...] = (2.0, 3.0, 1.5, 4.0)) -> str:
    """A small queue (fast solves): preemptible and not, windows inside the plan day (UTC+8)."""
    rows = ["job_id,nodes,duration_h,release,deadline,preemptible"]
    for n, duration_h in enumerate(hours):
        window = f"{night}T00:00:00+08:00,{night}T23:00:00+08:00"
        rows.append(f"j{n},{4 + 2 * n},{duration_h},{window},{n % 2 == 0}")
    return "\n".join(rows) + "\n"


def write_fleet(folder: Path, sites: str, defaults: str = "time_limit_s = 30\n") -> Path:
    """A fleet file writing into folder/data, with per-site TOML given as text."""
    fleet = folder / "fleet.toml"
    fleet.write_text(f'[fleet]\noutput_root = "data"\nworkers = 2\n\n[defaults]\n{defaults}\n{sites}')
    return fleet


def nightly(fleet: Path, night: str, *extra: str) -> subprocess.Popen[str]:
    """Start `greendc nightly` as its own process (its own session, so a test can kill it alone)."""
    return subprocess.Popen(
        [sys.executable, "-m", "greendc", "nightly", "--fleet", str(fleet), "--date", night, *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )


Finished = tuple[int, list[dict[str, object]], str, str]


def finish(process: subprocess.Popen[str], timeout_s: float = 300) -> Finished:
    """Wait for a run; its exit code, its JSON log events, the non-JSON stderr lines and stdout."""
    out, err = process.communicate(timeout=timeout_s)
    events, other = [], []
    for line in err.splitlines():
        try:
            events.append(json.loads(line))
        except ValueError:
            other.append(line)
    return process.returncode, events, "\n".join(other), out


def site_statuses(events: list[dict[str, object]]) -> dict[str, object]:
    """site -> status from the site_done events."""
    return {str(e["site"]): e["status"] for e in events if e["event"] == "site_done"}


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file's bytes in a plan folder, by name."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def visible(site_dir: Path) -> list[str]:
    """What a reader lists in plans/<site>/ (dot entries are private to the nightly run)."""
    return sorted(p.name for p in site_dir.iterdir() if not p.name.startswith("."))


def test_faults_cost_only_their_own_site(tmp_path: Path) -> None:
    """Corrupt queue -> kept_previous; solver limit -> fallback; missing forecast -> fallback
    (synthetic year); wall-clock kill -> fallback from the heuristic retry; the rest optimal; exit 1."""
    queues = tmp_path / "queues"
    queues.mkdir()
    for site in ("wuhu", "qingpu", "zhongwei", "tianfu", "guian"):
        (queues / f"{site}.csv").write_text(queue_csv(NIGHT))
    sites = "".join(f'[[site]]\nid = "{s}"\njobs = "queues/{{site}}.csv"\n\n' for s in ("wuhu", "qingpu"))
    first = finish(nightly(write_fleet(tmp_path, sites), NIGHT))
    assert first[0] == 0, first
    previous_qingpu = snapshot((tmp_path / "data/plans/qingpu/latest").resolve())

    for site in ("wuhu", "qingpu", "zhongwei", "tianfu", "guian"):
        (queues / f"{site}.csv").write_text(queue_csv(NEXT_NIGHT))
    corrupt = queue_csv(NEXT_NIGHT).replace("j1,6,", "j1,many,")  # text where a node count belongs
    (queues / "qingpu.csv").write_text(corrupt)
    sites = (
        '[[site]]\nid = "wuhu"\n\n'
        '[[site]]\nid = "qingpu"\n\n'
        '[[site]]\nid = "zhongwei"\ntime_limit_s = 0.01\n\n'
        '[[site]]\nid = "tianfu"\nweather = "forecasts/{site}/{date}.nc"\n\n'
        '[[site]]\nid = "guian"\nwall_limit_s = 0.5\n\n'
    )
    fleet = write_fleet(tmp_path, sites, 'jobs = "queues/{site}.csv"\n')
    code, events, _, _ = finish(nightly(fleet, NEXT_NIGHT))
    statuses = site_statuses(events)
    assert statuses == {
        "wuhu": "optimal", "qingpu": "kept_previous", "zhongwei": "fallback", "tianfu": "fallback",
        "guian": "fallback",
    }
    assert code == 1
    done = {str(e["site"]): e for e in events if e["event"] == "site_done"}
    assert "qingpu.csv: job j1, nodes" in str(done["qingpu"]["error"])
    assert "0.01 s wall-clock limit" in str(done["zhongwei"]["reason"])
    assert "forecast" in str(done["tianfu"]["reason"]) and "synthetic" in str(done["tianfu"]["reason"])
    assert "killed at the wall-clock limit" in str(done["guian"]["reason"])
    # qingpu's previous plan is untouched and still `latest`; the others point at tonight's plan.
    data = tmp_path / "data/plans"
    assert snapshot((data / "qingpu/latest").resolve()) == previous_qingpu
    assert os.readlink(data / "qingpu/latest") == NIGHT
    for site in ("wuhu", "zhongwei", "tianfu", "guian"):
        assert os.readlink(data / site / "latest") == NEXT_NIGHT
        assert set(PLAN_FILES) <= set(snapshot(data / site / "latest"))
    # The history holds one row per site with the same statuses.
    with sqlite3.connect(tmp_path / "data/runs.sqlite") as conn:
        rows = dict(conn.execute("SELECT site, status FROM site_runs WHERE plan_date = ?", (NEXT_NIGHT,)))
    assert rows == statuses


def _wait_for_writing(staging: Path, timeout_s: float = 120) -> set[str]:
    """Poll until a site process has started writing its plan under .staging; the names seen then."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for attempt in staging.glob("*-plan"):
            names = {p.name for p in attempt.iterdir()}
            if names - {"spec.json", "stderr.txt"}:
                return names
        time.sleep(0.005)
    raise AssertionError("the site never started writing")


def _wait_until_gone(processes: list[psutil.Process], timeout_s: float = 30) -> None:
    """Wait until every process in the list has exited (orphans of a killed run must not linger)."""
    _, alive = psutil.wait_procs(processes, timeout=timeout_s)
    assert not alive, f"processes still running: {alive}"


def test_sigkill_while_writing_keeps_the_previous_plan(tmp_path: Path) -> None:
    queue = tmp_path / "queue.csv"
    queue.write_text(queue_csv(NIGHT))
    fleet = write_fleet(tmp_path, '[[site]]\nid = "wuhu"\njobs = "queue.csv"\n')
    assert finish(nightly(fleet, NIGHT))[0] == 0
    site_dir = tmp_path / "data/plans/wuhu"
    before = snapshot(site_dir / NIGHT)

    queue.write_text(queue_csv(NIGHT, hours=(3.0, 1.0, 2.5, 2.0)))  # new inputs: a different plan
    run = nightly(fleet, NIGHT)
    seen = _wait_for_writing(site_dir / ".staging")
    descendants = psutil.Process(run.pid).children(recursive=True)  # workers, site process, solver
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    assert run.returncode == -signal.SIGKILL
    assert "result.json" not in seen  # killed while the plan was being written
    _wait_until_gone(descendants)  # the orphans end by themselves, publishing nothing
    assert visible(site_dir) == [NIGHT, "latest"]
    assert snapshot(site_dir / NIGHT) == before
    assert snapshot(site_dir / "latest") == before

    code, events, _, _ = finish(nightly(fleet, NIGHT))
    assert code == 0, events
    assert any(e["event"] == "staging_removed" for e in events) or not (site_dir / ".staging").exists()
    after = snapshot(site_dir / NIGHT)
    assert after["jobs.csv"] != before["jobs.csv"]
    assert visible(site_dir) == [NIGHT, "latest"]
    with sqlite3.connect(tmp_path / "data/runs.sqlite") as conn:
        sql = "SELECT COUNT(*) FROM nightly_runs WHERE finished_utc IS NULL"
        unfinished = conn.execute(sql).fetchone()[0]
    assert unfinished == 1  # the killed run, visible as never finished


def test_two_runs_at_once_one_gets_the_lock_message(tmp_path: Path) -> None:
    (tmp_path / "queue.csv").write_text(queue_csv(NIGHT))
    fleet = write_fleet(tmp_path, '[[site]]\nid = "wuhu"\njobs = "queue.csv"\n')
    runs = [nightly(fleet, NIGHT), nightly(fleet, NIGHT)]
    results = [finish(r) for r in runs]
    assert sorted(r[0] for r in results) == [0, 3]
    loser = next(r for r in results if r[0] == 3)
    assert "another greendc nightly run holds the lock" in loser[2]
    assert [e["event"] for e in loser[1]] == ["lock_held"]


def test_same_inputs_give_byte_identical_plans(tmp_path: Path) -> None:
    """Also: a summary table on stdout, a plan older than keep_days (15 days before) pruned, and the plan
    folder small: its report loads the data folder's one plotly.js, which retention leaves (issue 13)."""
    (tmp_path / "queue.csv").write_text(queue_csv(NIGHT))
    fleet = write_fleet(tmp_path, '[[site]]\nid = "wuhu"\njobs = "queue.csv"\n')
    site_dir = tmp_path / "data/plans/wuhu"
    old = tmp_path / "old"
    old.mkdir()
    (old / "plan.json").write_text("{}")
    publish_version(old, site_dir, "2026-11-16")  # 15 days before NIGHT; keep_days defaults to 14
    code, events, other, out = finish(nightly(fleet, NIGHT))
    assert code == 0
    assert other == ""  # stderr is the JSON log and nothing else: one object per line
    assert events[0]["event"] == "run_start" and events[-1]["event"] == "run_done"
    assert f"greendc nightly {NIGHT}, exit code 0: 1 optimal" in out
    (line,) = [x for x in out.splitlines() if "wuhu" in x]
    assert "optimal" in line and "{" not in out  # a table for people; the JSON stays on stderr
    (pruned,) = [e for e in events if e["event"] == "pruned"]
    assert len(pruned["removed"]) == 2 and pruned["removed"][0] == "2026-11-16"  # the pointer and its version
    assert not (site_dir / "2026-11-16").is_symlink()
    assert sum(p.stat().st_size for p in (site_dir / NIGHT).rglob("*") if p.is_file()) < 500_000
    src = re.findall(r'<script src="([^"]+)"', (site_dir / NIGHT / "report.html").read_text())[0]
    shared = tmp_path / "data" / "assets" / Path(src).name
    for opened in (site_dir / NIGHT, site_dir / "latest"):  # a browser resolves src from the path opened
        assert Path(os.path.normpath(opened / src)) == shared and shared.is_file()
    version = (site_dir / NIGHT).resolve()  # its report's second tag: the same file, one folder further up
    assert Path(os.path.normpath(version / ("../" + src))) == shared
    first_version = os.readlink(site_dir / NIGHT)
    first = snapshot(site_dir / NIGHT)
    shutil_copy = {k: bytes(v) for k, v in first.items()}
    assert finish(nightly(fleet, NIGHT))[0] == 0
    assert os.readlink(site_dir / NIGHT) == first_version  # same content, same version folder
    assert snapshot(site_dir / NIGHT) == shutil_copy
    assert [p.name for p in (site_dir / ".versions").iterdir()] == [first_version.split("/")[-1]]


def test_a_corrupt_history_is_moved_aside_and_the_night_planned(tmp_path: Path) -> None:
    """issue 13: garbage in runs.sqlite: kept as a copy named in one warning, a new history, the plan made."""
    (tmp_path / "queue.csv").write_text(queue_csv(NIGHT))
    fleet = write_fleet(tmp_path, '[[site]]\nid = "wuhu"\njobs = "queue.csv"\n')
    db = tmp_path / "data" / "runs.sqlite"
    db.parent.mkdir()
    db.write_bytes(b"not a database\n" * 100)
    code, events, other, _ = finish(nightly(fleet, NIGHT))
    assert code == 0 and other == ""
    (warning,) = [e for e in events if e["event"] == "history_corrupt"]
    copy = Path(str(warning["kept_as"]))
    assert copy.read_bytes() == b"not a database\n" * 100 and copy.parent == db.parent
    assert site_statuses(events) == {"wuhu": "optimal"}
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT site, status FROM site_runs").fetchall() == [("wuhu", "optimal")]
    runs = subprocess.run([sys.executable, "-m", "greendc", "runs", "--data", str(db.parent), "--json"],
                          capture_output=True, text=True, check=False)
    assert runs.returncode == 0 and runs.stderr.strip() == f"note: an earlier run history was corrupt; " \
        f"it is kept at {copy}"
