"""The baseline ("today's practice"): a hand-worked tiny case, balances, capacity and lateness.

``tiny_site`` and ``tiny_profile`` (tests/baseline_cases.py) build a four-step site profile by hand so
every number can be checked on paper.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from baseline_cases import DAY, TZ, job, tiny_profile, tiny_site
from greendc.optimizer.accounting import objective_terms
from greendc.optimizer.day.baseline import baseline_plan
from greendc.optimizer.io.sample_queue import sample_queue
from greendc.optimizer.types import RUN_COLUMNS, STEP_COLUMNS, PlanSettings
from greendc.sites.loader import load_site
from hypothesis import given, settings
from hypothesis import strategies as st


def test_hand_worked_tiny_case() -> None:
    """A (2 nodes, 2 h, fixed) runs 00-02; B (3 nodes) waits for nodes until 02:00; numbers by hand."""
    site = tiny_site()
    jobs = [job("A", 2, 2.0, 0, 2, False), job("B", 3, 1.0, 0, 4, True)]
    plan = baseline_plan(tiny_profile(site), site, jobs, PlanSettings())
    steps = plan.steps
    assert list(steps.columns) == list(STEP_COLUMNS)
    # nominal IT = firm 10 + idle 4 x 2 + busy nodes x (10 - 2): [34, 34, 42, 18]; facility = 1.2 x IT
    np.testing.assert_allclose(steps["busy_nodes"], [2, 2, 3, 0])
    np.testing.assert_allclose(steps["it_kw"], [34, 34, 42, 18])
    np.testing.assert_allclose(steps["cooling_kw"], [6.8, 6.8, 8.4, 3.6])
    np.testing.assert_allclose(steps["grid_import_kw"], [40.8, 0.0, 50.4, 21.6])
    np.testing.assert_allclose(steps["curtailed_kw"], [0.0, 9.2, 0.0, 0.0])  # no export allowed
    assert (steps["setpoint_c"] == 18.0).all()  # baseline = lowest level
    assert plan.objective["energy_cost"] == pytest.approx(40.8 + 2 * 50.4 + 2 * 21.6)
    # demand: 31 CNY/kW-month x (4 h / 744 h of January) x peak 50.4 kW
    assert plan.objective["demand_charge"] == pytest.approx(31.0 * 4 / 744 * 50.4)
    assert plan.objective["lateness_penalty"] == 0.0
    runs = plan.runs.set_index("job_id")
    assert list(plan.runs.columns) == list(RUN_COLUMNS)
    assert runs.loc["B", "start"] == DAY + pd.Timedelta(hours=2)
    assert runs.loc["A", "end"] == DAY + pd.Timedelta(hours=2)
    assert set(plan.job_status["status"]) == {"on_time"}


def test_release_order_not_queue_order() -> None:
    """The earlier-released job is placed first even when it comes later in the file."""
    site = tiny_site()
    jobs = [job("late", 4, 1.0, 1, 4, False), job("early", 4, 2.0, 0, 4, False)]
    runs = baseline_plan(tiny_profile(site), site, jobs, PlanSettings()).runs.set_index("job_id")
    assert runs.loc["early", "start"] == DAY
    assert runs.loc["late", "start"] == DAY + pd.Timedelta(hours=2)


def test_late_and_unplannable_jobs_have_reasons() -> None:
    """Queueing past the deadline costs its hours; a job wider than the site is not run, with why."""
    site = tiny_site()
    jobs = [job("first", 4, 2.0, 0, 2, False), job("waits", 4, 1.0, 0, 1, False),
            job("wide", 8, 1.0, 0, 4, True)]
    plan = baseline_plan(tiny_profile(site), site, jobs, PlanSettings(default_penalty_per_h_late=100.0))
    status = plan.job_status.set_index("job_id")
    assert status.loc["waits", "status"] == "late"
    assert status.loc["waits", "lateness_h"] == pytest.approx(2.0)  # finishes 03:00, deadline 01:00
    assert "busy" in status.loc["waits", "reason"]
    assert status.loc["wide", "status"] == "not_run" and "8 nodes" in status.loc["wide", "reason"]
    assert plan.objective["lateness_penalty"] == pytest.approx(200.0)


def test_preemptible_job_left_at_horizon_end_is_partly_run() -> None:
    """A preemptible job that cannot finish runs to the horizon end; its unplanned work is late."""
    site = tiny_site()
    plan = baseline_plan(tiny_profile(site), site, [job("long", 2, 6.0, 1, 3, True)], PlanSettings())
    row = plan.job_status.iloc[0]
    assert row["status"] == "late" and "3.00 h of work left" in row["reason"]
    np.testing.assert_allclose(plan.steps["busy_nodes"], [0, 2, 2, 2])


def test_partial_last_step_of_a_preemptible_job() -> None:
    """A 1.5 h preemptible job at hourly steps holds its nodes for the whole second step, like the model."""
    site = tiny_site()
    plan = baseline_plan(tiny_profile(site), site, [job("p", 2, 1.5, 0, 4, True)], PlanSettings())
    np.testing.assert_allclose(plan.steps["busy_nodes"], [2, 2, 0, 0])
    assert plan.runs.iloc[0]["end"] == DAY + pd.Timedelta(hours=2)


def test_export_where_allowed() -> None:
    """A PV surplus is exported up to the limit, the rest curtailed."""
    site = tiny_site()
    profile = tiny_profile(site, pv_kw=(0, 50, 0, 0), export_limit_kw=5.0)
    plan = baseline_plan(profile, site, [], PlanSettings())
    # no jobs: nominal IT 18 kW, facility 21.6 kW; surplus at step 1 = 28.4 kW
    np.testing.assert_allclose(plan.steps["grid_export_kw"], [0, 5.0, 0, 0])
    np.testing.assert_allclose(plan.steps["curtailed_kw"], [0, 23.4, 0, 0])
    assert plan.objective["export_revenue"] == pytest.approx(5.0 * 0.3)


def _balance_residual(steps: pd.DataFrame) -> np.ndarray:
    """facility + charge + export - (import + pv + wind - curtailed + discharge) at each step. [kW]"""
    supply = steps["grid_import_kw"] + steps["pv_kw"] + steps["wind_kw"] - steps["curtailed_kw"] \
        + steps["battery_discharge_kw"]
    use = steps["facility_kw"] + steps["battery_charge_kw"] + steps["grid_export_kw"]
    return (use - supply).to_numpy()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 4), st.sampled_from([0.5, 1.0, 1.5, 2.0, 3.0]), st.integers(0, 3),
                          st.integers(0, 6), st.booleans()), max_size=8),
       st.lists(st.floats(0, 80), min_size=4, max_size=4))
def test_balance_and_capacity_hold_for_any_queue(specs: list[tuple[int, float, int, int, bool]],
                                                 pv: list[float]) -> None:
    """Energy balance at every step, busy nodes within the site, objective equal to its recomputation."""
    site = tiny_site()
    jobs = [job(f"j{i}", n, h, r, r + d, p) for i, (n, h, r, d, p) in enumerate(specs)]
    profile = tiny_profile(site, pv_kw=tuple(pv), export_limit_kw=10.0)
    plan = baseline_plan(profile, site, jobs, PlanSettings())
    np.testing.assert_allclose(_balance_residual(plan.steps), 0.0, atol=1e-9)
    assert (plan.steps["busy_nodes"] <= site.it.nodes + 1e-9).all()
    assert (plan.steps["curtailed_kw"] >= -1e-12).all() and (plan.steps["grid_import_kw"] >= 0).all()
    assert len(plan.job_status) == len(jobs)
    assert objective_terms(plan.steps, plan.job_status, plan.rates) == plan.objective
    for run in plan.runs.itertuples():  # every run starts at or after its job's release
        assert run.start >= next(j.release for j in jobs if j.job_id == run.job_id)


@pytest.mark.slow
def test_sample_queue_on_a_real_site() -> None:
    """The baseline of the sample queue on zhongwei: balance, capacity and a plausible PUE."""
    from greendc.optimizer.accounting import plan_kpis
    from greendc.sites.profile import site_profile

    site = load_site("zhongwei")
    profile = site_profile(site, None, pd.Timestamp("2026-06-01"), pd.Timestamp("2026-06-02"), 15)
    plan = baseline_plan(profile, site, sample_queue(site, pd.Timestamp("2026-06-01", tz=TZ)), PlanSettings())
    np.testing.assert_allclose(_balance_residual(plan.steps), 0.0, atol=1e-6)
    assert plan.steps["busy_nodes"].max() <= site.it.nodes
    assert 1.0 < plan_kpis(plan.steps, 0.25)["pue"] < 1.5
