"""Where the planning MILP's root gap comes from: LP bounds of one benchmark instance, with and without
the one-meter cuts, without the whole-slot work cut and the aggregate late-work row (issue 15),
and with the meter directions fixed to import, against the MILP optimum.

    .venv/bin/python -m benchmarks.root_bounds [--seed 1] [--steps 96] [--jobs 200]
"""

from __future__ import annotations

import argparse

import pyomo.environ as pyo
from greendc.optimizer.day.model import build, model_data
from greendc.optimizer.day.solve import solve_model
from greendc.optimizer.types import PlanSettings

from benchmarks.cases import benchmark_jobs, benchmark_profile


def lp_bound(data: object, *, cuts: bool = True, job_cuts: bool = True, import_mode: bool = False) -> float:
    """Objective of the LP relaxation (integers relaxed), optionally without the meter cuts, without
    the job rows (whole-slot work, aggregate late work) or in import mode."""
    m = build(data)  # type: ignore[arg-type]
    if not cuts and hasattr(m, "c_import_cut"):
        m.c_import_cut.deactivate()
        m.c_export_cut.deactivate()
    if not job_cuts:
        for name in ("c_work_round", "c_late_work"):
            if hasattr(m, name):
                getattr(m, name).deactivate()
    if import_mode:
        for var in m.grid_mode.values():
            var.fix(1)
    pyo.TransformationFactory("core.relax_integer_vars").apply_to(m)
    out = solve_model(m, time_limit_s=120.0, rel_gap=1e-9, rounding=False)
    assert out.objective is not None, out.message
    return out.objective


def main() -> None:
    """Print the bounds and the optimum for one seeded instance."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--steps", type=int, default=96)
    parser.add_argument("--jobs", type=int, default=200)
    args = parser.parse_args()
    profile, site = benchmark_profile(args.steps)
    data = model_data(profile, site, benchmark_jobs(site, profile, args.jobs, seed=args.seed), PlanSettings())
    best = solve_model(build(data), time_limit_s=120.0, rel_gap=1e-4)
    assert best.objective is not None, best.message
    print(f"{args.steps} x {args.jobs}, seed {args.seed}: MILP {best.status} {best.objective:,.2f} "
          f"(gap {100 * (best.gap or 0):.3f} %)")
    for label, kwargs in (("LP, no meter cuts", {"cuts": False}),
                          ("LP, no whole-slot or late-work rows", {"job_cuts": False}),
                          ("LP, meter cuts", {}),
                          ("LP, meter cuts, import mode fixed", {"import_mode": True})):
        bound = lp_bound(data, **kwargs)
        print(f"  {label:36s} {bound:,.2f}  ({100 * (best.objective - bound) / best.objective:+.3f} % below)")


if __name__ == "__main__":
    main()
