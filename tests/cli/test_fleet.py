"""Fleet files: the example covers the 13 built-in sites; layering of defaults; one-line errors."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from greendc.weather.errors import InputError
from locations import ROOT

from greendc.fleet import WALL_MARGIN_S, load_fleet, resolve

EXAMPLE = ROOT / "examples" / "fleet.toml"
BUILTIN_13 = {
    "zhangjiakou", "qingpu", "wuhu", "shaoguan", "tianfu", "chongqing", "horinger",
    "guian", "qingyang", "zhongwei", "beijing", "shanghai", "shenzhen",
}
NIGHT = date(2026, 12, 1)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "fleet.toml"
    path.write_text(text)
    return path


def test_example_covers_the_13_builtin_sites_on_sample_queues() -> None:
    fleet = load_fleet(EXAMPLE)
    tasks = resolve(fleet, EXAMPLE, NIGHT)
    assert {t.label for t in tasks} == BUILTIN_13
    assert len(tasks) == 13
    assert {t.jobs for t in tasks} == {"sample"}
    assert all(t.weather is None for t in tasks)  # synthetic year
    assert {t.output_root for t in tasks} == {str(ROOT / "greendc-data")}
    assert all(t.plan_date == "2026-12-01" for t in tasks)


def test_example_site_ids_exist_in_the_catalogue() -> None:
    from greendc.sites import builtin_ids

    if not builtin_ids():
        pytest.skip("site catalogue not present yet")
    assert set(builtin_ids()) >= BUILTIN_13


def test_site_value_beats_defaults_beats_builtin(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
[defaults]
time_limit_s = 30
jobs = "queues/{site}/{date}.csv"

[[site]]
id = "wuhu"
time_limit_s = 0.01
wall_limit_s = 9

[[site]]
id = "qingpu"
jobs = "sample"
weather = "wx/{site}-{date}.nc"
""",
    )
    wuhu, qingpu = resolve(load_fleet(path), path, NIGHT)
    assert wuhu.time_limit_s == 0.01 and wuhu.wall_limit_s == 9
    assert wuhu.jobs == str(tmp_path / "queues" / "wuhu" / "2026-12-01.csv")
    assert wuhu.step_minutes == 15 and wuhu.rel_gap == 1e-3  # built-in defaults
    assert qingpu.time_limit_s == 30
    assert qingpu.wall_limit_s == 30 + WALL_MARGIN_S
    assert qingpu.jobs == "sample"
    assert qingpu.weather == str(tmp_path / "wx" / "qingpu-2026-12-01.nc")


def test_site_file_label_is_its_site_id(tmp_path: Path) -> None:
    (tmp_path / "mine.toml").write_text('[site]\nid = "my-dc"\nname = "x"\n')
    path = _write(tmp_path, '[[site]]\nfile = "mine.toml"\n[[site]]\nfile = "broken.toml"\n')
    mine, broken = resolve(load_fleet(path), path, NIGHT)
    assert mine.label == "my-dc" and mine.ref == str(tmp_path / "mine.toml")
    assert broken.label == "broken"  # unreadable: the file stem, so its previous plan can still be kept


@pytest.mark.parametrize(
    ("text", "key", "message"),
    [
        ('[[site]]\nid = "wuhu"\njobz = "x"\n', "site[1].jobz",
         "unknown key; allowed here: jobs, jobs_format, weather, .*, id, file$"),
        ('[fleet]\nnme = "x"\n[[site]]\nid = "wuhu"\n', "fleet.nme",
         "allowed here: name, output_root, workers, scheduler, keep_days, mode$"),
        ('[fleet]\nmode = "together"\n[[site]]\nid = "wuhu"\n', "fleet.mode",
         "should be 'independent' or 'joint'"),
        ('[joint]\nwall_limit_s = 0\n[[site]]\nid = "wuhu"\n', "joint.wall_limit_s", "greater than 0"),
        ('[joint]\ncandidates = ["best"]\n[[site]]\nid = "wuhu"\n', "joint.candidates.0",
         "'independent', 'greedy' or 'joint'"),
        ('[[site]]\nid = "wuhu"\n[[link]]\na = "wuhu"\nb = "qingpu"\n', "link[1].bandwidth_gbps",
         "required key is missing"),
        ('[defaults]\nfoo = 1\n[[site]]\nid = "wuhu"\n', "defaults.foo", "allowed here: jobs, .*, rel_gap$"),
        ('foo = 1\n[[site]]\nid = "wuhu"\n', "foo",
         "allowed here: fleet, defaults, site, joint, link, region$"),
        ('[[site]]\nid = "wu"\n[[site]]\nid = "qingpu"\nfile = "a.toml"\n', "site[2]", "exactly one of 'id'"),
        ('[[site]]\nid = "wuhu"\ntime_limit_s = -1\n', "site[1].time_limit_s",
         r"greater than 0 \(got -1\); allowed: 0 < time_limit_s <= 3,600 \[s\]"),
        ('[[site]]\nid = "wuhu"\nweather = "wx/{day}.nc"\n', "site[1]", "unknown placeholder {day}"),
        ('[[site]]\nid = "wuhu"\n[[site]]\nid = "wuhu"\n', None, "site listed twice: wuhu"),
        ('[fleet]\nworkers = 0\n[[site]]\nid = "wuhu"\n', "fleet.workers", "greater than or equal to 1"),
        ("[fleet]\n", "site", "required key is missing"),
        ('[[site]]\nid = "Wu Hu"\n', "site[1].id", "should match pattern"),
        ('[[site]\nid = "wuhu"\n', None, "malformed TOML.*line 1"),
    ],
)
def test_bad_fleet_files_give_one_line_errors(
    tmp_path: Path, text: str, key: str | None, message: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(InputError, match=message) as info:
        load_fleet(path)
    assert info.value.file == str(path)
    if key is not None:
        assert info.value.key == key
    assert "\n" not in str(info.value)


def test_missing_fleet_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="fleet file not found"):
        load_fleet(tmp_path / "nope.toml")


def test_two_site_files_with_one_id_are_rejected(tmp_path: Path) -> None:
    for name in ("a.toml", "b.toml"):
        (tmp_path / name).write_text('[site]\nid = "same"\n')
    path = _write(tmp_path, '[[site]]\nfile = "a.toml"\n[[site]]\nfile = "b.toml"\n')
    with pytest.raises(InputError, match="two sites share the id same"):
        resolve(load_fleet(path), path, NIGHT)


def test_unknown_builtin_id_is_a_fleet_error(tmp_path: Path) -> None:
    path = _write(tmp_path, '[[site]]\nid = "wuhu"\n[[site]]\nid = "atlantis"\n')
    with pytest.raises(InputError, match=r"unknown built-in site 'atlantis'; built-in ids are .*") as info:
        resolve(load_fleet(path), path, NIGHT)
    assert info.value.key == "site[2].id"


@pytest.mark.slow
def test_example_fleet_passes_the_dry_run(capsys: pytest.CaptureFixture[str]) -> None:
    """Every site of examples/fleet.toml loads and gets its sample queue; nothing is written."""
    from greendc.cli import main

    assert main(["nightly", "--fleet", str(EXAMPLE), "--date", "2026-12-01", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "13 of 13 sites would be planned" in out


def test_mode_is_independent_unless_the_fleet_file_says_joint(tmp_path: Path) -> None:
    """The nightly plans each site alone by default; `mode = "joint"` asks for one plan across hubs."""
    assert load_fleet(EXAMPLE).fleet.mode == "independent"
    path = _write(tmp_path, '[fleet]\nmode = "joint"\n[joint]\nn_jobs = 12\n[[site]]\nid = "wuhu"\n')
    fleet = load_fleet(path)
    assert fleet.fleet.mode == "joint" and fleet.joint.n_jobs == 12
    joint_example = load_fleet(ROOT / "examples" / "fleet-joint.toml")
    assert {s.id for s in joint_example.site} == BUILTIN_13
