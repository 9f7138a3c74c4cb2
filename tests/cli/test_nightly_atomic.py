"""Atomic publishing and the run lock: readers never see half a plan; SIGKILL frees the lock."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from greendc.optimizer.io.publish import (
    LATEST,
    VERSIONS,
    LockHeldError,
    clean_staging,
    current_plan,
    publish_version,
    run_lock,
    staging_dir,
    tree_digest,
)


def _plan(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "plan.json").write_text(f'{{"v": "{text}"}}')
    (folder / "steps.csv").write_text(f"time,v\n0,{text}\n")
    return folder


def _read(path: Path) -> tuple[str, str]:
    return (path / "plan.json").read_text(), (path / "steps.csv").read_text()


def test_publish_points_date_and_latest_at_a_complete_version(tmp_path: Path) -> None:
    site = tmp_path / "plans" / "wuhu"
    staged = _plan(staging_dir(site, "run1") / "plan", "a")
    digest = tree_digest(staged)
    version = publish_version(staged, site, "2026-12-01")
    assert version == site / VERSIONS / f"2026-12-01-{digest[:12]}"
    assert os.readlink(site / "2026-12-01") == f"{VERSIONS}/{version.name}"
    assert os.readlink(site / LATEST) == "2026-12-01"
    assert _read(site / LATEST) == ('{"v": "a"}', "time,v\n0,a\n")
    assert not staged.exists()


def test_same_content_twice_changes_nothing(tmp_path: Path) -> None:
    site = tmp_path / "wuhu"
    first = publish_version(_plan(tmp_path / "s1", "a"), site, "2026-12-01")
    before = sorted(p.name for p in (site / VERSIONS).iterdir())
    second = publish_version(_plan(tmp_path / "s2", "a"), site, "2026-12-01")
    assert first == second
    assert sorted(p.name for p in (site / VERSIONS).iterdir()) == before
    assert not (tmp_path / "s2").exists()


def test_new_content_switches_and_old_versions_are_pruned(tmp_path: Path) -> None:
    site = tmp_path / "wuhu"
    versions = []
    for n, text in enumerate("abc"):
        versions.append(publish_version(_plan(tmp_path / f"s{n}", text), site, "2026-12-01", keep_versions=2))
        time.sleep(0.01)  # distinct mtimes
    assert _read(site / "2026-12-01")[0] == '{"v": "c"}'
    assert not versions[0].exists() and versions[1].exists() and versions[2].exists()


def test_latest_never_moves_back_to_an_earlier_date(tmp_path: Path) -> None:
    site = tmp_path / "wuhu"
    publish_version(_plan(tmp_path / "s1", "dec2"), site, "2026-12-02")
    publish_version(_plan(tmp_path / "s2", "dec1"), site, "2026-12-01")
    assert os.readlink(site / LATEST) == "2026-12-02"
    assert _read(site / "2026-12-01")[0] == '{"v": "dec1"}'


def test_a_folder_written_in_place_is_adopted(tmp_path: Path) -> None:
    site = tmp_path / "wuhu"
    _plan(site / "2026-12-01", "manual")
    publish_version(_plan(tmp_path / "s", "nightly"), site, "2026-12-01")
    assert (site / "2026-12-01").is_symlink()
    assert _read(site / "2026-12-01")[0] == '{"v": "nightly"}'
    adopted = [p.name for p in (site / VERSIONS).iterdir() if "-adopted-" in p.name]
    assert len(adopted) == 1


def test_readers_see_whole_plans_while_pointers_switch(tmp_path: Path) -> None:
    """A reader that resolves `latest` once, then reads, never sees a mix or nothing during 60 switches."""
    site = tmp_path / "wuhu"
    publish_version(_plan(tmp_path / "s-init", "0"), site, "2026-12-01", keep_versions=100)
    bad: list[object] = []
    done = threading.Event()

    def reader() -> None:
        while not done.is_set():
            try:
                plan_json, steps = _read((site / LATEST).resolve())
            except FileNotFoundError as exc:
                bad.append(exc)
                continue
            if plan_json.split('"')[3] != steps.split(",")[-1].strip():
                bad.append((plan_json, steps))

    thread = threading.Thread(target=reader)
    thread.start()
    for n in range(1, 60):
        publish_version(_plan(tmp_path / f"s{n}", str(n)), site, "2026-12-01", keep_versions=100)
    done.set()
    thread.join()
    assert bad == []
    assert _read(site / LATEST)[0] == '{"v": "59"}'


def test_clean_staging_removes_leftovers(tmp_path: Path) -> None:
    site = tmp_path / "wuhu"
    _plan(staging_dir(site, "killed-run") / "plan", "half")
    removed = clean_staging(site)
    assert [p.name for p in removed] == ["killed-run"]
    assert current_plan(site) is None


_HOLD = "import sys,time; from pathlib import Path; from greendc.optimizer.io.publish import run_lock\n" \
    "with run_lock(Path(sys.argv[1])):\n    print('held', flush=True); time.sleep(60)\n"


def test_second_run_gets_the_lock_message_and_sigkill_frees_it(tmp_path: Path) -> None:
    holder = subprocess.Popen([sys.executable, "-c", _HOLD, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        message = rf"holds the lock .*\.nightly\.lock \(pid {holder.pid}, since "
        with pytest.raises(LockHeldError, match=message), run_lock(tmp_path):
            pass
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    with run_lock(tmp_path) as path:  # the kernel released the dead holder's lock
        assert path.name == ".nightly.lock"
