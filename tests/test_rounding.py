"""Relax-and-fix rounding (optimizer.model.rounding): hand-worked quantiles and the same optimum with it."""

from __future__ import annotations

import numpy as np
import pytest
from plan_cases import job, tiny_profile, tiny_site

from optimizer.model import build, model_data
from optimizer.model.rounding import quantile_starts, start_hint
from optimizer.solve import _MatrixRunner, solve_model
from optimizer.types import PlanSettings

EXACT = PlanSettings(rel_gap=1e-9, time_limit_s=20.0, step_minutes=60, horizon_h=6.0)


def test_runs_sit_at_the_quantiles_of_the_fractional_starts() -> None:
    # cumulative mass 0.5, 1.0, 1.0, 2.0: the first job where it reaches 0.5 (step 0), the second 1.5 (step 3)
    counts, unrun = quantile_starts(np.array([0.5, 0.5, 0.0, 1.0]), 2)
    assert counts.tolist() == [1.0, 0.0, 0.0, 1.0] and unrun == 0


def test_a_group_the_relaxation_leaves_half_unrun_keeps_the_rest_unrun() -> None:
    counts, unrun = quantile_starts(np.array([0.0, 0.8, 0.2, 0.9]), 3)  # 1.9 starts of 3 jobs -> 2 run
    assert counts.sum() == 2 and unrun == 1
    assert counts.tolist() == [0.0, 1.0, 0.0, 1.0]


def _model():  # type: ignore[no-untyped-def]
    site = tiny_site(nodes=3, idle_kw=1.0, demand_per_kw_month=300.0)
    profile = tiny_profile([1.0, 2.0, 0.5, 0.5, 2.0, 1.0], demand_per_kw_month=300.0)
    queue = [job(f"b{i}", nodes=1 + i % 2, hours=2.0, deadline_h=6.0, preemptible=False) for i in range(4)]
    queue.append(job("p", nodes=2, hours=3.0, deadline_h=6.0))
    return build(model_data(profile, site, queue, EXACT))


def test_every_integer_decision_is_found_among_the_columns() -> None:
    m = _model()
    runner = _MatrixRunner(m)
    hint = start_hint(m, runner.columns)
    assert hint is not None
    integer = {i for i, v in enumerate(runner.columns) if v.is_integer()}
    found = {c for g in hint.groups for c in (*g.starts, g.not_run)} | {x.mode for x in hint.meters}
    found |= {c for cs in hint.level_choices for c in cs} | set(hint.battery_modes)
    assert found == integer


def test_the_optimum_is_the_same_with_and_without_the_rounding_start() -> None:
    with_start = solve_model(_model(), time_limit_s=20.0, rel_gap=1e-9, rounding=True)
    without = solve_model(_model(), time_limit_s=20.0, rel_gap=1e-9, rounding=False)
    assert with_start.status == without.status == "optimal"
    assert with_start.objective == pytest.approx(without.objective, rel=1e-9)
