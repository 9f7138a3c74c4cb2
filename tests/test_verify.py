"""Tests of optimizer.day.verify: a sound plan passes; each kind of broken plan is caught and named."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from greendc.optimizer.day.plan import make_plan
from greendc.optimizer.day.verify import PlanVerificationError, verify_plan
from greendc.optimizer.types import Plan, PlanSettings
from plan_cases import job, tiny_profile, tiny_site

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
