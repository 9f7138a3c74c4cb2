"""What the year LP's one-meter repair costs: its bound gap on whole years, and its true loss on weeks.

    .venv/bin/python -m benchmarks.bench_meter [--sites zhongwei,horinger] [--weeks 12] [--mip-limit 60]

For each site and built-in on-site scenario (sizes chosen, training flexible), the optimum's year LP
(``year_solve.solve_year``): how much the first LP resold through the meter (MWh), the LPs solved,
the seconds, and the repaired objective against the first LP's (the bound; docs/model.md, "Meter
rules"). Then, with the sizes fixed at that year's optimum, ``--weeks`` weeks spread over the year
(168 steps each, cut from the same problem) are solved three ways: the relaxed LP (the bound), the
repair, and the exact mixed-integer model with a binary per step (HiGHS MIP), so the repair's true
loss is measured, not only bounded.
"""

from __future__ import annotations

import argparse
import dataclasses
import time

import highspy
import numpy as np
from greendc.optimizer.study.cases import case_problem, site_inputs
from greendc.optimizer.study.matrix import INF
from greendc.optimizer.study.problem import MeterFix, YearProblem, fixed_sizes
from greendc.optimizer.study.scenarios import default_scenarios
from greendc.optimizer.study.year_constraints import build_lp
from greendc.optimizer.study.year_solve import export_possible, solve_year

WEEK_STEPS = 168


def week_of(p: YearProblem, start: int, sizes: dict[str, float]) -> YearProblem:
    """The problem's steps start..start+167 with sizes fixed (every per-step array cut alike)."""
    cut = {
        f.name: getattr(p, f.name)[start : start + WEEK_STEPS]
        for f in dataclasses.fields(p)
        if isinstance(getattr(p, f.name), np.ndarray) and len(getattr(p, f.name)) == p.steps
    }
    return dataclasses.replace(p, **cut, sizes=fixed_sizes(sizes))


def exact_objective(p: YearProblem, time_limit_s: float) -> tuple[float, float]:
    """The one-meter rule with a binary z_t per step where export is possible (HiGHS MIP):
    exp_t <= M z_t and imp_t + dis_t - ch_t <= M (1 - z_t). Returns (objective, MIP gap)."""
    lp, lay = build_lp(p, MeterFix.free(p.steps))
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("time_limit", float(time_limit_s))
    h.passModel(lp)
    steps = np.flatnonzero(export_possible(p))
    big_kw = min(p.import_limit_kw, 1e7) + p.sizes.battery_kw[1] + p.export_limit_kw
    first = lay.size
    h.addVars(len(steps), np.zeros(len(steps)), np.ones(len(steps)))
    h.changeColsIntegrality(
        len(steps), np.arange(first, first + len(steps), dtype=np.int32),
        np.full(len(steps), highspy.HighsVarType.kInteger),
    )
    for k, t in enumerate(steps):
        z = first + k
        h.addRow(-INF, 0.0, 2, np.array([lay.index("exp")[t], z], dtype=np.int32), np.array([1.0, -big_kw]))
        cols, vals = [lay.index("imp")[t], z], [1.0, big_kw]
        if p.has_battery:
            cols += [lay.index("ch")[t]] + ([] if p.storage_export else [lay.index("dis")[t]])
            vals += [-1.0] + ([] if p.storage_export else [1.0])
        h.addRow(-INF, big_kw, len(cols), np.array(cols, dtype=np.int32), np.array(vals))
    h.run()
    info = h.getInfo()
    return float(info.objective_function_value), float(info.mip_gap)


def main() -> None:
    """Print the year table, then the weeks' table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--sites", default="zhongwei,horinger")
    parser.add_argument("--weeks", type=int, default=12)
    parser.add_argument("--mip-limit", type=float, default=60.0)
    args = parser.parse_args()
    print("| site | scenario | resold by the first LP (MWh) | LPs | s | bound | repaired | gap |")
    print("|---|---|---|---|---|---|---|---|")
    weeks = []
    for site in args.sites.split(","):
        inputs = site_inputs(site, 2025, 0)
        for scenario in default_scenarios():
            if "onsite" not in scenario.name:
                continue
            p, _ = case_problem(inputs, scenario, bau=False)
            t0 = time.perf_counter()
            result = solve_year(p)
            seconds = time.perf_counter() - t0
            first = result.meter_resold_kwh / 1000.0
            gap = (result.objective - result.meter_bound) / abs(result.meter_bound)
            print(f"| {site} | {scenario.name} | {first:,.0f} | {result.lp_solves} | {seconds:.1f} | "
                  f"{result.meter_bound:,.0f} | {result.objective:,.0f} | {100 * gap:.3f} % |")
            for start in np.linspace(0, p.steps - WEEK_STEPS, args.weeks).astype(int):
                weeks.append((site, scenario.name, int(start), week_of(p, int(start), result.sizes)))
    print()
    print("| site | scenario | week from step | bound | repaired | exact (MIP) | MIP gap | repair loss |")
    print("|---|---|---|---|---|---|---|---|")
    losses = []
    for site, name, start, week in weeks:
        repaired = solve_year(week)
        exact, mip_gap = exact_objective(week, args.mip_limit)
        loss = (repaired.objective - exact) / abs(exact)
        losses.append(loss)
        print(f"| {site} | {name} | {start} | {repaired.meter_bound:,.0f} | {repaired.objective:,.0f} | "
              f"{exact:,.0f} | {100 * mip_gap:.2f} % | {100 * loss:.3f} % |")
    print(f"\nrepair loss against the exact MIP over {len(losses)} weeks: median "
          f"{100 * float(np.median(losses)):.3f} %, worst {100 * max(losses):.3f} %")


if __name__ == "__main__":
    main()
