"""The one plan service: settings checked once naming their option, plan.json through one model, and the
CLI, the nightly, What-if and the rolling year all planning through it (one problem object, one write)."""

from __future__ import annotations

import dataclasses
import json
import math
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from greendc.optimizer.day import baseline, pareto, plan, service
from greendc.optimizer.io import planfolder
from greendc.optimizer.io.planjson import PlanMeta, parse_plan_meta
from greendc.optimizer.types import SETTING_FLAGS, PlanSettings
from greendc.weather.errors import InputError
from locations import DATA
from plan_cases import T0, job, tiny_profile, tiny_site

SITE = str(DATA / "sites" / "good.toml")
JOBS = DATA / "jobs" / "good.csv"


@pytest.mark.parametrize(("field", "value"), [
    ("step_minutes", 7), ("horizon_h", 0.0), ("horizon_h", 169.0), ("horizon_h", math.nan),
    ("carbon_price_per_t", -1.0), ("carbon_price_per_t", math.inf), ("time_limit_s", 0.0),
    ("time_limit_s", math.inf), ("rel_gap", 1.0), ("rel_gap", -0.1), ("checkpoint_overhead_h", -1.0),
    ("default_penalty_per_h_late", -5.0), ("late_window_h", 200.0),
])
def test_settings_refuse_each_out_of_range_field_naming_its_option(field: str, value: float) -> None:
    with pytest.raises(InputError) as caught:
        PlanSettings(**{field: value})
    assert caught.value.key == SETTING_FLAGS[field] and "\n" not in str(caught.value)


def test_settings_are_checked_on_replace_and_cross_field() -> None:
    """dataclasses.replace checks again; the horizon must hold whole steps; values are frozen."""
    with pytest.raises(InputError, match="--gap"):
        dataclasses.replace(PlanSettings(), rel_gap=2.0)
    with pytest.raises(InputError, match="--horizon-h: must be a whole number of 60-minute steps"):
        PlanSettings(step_minutes=60, horizon_h=1.5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        PlanSettings().rel_gap = 0.5  # type: ignore[misc]


def _plans() -> tuple[Any, Any, Any, Any]:
    """A tiny solved day: site, profile, plan and baseline."""
    site = tiny_site()
    profile = tiny_profile([1.0, 3.0, 2.0, 1.0], firm_kw=10.0)
    jobs = [job("a", hours=2.0)]
    day = service.solve_day(profile, site, jobs, PlanSettings(step_minutes=60, horizon_h=4.0))
    return site, profile, day.plan, day.baseline


def test_plan_json_round_trips_through_its_model(tmp_path: Path) -> None:
    """Written from PlanMeta, read back through it: same model, same JSON; a bad key is one InputError."""
    site, profile, made, base = _plans()
    meta = planfolder.plan_metadata(plan=made, baseline=base, site=site, profile=profile,
                                    settings=PlanSettings(step_minutes=60, horizon_h=4.0),
                                    inputs={"jobs": "x"}, plan_date=T0.date().isoformat())
    folder = planfolder.write_folder(tmp_path / "p", meta.to_json(), made.steps, made.runs)
    read = planfolder.read_plan_folder(folder)
    assert read.info == meta and read.meta == meta.to_json()
    assert json.loads((folder / "plan.json").read_text()) == meta.to_json()
    assert "input_files" not in read.meta and set(read.meta["solver"]) >= {"build_s", "solve_s"}
    stripped = meta.without_run_times().to_json()
    assert parse_plan_meta(stripped).solver.build_s is None and "build_s" not in stripped["solver"]
    with pytest.raises(InputError, match=r"settings\.rel_gap"):
        parse_plan_meta({**meta.to_json(), "settings": {**meta.to_json()["settings"], "rel_gap": 3}})
    with pytest.raises(InputError, match="solver"):
        parse_plan_meta({**meta.to_json(), "solver": {"status": "optimal"}})


def test_one_problem_object_for_baseline_plan_and_pareto_points(monkeypatch: pytest.MonkeyPatch) -> None:
    """solve_day builds ModelData once; the baseline and each Pareto point share it."""
    calls: list[int] = []
    real = service.model_data

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    for module in (service, baseline, plan, pareto):
        monkeypatch.setattr(module, "model_data", counted)
    site = tiny_site()
    day = service.solve_day(tiny_profile([1.0, 3.0, 2.0, 1.0]), site, [job("a", hours=2.0)],
                            PlanSettings(step_minutes=60, horizon_h=4.0), pareto=3)
    assert len(calls) == 1 and len(day.front) == 3 and [p.rank for p in day.front] == [0, 1, 2]


def test_a_dearer_incumbent_falls_back_to_the_baseline_with_its_reason() -> None:
    """A time-limited incumbent dearer than today's practice: the guard keeps today's practice,
    flagged as a fallback, and records the rejected objective."""
    _site, _profile, made, base = _plans()
    dear = dataclasses.replace(made, objective={**made.objective, "total": base.objective["total"] + 10},
                               solver=dataclasses.replace(made.solver, status="time_limit", gap=0.2))
    kept = service.no_worse_than_baseline(dear, base)
    assert kept.kind == "fallback" and kept.solver.fallback and kept.rejected_objective == dear.objective
    assert "today's practice kept" in kept.solver.fallback_reason and kept.objective == base.objective


def test_a_dearer_proven_optimum_keeps_the_baseline_without_calling_it_a_fallback() -> None:
    """Today's practice is not bound by the step grid, so a proven optimum can cost a little more:
    today's practice is kept as kind "baseline", the solver's status stays, a warning says why."""
    _site, _profile, made, base = _plans()
    assert made.solver.status == "optimal"
    dear = dataclasses.replace(made, objective={**made.objective, "total": base.objective["total"] + 4})
    kept = service.no_worse_than_baseline(dear, base)
    assert kept.kind == "baseline" and not kept.solver.fallback and kept.solver.status == "optimal"
    assert kept.objective == base.objective and kept.rejected_objective == dear.objective
    assert any("costs less than the best plan on the step grid" in w for w in kept.warnings)


def _spy(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[Any]:
    """Record each call of ``module.name`` (still calling it)."""
    calls: list[Any] = []
    real = getattr(module, name)

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append((args, kwargs))
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, spy)
    return calls


def test_the_nightly_writes_each_plan_folder_once_with_its_exports(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from greendc.fleet import SiteTask
    from greendc.workflows import nightly_site

    writes = _spy(monkeypatch, service, "write_folder")
    monkeypatch.setattr(planfolder, "write_folder", lambda *_a, **_k: pytest.fail("a second write"))
    task = SiteTask(ref=SITE, label="testsite", plan_date="2026-12-01", jobs=str(JOBS), jobs_format="csv",
                    weather=None, weather_fallback="synthetic", seed=None, time_limit_s=20.0,
                    wall_limit_s=60.0, step_minutes=60, horizon_h=24.0, carbon_price_per_t=0.0, rel_gap=1e-3,
                    output_root=str(tmp_path))
    out = tmp_path / "plan"
    facts = nightly_site.plan_site_task(task, out, heuristic_only=True)
    assert len(writes) == 1 and facts["fallback"] and facts["build_s"] is not None
    assert sorted(p.name for p in out.iterdir()) == ["inputs", "jobs.csv", "plan.json", "report.html",
                                                     "setpoints.csv", "steps.csv"]
    solver = json.loads((out / "plan.json").read_text())["solver"]
    assert "build_s" not in solver and "solve_s" not in solver  # equal inputs, equal bytes


def test_cli_whatif_and_rolling_plan_through_the_service(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from greendc.dashboard import data, replan
    from greendc.optimizer.study import rolling

    from greendc.cli import main
    from greendc.workflows import plan as workflow

    assert workflow.plan_site_day is service.plan_site_day and replan.solve_day is service.solve_day
    folders = _spy(monkeypatch, workflow, "plan_site_day")
    days = _spy(monkeypatch, service, "solve_day")
    out = tmp_path / "greendc-data" / "plans" / "testsite" / "2026-12-01"
    assert main(["plan", "--site", SITE, "--date", "2026-12-01", "--jobs", str(JOBS), "--step-min", "60",
                 "--time-limit", "20", "--out", str(out)]) == 0
    assert len(folders) == 1 and len(days) == 1
    monkeypatch.setattr(replan, "solve_day", service.solve_day)
    saved = data.load_plan(tmp_path / "greendc-data", "testsite", "2026-12-01")
    assert saved.info is not None and saved.info.site.id == "testsite"
    start = replan.controls_of(saved)
    unchanged = replan.WhatIf(start["carbon_price"], *start["setpoints"], start["battery"], 0)
    result = replan.replan(saved, unchanged)
    assert len(days) == 2 and PlanMeta.model_validate(result.meta).objective["total"] is not None
    solves = _spy(monkeypatch, service, "make_plan")
    site = tiny_site()
    made = rolling.plan_day(tiny_profile([1.0, 2.0]), site, [], PlanSettings(step_minutes=60, horizon_h=2.0),
                            rolling.plan_hook(0.0, 0.0, None))
    assert len(solves) == 1 and solves[0][1]["verify"] is False and made.kind == "optimised"
    assert date.fromisoformat(saved.info.plan_date) == date(2026, 12, 1)
