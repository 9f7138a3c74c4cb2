"""Plan and What-if pages, their callbacks called directly, on a plan folder made by `greendc plan`."""

from __future__ import annotations

import base64
import dataclasses
import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from browser import harness
from greendc.dashboard import data, replan
from greendc.dashboard.pages import plan as plan_page
from greendc.dashboard.pages import whatif
from greendc.optimizer.types import Job
from greendc.sites import load_site
from locations import DATA

SITE = "zhongwei"
DATE = "2026-07-15"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with one hourly plan of the sample queue, written by the real command."""
    root = tmp_path_factory.mktemp("pages") / "greendc-data"
    harness.greendc("plan", "--site", SITE, "--date", DATE, "--step-min", "60", "--time-limit", "10",
                    "--out", str(root / "plans" / SITE / DATE))
    return root


def _text(component: Any) -> str:
    """All text and props of a component tree, as JSON (for 'contains' assertions)."""
    return json.dumps(component.to_plotly_json(), default=lambda o: o.to_plotly_json()
                      if hasattr(o, "to_plotly_json") else str(o))


def _copy(data_dir: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the data folder to damage, and its plan folder."""
    root = tmp_path / "greendc-data"
    shutil.copytree(data_dir, root)
    return root, root / "plans" / SITE / DATE


# --- fast: pure pieces of the What-if page -------------------------------------------------------


def test_unchanged_controls_do_not_replan() -> None:
    start = {"carbon_price": 0.0, "setpoints": [18.0, 27.0], "battery": True}
    assert whatif.unchanged(start, 0, [18, 27], ["on"], 0)
    assert not whatif.unchanged(start, 1000, [18, 27], ["on"], 0)
    assert not whatif.unchanged(start, 0, [18, 27], [], 0)
    assert not whatif.unchanged(start, 0, [18, 27], ["on"], 6)
    assert whatif.unchanged(None, 1000, [18, 27], ["on"], 0)  # no saved plan: nothing to do


def test_site_variant_keeps_levels_in_range_and_drops_the_battery() -> None:
    site = load_site(SITE)
    variant = replan.site_variant(site, replan.WhatIf(0, 20, 26, False, 0))
    assert variant.cooling.setpoint_levels_c == [21.0, 24.0]
    assert variant.cooling.baseline_c == 21.0  # nearest allowed level to today's 18 deg C
    assert variant.battery is None and site.battery is not None
    with pytest.raises(ValueError, match="no setpoint level"):
        replan.site_variant(site, replan.WhatIf(0, 28, 32, True, 0))


def test_slack_moves_only_preemptible_deadlines() -> None:
    t0 = pd.Timestamp("2026-07-15", tz="Asia/Shanghai")
    jobs = [Job("a", 1, 1.0, t0, t0 + pd.Timedelta(hours=4), True),
            Job("b", 1, 1.0, t0, t0 + pd.Timedelta(hours=4), False)]
    moved = replan.with_slack(jobs, 6.0)
    assert moved[0].deadline - jobs[0].deadline == pd.Timedelta(hours=6)
    assert moved[1] == jobs[1]


def test_whatif_from_a_url_with_traversal_is_an_error_card(tmp_path: Path) -> None:
    body = whatif.run_whatif(tmp_path, "..", "..", 100, [18, 27], ["on"], 0)
    assert "error-card" in body.className and "refused" in _text(body)
    assert whatif.run_whatif(tmp_path, None, None, 100, [18, 27], ["on"], 0).children is None


@pytest.mark.parametrize(("start", "controls", "named"), [
    ("abc", (0, [18, 27], ["on"], 0), None),
    ({"carbon_price": "x"}, (0, [18, 27], ["on"], 0), None),
    (None, ("abc", [18, 27], ["on"], 0), "Carbon price"),
    (None, (float("nan"), [18, 27], ["on"], 0), "Carbon price"),
    (None, (100, "abc", ["on"], 0), "Allowed setpoints"),
    (None, (100, [27, 18], ["on"], 0), "Allowed setpoints"),
    (None, (100, [18, 27], "on", 0), "Battery"),
    (None, (100, [18, 27], ["on"], {"h": 1}), "Deadline slack"),
    (None, (True, [18, 27], ["on"], 0), "Carbon price"),
])
def test_a_crafted_start_store_or_control_is_a_card_not_an_error(tmp_path: Path, start: Any,
                                                                 controls: tuple[Any, ...],
                                                                 named: str | None) -> None:
    """issue 13: the What-if start Store and controls are read as sent: a wrong shape never raises."""
    if start is not None:
        assert not whatif.unchanged(start, *controls)  # a start of another shape: re-plan, never a crash
    if named is not None:
        body = whatif.run_whatif(tmp_path, SITE, DATE, *controls)
        assert "error-card" in body.className and f"{named}: not a value this page offers" in _text(body)


def test_settings_from_json_floats_get_their_types() -> None:
    settings = replan.settings_of({"settings": {"step_minutes": 15.0, "carbon_price_per_t": 200, "extra": 1}})
    assert settings.step_minutes == 15 and isinstance(settings.step_minutes, int)
    assert settings.carbon_price_per_t == 200.0


# --- slow: on a plan folder made by greendc plan -----------------------------------------------


@pytest.mark.slow
def test_plan_body_shows_the_plans_numbers_and_jobs(data_dir: Path) -> None:
    folder = data_dir / "plans" / SITE / DATE
    meta = json.loads((folder / "plan.json").read_text())
    runs = pd.read_csv(folder / "jobs.csv", dtype={"job_id": str})
    body = plan_page.plan_body(data_dir, SITE, DATE)
    text = _text(body)
    assert f"{meta['objective']['total']:,.0f} CNY" in text
    assert f"{meta['kpis']['pue']:.3f}" in text
    gantt = next(c for c in body.children if getattr(c, "id", None) == "plan-gantt")
    shown = {str(y) for trace in gantt.figure.data for y in trace.y}
    assert shown == set(runs["job_id"])
    job_table = body.children[-1]
    assert job_table.id == "plan-job-table"
    assert len(job_table.children[1].data["rows"]) == len(meta["jobs"])  # every job, shown 20 per page
    assert f"1-{min(20, len(meta['jobs']))} of {len(meta['jobs'])}" in _text(job_table)


@pytest.mark.slow
def test_page_arrives_with_its_plan_drawn(data_dir: Path) -> None:
    """The page's layout already holds the URL's plan (no callback round trip before the first draw)."""
    page = plan_page.layout(data_dir, site=SITE, date=DATE)
    text = _text(page)
    assert "plan-gantt" in text and "kpi-total" in text
    assert f'"value": "{SITE}"' in text and f'"value": "{DATE}"' in text
    assert _text(plan_page.layout(data_dir)) == text  # no query: the newest plan of the first site
    assert "plan-gantt" not in _text(plan_page.layout())  # Dash's layout check: the frame only
    assert _text(plan_page.layout(data_dir, data_dir="/etc")) == text  # a URL cannot name the data folder


@pytest.mark.slow
def test_choices_follow_the_url_and_fall_back_to_the_newest(data_dir: Path) -> None:
    assert plan_page.site_choice(data_dir, SITE) == ([{"label": SITE, "value": SITE}], SITE)
    assert plan_page.site_choice(data_dir, "../etc")[1] == SITE
    assert plan_page.date_choice(data_dir, SITE, "1999-01-01")[1] == DATE
    assert plan_page.date_choice(data_dir, "../..", None) == ([], None)


@pytest.mark.slow
def test_download_sends_the_file_and_refuses_traversal(data_dir: Path) -> None:
    sent = plan_page.download(data_dir, SITE, DATE, "steps.csv")
    assert sent is not None
    assert base64.b64decode(sent["content"]) == (data_dir / "plans" / SITE / DATE / "steps.csv").read_bytes()
    assert plan_page.download(data_dir, "..", "..", "steps.csv") is None
    assert plan_page.download(data_dir, SITE, DATE, "../../runs.sqlite") is None
    folder = data_dir / "plans" / SITE / DATE
    assert '<script src="../../../assets/plotly-' in (folder / "report.html").read_text()  # shared, issue 13
    report = plan_page.download(data_dir, SITE, DATE, "report.html")
    assert report is not None and report["filename"] == f"{SITE}-{DATE}-report.html"
    assert "<script src=" not in report["content"] and len(report["content"]) > 4_000_000  # opens alone


def _drop_column(path: Path) -> None:
    """Remove a required column from a CSV."""
    pd.read_csv(path).drop(columns=["grid_import_kw"]).to_csv(path, index=False)


def _tamper_cost(path: Path) -> None:
    """Change the stated energy cost so it no longer follows from steps.csv."""
    meta = json.loads(path.read_text())
    meta["objective"]["energy_cost"] += 1000.0
    path.write_text(json.dumps(meta))


@pytest.mark.slow
@pytest.mark.parametrize("damage, file, words", [
    (lambda f: (f / "plan.json").write_text((f / "plan.json").read_text()[:200]), "plan.json", "JSON"),
    (lambda f: (f / "steps.csv").unlink(), "steps.csv", "missing file"),
    (lambda f: (f / "jobs.csv").write_bytes(b""), "jobs.csv", "empty file"),
    (lambda f: _drop_column(f / "steps.csv"), "steps.csv", "grid_import_kw"),
    (lambda f: _tamper_cost(f / "plan.json"), "plan.json", "objective.energy_cost"),
])
def test_corrupt_or_half_written_plan_is_an_error_card(data_dir: Path, tmp_path: Path, damage: Any, file: str,
                                                      words: str) -> None:
    root, folder = _copy(data_dir, tmp_path)
    damage(folder)
    body = plan_page.plan_body(root, SITE, DATE)
    assert "error-card" in body.className
    message = body.children[1].children
    assert file in message and words in message


@pytest.mark.slow
def test_whatif_with_a_carbon_price_cuts_carbon(data_dir: Path) -> None:
    saved = data.load_plan(data_dir, SITE, DATE)
    assert replan.controls_of(saved) == {"carbon_price": 73.0, "setpoints": [18.0, 27.0], "battery": True}
    steps: list[int] = []
    result = replan.replan(saved, replan.WhatIf(1000, 18, 27, True, 0),
                           progress=lambda stage, _text: steps.append(stage))
    assert steps == [1, 2, 3, 4]
    rows = {r.key: r for r in replan.kpi_differences(saved, result)}
    assert rows["carbon_price"].new == "1000 CNY/t"
    assert result.meta["kpis"]["carbon_kg"] < saved.meta["kpis"]["carbon_kg"]  # pricing carbon cuts it
    assert rows["carbon_kg"].css == "diff-down" and rows["carbon_kg"].diff.startswith("-")
    assert "whatif-diff" in _text(whatif.comparison(saved, result))


def _older(saved: data.PlanData) -> data.PlanData:
    """The saved plan as an older greendc wrote it: no inputs/ recorded in plan.json."""
    return dataclasses.replace(saved, meta={k: v for k, v in saved.meta.items() if k != "input_files"})


@pytest.mark.slow
def test_whatif_refuses_a_queue_from_outside_the_data_folder(data_dir: Path) -> None:
    """A folder without inputs/ whose queue or weather came from elsewhere: refused, saying which."""
    saved = _older(data.load_plan(data_dir, SITE, DATE))
    meta = {**saved.meta, "inputs": {**saved.meta["inputs"], "jobs": "0" * 64}}
    with pytest.raises(ValueError, match="job queue"):
        replan.saved_jobs(dataclasses.replace(saved, meta=meta), load_site(SITE), 24.0)
    meta = {**saved.meta, "inputs": {**saved.meta["inputs"], "weather": "f" * 64}}
    body = whatif.run_whatif_plan(dataclasses.replace(saved, meta=meta), replan.WhatIf(100, 18, 27, True, 0))
    assert "error-card" in body.className and "weather file" in _text(body)


@pytest.mark.slow
def test_whatif_on_a_folder_without_inputs_rebuilds_them(data_dir: Path) -> None:
    """An older folder of the synthetic year and sample queue is re-planned as before: same optimum."""
    saved = _older(data.load_plan(data_dir, SITE, DATE))
    kept = replan.read_saved_inputs(saved.folder, data.load_plan(data_dir, SITE, DATE).meta)
    rebuilt = replan.rebuilt_inputs(saved, replan.settings_of(saved.meta))
    assert kept is not None and rebuilt.jobs == kept.jobs
    np.testing.assert_allclose(rebuilt.profile["cooling_kw_per_kw"], kept.profile["cooling_kw_per_kw"])


def test_profile_of_fewer_levels_is_the_profile_of_the_site_with_fewer_levels() -> None:
    """Slicing the saved profile to the what-if's setpoint levels equals computing it for that site."""
    from greendc.sites.profile import site_profile

    site = load_site(SITE)
    variant = replan.site_variant(site, replan.WhatIf(0, 20, 26, True, 0))
    start, end = pd.Timestamp("2026-07-15"), pd.Timestamp("2026-07-15 06:00")
    full = site_profile(site, None, start, end, 60)
    sliced = replan.profile_variant(full, variant.cooling.setpoint_levels_c)
    direct = site_profile(variant, None, start, end, 60)
    assert list(sliced["setpoint_c"].values) == [21.0, 24.0]
    xr.testing.assert_allclose(sliced, direct)


USER_SITE = "testsite"
USER_DATE = "2026-12-01"


@pytest.fixture(scope="module")
def user_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A plan made by the real `greendc plan` from a user's site file, jobs CSV and weather file."""
    from greendc.sites.profile import default_weather
    from greendc.weather.readers import write_netcdf

    from greendc.cli import main

    tmp = tmp_path_factory.mktemp("user")
    tests = DATA
    site_file = tests / "sites" / "good.toml"
    weather = write_netcdf(default_weather(load_site(site_file), year=2026, seed=5), tmp / "forecast.nc")
    root = tmp / "greendc-data"
    code = main(["plan", "--site", str(site_file), "--date", USER_DATE, "--jobs",
                 str(tests / "jobs" / "good.csv"), "--weather", str(weather), "--time-limit", "20",
                 "--out", str(root / "plans" / USER_SITE / USER_DATE)])
    assert code == 0
    weather.unlink()  # the what-if must not need anything outside the data folder
    return root


@pytest.mark.slow
def test_whatif_replans_a_plan_of_a_users_files(user_data_dir: Path) -> None:
    """A user's queue, weather and site file: kept in inputs/, re-planned through the What-if callback."""
    saved = data.load_plan(user_data_dir, USER_SITE, USER_DATE)
    assert len(saved.meta["inputs"]["weather"]) == 64 and len(saved.meta["inputs"]["jobs"]) == 64
    kept = replan.read_saved_inputs(saved.folder, saved.meta)
    assert kept is not None and [j.job_id for j in kept.jobs] == ["train-a", "train-b", "finetune-c"]
    # the kept profile is the one planned on: the weather file's temperatures, the plan's prices
    np.testing.assert_allclose(kept.profile["temp_air_c"], saved.steps["temp_air_c"])
    np.testing.assert_allclose(kept.profile["price_per_kwh"], saved.steps["price_per_kwh"])
    start = replan.controls_of(saved)
    unchanged = replan.WhatIf(start["carbon_price"], *start["setpoints"], start["battery"], 0)
    total = replan.replan(saved, unchanged).meta["objective"]["total"]
    assert total == pytest.approx(saved.meta["objective"]["total"], rel=2 * saved.meta["settings"]["rel_gap"])
    body = whatif.run_whatif(user_data_dir, USER_SITE, USER_DATE, 1000, start["setpoints"],
                             ["on"] if start["battery"] else [], 2)
    text = _text(body)
    assert "error-card" not in text and "whatif-diff" in text and "1000 CNY/t" in text


@pytest.mark.slow
def test_a_plan_replaced_after_it_was_shown_is_read_again(data_dir: Path, tmp_path: Path) -> None:
    root, folder = _copy(data_dir, tmp_path)
    assert "plan-gantt" in _text(plan_page.plan_body(root, SITE, DATE))
    before = data.plan_stamp(root, SITE, DATE)
    (folder / "jobs.csv").write_bytes(b"")  # the folder goes bad after the page was rendered once
    assert data.plan_stamp(root, SITE, DATE) != before
    assert "error-card" in plan_page.plan_body(root, SITE, DATE).className
