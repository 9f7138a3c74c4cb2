"""Relax-and-fix rounding (optimizer.day.model.rounding): hand-worked quantiles, the same optimum."""

from __future__ import annotations

from dataclasses import replace

import highspy
import numpy as np
import pytest
from greendc.optimizer.day.highs_runner import MatrixRunner
from greendc.optimizer.day.model import build, model_data
from greendc.optimizer.day.model.rounding import RunJob, first_run, quantile_starts, runs_of, start_hint
from greendc.optimizer.day.relax_and_fix import rounding_start
from greendc.optimizer.day.solve import solve_model
from greendc.optimizer.types import PlanSettings
from plan_cases import checkpoint_queue, job, tiny_profile, tiny_site

EXACT = PlanSettings(rel_gap=1e-9, time_limit_s=20.0, step_minutes=60, horizon_h=6.0)


def test_runs_sit_at_the_quantiles_of_the_fractional_starts() -> None:
    # cumulative mass 0.5, 1.0, 1.0, 2.0: the first job where it reaches 0.5 (step 0), the second 1.5 (step 3)
    counts, unrun = quantile_starts(np.array([0.5, 0.5, 0.0, 1.0]), 2)
    assert counts.tolist() == [1.0, 0.0, 0.0, 1.0] and unrun == 0


def test_a_group_the_relaxation_leaves_half_unrun_keeps_the_rest_unrun() -> None:
    counts, unrun = quantile_starts(np.array([0.0, 0.8, 0.2, 0.9]), 3)  # 1.9 starts of 3 jobs -> 2 run
    assert counts.sum() == 2 and unrun == 1
    assert counts.tolist() == [0.0, 1.0, 0.0, 1.0]


def _model(checkpoint_h: float = 0.0):  # type: ignore[no-untyped-def]
    site = tiny_site(nodes=3, idle_kw=1.0, demand_per_kw_month=300.0)
    profile = tiny_profile([1.0, 2.0, 0.5, 0.5, 2.0, 1.0], demand_per_kw_month=300.0)
    queue = [job(f"b{i}", nodes=1 + i % 2, hours=2.0, deadline_h=6.0, preemptible=False) for i in range(4)]
    queue.append(job("p", nodes=2, hours=3.0, deadline_h=6.0))
    return build(model_data(profile, site, queue, replace(EXACT, checkpoint_overhead_h=checkpoint_h)))


@pytest.mark.parametrize("checkpoint_h", [0.0, 0.25])
def test_every_integer_decision_is_found_among_the_columns(checkpoint_h: float) -> None:
    m = _model(checkpoint_h)
    runner = MatrixRunner(m)
    hint = start_hint(m, runner.columns)
    assert hint is not None
    integer = {i for i, v in enumerate(runner.columns) if v.is_integer()}
    found = {c for g in hint.groups for c in (*g.starts, g.not_run)} | {x.mode for x in hint.meters}
    found |= {c for cs in hint.level_choices for c in cs} | set(hint.battery_modes)
    found |= {c for run in hint.runs for c in run.columns}
    assert found == integer
    assert hint.runs  # preemptible jobs run whole slots: binaries with or without an overhead


@pytest.mark.parametrize("checkpoint_h", [0.0, 0.25])
def test_the_optimum_is_the_same_with_and_without_the_rounding_start(checkpoint_h: float) -> None:
    with_start = solve_model(_model(checkpoint_h), time_limit_s=20.0, rel_gap=1e-9, rounding=True)
    without = solve_model(_model(checkpoint_h), time_limit_s=20.0, rel_gap=1e-9, rounding=False)
    assert with_start.status == without.status == "optimal"
    assert with_start.objective == pytest.approx(without.objective, rel=1e-9)


def _checkpoint_case():  # type: ignore[no-untyped-def]
    """A job that cannot finish by its deadline and a 2-node job that may start before or after it.

    Found by hypothesis (tests/optimizer/day/test_model_properties.py): the LP shares j0 half a node in
    steps 3-5, so a start that rounded only the block starts left the run binaries at 0.5.
    """
    site = tiny_site(nodes=2, idle_kw=1.0, firm_kw=5.0, levels=(21.0, 24.0), demand_per_kw_month=30.0)
    profile = tiny_profile(
        [0.3] * 6,
        cooling=np.array([[0.3, 0.2]] * 6),
        levels=(21.0, 24.0),
        uplift=(0.0, 0.02),
        firm_kw=5.0,
        demand_per_kw_month=30.0,
    )
    return build(model_data(profile, site, checkpoint_queue(), replace(EXACT, checkpoint_overhead_h=0.25)))


def test_the_checkpoint_start_is_whole_and_optimal() -> None:
    """The start rounds the run binaries too: j1 first, then j0 without a pause, as a person would plan it."""
    m = _checkpoint_case()
    runner = MatrixRunner(m)
    start = rounding_start(runner.highs, runner.hint, 20.0)  # type: ignore[arg-type]
    assert start is not None
    integer = [i for i, v in enumerate(runner.columns) if v.is_integer()]
    assert np.allclose(start[integer], np.round(start[integer]))
    out = solve_model(_checkpoint_case(), time_limit_s=20.0, rel_gap=1e-9, rounding=False)
    assert out.status == "optimal" and runner.worth(start) >= out.objective - 1e-9


def test_a_start_highs_completes_by_a_sub_mip_is_never_called_optimal_unless_it_is() -> None:
    """Given a fractional start, HiGHS first completes it in a sub-MIP whose callbacks report that
    sub-MIP's bound (equal to its value); the solve stopped there and, in the case hypothesis found,
    called 218.83 optimal against the true 197.21. Now a stop counts as optimal only when HiGHS's own
    final bound proves the gap.
    (``rounding_start`` never hands HiGHS a fractional start; this is the second line of defence.)"""
    m = _checkpoint_case()
    reference = solve_model(_checkpoint_case(), time_limit_s=20.0, rel_gap=1e-9, rounding=False)
    runner = MatrixRunner(m, rounding=False)
    h = runner.highs
    integer = np.array([i for i, v in enumerate(runner.columns) if v.is_integer()], dtype=np.int32)
    kinds = np.array(h.getLp().integrality_)[integer]
    h.changeColsIntegrality(len(integer), integer, np.full(len(integer), highspy.HighsVarType.kContinuous))
    h.run()  # the LP relaxation: fractional run binaries, a partial start for HiGHS to complete
    relaxed = h.getSolution()
    h.changeColsIntegrality(len(integer), integer, kinds)
    h.setSolution(relaxed)
    seen: list[dict[str, object]] = []
    result = runner.solve(20.0, 1e-9, 1, seen.append)
    assert reference.status == "optimal" and reference.objective == pytest.approx(196.055, abs=1e-3)
    if result["status"] == "optimal":
        assert result["objective"] == pytest.approx(reference.objective, rel=1e-9)
    else:
        assert result["status"] == "feasible" and result["objective"] >= reference.objective - 1e-9


def test_a_run_split_by_the_start_pays_its_checkpoint_with_one_more_slot() -> None:
    """Two 1-step slots the LP likes apart (0 and 2) make two runs: with 0.2 slot of overhead per resume
    the work is 2.2 slots, so the next-ranked slot (3) is added; without overhead two slots do."""
    shares = np.array([0.9, 0.0, 0.8, 0.1, 0.0, 0.0])
    free = np.full(6, 4.0)
    plain = RunJob(tuple(range(6)), 0, 1, 2, 6)
    priced = RunJob(tuple(range(6)), 0, 1, 2, 6, 1, 0.2)
    assert first_run(plain, shares, free).tolist() == [1, 0, 1, 0, 0, 0]
    run = first_run(priced, shares, free)
    assert run.tolist() == [1, 0, 1, 1, 0, 0]
    assert run.sum() >= priced.run_steps + (runs_of(run) - 1) * priced.resume_slots
