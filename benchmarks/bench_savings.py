"""Savings of the optimised plan against today's practice on the built-in sample queue, split by lever.

    .venv/bin/python -m benchmarks.bench_savings [--sites zhongwei,horinger,shanghai] [--date 2026-07-15]
        [--time-limit 30]

For each site: the sample queue for the day (optimizer.io.sample_queue), today's practice (first come
first served, fixed setpoint, the battery's standard rule) and the plan, through the plan service
(``solve_day``: the same path as ``greendc plan``), and the savings chain's parts (docs/planning.md,
"Where the saving comes from"), with the site's own defaults as ``greendc plan`` takes them (carbon
price, checkpoint overhead). Costs leave lateness penalties out; late work is job-hours late.
Prints one markdown table row per site.
"""

from __future__ import annotations

import argparse
import time

import pandas as pd
from greendc.optimizer.accounting import bill, lateness_hours, plan_kpis
from greendc.optimizer.day.inputs import SITE_DEFAULTS, with_site_defaults
from greendc.optimizer.day.service import solve_day
from greendc.optimizer.io.sample_queue import sample_queue
from greendc.optimizer.types import SAVINGS_COMPONENTS, PlanSettings
from greendc.sites import load_site
from greendc.sites.profile import site_profile

#: Column heads of the savings components.
HEADS = {"battery": "battery", "setpoints": "setpoints", "job_timing": "job timing",
         "demand_charge": "demand charge", "export": "export", "carbon_cost": "carbon cost"}


def main() -> None:
    """Plan one day at each site and print today's practice against the plan, the saving by part."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", default="zhongwei,horinger,shanghai")
    parser.add_argument("--date", default="2026-07-15")
    parser.add_argument("--time-limit", type=float, default=30.0)
    args = parser.parse_args()
    settings = PlanSettings(time_limit_s=args.time_limit)
    heads = " | ".join(HEADS[c] for c in SAVINGS_COMPONENTS)
    print(f"| site | solver | gap | cost plan / baseline | saving | {heads} | job-h late plan / baseline | "
          "carbon saving | PUE plan / baseline | wall |")
    print("|---" * (9 + len(SAVINGS_COMPONENTS)) + "|")
    for site_id in args.sites.split(","):
        site = load_site(site_id)
        day = pd.Timestamp(args.date)
        profile = site_profile(site, None, day, day + pd.Timedelta(hours=24), 15)
        jobs = sample_queue(site, day.tz_localize(site.site.timezone))
        start = time.perf_counter()
        plans = solve_day(profile, site, jobs, with_site_defaults(settings, site, SITE_DEFAULTS))
        wall = time.perf_counter() - start
        plan, base, parts = plans.plan, plans.baseline, plans.savings
        kb, kp = plan_kpis(base.steps, 0.25), plan_kpis(plan.steps, 0.25)
        cb, cp = bill(base.objective), bill(plan.objective)
        nodes = {j.job_id: j.nodes for j in jobs}
        lb, lp = lateness_hours(base.job_status, nodes), lateness_hours(plan.job_status, nodes)
        gap = "-" if plan.solver.gap is None else f"{100 * plan.solver.gap:.2f} %"
        comps = " | ".join(f"{parts.components[c]:,.0f}" if parts else "-" for c in SAVINGS_COMPONENTS)
        carbon = 100 * (kb["carbon_kg"] - kp["carbon_kg"]) / kb["carbon_kg"] if kb["carbon_kg"] else 0.0
        print(f"| {site_id} | {plan.solver.status} | {gap} | {cp:,.0f} / {cb:,.0f} | "
              f"{100 * (cb - cp) / cb:.1f} % | {comps} | {lp['job_hours']:.2f} / {lb['job_hours']:.2f} | "
              f"{carbon:.1f} % | {kp['pue']:.3f} / {kb['pue']:.3f} | {wall:.0f} s |", flush=True)


if __name__ == "__main__":
    main()
