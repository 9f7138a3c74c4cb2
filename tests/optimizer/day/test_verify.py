"""Tests of optimizer.day.verify: a sound plan passes; each kind of broken plan is caught and named, a
step-mapping bug in the model included (the verifier places job times on the steps itself)."""

from __future__ import annotations

import ast
import copy
import inspect

import greendc.optimizer.day.model.data as model_data_module
import greendc.optimizer.day.verify as verify
import greendc.optimizer.day.verify_facts as verify_facts
import numpy as np
import pandas as pd
import pytest
from greendc.optimizer.day.plan import make_plan
from greendc.optimizer.day.verify import PlanVerificationError, verify_plan
from greendc.optimizer.types import Plan, PlanSettings
from plan_cases import T0_UTC, job, tiny_profile, tiny_site

SETTINGS = PlanSettings(rel_gap=1e-9, step_minutes=60, horizon_h=4)
BATTERY = {"energy_kwh": 100.0, "power_kw": 50.0, "initial_soc_frac": 0.5, "min_soc_frac": 0.0}
SITE = tiny_site(nodes=2, firm_kw=20.0, levels=(18.0, 27.0), battery=BATTERY)
PROFILE = tiny_profile(
    [1.0, 3.0, 1.0, 3.0], firm_kw=20.0, levels=(18.0, 27.0), cooling=np.array([[0.3, 0.2]] * 4)
)
JOBS = [job("a", hours=2.0), job("b", hours=1.0, preemptible=False, deadline_h=2.0)]


@pytest.fixture(scope="module")
def plan() -> Plan:
    return make_plan(PROFILE, SITE, JOBS, SETTINGS)


def _broken(plan: Plan, change: str) -> Plan:
    bad = copy.deepcopy(plan)
    steps = bad.steps
    if change == "import":
        steps.loc[1, "grid_import_kw"] += 5.0
    elif change == "setpoint":
        steps["setpoint_c"] = [18.0, 27.0, 18.0, 27.0]
    elif change == "soc":
        steps.loc[2, "battery_soc_kwh"] += 3.0
    elif change == "objective":
        bad.objective["energy_cost"] += 1.0
    elif change == "status":
        bad.job_status = bad.job_status.iloc[1:]
    elif change == "runs":
        bad.runs.loc[bad.runs["job_id"] == "b", "nodes"] = 2
    return bad


def test_sound_plan_passes(plan: Plan) -> None:
    verify_plan(plan, PROFILE, SITE, JOBS, SETTINGS)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("import", "energy balance"),
        ("setpoint", "faster than 5 deg C per hour"),
        ("soc", "does not follow its flows"),
        ("objective", "objective energy_cost"),
        ("status", "every job"),
        ("runs", "node count"),
    ],
)
def test_broken_plans_are_caught(plan: Plan, change: str, message: str) -> None:
    with pytest.raises(PlanVerificationError, match=message):
        verify_plan(_broken(plan, change), PROFILE, SITE, JOBS, SETTINGS)


def test_the_verifier_does_not_import_the_model() -> None:
    # Independence: a step-mapping bug in the model's input stage must not be copied into the checker.
    for module in (verify, verify_facts):
        tree = ast.parse(inspect.getsource(module))
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        assert not [name for name in imported if name and ".day.model" in name], module.__name__


def _hourly(n: int = 4) -> verify_facts.Horizon:
    starts = pd.date_range(T0_UTC, periods=n, freq="h")
    return verify_facts.Horizon(starts, pd.Timedelta(hours=1))


@pytest.mark.parametrize(
    ("release_h", "step"),
    [(-3.0, 0), (0.0, 0), (1.0, 1), (1.25, 2), (3.5, 4), (9.0, 4)],
)
def test_a_release_maps_to_the_first_step_starting_at_or_after_it(release_h: float, step: int) -> None:
    assert _hourly().first_step_from(T0_UTC + pd.Timedelta(hours=release_h)) == step


def test_a_job_time_without_a_zone_is_the_sites_wall_clock() -> None:
    # 08:00 in Shanghai (UTC+8) is midnight UTC
    assert verify_facts.job_time_utc(pd.Timestamp("2026-06-01 08:00"), "Asia/Shanghai") == pd.Timestamp(
        "2026-06-01 00:00", tz="UTC"
    )


def test_the_setpoint_swing_is_the_largest_change_within_an_hour() -> None:
    # 15-minute steps: 18 -> 27 four steps apart is within an hour; five steps apart is not
    assert verify.setpoint_swing_c(np.array([18.0, 20.0, 20.0, 20.0, 27.0]), 4) == 9.0
    assert verify.setpoint_swing_c(np.array([18.0, 20.0, 20.0, 20.0, 20.0, 27.0]), 4) == 7.0


def test_a_model_that_maps_a_release_one_step_early_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    # The job is released at hour 1; hour 0 is the cheap one. A model whose release step is one early
    # runs the job at hour 0, and its own results agree with it: only an independent step mapping sees it.
    site = tiny_site(nodes=1)
    profile = tiny_profile([1.0, 3.0, 4.0, 4.0])
    queue = [job("late", hours=1.0, release_h=1.0)]
    settings = PlanSettings(rel_gap=1e-9, step_minutes=60, horizon_h=4)
    assert make_plan(profile, site, queue, settings).runs["start"].min() == T0_UTC + pd.Timedelta(hours=1)
    true_release_step = model_data_module.release_step
    monkeypatch.setattr(model_data_module, "release_step", lambda *args: max(0, true_release_step(*args) - 1))
    with pytest.raises(PlanVerificationError, match="late: runs before its release step"):
        make_plan(profile, site, queue, settings)
