"""The one publisher: --out never replaces what greendc did not write, and keeps a folder's permissions."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pandas as pd
import pytest
import xarray as xr
from greendc.optimizer.io import planfolder, publish
from greendc.optimizer.io.publish import PLAN_FOLDER, STUDY_FOLDER, ForeignTargetError, check_target
from locations import DATA

from greendc.cli import main
from greendc.workflows import nightly_site

SITE = str(DATA / "sites" / "good.toml")
#: A short, coarse day: the real plan path end to end in a few seconds.
FAST = ["--date", "2026-12-01", "--horizon-h", "6", "--step-min", "60", "--time-limit", "10"]


def _tree(folder: Path) -> dict[str, bytes | None]:
    """Every path under a folder with its bytes (None for folders): to prove nothing changed."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() if p.is_file() else None
            for p in sorted(folder.rglob("*"))}


def _foreign(folder: Path) -> Path:
    """A user's folder: a sub-folder and a thesis, nothing greendc wrote."""
    (folder / "sub").mkdir(parents=True)
    (folder / "thesis.txt").write_text("x\n")
    return folder


def test_the_kinds_name_every_file_greendc_writes() -> None:
    """PLAN_FOLDER lists the plan folder's files and the nightly's exports (a new file must be added)."""
    written = {planfolder.PLAN_JSON, planfolder.STEPS_CSV, planfolder.JOBS_CSV, planfolder.REPORT_HTML,
               planfolder.INPUTS_DIR, nightly_site.SETPOINTS_FILE, nightly_site.SLURM_FILE,
               *(f"{planfolder.INPUTS_DIR}/{n}" for n in (planfolder.INPUT_JOBS, planfolder.INPUT_PROFILE,
                                                          planfolder.INPUT_SITE))}
    assert written <= PLAN_FOLDER.entries


def test_a_study_folder_holds_only_study_entries(tmp_path: Path) -> None:
    from greendc.workflows.compare import write_study

    frame = pd.DataFrame({"site": ["a"], "scenario": ["s"]})
    folder = write_study(tmp_path / "study", xr.Dataset({"x": ("t", [1.0])}), frame, frame, "<html/>")
    assert {p.name for p in folder.iterdir()} <= STUDY_FOLDER.entries
    write_study(folder, xr.Dataset({"x": ("t", [2.0])}), frame, frame, "<html/>")  # replaces its own
    with pytest.raises(ForeignTargetError, match="not a greendc study folder"):
        write_study(_foreign(tmp_path / "mine"), xr.Dataset(), frame, frame, "")


@pytest.mark.parametrize("kind", [PLAN_FOLDER, STUDY_FOLDER])
def test_new_empty_and_own_folders_are_accepted(tmp_path: Path, kind: publish.FolderKind) -> None:
    check_target(tmp_path / "new", kind)
    check_target(tmp_path, kind)  # empty
    (tmp_path / kind.marker).write_text("{}")
    check_target(tmp_path, kind)


@pytest.mark.parametrize(("make", "words"), [
    (lambda p: _foreign(p), "not empty and not a greendc plan folder (it holds sub, thesis.txt)"),
    (lambda p: (p.mkdir(), (p / "steps.csv").write_text("")), "it holds no plan.json"),
    (lambda p: (p.mkdir(), (p / "plan.json").write_text(""), (p / "inputs").mkdir(),
                (p / "inputs" / "notes.md").write_text("")), "it holds inputs/notes.md"),
    (lambda p: p.write_text("x"), "exists and is a file"),
    (lambda p: p.symlink_to(p.parent / "nowhere"), "is a link to something that is not"),
])
def test_what_greendc_did_not_write_is_refused(tmp_path: Path, make: object, words: str) -> None:
    target = tmp_path / "target"
    make(target)  # type: ignore[operator]
    with pytest.raises(ForeignTargetError, match=words.replace("(", r"\(").replace(")", r"\)")):
        check_target(target, PLAN_FOLDER)


def test_plan_refuses_a_users_folder_before_any_solve(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """issue 13: `greendc plan --out d` with d holding sub/ and thesis.txt: exit 2, one line, d untouched."""
    import greendc.workflows.plan as plan_workflow

    def no_solve(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("solved although the output folder is refused")

    monkeypatch.setattr(plan_workflow, "plan_site_day", no_solve)
    target = _foreign(tmp_path / "d")
    before = _tree(target)
    assert main(["plan", "--site", SITE, "--out", str(target), *FAST]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: {target}: --out: not empty and not a greendc plan")
    assert _tree(target) == before and os.listdir(tmp_path) == ["d"]


def test_a_replaced_plan_folder_keeps_its_permissions(tmp_path: Path) -> None:
    """A plan folder made read-only (555) by its owner is replaced by a plan that is still 555."""
    target = tmp_path / "d"
    assert main(["plan", "--site", SITE, "--out", str(target), *FAST]) == 0
    first = (target / "plan.json").stat().st_ino
    target.chmod(0o555)
    try:
        assert main(["plan", "--site", SITE, "--out", str(target), *FAST, "--carbon-price", "50"]) == 0
        assert stat.S_IMODE(target.stat().st_mode) == 0o555
        assert (target / "plan.json").stat().st_ino != first  # a new plan, not the old one
        assert sorted(os.listdir(tmp_path)) == ["d"]  # no staging or old folder left
    finally:
        target.chmod(0o755)


def test_a_new_folder_gets_the_umask_mode_not_a_temporary_one(tmp_path: Path) -> None:
    with publish.staged_folder(tmp_path / "new", PLAN_FOLDER) as staging:
        (staging / "plan.json").write_text("{}")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == 0o777 & ~umask


def test_nightly_never_adopts_a_users_folder(tmp_path: Path) -> None:
    """A user's folder at plans/<site>/<date> is not moved into .versions (where pruning would delete it)."""
    site = tmp_path / "wuhu"
    mine = _foreign(site / "2026-12-01")
    staged = tmp_path / "staged"
    staged.mkdir()
    (staged / "plan.json").write_text("{}")
    with pytest.raises(ForeignTargetError, match="plan date: not empty"):
        publish.publish_version(staged, site, "2026-12-01")
    assert (mine / "thesis.txt").read_text() == "x\n" and not mine.is_symlink()


def test_the_current_folder_is_refused_unless_it_is_a_plan_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """issue 13: `--out .` in an empty folder would stage inside itself; refused before any work."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ForeignTargetError, match="is the current folder"):
        check_target(Path("."), PLAN_FOLDER)
    (tmp_path / "plan.json").write_text("{}")
    check_target(Path("."), PLAN_FOLDER)  # an existing plan folder may be re-planned in place
    with publish.staged_folder(Path("."), PLAN_FOLDER) as staging:
        (staging / "plan.json").write_text('{"new": 1}')
    assert (tmp_path / "plan.json").read_text() == '{"new": 1}'
    assert os.listdir(tmp_path.parent).count(tmp_path.name) == 1


def test_an_unwritable_parent_is_refused_before_any_work(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A read-only parent (os.access says so; root ignores chmod, so it is faked here) is one line."""
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: Path(p) != tmp_path and real_access(p, mode))
    with pytest.raises(publish.InputError, match=f"cannot be written: {tmp_path} is not a writable folder"):
        check_target(tmp_path / "new" / "deeper", PLAN_FOLDER)


def test_a_write_that_fails_at_the_end_is_one_line_and_leaves_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """ENOSPC while writing the folder: exit 2, one line naming the error, the old plan and no staging."""
    import errno

    target = tmp_path / "d"
    assert main(["plan", "--site", SITE, "--out", str(target), *FAST]) == 0
    before = _tree(target)
    capsys.readouterr()

    def full(*_args: object, **_kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(planfolder, "steps_csv", full)
    assert main(["plan", "--site", SITE, "--out", str(target), *FAST, "--carbon-price", "50"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"error: {target}: --out: could not write the greendc plan folder (ENOSPC: No space "
                   "left on device); nothing was published and what was there is unchanged"]
    assert _tree(target) == before and os.listdir(tmp_path) == ["d"]


def _version(tmp_path: Path, site: Path, day: str) -> Path:
    """Publish a one-file plan of ``day`` into ``site`` as the nightly does."""
    staged = tmp_path / f"staged-{day}"
    staged.mkdir()
    (staged / "plan.json").write_text(f'{{"day": "{day}"}}')
    return publish.publish_version(staged, site, day)


def test_dates_older_than_keep_days_are_pruned_and_nothing_else(tmp_path: Path) -> None:
    """Pointers and versions of dates before newest - keep_days go; newer ones, latest and a user's stay."""
    site = tmp_path / "plans" / "wuhu"
    for day in ("2026-11-01", "2026-11-16", "2026-11-17", "2026-12-01"):
        _version(tmp_path, site, day)
    (site / "2026-10-01").mkdir()  # a real folder greendc plan wrote there: not the nightly's
    (site / "2026-10-01" / "plan.json").write_text("{}")
    removed = publish.prune_old_dates(site, pd.Timestamp("2026-12-01").date(), keep_days=14)
    assert sorted(p.name[:10] for p in removed) == ["2026-11-01"] * 2 + ["2026-11-16"] * 2
    assert sorted(p.name for p in site.iterdir() if not p.name.startswith(".")) == [
        "2026-10-01", "2026-11-17", "2026-12-01", "latest"]
    assert sorted(p.name[:10] for p in (site / publish.VERSIONS).iterdir()) == ["2026-11-17", "2026-12-01"]


def test_the_plan_latest_names_is_never_pruned(tmp_path: Path) -> None:
    site = tmp_path / "wuhu"
    _version(tmp_path, site, "2026-01-01")
    assert publish.prune_old_dates(site, pd.Timestamp("2026-12-01").date(), keep_days=1) == []
    assert (site / "latest" / "plan.json").is_file()
