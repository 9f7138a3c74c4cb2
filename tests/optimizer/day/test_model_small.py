"""Hand-worked optima of tiny planning problems, and bad-input handling (optimizer.day.plan / .model)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from greendc.optimizer.day.plan import make_plan
from greendc.optimizer.types import PlanSettings
from plan_cases import job, tiny_profile, tiny_site

EXACT = PlanSettings(rel_gap=1e-9, time_limit_s=20.0, step_minutes=60, horizon_h=4.0)


def test_two_jobs_four_steps_two_prices() -> None:
    # One node of 10 kW; prices 1, 2, 1, 2 per kWh; a 2 h preemptible job and a 1 h block.
    # Three node-hours must run in four one-node steps: the two cheap steps and one dear one:
    # 10 kW x (1 + 1 + 2) = 40.
    site = tiny_site(nodes=1)
    profile = tiny_profile([1.0, 2.0, 1.0, 2.0])
    plan = make_plan(profile, site, [job("a", hours=2.0), job("b", hours=1.0, preemptible=False)], EXACT)
    assert plan.objective["energy_cost"] == pytest.approx(40.0)
    assert plan.objective["total"] == pytest.approx(40.0)
    assert plan.steps["busy_nodes"].tolist() == pytest.approx([1.0, 1.0, 1.0, 0.0]) or plan.steps[
        "busy_nodes"
    ].tolist() == pytest.approx([1.0, 0.0, 1.0, 1.0])
    assert set(plan.job_status["status"]) == {"on_time"}
    assert (plan.runs["job_id"] == "b").sum() == 1  # the block runs once, contiguously


def test_cheap_steps_chosen_when_capacity_allows() -> None:
    # Two nodes: both jobs fit in the two cheap steps: 10 kW x 3 h x 1 = 30.
    plan = make_plan(
        tiny_profile([1.0, 2.0, 1.0, 2.0]),
        tiny_site(nodes=2),
        [job("a", hours=2.0), job("b", hours=1.0, preemptible=False)],
        EXACT,
    )
    assert plan.objective["total"] == pytest.approx(30.0)


def test_setpoint_choice_under_rate_limit() -> None:
    # 100 kW firm load for 2 h at price 1. Cooling kW/kW: level 0 [0.3, 0.1], level 1 [0.1, 0.25].
    # 18 -> 27 deg C is 9 K, above the 5 K/h limit, so one level for both hours: level 1 costs
    # 100 x (2 + 0.35) = 235 (level 0 would cost 240; switching, 220, is not allowed).
    cooling = np.array([[0.3, 0.1], [0.1, 0.25]])
    site = tiny_site(firm_kw=100.0, levels=(18.0, 27.0))
    profile = tiny_profile([1.0, 1.0], cooling=cooling, levels=(18.0, 27.0), firm_kw=100.0)
    plan = make_plan(profile, site, [], EXACT)
    assert plan.objective["total"] == pytest.approx(235.0)
    assert plan.steps["setpoint_c"].tolist() == [27.0, 27.0]


def test_setpoint_switches_when_rate_allows() -> None:
    # Same loads with levels 18 and 21 deg C (3 K apart): switching pays, 100 x (2 + 0.1 + 0.1) = 220.
    cooling = np.array([[0.3, 0.1], [0.1, 0.25]])
    site = tiny_site(firm_kw=100.0, levels=(18.0, 21.0))
    profile = tiny_profile([1.0, 1.0], cooling=cooling, levels=(18.0, 21.0), firm_kw=100.0)
    plan = make_plan(profile, site, [], EXACT)
    assert plan.objective["total"] == pytest.approx(220.0)
    assert plan.steps["setpoint_c"].tolist() == [21.0, 18.0]


def test_battery_arbitrage() -> None:
    # 100 kW load, prices 1 then 3. Battery 100 kWh, 50 kW, 90 % each way, starts at 50 kWh and must
    # end there: charge 50 kW (stores 45 kWh), discharge 45 x 0.9 = 40.5 kW.
    # Cost 150 x 1 + (100 - 40.5) x 3 = 328.5 (400 without the battery).
    battery = {
        "energy_kwh": 100.0,
        "power_kw": 50.0,
        "charge_efficiency": 0.9,
        "discharge_efficiency": 0.9,
        "initial_soc_frac": 0.5,
        "min_soc_frac": 0.0,
    }
    site = tiny_site(firm_kw=100.0, battery=battery)
    plan = make_plan(tiny_profile([1.0, 3.0], firm_kw=100.0), site, [], EXACT)
    assert plan.objective["total"] == pytest.approx(328.5)
    assert plan.steps["battery_soc_kwh"].tolist() == pytest.approx([95.0, 50.0])


def test_demand_charge_flattens_the_peak() -> None:
    # Two 1-node 1 h jobs, flat price, 30-day month charge 30 per kW-month -> 1 per kW for a 24 h day;
    # here the horizon is 2 h (share 2/720): running them in different hours halves the peak.
    site = tiny_site(nodes=2, demand_per_kw_month=720.0)
    profile = tiny_profile([1.0, 1.0], demand_per_kw_month=720.0)
    plan = make_plan(
        profile, site, [job("a", deadline_h=2.0), job("b", deadline_h=2.0, preemptible=False)], EXACT
    )
    assert plan.steps["grid_import_kw"].max() == pytest.approx(10.0)
    assert plan.objective["demand_charge"] == pytest.approx(2.0 * 10.0)  # 720 x 2/720 x 10 kW


def test_bad_jobs_reported_rest_planned() -> None:
    # A job wider than the site is not run; one longer than its window runs late with the reason.
    site = tiny_site(nodes=2)
    jobs = [
        job("wide", nodes=3),
        job("long", hours=3.0, deadline_h=2.0, preemptible=False, penalty=100.0),
        job("ok", hours=1.0),
    ]
    plan = make_plan(tiny_profile([1.0, 1.0, 1.0, 1.0]), site, jobs, EXACT)
    status = plan.job_status.set_index("job_id")
    assert status.loc["wide", "status"] == "not_run" and "3 nodes" in status.loc["wide", "reason"]
    assert status.loc["long", "status"] == "late" and "longer than its window" in status.loc["long", "reason"]
    assert status.loc["long", "lateness_h"] == pytest.approx(1.0)  # starts at 0, ends at 3, deadline 2
    assert status.loc["ok", "status"] == "on_time"
    assert plan.objective["lateness_penalty"] == pytest.approx(100.0)


def test_empty_queue_is_firm_load_only() -> None:
    site = tiny_site(nodes=4, idle_kw=1.0, firm_kw=50.0)
    plan = make_plan(tiny_profile([1.0, 2.0], firm_kw=50.0), site, [], EXACT)
    assert plan.steps["it_kw"].tolist() == pytest.approx([54.0, 54.0])  # firm + 4 idle nodes
    assert plan.objective["total"] == pytest.approx(54.0 * 3.0)
    assert plan.runs.empty and plan.job_status.empty


@pytest.mark.parametrize(("two_meters", "total"), [(False, -10.0), (True, -15.0)])
def test_export_rule_one_or_two_meters(two_meters: bool, total: float) -> None:
    # 10 kW load, 15 kW PV, export pays 2 > import price 1, export limit 10 kW, one hour.
    # One meter: export only the 5 kW surplus, import nothing: -5 x 2 = -10.
    # Two meters: the PV meter exports 10 kW, the site imports 5 kW: 5 x 1 - 10 x 2 = -15.
    site = tiny_site(firm_kw=10.0, export_limit_kw=10.0)
    profile = tiny_profile([1.0], firm_kw=10.0, pv_kw=[15.0], export_price=[2.0], export_limit_kw=10.0)
    plan = make_plan(profile, site, [], replace(EXACT, simultaneous_import_export=two_meters))
    assert plan.objective["total"] == pytest.approx(total)
    step = plan.steps.iloc[0]
    both_kw = min(step["grid_import_kw"], step["grid_export_kw"])
    assert both_kw == pytest.approx(5.0 if two_meters else 0.0)


def test_work_the_late_window_cuts_off_is_re_planned_with_full_windows() -> None:
    # One 10 kW node, 12 one-hour steps at price 1, every deadline at 4 h: two 4 h blocks and a 3 h
    # preemptible job need 11 node-hours. A 2 h late window holds only steps 0-5 (blocks: 4 + 2), so
    # 5 h would be left unplanned; the re-plan with full windows runs everything by hour 11:
    # energy 10 kW x 11 h x 1 = 110, and lateness as the full-window plan has it.
    site = tiny_site(nodes=1)
    profile = tiny_profile([1.0] * 12)
    queue = [
        job("a", hours=4.0, deadline_h=4.0, preemptible=False, penalty=10.0),
        job("b", hours=4.0, deadline_h=4.0, preemptible=False, penalty=10.0),
        job("c", hours=3.0, deadline_h=4.0, penalty=10.0),
    ]
    settings = replace(EXACT, horizon_h=12.0)
    windowed = make_plan(profile, site, queue, replace(settings, late_window_h=2.0))
    full = make_plan(profile, site, queue, replace(settings, late_window_h=None))
    assert windowed.objective["energy_cost"] == pytest.approx(110.0)
    assert windowed.objective["total"] == pytest.approx(full.objective["total"])
    assert "not_run" not in set(windowed.job_status["status"])
    assert any("re-planned with full windows" in w for w in windowed.warnings)


@pytest.mark.parametrize(
    ("overhead_h", "cost", "pieces"),
    [
        (0.0, 20.0, 2),  # run in both cheap steps: 10 kW x (1 + 1)
        # a resume needs 2.5 h, a third whole step: one run of two steps is cheaper, 10 x (1 + 9)
        (0.5, 100.0, 1),
        (1.0, 100.0, 1),  # a resume would cost 10 x (1 + 1 + 1 x 9) = 110: run two steps in a row
    ],
)
def test_checkpoint_overhead_is_charged_per_resume(overhead_h: float, cost: float, pieces: int) -> None:
    # One 10 kW node, prices 1, 9, 1, 9; a 2 h preemptible job may use any of the four steps.
    plan = make_plan(
        tiny_profile([1.0, 9.0, 1.0, 9.0]),
        tiny_site(nodes=1),
        [job("a", hours=2.0, penalty=1e4)],
        replace(EXACT, checkpoint_overhead_h=overhead_h),
    )
    assert plan.objective["total"] == pytest.approx(cost)
    assert len(plan.runs) == pieces
    assert plan.job_status.loc[0, "status"] == "on_time"
    assert plan.warnings == []
