"""The reports' shared files: where a data folder keeps them, the path a report loads them by, and
their atomic, write-once publishing (issue 13: one plotly.js per data folder, not one per plan)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from greendc.optimizer.io import assets
from greendc.optimizer.io.publish import WriteFailedError


def test_the_data_folder_is_found_from_greendcs_own_layout_only(tmp_path: Path) -> None:
    data = tmp_path / "greendc-data"
    assert assets.data_folder_of(data / "plans" / "zhongwei" / "2026-12-01", "plan") == data
    assert assets.data_folder_of(data / "studies" / "default", "study") == data
    assert assets.data_folder_of(tmp_path / "my-plan", "plan") is None  # --out of the user's choosing
    assert assets.data_folder_of(tmp_path / "a" / "my-plan", "plan") is None
    assert assets.data_folder_of(data / "studies" / "default", "plan") is None
    assert assets.data_folder_of(data / "plans" / "zhongwei" / "2026-12-01", "study") is None
    assert assets.data_folder_of(Path("plans/x/y"), "plan") == Path.cwd()  # relative: from here


def test_a_fleet_plan_and_its_hubs_are_found_in_the_data_folder_layout(tmp_path: Path) -> None:
    data = tmp_path / "greendc-data"
    day = data / "fleet" / "two-hubs" / "2026-12-01"
    assert assets.data_folder_of(day, "fleet") == data
    assert assets.data_folder_of(day / "hubs" / "wuhu", "fleet_hub") == data
    assert assets.data_folder_of(day / "other" / "wuhu", "fleet_hub") is None  # only hubs/<hub>
    assert assets.data_folder_of(day, "plan") is None
    assert assets.data_folder_of(data / "plans" / "wuhu" / "2026-12-01", "fleet") is None
    assert assets.data_folder_of(tmp_path / "my-fleet-plan", "fleet") is None  # --out of the user's choosing
    assert assets.data_folder_of(tmp_path / "my-fleet-plan" / "hubs" / "wuhu", "fleet_hub") is None


def test_the_report_src_resolves_from_the_date_the_latest_pointer_and_the_version(tmp_path: Path) -> None:
    data = tmp_path / "data"
    target = assets.shared_path(data, "plotly-3.7.0.min.js")
    site = data / "plans" / "wuhu"
    src = assets.relative_src(target, site / "2026-12-01")
    assert src == "../../../assets/plotly-3.7.0.min.js"
    assert assets.relative_src(target, data / "studies" / "s") == "../../assets/plotly-3.7.0.min.js"
    for folder in ("2026-12-01", "latest"):  # a browser resolves src from the path opened, not through links
        assert os.path.normpath(site / folder / src) == str(target)
    assert os.path.normpath(site / ".versions/2026-12-01-0123456789ab" / ("../" + src)) == str(target)


def test_a_shared_file_is_written_once_and_whole(tmp_path: Path) -> None:
    path = tmp_path / "data" / "assets" / "plotly-1.min.js"
    assert assets.publish_shared_file(path, b"js") == path and path.read_bytes() == b"js"
    inode = path.stat().st_ino
    assets.publish_shared_file(path, b"js")
    assert path.stat().st_ino == inode  # the same bytes: nothing written
    path.write_bytes(b"damaged")
    assets.publish_shared_file(path, b"js")
    assert path.read_bytes() == b"js" and os.listdir(path.parent) == [path.name]  # no temporary file left


def test_a_full_disk_is_one_line_naming_the_file_and_leaves_what_was_there(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "assets" / "plotly-1.min.js"
    assets.publish_shared_file(path, b"old")

    def full(_fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(WriteFailedError) as raised:
        assets.publish_shared_file(path, b"new")
    assert str(raised.value) == (f"{path}: could not write the reports' shared file (ENOSPC: No space "
                                 "left on device); nothing was published")
    assert path.read_bytes() == b"old" and os.listdir(path.parent) == [path.name]
