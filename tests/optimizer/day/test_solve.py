"""Tests of optimizer.day.solve and its watchdog: both hand-overs agree, a runaway child is killed and its
best incumbent kept, the fallback plan. How fast the limit returns is benchmarks/bench_plan.py's figure
(solves past the wall-clock limit), not a test's: a loaded host would make it flaky."""

from __future__ import annotations

import os
import time

import greendc.optimizer.day.solve as solve
import numpy as np
import pyomo.environ as pyo
import pytest
from greendc.optimizer.day.plan import make_plan
from greendc.optimizer.day.watchdog import Report, run_with_hard_limit
from greendc.optimizer.types import PlanSettings
from plan_cases import job, tiny_profile, tiny_site


def _knapsack() -> pyo.ConcreteModel:
    """max 5a + 4b + 3c s.t. 2a + 3b + c <= 5 over binaries, as a minimisation."""
    m = pyo.ConcreteModel()
    m.I = pyo.Set(initialize=range(3))
    value, weight = [5.0, 4.0, 3.0], [2.0, 3.0, 1.0]
    m.x = pyo.Var(m.I, domain=pyo.Binary)
    m.unused = pyo.Var(bounds=(2.0, 5.0))  # in no row: loaded at its bound nearest zero
    m.cap = pyo.Constraint(expr=sum(weight[i] * m.x[i] for i in m.I) <= 5)
    m.obj = pyo.Objective(expr=-sum(value[i] * m.x[i] for i in m.I))
    return m


@pytest.mark.parametrize("handover", ["matrix", "pyomo_highs"])
def test_handovers_find_the_hand_optimum(handover: solve.Handover) -> None:
    # Weights 2, 3, 1 within 5: {a, c} = 8 (weight 3) or {a, b} = 9 (weight 5): {a, b} is best, -9.
    m = _knapsack()
    out = solve.solve_model(m, time_limit_s=10, rel_gap=0.0, handover=handover)
    assert out.status == "optimal" and out.has_solution
    assert out.objective == pytest.approx(-9.0)
    assert [round(m.x[i].value) for i in range(3)] == [1, 1, 0]


def _market_split(rows: int = 4, cols: int = 40, seed: int = 1) -> pyo.ConcreteModel:
    """A market-split instance (Cornuejols and Dawande 1999), notoriously hard for branch and bound."""
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 100, size=(rows, cols))
    b = a.sum(axis=1) // 2
    m = pyo.ConcreteModel()
    m.J = pyo.Set(initialize=range(cols))
    m.R = pyo.Set(initialize=range(rows))
    m.x = pyo.Var(m.J, domain=pyo.Binary)
    m.s = pyo.Var(m.R, domain=pyo.NonNegativeReals)
    m.t = pyo.Var(m.R, domain=pyo.NonNegativeReals)
    m.row = pyo.Constraint(
        m.R, rule=lambda _m, i: sum(int(a[i, j]) * _m.x[j] for j in _m.J) + _m.s[i] - _m.t[i] == int(b[i])
    )
    m.obj = pyo.Objective(expr=sum(m.s[i] + m.t[i] for i in m.R))
    return m


@pytest.mark.slow
def test_hard_wall_clock_limit_kills_a_runaway_solve() -> None:
    # HiGHS is told it has an hour (as when it overstays its limit in presolve); the parent must still
    # return at the 1.5 s wall-clock limit, the child killed, with the best incumbent HiGHS streamed.
    m = _market_split()
    out = solve.solve_model(m, time_limit_s=1.5, rel_gap=0.0, highs_limit_s=3600.0)
    assert out.status == "time_limit" and out.has_solution and "overstayed" in out.message
    rows = [pyo.value(m.row[i].body) for i in m.R]  # the loaded incumbent satisfies every row
    assert rows == pytest.approx([m.row[i].upper for i in m.R])
    assert out.objective == pytest.approx(pyo.value(m.obj))


@pytest.mark.slow
def test_highs_own_limit_returns_an_incumbent() -> None:
    out = solve.solve_model(_market_split(), time_limit_s=2.0, rel_gap=0.0)
    assert out.status in ("time_limit", "optimal") and out.has_solution


def test_no_solution_in_time_gives_the_flagged_fallback() -> None:
    # A limit that has passed before any answer can come kills the solve; the plan must still be a
    # verified one: the baseline, flagged with the reason.
    site = tiny_site(nodes=1)
    plan = make_plan(
        tiny_profile([1.0, 2.0, 1.0, 2.0]),
        site,
        [job("a", hours=2.0)],
        PlanSettings(time_limit_s=1e-6, step_minutes=60, horizon_h=4),
    )
    assert plan.solver.fallback and plan.solver.status == "fallback"
    assert "wall-clock" in plan.solver.fallback_reason
    assert plan.kind == "fallback"
    # today's practice: the job starts at its release and runs 2 h at prices 1 and 2
    assert plan.objective["total"] == pytest.approx(10.0 * (1.0 + 2.0))


def test_relative_gap() -> None:
    assert solve.relative_gap(100.0, 99.0) == pytest.approx(0.01)
    assert solve.relative_gap(0.0, 0.0) == 0.0
    assert solve.relative_gap(None, 1.0) is None


def _report_pid_then_hang(report: Report) -> None:
    """Work that never answers: it reports its process id, then sleeps past any limit."""
    report(os.getpid())
    time.sleep(3600)


def test_the_watchdog_kills_a_child_that_never_answers() -> None:
    watched = run_with_hard_limit(_report_pid_then_hang, 0.5)
    assert watched.ending == "timeout" and watched.answer is None and not watched.error
    child = watched.progress
    assert isinstance(child, int) and child != os.getpid()
    with pytest.raises(ProcessLookupError):  # killed and reaped: no such process any more
        os.kill(child, 0)


def test_the_watchdog_returns_the_answer_and_the_last_progress() -> None:
    def work(report: Report) -> dict[str, int]:
        report("first")
        report("second")
        return {"answer": 42}

    watched = run_with_hard_limit(work, 60.0)
    assert (watched.ending, watched.answer, watched.progress, watched.error) == (
        "answered",
        {"answer": 42},
        "second",
        "",
    )


def test_the_watchdog_reports_an_exception_in_the_child() -> None:
    def work(_report: Report) -> None:
        raise ValueError("no model")

    watched = run_with_hard_limit(work, 60.0)
    assert watched.error == "ValueError: no model" and watched.answer is None


def test_a_failing_solve_is_an_error_outcome_without_a_solution(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object) -> None:
        raise RuntimeError("HiGHS crashed")

    monkeypatch.setattr(solve.MatrixRunner, "solve", broken)
    out = solve.solve_model(_knapsack(), time_limit_s=60.0, rel_gap=0.0)
    assert (out.status, out.has_solution, out.message) == ("error", False, "RuntimeError: HiGHS crashed")
