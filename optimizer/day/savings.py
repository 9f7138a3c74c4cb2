"""The savings chain: the plan's saving against today's practice, split lever by lever.

Today's practice (``day.baseline``) and the plan differ in three levers. The chain adds them one at a
time, each step a solve of the same problem with the levers not yet added fixed to today's practice:

1. **battery**: the jobs where today's practice runs them, the setpoint at the baseline level, the
   battery optimised;
2. **setpoints**: the jobs as today, setpoints and battery optimised;
3. **job timing**: everything optimised: the plan itself.

``accounting.savings_breakdown`` turns the chain into components that add up to the saving without
lateness penalties exactly (each lever's energy cost; demand charge, export revenue and carbon cost
as wholes). The order matters (a battery's value depends on the load it serves); this one adds the
levers from the one a site changes most easily to the one that asks most of its users. A chain step
whose solve gives no plan is left out (its effect falls to the next lever) and a note says so.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pyomo.environ as pyo
import xarray as xr
from greendc.optimizer.accounting import savings_breakdown
from greendc.optimizer.day.baseline import baseline_placements
from greendc.optimizer.day.model.data import ModelData, model_data
from greendc.optimizer.day.plan import Progress, make_plan
from greendc.optimizer.types import ChainStep, Job, Plan, PlanSettings, SavingsBreakdown
from greendc.sites.model import Site

#: How the components are made, as plan.json's ``savings.method`` says it.
METHOD = ("chain of plans adding one lever at a time, each solved with the levers not yet added fixed to "
          "today's practice: baseline -> + battery -> + setpoints -> + job timing (= the plan); each lever "
          "is credited with the energy cost it saves, demand charge, export revenue and carbon cost as "
          "wholes; lateness penalties are not savings")
#: Longest solve of one chain step (the jobs are fixed, so it is small). [s]
CHAIN_STEP_LIMIT_S = 20.0


def fix_jobs(starts: dict[str, int], data: ModelData) -> None:
    """A model hook (``make_plan``'s ``extra``) that fixes every job where today's practice runs it.

    ``starts`` maps a job id to its baseline start step (-1: not run). A preemptible job runs whole
    steps from its start for its run time (cut at the horizon end), a block group's starts are counted.
    """
    def hook(m: pyo.ConcreteModel, d: ModelData) -> None:
        for j, job in enumerate(d.preemptible):
            start = starts.get(job.job_id, -1)
            need = max(1, int(np.ceil(job.hours / d.step_h - 1e-9)))
            run = set(range(start, min(start + need, d.n_steps))) if start >= 0 else set()
            for t in job.steps:
                m.x[j, t].fix(1.0 if t in run else 0.0)
        for g, grp in enumerate(d.blocks):
            counts = Counter(starts.get(job_id, -1) for job_id in grp.job_ids)
            for s in grp.starts:
                m.n[g, s].fix(counts.get(s, 0))
            m.v[g].fix(counts.get(-1, 0))

    return hook  # type: ignore[return-value]


def one_level(data: ModelData, level: int) -> ModelData:
    """The problem with the setpoint held at ``level``: that level's cooling and fan data only."""
    keep = [level]
    extra = {"baseline_level": 0} if hasattr(data, "baseline_level") else {}
    return replace(data, levels_c=data.levels_c[keep], cooling_kw_per_kw=data.cooling_kw_per_kw[:, keep],
                   fan_uplift=data.fan_uplift[keep], **extra)


def savings_chain(profile: xr.Dataset, site: Site, jobs: Sequence[Job], settings: PlanSettings,
                  baseline: Plan, plan: Plan, *, progress: Progress | None = None) -> SavingsBreakdown:
    """Today's practice, + battery, + setpoints, + job timing (the plan), and the saving split by them.

    The chain's middle plans solve the problem with full late windows (today's practice may run a job
    later than a window allows) and a time limit of their own (``CHAIN_STEP_LIMIT_S``, at most the
    plan's). A fallback plan is today's practice: its chain is two equal plans and every part is 0.
    """
    say = progress or (lambda _text: None)
    chain = [ChainStep("baseline", dict(baseline.objective), "baseline")]
    notes: list[str] = []
    if not plan.solver.fallback:
        limit = min(settings.time_limit_s, CHAIN_STEP_LIMIT_S)
        wide = replace(settings, late_window_h=None, time_limit_s=limit)
        data = model_data(profile, site, jobs, wide)
        starts, level = baseline_placements(profile, site, jobs, data)
        hook = fix_jobs(starts, data)
        steps = (("battery", one_level(data, level)), ("setpoints", data)) if data.battery is not None \
            else (("setpoints", data),)
        for lever, lever_data in steps:
            say(f"savings chain: + {lever}")
            try:
                step = make_plan(profile, site, jobs, wide, extra=hook, data=lever_data, widen=False,
                                 verify=False)
            except (ValueError, KeyError, RuntimeError) as exc:  # a fixed run the model cannot hold
                notes.append(f"+ {lever}: no plan with the jobs fixed as today ({exc}); its saving falls "
                             "to the next lever")
                continue
            if step.solver.fallback:
                notes.append(f"+ {lever}: no plan with the jobs fixed as today ({step.solver.fallback_reason});"
                             " its saving falls to the next lever")
                continue
            chain.append(ChainStep(lever, dict(step.objective), step.solver.status))
    chain.append(ChainStep("job_timing", dict(plan.objective), "plan"))
    return savings_breakdown(chain, notes)
