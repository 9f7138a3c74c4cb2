"""Data access of the dashboard: only the data folder is ever read, whatever a URL or an input says."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from greendc.dashboard import data
from hypothesis import given
from hypothesis import strategies as st


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """An empty data folder next to a 'secret' file outside it."""
    root = tmp_path / "greendc-data"
    root.mkdir()
    (tmp_path / "secret.txt").write_text("outside the data folder")
    return root


@pytest.mark.parametrize(
    "parts",
    [("..",), ("..", "secret.txt"), ("plans", "..", "..", "secret.txt"), ("/etc",), ("plans/../..",),
     ("a/b",), (".hidden",), ("",), ("x\x00y",), ("..\\..",), ("plans", "site", "...")],
)
def test_safe_path_refuses_traversal_and_odd_names(data_dir: Path, parts: tuple[str, ...]) -> None:
    with pytest.raises(data.DataError, match="refused"):
        data.safe_path(data_dir, *parts)


def test_safe_path_refuses_a_symlink_that_leaves_the_folder(data_dir: Path) -> None:
    (data_dir / "plans").mkdir()
    os.symlink(data_dir.parent, data_dir / "plans" / "evil")
    with pytest.raises(data.DataError, match="leaves the data folder"):
        data.safe_path(data_dir, "plans", "evil", "secret.txt")
    assert data.plan_sites(data_dir) == []


def test_safe_path_accepts_plain_names_inside(data_dir: Path) -> None:
    assert data.safe_path(data_dir, "plans", "zhongwei", "2026-11-30") == \
        data_dir.resolve() / "plans" / "zhongwei" / "2026-11-30"


@given(st.text(min_size=1, max_size=40))
def test_no_name_ever_resolves_outside(name: str) -> None:
    root = Path("/tmp/greendc-hypothesis-root")
    try:
        path = data.safe_path(root, "plans", name)
    except data.DataError:
        return
    assert path.is_relative_to(root.resolve())
    assert "/" not in name and ".." not in name


def test_load_plan_refuses_traversal_from_a_url(data_dir: Path) -> None:
    with pytest.raises(data.DataError, match="refused"):
        data.load_plan(data_dir, "..", "secret.txt")
    with pytest.raises(data.DataError, match="refused"):
        data.plan_file(data_dir, "../..", "x", "steps.csv")


def test_plan_file_allows_only_plan_files(data_dir: Path) -> None:
    with pytest.raises(data.DataError, match="may be downloaded"):
        data.plan_file(data_dir, "zhongwei", "2026-11-30", "runs.sqlite")


def test_empty_data_folder(data_dir: Path) -> None:
    assert data.is_empty(data_dir)
    assert data.plan_sites(data_dir) == []
    assert data.study_names(data_dir) == []
    assert data.read_runs(data_dir).empty
