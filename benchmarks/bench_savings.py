"""Savings of the optimised plan against today's practice on the built-in sample queue at three sites.

    .venv/bin/python -m benchmarks.bench_savings [--sites qingyang,horinger,shaoguan] [--date 2026-07-15]

For each site: the sample queue for the day (optimizer.io.sample_queue), the baseline and the optimised
plan (60 s limit, gap 0.1 %), and their cost, carbon, PUE and peak import, with the savings in %.
"""

from __future__ import annotations

import argparse

import pandas as pd
from greendc.optimizer.accounting import plan_kpis
from greendc.optimizer.day.baseline import baseline_plan
from greendc.optimizer.day.plan import make_plan
from greendc.optimizer.io.sample_queue import sample_queue
from greendc.optimizer.types import PlanSettings
from greendc.sites import load_site
from greendc.sites.profile import site_profile


def main() -> None:
    """Plan one day at each site and print baseline vs optimised figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", default="qingyang,horinger,shaoguan")
    parser.add_argument("--date", default="2026-07-15")
    parser.add_argument("--two-meters", action="store_true")
    args = parser.parse_args()
    settings = PlanSettings(time_limit_s=60.0, simultaneous_import_export=args.two_meters)
    print(
        "| site | cost baseline | cost plan | saving | carbon t base -> plan | PUE base -> plan | "
        "peak MW base -> plan | solver |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for site_id in args.sites.split(","):
        site = load_site(site_id)
        day = pd.Timestamp(args.date)
        profile = site_profile(site, None, day, day + pd.Timedelta(hours=24), 15)
        jobs = sample_queue(site, day.tz_localize(site.site.timezone))
        base = baseline_plan(profile, site, jobs, settings)
        plan = make_plan(profile, site, jobs, settings)
        kb, kp = plan_kpis(base.steps, 0.25), plan_kpis(plan.steps, 0.25)
        cb, cp = base.objective["total"], plan.objective["total"]
        gap = "n/a" if plan.solver.gap is None else f"{100 * plan.solver.gap:.2f} %"
        print(
            f"| {site_id} | {cb:,.0f} | {cp:,.0f} | {100 * (cb - cp) / cb:.1f} % | "
            f"{kb['carbon_kg'] / 1000:.1f} -> {kp['carbon_kg'] / 1000:.1f} | "
            f"{kb['pue']:.3f} -> {kp['pue']:.3f} | "
            f"{kb['peak_import_kw'] / 1000:.1f} -> {kp['peak_import_kw'] / 1000:.1f} | "
            f"{plan.solver.status}, gap {gap}, {plan.solver.build_s + plan.solver.solve_s:.1f} s |"
        )


if __name__ == "__main__":
    main()
