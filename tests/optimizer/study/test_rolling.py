"""The daily fidelity's rolling horizon: windows, jobs, settlement, forecasts, carried state, a hand case."""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from greendc.optimizer.day.plan import make_plan
from greendc.optimizer.study.daily_inputs import DailyCase, daily_site, plan_hook, scaled_profile
from greendc.optimizer.study.problem import YearProblem, YearResult
from greendc.optimizer.study.rolling import horizon_end, month_chunks, run_chunk, simulate
from greendc.optimizer.study.scenarios import FlexClass, Limits, Scenario
from greendc.optimizer.study.settle import settle
from greendc.optimizer.study.site_problem import it_scale, per_kw_site, year_problem
from greendc.optimizer.study.work import FlexWindow, JobPower, day_jobs, flex_windows, split_at
from greendc.optimizer.study.year_solve import solve_year
from greendc.optimizer.types import Plan, PlanSettings
from greendc.sites.forecast import ar1_noise, forecast_profile
from greendc.sites.loader import load_site
from greendc.sites.profile import default_weather, site_profile
from greendc.sites.renewables import turbine_rated_kw
from hypothesis import given, settings
from hypothesis import strategies as st


@lru_cache(maxsize=4)
def unit_profile(site_id: str, start: str, days: int) -> xr.Dataset:
    """The site's actual profile (1 kWp PV, one turbine) for ``days`` local days from ``start``."""
    site = load_site(site_id)
    begin = pd.Timestamp(start)
    return site_profile(
        per_kw_site(site), default_weather(site), start=begin, end=begin + pd.Timedelta(days=days)
    )


def make_case(
    site_id: str, start: str, days: int, scenario: Scenario, forecast_error: float | None = None
) -> tuple[DailyCase, YearResult]:
    """A daily case over a few days, sizes and starting battery state from the aggregate LP over them."""
    site = load_site(site_id)
    profile = unit_profile(site_id, start, days)
    wind = per_kw_site(site).wind
    assert wind is not None
    rated = turbine_rated_kw(wind.turbine_type)
    problem, _ = year_problem(
        site,
        profile,
        scenario,
        pv_kw_per_kw=profile["pv_kw"].to_numpy(),
        wind_kw_per_kw=profile["wind_kw"].to_numpy() / rated,
    )
    result = solve_year(problem)
    assert result.status == "optimal"
    case = DailyCase(
        site=site,
        unit_profile=profile,
        problem=problem,
        sizes=result.sizes,
        boundary_soc_kwh=result.series["soc_kwh"],
        it_scale=it_scale(site, scenario),
        carbon_price_per_t=scenario.carbon_price_per_t,
        wind_rated_kw=rated,
        forecast_error=forecast_error,
        seed=7,
    )
    return case, result


#: Fixed sizes (min = max): PV, a battery, no wind; dispatch only.
FIXED = Limits(
    pv_min_kw=20_000,
    pv_max_kw=20_000,
    wind_max_kw=0,
    battery_min_kwh=40_000,
    battery_max_kwh=40_000,
    battery_min_kw=10_000,
    battery_max_kw=10_000,
)
SIZED = Scenario(name="fixed", carbon_price_per_t=100.0, limits=FIXED)


# --- windows and jobs ---------------------------------------------------------------------------------


def small_problem(steps: int, windows_h: tuple[float, ...], shares: tuple[float, ...]) -> YearProblem:
    """A YearProblem with only what the windows need (flat arrays)."""
    flat = np.ones(steps)
    return YearProblem(
        price_per_kwh=flat,
        export_price_per_kwh=flat,
        carbon_kg_per_kwh=flat,
        pv_kw_per_kw=0 * flat,
        wind_kw_per_kw=0 * flat,
        firm_it_kw=flat,
        facility_kw_per_it_kw=flat,
        month=np.zeros(steps, int),
        training_kw=100.0,
        training_capacity_kw=400.0,
        flexible_share=0.5,
        flex_windows_h=windows_h,
        flex_shares=shares,
    )


def test_windows_hold_the_aggregate_energy_of_each_class() -> None:
    # 100 h, windows of 4 h (share 0.25) and 48 h (0.75): 25 + 3 windows, the last ones short
    windows = flex_windows(small_problem(100, (4.0, 48.0), (0.25, 0.75)))
    c0 = [w for w in windows if w.job_id.startswith("c0")]
    c1 = [w for w in windows if w.job_id.startswith("c1")]
    assert len(c0) == 25 and len(c1) == 3
    assert [(w.start, w.end) for w in c1] == [(0, 48), (48, 96), (96, 100)]
    # phi D s_j per hour: 0.5 x 100 x 0.25 = 12.5 kW and 37.5 kW
    assert sum(w.energy_kwh for w in c0) == pytest.approx(12.5 * 100)
    assert c1[2].energy_kwh == pytest.approx(37.5 * 4)


@given(
    st.lists(st.integers(1, 99), max_size=5),
    st.integers(1, 60),
    st.floats(1.0, 1e6),
)
@settings(max_examples=60, deadline=None)
def test_split_conserves_energy_and_respects_boundaries(cuts: list[int], length: int, energy: float) -> None:
    window = FlexWindow("w", 20, 20 + length, energy)
    pieces = split_at([window], cuts)
    assert sum(p.energy_kwh for p in pieces) == pytest.approx(energy, rel=1e-12)
    assert pieces[0].start == 20 and pieces[-1].end == 20 + length
    for p in pieces:
        assert not any(p.start < c < p.end for c in cuts)
        assert p.energy_kwh == pytest.approx(energy * (p.end - p.start) / length, rel=1e-12)


def test_horizon_reaches_every_open_window_and_jobs_carry_remaining_work() -> None:
    windows = [FlexWindow("a", 0, 4, 10.0), FlexWindow("b", 0, 48, 100.0), FlexWindow("c", 48, 96, 5.0)]
    assert horizon_end(windows, 0, 24, 1000) == 48
    assert horizon_end(windows, 24, 48, 1000) == 48
    assert horizon_end(windows, 0, 24, 30) == 30  # capped at the chunk's end
    times = pd.date_range("2025-03-01", periods=96, freq="h", tz="UTC")
    power = JobPower(nodes=10, kw_above_idle_per_node=5.0, penalty_per_h=1e6)
    jobs = day_jobs(windows, {"a": 0.0, "b": 60.0, "c": 5.0}, 24, 48, times, 1.0, power)
    assert [j.job_id for j in jobs] == ["b"]  # a is done; c opens after the horizon
    (b,) = jobs
    assert b.duration_h == pytest.approx(60.0 / 50.0)  # remaining energy at all nodes busy
    assert b.release == times[24] and b.deadline == times[0] + pd.Timedelta(hours=48)


# --- settlement -----------------------------------------------------------------------------------------


def test_settlement_by_hand() -> None:
    # plan: import 10, export 0, renewable used 5. Actual: only 2 kW renewable, facility +1 kW.
    s = settle(np.array([1.0]), np.array([10.0]), np.array([0.0]), np.array([5.0]), np.array([2.0]), 100.0)
    assert (s.import_kw[0], s.export_kw[0], s.renewable_kw[0]) == pytest.approx((14.0, 0.0, 2.0))
    # plan: import 3, export 0, renewable 5 of 8 available; actual 8 available, facility -6 kW:
    # import falls to 0, then 3 kW are exported (limit 2 kW -> 2 exported, 1 curtailed)
    s = settle(np.array([-6.0]), np.array([3.0]), np.array([0.0]), np.array([5.0]), np.array([8.0]), 2.0)
    assert (s.import_kw[0], s.export_kw[0], s.renewable_kw[0]) == pytest.approx((0.0, 2.0, 4.0))


flows = st.floats(0.0, 1e4)


@given(st.floats(-1e4, 1e4), flows, flows, flows, flows, st.floats(0.0, 1e4))
@settings(max_examples=200, deadline=None)
def test_settlement_balances_within_bounds(
    delta: float, imp: float, exp: float, ren: float, avail: float, limit: float
) -> None:
    exp = min(exp, limit, ren)  # a feasible plan: export within the limit and the renewable taken
    s = settle(np.array([delta]), np.array([imp]), np.array([exp]), np.array([ren]), np.array([avail]), limit)
    net_change = (s.import_kw - s.export_kw + s.renewable_kw) - (imp - exp + ren)
    assert net_change[0] == pytest.approx(delta, abs=1e-6 * (1 + abs(delta) + imp + ren))
    assert s.import_kw[0] >= -1e-9 and s.export_kw[0] >= -1e-9
    assert -1e-9 <= s.renewable_kw[0] <= avail + 1e-9
    assert s.export_kw[0] <= max(limit, exp) + 1e-9 or s.renewable_kw[0] == 0  # over only from the battery
    if delta == 0 and ren <= avail:
        assert (s.import_kw[0], s.export_kw[0], s.renewable_kw[0]) == (imp, exp, ren)


# --- forecasts --------------------------------------------------------------------------------------------


def test_ar1_noise_has_unit_variance_and_the_given_persistence() -> None:
    e = ar1_noise(np.random.default_rng(0), 200_000, 0.9)
    assert e.std() == pytest.approx(1.0, abs=0.02)
    assert np.corrcoef(e[1:], e[:-1])[0, 1] == pytest.approx(0.9, abs=0.01)


def test_forecast_with_error_zero_is_the_actual_bit_for_bit() -> None:
    actual = unit_profile("qingyang", "2025-03-10", 3)
    plant = load_site("qingyang").cooling
    zero = forecast_profile(actual, plant, 0.0, np.random.default_rng(1))
    for name in ("temp_air_c", "temp_wet_bulb_c", "pv_kw", "wind_kw", "cooling_kw_per_kw", "cooling_mode"):
        assert np.array_equal(zero[name].to_numpy(), actual[name].to_numpy()), name
    one = forecast_profile(actual, plant, 1.0, np.random.default_rng(1))
    again = forecast_profile(actual, plant, 1.0, np.random.default_rng(1))
    assert np.array_equal(one["pv_kw"].to_numpy(), again["pv_kw"].to_numpy())
    assert not np.array_equal(one["temp_air_c"].to_numpy(), actual["temp_air_c"].to_numpy())
    assert np.all(one["pv_kw"].to_numpy()[actual["pv_kw"].to_numpy() == 0] == 0)  # no sun, no forecast PV


# --- the rolling horizon ------------------------------------------------------------------------------------


def test_carried_state_closes_across_day_boundaries() -> None:
    case, _ = make_case("qingyang", "2025-03-10", 3, SIZED)
    chunk = run_chunk(case, 0, case.problem.steps)
    s = chunk.series
    balance = s["import_kw"] - s["export_kw"] + s["renewable_kw"] + s["discharge_kw"] - s["charge_kw"]
    assert np.abs(balance - s["facility_kw"]).max() < 1e-5
    eta = case.problem.charge_efficiency
    before = np.concatenate([[case.boundary_soc_kwh[-1]], s["soc_kwh"][:-1]])  # cyclic start state
    expect = before + eta * s["charge_kw"] - s["discharge_kw"] / case.problem.discharge_efficiency
    assert np.abs(expect - s["soc_kwh"]).max() < 1e-4  # incl. hours 24 and 48, the day boundaries
    assert s["soc_kwh"][-1] >= case.boundary_soc_kwh[-1] - 1e-4  # the chunk ends no lower
    # deadlines of carried work: every window ran all its energy inside itself
    for job_id, energy in chunk.window_energy_kwh.items():
        assert chunk.done_kwh.get(job_id, 0.0) == pytest.approx(energy, rel=1e-6, abs=1e-3), job_id
    windows = split_at(flex_windows(case.problem), [a for a, _ in month_chunks(case.problem)])
    headroom = case.problem.training_capacity_kw - case.problem.rigid_training_kw
    assert s["flexible_kw"].max() <= headroom + 1e-6
    assert sum(w.energy_kwh for w in windows) == pytest.approx(s["flexible_kw"].sum(), rel=1e-6)
    assert chunk.statuses == {"optimal": 3}


def test_forecast_error_zero_reproduces_perfect_forecast_exactly() -> None:
    case, _ = make_case("qingyang", "2025-03-10", 2, SIZED)
    perfect = run_chunk(case, 0, case.problem.steps)
    zero = run_chunk(replace(case, forecast_error=0.0), 0, case.problem.steps)
    for name, values in perfect.series.items():
        assert np.array_equal(values, zero.series[name]), name
    noisy = run_chunk(replace(case, forecast_error=1.0), 0, case.problem.steps)
    s = noisy.series
    balance = s["import_kw"] - s["export_kw"] + s["renewable_kw"] + s["discharge_kw"] - s["charge_kw"]
    assert np.abs(balance - s["facility_kw"]).max() < 1e-5
    assert not np.array_equal(s["import_kw"], perfect.series["import_kw"])


def solver_demand(plan: Plan) -> float:
    """The demand-charge term of the solver's own objective. [currency]"""
    terms = plan.solver_objective
    assert terms is not None
    return float(terms["demand_charge"])


def test_month_to_date_peak_is_charged_only_when_raised() -> None:
    case, _ = make_case("qingyang", "2025-03-10", 1, Scenario(name="g", renewables=False))
    site_d = daily_site(case.site, case.it_scale, case.sizes, case.problem)
    profile = scaled_profile(case.unit_profile, case, 0, site_d)
    settings = PlanSettings(step_minutes=60, horizon_h=24, simultaneous_import_export=True)
    free = make_plan(profile, site_d, [], settings, extra=plan_hook(0.0, 0.0, None))
    natural_peak = float(free.steps["grid_import_kw"].max())
    rate = case.problem.demand_charge_per_kw_month  # the horizon pays the full monthly rate on its peak
    assert solver_demand(free) == pytest.approx(rate * natural_peak, rel=1e-6)
    high = make_plan(profile, site_d, [], settings, extra=plan_hook(natural_peak + 1000.0, 0.0, None))
    # below the month-to-date peak the day pays nothing more: the charge is the constant rate x P0
    assert solver_demand(high) == pytest.approx(rate * (natural_peak + 1000.0))
    assert high.objective["energy_cost"] == pytest.approx(free.objective["energy_cost"], rel=1e-9)


def test_hand_checkable_days_put_flexible_work_in_the_cheapest_hours() -> None:
    """All training flexible within 24 h windows, no demand charge, no carbon price, grid only, no export.

    Each day is then a fractional knapsack: the 12 hours of work at full headroom go to the 12 hours
    of lowest price x facility kW per IT kW. Worked out here by sorting, the daily MILP and the
    aggregate LP must both find that cost.
    """
    scenario = Scenario(
        name="hand",
        renewables=False,
        flexible_share=1.0,
        training_utilisation=0.5,
        flex_classes=[FlexClass(window_h=24, share=1.0)],
        demand_charge_per_kw_month=0.0,
        export_limit_kw=0.0,  # the aggregate LP would otherwise import to export in valley hours
    )
    case, aggregate = make_case("qingyang", "2025-03-10", 3, scenario)
    p = case.problem
    cost_per_kwh = p.price_per_kwh * p.facility_kw_per_it_kw
    flexible = np.zeros(p.steps)
    for day in range(3):
        hours = day * 24 + np.argsort(cost_per_kwh[day * 24 : day * 24 + 24], kind="stable")[:12]
        flexible[hours] = p.training_capacity_kw
    expected = float(np.sum(cost_per_kwh * (p.firm_it_kw + flexible)))
    daily = simulate(case)
    energy_cost = float(np.sum(p.price_per_kwh * daily.result.series["import_kw"]))
    assert energy_cost == pytest.approx(expected, rel=1e-7)
    assert float(np.sum(p.price_per_kwh * aggregate.series["import_kw"])) == pytest.approx(expected, rel=1e-7)
    x = daily.result.series["flexible_kw"]
    for day in range(3):  # ties aside, the work fills exactly the hours below the day's 12th cheapest
        span = slice(day * 24, day * 24 + 24)
        threshold = np.sort(cost_per_kwh[span])[11]
        assert np.all(x[span][cost_per_kwh[span] > threshold + 1e-12] < 1e-6)
        assert np.all(x[span][cost_per_kwh[span] < threshold - 1e-12] > p.training_capacity_kw - 1e-3)
    assert np.array_equal(daily.choice.facility_kw_per_it_kw, p.facility_kw_per_it_kw)


def test_months_are_independent_chunks_that_conserve_work_across_the_boundary() -> None:
    case, _ = make_case("qingyang", "2025-03-30", 3, SIZED)  # 30-31 March and 1 April
    assert month_chunks(case.problem) == [(0, 48), (48, 72)]
    year = simulate(case)
    s = year.result.series
    assert year.facts["unmet_work_kwh"] == 0.0 and year.facts["daily_solves"] == 3
    energy = sum(w.energy_kwh for w in flex_windows(case.problem))  # the unsplit windows' work
    assert s["flexible_kw"].sum() == pytest.approx(energy, rel=1e-6)
    assert year.facts["boundary_surplus_kwh"] >= -1e-3
    # April starts from the aggregate optimum's state at the boundary, not from March's end
    eta_c, eta_d = case.problem.charge_efficiency, case.problem.discharge_efficiency
    first_april = case.boundary_soc_kwh[47] + eta_c * s["charge_kw"][48] - s["discharge_kw"][48] / eta_d
    assert s["soc_kwh"][48] == pytest.approx(first_april, abs=1e-4)
    assert s["soc_kwh"][47] >= case.boundary_soc_kwh[47] - 1e-4  # March ends at or above it
    assert year.result.peaks_kw[2] == pytest.approx(s["import_kw"][:48].max())
