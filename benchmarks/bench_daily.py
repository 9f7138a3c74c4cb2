"""Daily-fidelity benchmark: one site-year of the daily MILP on a rolling horizon, against 5 minutes.

    .venv/bin/python benchmarks/bench_daily.py [--site zhongwei] [--scenario high-onsite]
        [--forecast-error 1.0] [--workers 2] [--skip-serial]

Three measurements of the same site-year (synthetic year 2025, seed 0):

1. serial: the setup (aggregate LPs for business as usual and the sizes) and the twelve months one
   after the other in this process (``greendc.optimizer.study.rolling.simulate``'s path), with the per-day
   build and solve seconds;
2. dask: the study as ``greendc compare --fidelity daily`` runs it, on a local Dask cluster of
   ``--workers`` processes (cluster start included): setup, 12 month tasks, the year;
3. dask with ``--forecast-error`` (skipped when 0): the same, planning on seeded forecasts.

Each line prints the wall seconds and their ratio to the target (300 s), and the daily cost against
the aggregate LP's (perfect foresight, the lower bound).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from greendc.optimizer.study.assembly import StudySpec  # noqa: E402
from greendc.optimizer.study.cases import site_inputs  # noqa: E402
from greendc.optimizer.study.daily_cases import daily_month, daily_setup, daily_year  # noqa: E402
from greendc.optimizer.study.scenarios import default_scenarios  # noqa: E402

from greendc.workflows.compare import run_study, study_client  # noqa: E402

TARGET_S = 300.0


def serial_seconds(site: str, scenario_name: str) -> dict[str, float]:
    """Setup, months and year in this process: seconds of each stage and the costs."""
    scenario = next(s for s in default_scenarios() if s.name == scenario_name)
    t0 = time.perf_counter()
    inputs = site_inputs(site, 2025, 0)
    t1 = time.perf_counter()
    setup = daily_setup(inputs, scenario, None, 0)
    t2 = time.perf_counter()
    months = [daily_month(setup, m) for m in range(12)]
    t3 = time.perf_counter()
    ds = daily_year(inputs, scenario, setup, *months)
    t4 = time.perf_counter()
    days = float(ds["daily_solves"])
    return {
        "inputs_s": t1 - t0,
        "setup_s": t2 - t1,
        "months_s": t3 - t2,
        "year_s": t4 - t3,
        "total_s": t4 - t0,
        "build_per_day_s": float(ds["daily_build_s"]) / days,
        "solve_per_day_s": float(ds["daily_solve_s"]) / days,
        "days": days,
        "total_cost": float(ds["total_cost"]),
        "aggregate_total_cost": float(ds["aggregate_total_cost"]),
        "max_gap": float(ds["daily_max_gap"]),
    }


def dask_seconds(
    site: str, scenario_name: str, workers: int, forecast_error: float | None
) -> dict[str, float]:
    """The study on a local cluster of `workers` processes, cluster start included."""
    scenario = next(s for s in default_scenarios() if s.name == scenario_name)
    spec = StudySpec(
        name="bench-daily",
        sites=(site,),
        scenarios=(scenario,),
        year=2025,
        fidelity="daily",
        forecast_error=forecast_error,
    )
    t0 = time.perf_counter()
    with study_client(workers, None, 12) as client:
        outcome = run_study(spec, client)
    wall = time.perf_counter() - t0
    if outcome.failures:
        raise RuntimeError(f"daily study failed: {outcome.failures}")
    ds = outcome.results[(site, scenario_name)]
    return {
        "wall_s": wall,
        "total_cost": float(ds["total_cost"]),
        "aggregate_total_cost": float(ds["aggregate_total_cost"]),
        "demand_cost": float(ds["demand_cost"]),
        "peak_import_kw": float(ds["peak_import_kw"]),
    }


def versus(figures: dict[str, float]) -> str:
    """The daily cost against the aggregate LP's, as text."""
    daily, aggregate = figures["total_cost"], figures["aggregate_total_cost"]
    return f"cost {daily:.6g} vs aggregate {aggregate:.6g} (+{100 * (daily / aggregate - 1):.2f} %)"


def main(argv: list[str] | None = None) -> int:
    """Run the measurements and print one line each, with the ratio to the target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", default="zhongwei")
    parser.add_argument("--scenario", default="high-onsite")
    parser.add_argument("--forecast-error", type=float, default=1.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip-serial", action="store_true")
    args = parser.parse_args(argv)
    label = f"{args.site} / {args.scenario}"
    if not args.skip_serial:
        s = serial_seconds(args.site, args.scenario)
        print(
            f"serial, {label}: {s['total_s']:.1f} s (inputs {s['inputs_s']:.1f}, setup {s['setup_s']:.1f}, "
            f"months {s['months_s']:.1f}, year {s['year_s']:.1f}); per day build "
            f"{s['build_per_day_s']:.3f} s, solve {s['solve_per_day_s']:.3f} s; "
            f"{s['total_s'] / TARGET_S:.2f} of the {TARGET_S:g} s target; {versus(s)}, "
            f"max gap {s['max_gap']:.2g}",
            flush=True,
        )
    for error in (None, args.forecast_error):
        if error == 0 and error is not None:
            continue
        d = dask_seconds(args.site, args.scenario, args.workers, error)
        what = "perfect forecast" if error is None else f"forecast error {error:g}"
        print(
            f"dask {args.workers} workers, {label}, {what}: {d['wall_s']:.1f} s, "
            f"{d['wall_s'] / TARGET_S:.2f} of the target; {versus(d)}, "
            f"demand {d['demand_cost']:.6g}, peak {d['peak_import_kw']:.0f} kW",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
