"""Where the planning MILP's solve time goes: the rounding start against HiGHS's own search, per seed.

    .venv/bin/python -m benchmarks.root_time [--seeds 5] [--steps 96] [--jobs 200] [--option NAME=VALUE ...]

Runs the same hand-over and start as ``greendc.optimizer.day.highs_runner`` (in one process, no watchdog) and
prints, per seed, the start's seconds, the MIP's seconds, its nodes and gap, and whether the start was
already the optimum HiGHS proves. ``--option`` sets a HiGHS option for the MIP (repeatable), to try
levers such as ``mip_heuristic_effort=0``.
"""

from __future__ import annotations

import argparse
import statistics
import time

import highspy
from greendc.optimizer.day.highs_runner import MatrixRunner
from greendc.optimizer.day.model import build, model_data
from greendc.optimizer.day.relax_and_fix import rounding_start
from greendc.optimizer.types import PlanSettings

from benchmarks.cases import benchmark_jobs, benchmark_profile


def parse_option(text: str) -> tuple[str, bool | float | str]:
    """NAME=VALUE as a HiGHS option: true/false, a number, or a string."""
    name, _, raw = text.partition("=")
    if raw.lower() in {"true", "false"}:
        return name, raw.lower() == "true"
    try:
        return name, float(raw)
    except ValueError:
        return name, raw


def time_seed(
    seed: int, steps: int, jobs: int, options: list[tuple[str, bool | float | str]]
) -> dict[str, float]:
    """Start and MIP seconds of one seeded instance, as ``solve_model`` runs them. [s]"""
    profile, site = benchmark_profile(steps)
    queue = benchmark_jobs(site, profile, jobs, seed=seed)
    m = build(model_data(profile, site, queue, PlanSettings(time_limit_s=10.0, rel_gap=1e-3)))
    runner = MatrixRunner(m)
    h = runner.highs
    for name, value in (("threads", 1), ("random_seed", 0), ("mip_rel_gap", 1e-3), *options):
        if h.setOptionValue(name, value) != highspy.HighsStatus.kOk:
            raise SystemExit(f"HiGHS refused the option {name}={value}")
    started = time.perf_counter()
    start = rounding_start(h, runner.hint, 10.0) if runner.hint is not None else None
    between = time.perf_counter()
    h.setOptionValue("time_limit", 10.0)
    h.run()
    info = h.getInfo()
    final = runner.worth(h.getSolution().col_value)
    return {
        "start_s": between - started,
        "mip_s": time.perf_counter() - between,
        "nodes": float(info.mip_node_count),
        "gap": float(info.mip_gap),
        "start_is_optimum": float(
            start is not None and abs(runner.worth(start) - final) <= 1e-6 * abs(final)
        ),
    }


def main() -> None:
    """Print the split per seed and the median total."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=96)
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--option", action="append", default=[], type=parse_option)
    args = parser.parse_args()
    totals = []
    for seed in range(args.seeds):
        t = time_seed(seed, args.steps, args.jobs, args.option)
        totals.append(t["start_s"] + t["mip_s"])
        print(
            f"  {args.steps} x {args.jobs} seed {seed}: start {t['start_s']:.2f} s, MIP {t['mip_s']:.2f} s, "
            f"{t['nodes']:.0f} node(s), gap {t['gap']:.3%}, "
            f"start is the optimum: {bool(t['start_is_optimum'])}"
        )
    print(f"median start + MIP {statistics.median(totals):.2f} s; options {args.option or 'none'}")


if __name__ == "__main__":
    main()
