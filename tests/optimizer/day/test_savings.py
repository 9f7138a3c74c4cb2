"""Issue 12: today's practice with its battery rule, the saving split lever by lever, honest lateness.

Hand-worked tiny cases (the battery rule, the decomposition, a split preemptible job's lateness), a
property test that the baseline's battery never costs more than leaving it idle, and (slow) every
catalogue site's plan for its sample queue reporting parts that add up to its saving.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from baseline_cases import DAY, job, tiny_profile, tiny_site
from greendc.optimizer.accounting import (
    bill,
    job_penalty_per_h,
    late_penalty_per_node_h,
    objective_terms,
    savings_breakdown,
)
from greendc.optimizer.day.baseline import baseline_plan
from greendc.optimizer.day.battery_rule import battery_rule
from greendc.optimizer.day.lateness import NODES_REASON, finish_late_h, honest_reasons
from greendc.optimizer.day.model.data import Battery, model_data
from greendc.optimizer.day.service import solve_day
from greendc.optimizer.day.verify import verify_plan
from greendc.optimizer.io.sample_queue import sample_queue
from greendc.optimizer.types import SAVINGS_COMPONENTS, ChainStep, PlanSettings
from greendc.sites.loader import builtin_ids, load_site
from greendc.sites.model import Battery as SiteBattery
from greendc.sites.profile import site_profile
from greendc.weather.errors import InputError
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

EXACT = PlanSettings(step_minutes=60, horizon_h=4.0, rel_gap=0.0, time_limit_s=30.0)


# --- the baseline's battery rule ---------------------------------------------------------------------

def test_battery_rule_hand_worked() -> None:
    """10 kWh / 10 kW, lossless, half full; 20 kW all day at prices 1, 2, 1, 2 (no demand charge).

    Valley: fill up (5 kW); peak: cover 10 kW; valley: fill (10 kW); peak: discharge only down to the
    starting 5 kWh (5 kW). 15 kWh move from price 1 to price 2: 15 saved against the idle battery.
    """
    battery = Battery(energy_kwh=10.0, power_kw=10.0, charge_eff=1.0, discharge_eff=1.0, soc0_kwh=5.0,
                      soc_min_kwh=0.0)
    rule = battery_rule(np.full(4, 20.0), np.array([1.0, 2.0, 1.0, 2.0]), np.zeros(4), battery, 1.0,
                        shave=False)
    np.testing.assert_allclose(rule.charge_kw, [5, 0, 10, 0])
    np.testing.assert_allclose(rule.discharge_kw, [0, 10, 0, 5])
    np.testing.assert_allclose(rule.soc_kwh, [10, 0, 10, 5])
    price = np.array([1.0, 2.0, 1.0, 2.0])
    assert float((price * (20 + rule.charge_kw - rule.discharge_kw)).sum()) == pytest.approx(120.0 - 15.0)


def test_battery_rule_shaves_the_peak() -> None:
    """A flat tariff with a demand charge: the battery holds the import under the shaving threshold.

    Net load 10, 30, 10, 10 kW; 20 kWh above the 5 % minimum at the start: the threshold is the
    lowest level whose excess fits, max(30 - 10 kW power, ...) = 20 kW, shaved at step 1.
    """
    battery = Battery(energy_kwh=40.0, power_kw=10.0, charge_eff=1.0, discharge_eff=1.0, soc0_kwh=20.0,
                      soc_min_kwh=2.0)
    rule = battery_rule(np.array([10.0, 30.0, 10.0, 10.0]), np.ones(4), np.zeros(4), battery, 1.0)
    np.testing.assert_allclose(rule.discharge_kw, [0, 10, 0, 0])
    assert rule.soc_kwh[-1] == pytest.approx(20.0)  # refilled (flat price: the first cheapest steps)
    assert (10 + rule.charge_kw - rule.discharge_kw + np.array([0, 20, 0, 0])).max() <= 20.0 + 1e-9


def _battery_site(energy_kwh: float, power_kw: float, eff: float, soc0: float):
    site = tiny_site()
    battery = SiteBattery(energy_kwh=energy_kwh, power_kw=power_kw, charge_efficiency=eff,
                          discharge_efficiency=eff, initial_soc_frac=soc0, min_soc_frac=min(0.05, soc0))
    return site.model_copy(update={"battery": battery})


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    price=st.lists(st.sampled_from([-0.1, 0.2, 0.3, 0.5, 0.8, 1.0, 1.5]), min_size=4, max_size=8),
    pv_scale=st.floats(0.0, 80.0),
    export_limit=st.sampled_from([0.0, 20.0, 100.0]),
    demand=st.sampled_from([0.0, 31.0, 300.0]),
    energy=st.floats(5.0, 200.0), power=st.floats(2.0, 60.0), eff=st.floats(0.8, 1.0),
    soc0=st.floats(0.0, 1.0), seed=st.integers(0, 1000),
)
def test_the_battery_rule_never_costs_more_than_an_idle_battery(
    price: list[float], pv_scale: float, export_limit: float, demand: float, energy: float, power: float,
    eff: float, soc0: float, seed: int,
) -> None:
    """Today's practice with its battery never costs more than the same practice with the battery idle,
    keeps the battery's physics (bounds, dynamics, end charge, no stored energy exported) and passes
    the verifier."""
    rng = np.random.default_rng(seed)
    n = len(price)
    site = _battery_site(energy, power, eff, soc0)
    pv = tuple(float(v) for v in pv_scale * rng.random(n))
    profile = tiny_profile(site, pv_kw=pv, price=tuple(price), export_limit_kw=export_limit,
                           demand_charge_per_kw_month=demand)
    jobs = [job("a", 2, 1.0 + float(rng.integers(0, 2)), 0, n, False), job("b", 3, 1.0, 1, n, True)]
    settings = PlanSettings(step_minutes=60, horizon_h=float(n), default_penalty_per_h_late=10.0)
    ruled = baseline_plan(profile, site, jobs, settings)
    idle = baseline_plan(profile, site, jobs, settings, battery="idle")
    assert ruled.objective["total"] <= idle.objective["total"] + 1e-6
    steps = ruled.steps
    assert not ((steps["battery_charge_kw"] > 1e-9) & (steps["battery_discharge_kw"] > 1e-9)).any()
    net = steps["facility_kw"] - steps["pv_kw"] - steps["wind_kw"]
    assert (steps["battery_discharge_kw"] <= net.clip(lower=0.0) + 1e-6).all()  # stored energy not exported
    verify_plan(ruled, profile, site, jobs, settings, strict_limits=False)


# --- the saving split lever by lever ----------------------------------------------------------------

def test_breakdown_of_a_hand_made_chain_sums_to_the_total() -> None:
    """Four plans' terms by hand: each lever's energy, demand, export and carbon as wholes, lateness out."""
    def obj(energy: float, demand: float, export: float, carbon: float, late: float) -> dict[str, float]:
        terms = {"energy_cost": energy, "demand_charge": demand, "export_revenue": export,
                 "carbon_cost": carbon, "lateness_penalty": late}
        return {**terms, "total": energy + demand - export + carbon + late}

    chain = [ChainStep("baseline", obj(100, 20, 5, 8, 50), "baseline"),
             ChainStep("battery", obj(96, 15, 6, 7, 50), "optimal"),
             ChainStep("setpoints", obj(90, 15, 6, 6, 50), "optimal"),
             ChainStep("job_timing", obj(80, 10, 4, 5, 0), "plan")]
    out = savings_breakdown(chain)
    assert out.components == pytest.approx({"battery": 4.0, "setpoints": 6.0, "job_timing": 10.0,
                                            "demand_charge": 10.0, "export": -1.0, "carbon_cost": 3.0})
    assert tuple(out.components) == SAVINGS_COMPONENTS
    assert out.total == pytest.approx(123.0 - 91.0) == pytest.approx(sum(out.components.values()))


def test_hand_worked_tiny_day_splits_into_setpoints_timing_and_demand() -> None:
    """The four-step site (docs: test_baseline.tiny_profile), one 2-node 1 h job released at 00:00.

    Today: the job at 00:00, 18 deg C (facility 1.2 x IT): import 40.8, 0, 21.6, 21.6 kW, energy 127.2.
    + setpoints (24 deg C, 1.1 x IT): 37.4, 0, 19.8, 19.8, energy 116.6: 10.6 saved.
    + job timing (into the PV hour 01:00): 19.8, 0, 19.8, 19.8, energy 99.0: 17.6 saved.
    Demand charge: 31 x 4/744 x (40.8 - 19.8) = 3.5. Total 31.7; no battery, no export, no carbon price.
    """
    site = tiny_site()
    jobs = [job("a", 2, 1.0, 0, 4, False)]
    day = solve_day(tiny_profile(site), site, jobs, EXACT)
    parts = day.savings
    assert parts is not None
    assert [c.lever for c in parts.chain] == ["baseline", "setpoints", "job_timing"]
    assert parts.components == pytest.approx({"battery": 0.0, "setpoints": 10.6, "job_timing": 17.6,
                                              "demand_charge": 3.5, "export": 0.0, "carbon_cost": 0.0},
                                             abs=1e-6)
    assert parts.total == pytest.approx(31.7) == pytest.approx(sum(parts.components.values()))
    assert parts.total == pytest.approx(bill(day.baseline.objective) - bill(day.plan.objective))


def test_lateness_is_never_a_saving() -> None:
    """A baseline that finishes a job late pays a penalty the plan avoids; the headline leaves it out."""
    site = tiny_site()
    jobs = [job("first", 4, 2.0, 0, 2, False), job("waits", 2, 1.0, 0, 1, True)]
    settings = replace(EXACT, default_penalty_per_h_late=100.0)
    day = solve_day(tiny_profile(site), site, jobs, settings)
    assert day.baseline.objective["lateness_penalty"] > 0
    parts = day.savings
    assert parts is not None
    late_gain = day.baseline.objective["lateness_penalty"] - day.plan.objective["lateness_penalty"]
    with_lateness = day.baseline.objective["total"] - day.plan.objective["total"]
    assert parts.total == pytest.approx(with_lateness - late_gain)
    assert sum(parts.components.values()) == pytest.approx(parts.total)


# --- lateness in the site's own terms ----------------------------------------------------------------

def test_penalty_is_the_sites_value_of_a_node_hour() -> None:
    """Default: 8 GPUs x 18 CNY = 144 CNY per node-hour; a job's rate is that times its nodes; a
    site setting, a job's own rate and the settings' override win in that order."""
    site = tiny_site()
    assert site.site.currency == "CNY" and late_penalty_per_node_h(site) == pytest.approx(144.0)
    wide = job("w", 4, 1.0, 0, 2, False)
    assert job_penalty_per_h(wide, site, PlanSettings()) == pytest.approx(4 * 144.0)
    own = tiny_site(late_penalty_per_node_h=50.0)
    assert job_penalty_per_h(wide, own, PlanSettings()) == pytest.approx(200.0)
    assert job_penalty_per_h(replace(wide, penalty_per_h_late=7.0), own, PlanSettings()) == 7.0
    assert job_penalty_per_h(wide, own, PlanSettings(default_penalty_per_h_late=9.0)) == 9.0
    usd = site.model_copy(update={"site": site.site.model_copy(update={"currency": "USD"})})
    assert late_penalty_per_node_h(usd) == pytest.approx(20.0)
    odd = site.model_copy(update={"site": site.site.model_copy(update={"currency": "XYZ"})})
    with pytest.raises(InputError, match="late_penalty_per_node_h"):
        late_penalty_per_node_h(odd)


def test_a_split_preemptible_job_is_as_late_as_its_last_run() -> None:
    """Deadline 02:00 at hourly steps (d = 2): runs in steps 0 and 3 end at 04:00, 2 h late, although
    only one hour of work runs after the deadline."""
    assert finish_late_h(np.array([1.0, 0.0, 0.0, 1.0]), 2, 1.0) == pytest.approx(2.0)
    assert finish_late_h(np.array([1.0, 1.0, 0.0, 0.0]), 2, 1.0) == 0.0
    assert finish_late_h(np.array([0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0]), 2, 0.25) == pytest.approx(1.25)


def test_baseline_lateness_of_a_queued_preemptible_job_is_its_finish_delay() -> None:
    """Queued behind a 4-node job until 02:00, a 1 h preemptible job with deadline 01:00 ends at 03:00:
    2 h late (the time its run ends after the deadline, not the hour of work after it)."""
    site = tiny_site()
    jobs = [job("first", 4, 2.0, 0, 2, False), job("waits", 4, 1.0, 0, 1, True)]
    plan = baseline_plan(tiny_profile(site), site, jobs, PlanSettings(default_penalty_per_h_late=1.0))
    row = plan.job_status.set_index("job_id").loc["waits"]
    assert row["lateness_h"] == pytest.approx(2.0)
    assert row["finish"] == DAY + pd.Timedelta(hours=3)


def test_not_enough_free_nodes_only_when_true() -> None:
    """A job reported late for want of nodes, with its nodes free before the deadline, is re-labelled:
    the plan chose it, and today's practice finished it on time."""
    site = tiny_site()
    profile = tiny_profile(site)
    jobs = [job("p", 2, 1.0, 0, 2, True)]
    data = model_data(profile, site, jobs, PlanSettings(step_minutes=60, horizon_h=4.0))
    base = baseline_plan(profile, site, jobs, PlanSettings(step_minutes=60, horizon_h=4.0), data=data)
    steps = base.steps.copy()
    steps["busy_nodes"] = [0.0, 0.0, 2.0, 0.0]  # the job runs 02:00-03:00, nothing else runs
    runs = pd.DataFrame({"job_id": ["p"], "start": [DAY + pd.Timedelta(hours=2)],
                         "end": [DAY + pd.Timedelta(hours=3)], "nodes": [2]})
    status = pd.DataFrame({"job_id": ["p"], "status": ["late"], "finish": [runs["end"][0]],
                           "lateness_h": [1.0], "penalty_per_h": [5.0], "reason": [NODES_REASON]})
    out = honest_reasons(status, steps, runs, data, base.job_status).iloc[0]["reason"]
    assert not out.startswith(NODES_REASON)
    assert "chose" in out and "today's practice finished it on time" in out
    steps["busy_nodes"] = [4.0, 4.0, 2.0, 0.0]  # the site was full before the deadline: the reason holds
    assert honest_reasons(status, steps, runs, data, base.job_status).iloc[0]["reason"] == NODES_REASON


def test_objective_terms_of_the_baseline_recompute() -> None:
    """The baseline's objective is its own tables' (steps and job status), battery included."""
    site = _battery_site(40.0, 20.0, 0.95, 0.5)
    profile = tiny_profile(site, price=(0.3, 1.0, 0.3, 1.0))
    settings = PlanSettings(step_minutes=60, horizon_h=4.0)
    plan = baseline_plan(profile, site, [job("a", 2, 1.0, 0, 4, False)], settings)
    assert plan.steps["battery_discharge_kw"].sum() > 0
    assert objective_terms(plan.steps, plan.job_status, plan.rates) == pytest.approx(plan.objective)


# --- every built-in site ------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("site_id", builtin_ids())
def test_every_catalogue_site_splits_its_saving(site_id: str) -> None:
    """Each built-in site's plan for its sample queue (3 Dec): parts that add up to its saving without
    lateness, a chain from today's practice to the plan, and job-hours late reported for both."""
    site = load_site(site_id)
    day = pd.Timestamp("2026-12-03")
    profile = site_profile(site, None, day, day + pd.Timedelta(hours=24), 15)
    jobs = sample_queue(site, day.tz_localize(site.site.timezone))
    plans = solve_day(profile, site, jobs, PlanSettings(time_limit_s=20.0, rel_gap=0.01))
    parts = plans.savings
    assert parts is not None and tuple(parts.components) == SAVINGS_COMPONENTS
    assert sum(parts.components.values()) == pytest.approx(parts.total, abs=1e-6)
    assert parts.total == pytest.approx(bill(plans.baseline.objective) - bill(plans.plan.objective), abs=1e-6)
    assert parts.chain[0].lever == "baseline" and parts.chain[-1].objective == plans.plan.objective
