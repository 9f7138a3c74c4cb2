"""The plan service: the one path from checked inputs to a plan and its folder.

``greendc plan``, the nightly, the dashboard's What-if and the rolling year all plan a day here:

* ``solve_day``: one problem object (``ModelData``) built once and shared by the baseline (today's
  practice), the plan (``day.plan.make_plan``) and the Pareto points; the baseline guard
  (``no_worse_than_baseline``) and the one fallback policy (``day.plan.as_fallback``) applied here;
  the late jobs' reasons checked against the plan (``day.lateness.honest_reasons``) and the saving
  split lever by lever (``day.savings.savings_chain``);
* ``plan_site_day``: the site profile of the inputs' horizon, ``solve_day``, plan.json's model
  (``io.planjson.PlanMeta``) and the plan folder written once, complete, with its report (rendered
  by the caller's ``render_report``: the optimizer does not import the dashboard) and any exports.

The verifier stays independent: it builds its own view of the problem from the inputs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import xarray as xr
from greendc.optimizer.accounting import lateness_hours
from greendc.optimizer.day.baseline import baseline_plan
from greendc.optimizer.day.inputs import PlanInputs, check_out_dir, collected_warnings, profile_for
from greendc.optimizer.day.lateness import honest_reasons
from greendc.optimizer.day.model import model_data
from greendc.optimizer.day.pareto import pareto_plans
from greendc.optimizer.day.plan import Extra, Progress, as_fallback, make_plan
from greendc.optimizer.day.savings import METHOD, savings_chain
from greendc.optimizer.day.verify import verify_plan
from greendc.optimizer.io.planfolder import (
    ReportRenderer,
    input_digests,
    input_files,
    pareto_point,
    plan_metadata,
    write_folder,
)
from greendc.optimizer.io.planjson import ChainStepMeta, ParetoPoint, PlanMeta
from greendc.optimizer.types import Job, Plan, PlanSettings, SavingsBreakdown
from greendc.sites.model import Site

#: Text files a caller adds to the plan folder, made from the final plan (the nightly's BMS and Slurm files).
Exports = Callable[[Plan], Mapping[str, str]]
#: Why a heuristic-only run is flagged.
HEURISTIC_ONLY = "heuristic-only run (no solver)"


@dataclass(frozen=True)
class DayPlans:
    """A solved day: the plan (guarded against the baseline), the baseline and the cost-carbon front."""

    plan: Plan
    baseline: Plan
    front: list[ParetoPoint] = field(default_factory=list)
    savings: SavingsBreakdown | None = None
    """The saving split lever by lever (``day.savings``); None for a heuristic-only run. [-]"""


@dataclass
class PlanOutcome:
    """A finished plan: where it was written, the plan, the baseline and plan.json's model."""

    folder: Path
    plan: Plan
    baseline: Plan
    meta: PlanMeta
    warnings: list[str]
    input_files: dict[str, bytes] = field(default_factory=dict)
    """The files of the folder's inputs/ (planfolder.input_files). [-]"""

    def facts(self) -> dict[str, Any]:
        """Solver facts and headline KPIs as plain data (the nightly run history records these)."""
        meta, solver = self.meta, self.plan.solver
        return {
            "fallback": solver.fallback, "fallback_reason": solver.fallback_reason,
            "solver_status": solver.status, "gap": solver.gap, "build_s": solver.build_s,
            "solve_s": solver.solve_s,
            "kpis": {"objective_total": meta.objective["total"], "energy_kwh": meta.kpis["facility_kwh"],
                     "carbon_kg": meta.kpis["carbon_kg"], "pue": meta.kpis["pue"],
                     "cost_saving": meta.savings["cost"], "carbon_saving_kg": meta.savings["carbon_kg"],
                     "renewable_share": meta.kpis["renewable_share"], "late_jobs": meta.late_jobs},
        }


def no_worse_than_baseline(plan: Plan, baseline: Plan) -> Plan:
    """The plan, or today's practice when the solver's plan costs more, with the reason.

    A solve stopped by its time limit can return an incumbent dearer than the baseline (seen at 8 s on
    large sites): today's practice is kept, flagged as a fallback. A proven optimum can cost more too,
    by a few currency units, since today's practice is not bound by the step grid (a job ends when its
    work is done, between steps): today's practice is then the best plan known, kept as kind
    "baseline", not a fallback, with the solver's status and a warning that says why.
    """
    if plan.solver.fallback or plan.objective["total"] <= baseline.objective["total"] + 1e-6:
        return plan
    solver = plan.solver
    gap = "" if solver.gap is None else f", gap {100 * solver.gap:.1f} %"
    cost, base_cost = plan.objective["total"], baseline.objective["total"]
    if solver.status == "optimal":
        note = (f"today's practice ({base_cost:,.2f}) costs less than the best plan on the step grid "
                f"({cost:,.2f}, optimal{gap}): today's practice kept")
        return replace(baseline, kind="baseline", solver=solver, warnings=[*baseline.warnings, note],
                       rejected_objective=dict(plan.objective))
    reason = (f"the solver's best plan ({solver.status}{gap}) costs "
              f"{cost:,.0f}, more than today's practice ({base_cost:,.0f}); today's practice kept")
    return as_fallback(baseline, reason, solver=solver, objective=dict(baseline.objective),
                       rejected_objective=dict(plan.objective))


def heuristic_plan(profile: xr.Dataset, site: Site, jobs: Sequence[Job], settings: PlanSettings,
                   baseline: Plan, reason: str = HEURISTIC_ONLY) -> Plan:
    """Today's practice flagged as a fallback, verified (no solver): the nightly's retry after a crash."""
    plan = as_fallback(baseline, reason)
    verify_plan(plan, profile, site, jobs, settings, strict_limits=False)
    return plan


def solve_day(profile: xr.Dataset, site: Site, jobs: Sequence[Job], settings: PlanSettings, *,
              pareto: int = 0, heuristic_only: bool = False, progress: Progress | None = None,
              savings: bool = True) -> DayPlans:
    """Baseline, plan and front of one day on one problem object, the plan guarded by the baseline,
    its late jobs' reasons checked and (``savings``) its saving split lever by lever."""
    say = progress or (lambda _text: None)
    data = model_data(profile, site, jobs, settings)
    say(f"baseline: {len(jobs)} jobs as today")
    baseline = baseline_plan(profile, site, jobs, settings, data=data)
    if heuristic_only:
        return DayPlans(heuristic_plan(profile, site, jobs, settings, baseline), baseline)
    front: list[ParetoPoint] = []
    if pareto <= 0:
        plan = make_plan(profile, site, jobs, settings, progress=say, data=data)
    else:
        say(f"cost-carbon front: {pareto} plans")
        plans = pareto_plans(profile, site, jobs, settings, pareto, progress=say, data=data)
        plan, front = plans[0], [pareto_point(p) for p in plans]
    plan = no_worse_than_baseline(plan, baseline)
    if not plan.solver.fallback:
        status = honest_reasons(plan.job_status, plan.steps, plan.runs, data, baseline.job_status,
                                proven=plan.solver.status == "optimal")
        plan = replace(plan, job_status=status)
    breakdown = savings_chain(profile, site, jobs, settings, baseline, plan, data=data, progress=say) \
        if savings else None
    return DayPlans(plan, baseline, front, breakdown)


def savings_meta(meta: PlanMeta, day: DayPlans, jobs: Sequence[Job]) -> PlanMeta:
    """plan.json's savings with the lateness of both plans and, when made, the lever-by-lever breakdown."""
    nodes = {job.job_id: job.nodes for job in jobs}
    late_plan = lateness_hours(day.plan.job_status, nodes)
    late_base = lateness_hours(day.baseline.job_status, nodes)
    update: dict[str, Any] = {
        "job_hours_late": {"plan": late_plan["job_hours"], "baseline": late_base["job_hours"]},
        "node_hours_late": {"plan": late_plan["node_hours"], "baseline": late_base["node_hours"]},
    }
    if day.savings is not None:
        update |= {"components": dict(day.savings.components), "method": METHOD,
                   "by_lever": {k: dict(v) for k, v in day.savings.by_lever.items()},
                   "chain": [ChainStepMeta(lever=c.lever, objective=c.objective, status=c.status)
                             for c in day.savings.chain],
                   "notes": list(day.savings.notes)}
    savings = type(meta.savings).model_validate({**meta.savings.model_dump(), **update})
    return meta.model_copy(update={"savings": savings})


def solve_rolling_day(profile: xr.Dataset, site: Site, jobs: Sequence[Job], settings: PlanSettings,
                      extra: Extra) -> Plan:
    """A rolling-year day: the service's solve path with the year's model additions, unverified and not
    re-planned with full windows (the settled year is checked instead, optimizer/study/rolling.py)."""
    return make_plan(profile, site, jobs, settings, extra=extra, widen=False, verify=False)


def plan_site_day(inputs: PlanInputs, out: Path, *, pareto: int = 0, progress: Progress | None = None,
                  heuristic_only: bool = False, render_report: ReportRenderer | None = None,
                  exports: Exports | None = None, run_times: bool = True) -> PlanOutcome:
    """Profile, baseline, plan (and front), then the plan folder at ``out``, written once, atomically.

    ``render_report`` makes report.html from plan.json; ``exports`` adds files made from the final plan;
    ``run_times=False`` leaves the solver's seconds out of plan.json (equal inputs give equal bytes).
    """
    say = progress or (lambda _text: None)
    check_out_dir(out)
    say(f"site profile: {inputs.site.id}, {inputs.plan_date}, "
        f"{'weather file' if inputs.weather is not None else 'synthetic weather year'}")
    profile_notes: list[str] = []
    with collected_warnings(profile_notes):  # e.g. a weather file far from the site
        profile = profile_for(inputs)
    day = solve_day(profile, inputs.site, inputs.jobs, inputs.settings, pareto=pareto,
                    heuristic_only=heuristic_only, progress=say)
    notes = [*inputs.warnings, *profile_notes, *(str(w) for w in day.plan.warnings if w)]
    plan = replace(day.plan, warnings=notes)
    say(f"writing the plan folder {out}")
    files = input_files(inputs.jobs, profile, inputs.site_toml)  # what a re-plan (What-if) starts from
    meta = plan_metadata(plan=plan, baseline=day.baseline, site=inputs.site, profile=profile,
                         settings=inputs.settings, inputs=inputs.digests,
                         plan_date=inputs.plan_date.isoformat(), pareto=day.front)
    meta = savings_meta(meta, day, inputs.jobs).model_copy(update={"input_files": input_digests(files)})
    meta = meta if run_times else meta.without_run_times()
    folder = write_folder(out, meta.to_json(), plan.steps, plan.runs, render_report, inputs=files,
                          exports=exports(plan) if exports is not None else None)
    return PlanOutcome(folder, plan, day.baseline, meta, notes, files)
