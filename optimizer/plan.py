"""One plan end to end: inputs -> model -> HiGHS -> results -> verification (the fallback when needed).

``make_plan`` never returns an unverified plan: the solver's plan, or when no solution comes within
the wall-clock limit, today's practice (``optimizer.baseline``) flagged ``fallback`` with the reason.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, replace

import pyomo.environ as pyo
import xarray as xr

from optimizer.accounting import objective_terms
from optimizer.model import ModelData, build, model_data
from optimizer.model.results import plan_tables, solver_terms
from optimizer.solve import Handover, SolveOutcome, solve_model
from optimizer.types import Job, Plan, PlanSettings, SolverInfo
from optimizer.verify import verify_plan
from sites.model import Site

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
) -> Plan:
    """The verified plan for the profile's horizon: optimised, or the baseline as a flagged fallback."""
    say = progress or (lambda _message: None)
    say("building the model")
    start = time.perf_counter()
    timings: dict[str, float] = {}
    data = model_data(profile, site, jobs, settings)
    m = build(data, timings)
    if extra is not None:
        extra(m, data)
    build_s = time.perf_counter() - start
    say(f"solving ({settings.time_limit_s:g} s limit, gap {settings.rel_gap:g})")
    outcome = solve_model(m, time_limit_s=settings.time_limit_s, rel_gap=settings.rel_gap, handover=handover)
    say("verifying the plan")
    facts = {
        "build_stage_s": timings,
        "handover_s": outcome.handover_s,
        "rates": asdict(data.rates),
        "model_size": {"variables": m.nvariables(), "constraints": m.nconstraints()},
        "bound": outcome.bound,
        "warnings": model_warnings(settings),
    }
    if not outcome.has_solution:
        plan = fallback_plan(profile, site, jobs, settings, outcome, build_s + outcome.handover_s)
        kept = list(plan.extra.get("warnings", []))  # type: ignore[call-overload]
        plan.extra.update(facts)
        plan.extra["warnings"] = kept + model_warnings(settings)
        verify_plan(plan, profile, site, jobs, settings, strict_limits=False)
        return plan
    steps, runs, status = plan_tables(m, data, profile)
    plan = Plan(
        steps=steps,
        runs=runs,
        job_status=status,
        objective=objective_terms(steps, status, data.rates),
        solver=SolverInfo(
            status=outcome.status,
            gap=outcome.gap,
            build_s=build_s + outcome.handover_s,
            solve_s=outcome.solve_s,
        ),
        extra={"kind": "optimised", "solver_objective": solver_terms(m), **facts},
    )
    verify_plan(plan, profile, site, jobs, settings)
    return plan


def fallback_plan(
    profile: xr.Dataset,
    site: Site,
    jobs: Sequence[Job],
    settings: PlanSettings,
    outcome: SolveOutcome,
    build_s: float,
) -> Plan:
    """Today's practice, flagged as a fallback with the solver's reason (always a valid plan)."""
    from optimizer.baseline import baseline_plan

    plan = baseline_plan(profile, site, jobs, settings)
    reason = outcome.message or f"solver status {outcome.status}"
    plan.solver = replace(
        plan.solver,
        status="fallback",
        gap=None,
        build_s=build_s,
        solve_s=outcome.solve_s,
        fallback=True,
        fallback_reason=reason,
    )
    plan.extra["kind"] = "fallback"
    return plan


def model_warnings(settings: PlanSettings) -> list[str]:
    """What the model leaves out for these settings, said in the plan rather than silently ignored."""
    if settings.checkpoint_overhead_h > 0:
        return [
            f"checkpoint overhead of {settings.checkpoint_overhead_h:g} h per resume is not modelled yet; "
            "preemptible jobs are planned without it"
        ]
    return []
