"""One plan end to end: model data -> model -> HiGHS -> results -> verification (the fallback when needed).

``make_plan`` is the plan service's solve path (``day.service``, the rolling year's ``plan_day``): it
takes the problem's ``ModelData`` when the caller has built it already (the service builds it once
for the baseline, the plan and the Pareto points) and never returns an unverified plan unless asked
to (the rolling year checks its settled year instead): the solver's plan, or, when no solution comes
within the wall-clock limit, today's practice flagged by ``as_fallback`` with the reason.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace

import pyomo.environ as pyo
import xarray as xr
from greendc.optimizer.accounting import objective_terms
from greendc.optimizer.day.baseline import baseline_plan
from greendc.optimizer.day.model import ModelData, build, model_data
from greendc.optimizer.day.model.results import plan_tables, solver_terms
from greendc.optimizer.day.solve import Handover, SolveOutcome, solve_model
from greendc.optimizer.day.verify import verify_plan
from greendc.optimizer.types import Job, ModelSize, Plan, PlanSettings, SolveFacts, SolverInfo
from greendc.sites.model import Site

Progress = Callable[[str], None]
#: A hook adding constraints to the built model (PyPSA's ``extra_functionality``), e.g. a carbon cap.
Extra = Callable[[pyo.ConcreteModel, ModelData], None]


def make_plan(
    profile: xr.Dataset,
    site: Site,
    jobs: Sequence[Job],
    settings: PlanSettings,
    *,
    progress: Progress | None = None,
    handover: Handover = "matrix",
    extra: Extra | None = None,
    data: ModelData | None = None,
    widen: bool = True,
    verify: bool = True,
    random_seed: int = 0,
) -> Plan:
    """The plan for the profile's horizon: optimised, or the baseline as a flagged fallback.

    ``data`` is ``model_data(profile, site, jobs, settings)`` when the caller has it; ``widen`` re-plans
    work cut off by the late windows with full windows; ``verify`` checks the plan independently;
    ``random_seed`` is HiGHS's random seed (``solve_model``).
    """
    say = progress or (lambda _message: None)
    say("building the model")
    start = time.perf_counter()
    timings: dict[str, float] = {}
    data = data if data is not None else model_data(profile, site, jobs, settings)
    m = build(data, timings)
    if extra is not None:
        extra(m, data)
    build_s = time.perf_counter() - start
    say(f"solving ({settings.time_limit_s:g} s limit, gap {settings.rel_gap:g})")
    outcome = solve_model(m, time_limit_s=settings.time_limit_s, rel_gap=settings.rel_gap, handover=handover,
                          random_seed=random_seed)
    notes: list[str] = []
    cut = cut_off_jobs(m, data) if widen and outcome.has_solution else []
    if cut:
        left_s = settings.time_limit_s - outcome.handover_s - outcome.solve_s
        wider, note = _widen(cut, outcome, left_s, profile, site, jobs, settings, handover, extra, say,
                             random_seed)
        notes.append(note)
        if wider is not None:
            m, data, outcome, wide_build_s = wider
            build_s += wide_build_s
    if outcome.has_solution and outcome.message:  # e.g. why an incumbent is not proven optimal
        notes.append(outcome.message)
    facts = SolveFacts(build_stage_s=timings, handover_s=outcome.handover_s,
                       model_size=ModelSize(m.nvariables(), m.nconstraints()), bound=outcome.bound)
    info = SolverInfo(status=outcome.status, gap=outcome.gap if outcome.has_solution else None,
                      build_s=build_s + outcome.handover_s, solve_s=outcome.solve_s)
    if not outcome.has_solution:
        base = baseline_plan(profile, site, jobs, settings, data=data)
        plan = as_fallback(base, outcome.message or f"solver status {outcome.status}", solver=info,
                           solve=facts, warnings=[*base.warnings, *notes])
        if verify:
            say("verifying the plan")
            verify_plan(plan, profile, site, jobs, settings, strict_limits=False)
        return plan
    steps, runs, status = plan_tables(m, data, profile)
    plan = Plan(steps=steps, runs=runs, job_status=status, solver=info,
                objective=objective_terms(steps, status, data.rates), rates=data.rates, kind="optimised",
                warnings=notes, solve=facts, solver_objective=solver_terms(m))
    if verify:
        say("verifying the plan")
        verify_plan(plan, profile, site, jobs, settings)
    return plan


def as_fallback(baseline: Plan, reason: str, *, solver: SolverInfo | None = None, **facts: object) -> Plan:
    """Today's practice standing in for the solver, flagged with the reason: the one fallback policy.

    ``solver`` keeps the timing (and gap) facts of the solve that failed or was rejected (default: the
    baseline's own); ``facts`` set other Plan fields (warnings, solve facts, a rejected objective).
    """
    info = replace(solver or baseline.solver, status="fallback", fallback=True, fallback_reason=reason)
    return replace(baseline, kind="fallback", solver=info, **facts)


#: A solved model: the model, its data, the solve outcome and the model's build seconds.
Solved = tuple[pyo.ConcreteModel, ModelData, SolveOutcome, float]


def cut_off_jobs(m: pyo.ConcreteModel, data: ModelData) -> list[str]:
    """Jobs left partly or wholly unplanned whose late window ends before the horizon does.

    Those jobs might have run later in the horizon, so the windowed model's plan is not known to be
    optimal for them; every other plan the window excludes would run work more than the window late.
    """
    T = data.n_steps
    pre = [job.job_id for j, job in enumerate(data.preemptible)
           if job.end_step < T and (m.u[j].value or 0.0) > 1e-6]
    blk = [grp.job_ids[0] for g, grp in enumerate(data.blocks)
           if grp.end_step < T and (m.v[g].value or 0.0) > 0.5]
    return pre + blk


def _widen(
    cut: list[str],
    first: SolveOutcome,
    left_s: float,
    profile: xr.Dataset,
    site: Site,
    jobs: Sequence[Job],
    settings: PlanSettings,
    handover: Handover,
    extra: Extra | None,
    say: Progress,
    random_seed: int = 0,
) -> tuple[Solved | None, str]:
    """Re-plan with every job allowed to run to the horizon end, in the ``left_s`` the first solve left.

    Returns the wider solve when it found a plan that costs no more than the first (None otherwise)
    and the note that says which plan was kept.
    """
    named = ", ".join(cut[:5]) + (" ..." if len(cut) > 5 else "")
    if left_s < 1.0:
        return None, (f"work of {named} may run more than {settings.late_window_h:g} h late only in a "
                      "re-plan with full windows, and no time was left for it")
    say(f"re-planning with full windows for {named}")
    start = time.perf_counter()
    data = model_data(profile, site, jobs, replace(settings, late_window_h=None))
    m = build(data)
    if extra is not None:
        extra(m, data)
    build_s = time.perf_counter() - start
    solve_s = max(0.5, left_s - build_s)  # the second build counts against the solve time left
    outcome = solve_model(m, time_limit_s=solve_s, rel_gap=settings.rel_gap, handover=handover,
                          random_seed=random_seed)
    if outcome.has_solution and (outcome.objective or 0.0) <= (first.objective or 0.0) + 1e-6:
        return (m, data, outcome, build_s), f"re-planned with full windows for {named}"
    return None, (f"kept the plan with {settings.late_window_h:g} h late windows: the re-plan with full "
                  f"windows for {named} found nothing better in the time left")
