"""The savings chain: the plan's saving against today's practice, split lever by lever.

Today's practice (``day.baseline``) and the plan differ in three levers. The chain adds them one at a
time, each step a solve of the same problem (the plan's ``ModelData``) with the levers not yet added
fixed to today's practice:

1. **battery**: the jobs where today's practice runs them, the setpoint at the baseline level, the
   battery optimised;
2. **setpoints**: the jobs as today, setpoints and battery optimised;
3. **job timing**: everything optimised: the plan itself.

"The jobs as today" is the problem with its jobs replaced by the load today's practice's jobs draw
(their power over idle nodes added to the firm load at each step, ``jobs_as_load``): the model then
has no job decisions left, only setpoints, battery and grid, and obeys the same meter, battery and
setpoint rules. ``accounting.savings_breakdown`` turns the chain into components that add up to the
saving without lateness penalties exactly (each lever's energy cost; demand charge, export revenue
and carbon cost as wholes). The order matters (a battery's value depends on the load it serves);
this one adds the levers from the one a site changes most easily to the one that asks most of its
users. A chain step whose solve gives no plan is left out (its effect falls to the next lever) and a
note says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import xarray as xr
from greendc.optimizer.accounting import savings_breakdown
from greendc.optimizer.day.baseline import baseline_job_load
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


def jobs_as_load(data: ModelData, extra_kw: np.ndarray) -> ModelData:
    """The problem with its jobs fixed as a load: ``extra_kw`` (their power over idle nodes) added to the
    firm load, no job decisions. [-]"""
    return replace(data, firm_kw=data.firm_kw + extra_kw, preemptible=(), blocks=(), unplannable=())


def one_level(data: ModelData, level: int) -> ModelData:
    """The problem with the setpoint held at ``level``: that level's cooling and fan data only."""
    keep = [level]
    extra = {"baseline_level": 0} if hasattr(data, "baseline_level") else {}
    return replace(data, levels_c=data.levels_c[keep], cooling_kw_per_kw=data.cooling_kw_per_kw[:, keep],
                   fan_uplift=data.fan_uplift[keep], **extra)


def savings_chain(profile: xr.Dataset, site: Site, jobs: Sequence[Job], settings: PlanSettings,
                  baseline: Plan, plan: Plan, *, data: ModelData | None = None,
                  progress: Progress | None = None) -> SavingsBreakdown:
    """Today's practice, + battery, + setpoints, + job timing (the plan), and the saving split by them.

    ``data`` is the plan's ``ModelData`` when the caller has it. The chain's middle plans have a time
    limit of their own (``CHAIN_STEP_LIMIT_S``, at most the plan's). A fallback plan is today's
    practice: its chain is two equal plans and every part is 0.
    """
    say = progress or (lambda _text: None)
    chain = [ChainStep("baseline", dict(baseline.objective), "baseline")]
    notes: list[str] = []
    if not plan.solver.fallback:
        limit = replace(settings, time_limit_s=min(settings.time_limit_s, CHAIN_STEP_LIMIT_S))
        data = data if data is not None else model_data(profile, site, jobs, settings)
        extra_kw, level = baseline_job_load(profile, site, jobs, data)
        fixed = jobs_as_load(data, extra_kw)
        steps = (("battery", one_level(fixed, level)), ("setpoints", fixed)) if data.battery is not None \
            else (("setpoints", fixed),)
        for lever, lever_data in steps:
            say(f"savings chain: + {lever}")
            step = make_plan(profile, site, [], limit, data=lever_data, widen=False, verify=False)
            if step.solver.fallback:
                notes.append(f"+ {lever}: no plan with the jobs as today ({step.solver.fallback_reason}); "
                             "its saving falls to the next lever")
                continue
            chain.append(ChainStep(lever, dict(step.objective), step.solver.status))
    chain.append(ChainStep("job_timing", dict(plan.objective), "plan"))
    return savings_breakdown(chain, notes)
