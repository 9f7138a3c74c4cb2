"""Compare benchmark: one site-year LP with and without sizing, and the 13-site x 4-scenario study on Dask.

    .venv/bin/python benchmarks/bench_compare.py [--site zhongwei] [--full [--study-sites all|ID,ID]]
        [--out DIR] [--write-docs]

The site-year figures time the optimum's LP (build: arrays to a HiGHS model; solve: HiGHS or
Clarabel) for the built-in "high-onsite" (PV, wind and battery sized) and "high-grid" scenarios,
median of 3, against the issue's targets (5 s and 3 s). ``--full`` also runs the default study
(13 sites, or ``--study-sites``, x 4 scenarios, business as usual and optimum each) on a local Dask
cluster of 2 and then 1 worker processes, against the targets (13 x 4 < 180 s; speed-up >= 1.7);
``--out`` writes the 2-worker study folder. ``--write-docs`` replaces the
"Compare" section of docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from greendc.optimizer.study.cases import case_problem, site_inputs  # noqa: E402
from greendc.optimizer.study.scenarios import default_scenarios  # noqa: E402
from greendc.optimizer.study.year_solve import solve_year  # noqa: E402

from benchmarks.docs_section import replace_section  # noqa: E402
from greendc.workflows.compare import (  # noqa: E402
    resolve_study,
    run_study,
    study_client,
    write_outcome,
)

SECTION = "## Compare"
TARGETS_S = {"high-onsite": 5.0, "high-grid": 3.0}
STUDY_TARGET_S = 180.0
SPEEDUP_TARGET = 1.7


def site_year_times(site: str, repeats: int = 3) -> dict[str, tuple[float, float, str]]:
    """Median build and solve seconds of the optimum's year LP per scenario, and the solver used."""
    inputs = site_inputs(site, 2025, 0)
    out = {}
    for scenario in default_scenarios():
        if scenario.name not in TARGETS_S:
            continue
        problem, _ = case_problem(inputs, scenario, bau=False)
        runs = [solve_year(problem) for _ in range(repeats)]
        solver = "clarabel" if problem.has_battery else "highs"
        out[scenario.name] = (
            statistics.median(r.build_s for r in runs),
            statistics.median(r.solve_s for r in runs),
            solver,
        )
    return out


def study_seconds(workers: int, out: Path | None = None, sites: str = "all") -> tuple[float, int, int, float]:
    """Wall seconds of the default 13 x 4 study on a local cluster of `workers` processes (cluster start
    included), with the counts of finished and failed site-scenarios; writes the folder to `out` if given."""
    spec = resolve_study(sites, None, None, 2025)
    t0 = time.perf_counter()
    with study_client(workers, None, len(spec.sites) * len(spec.scenarios)) as client:
        outcome = run_study(spec, client)
    wall = time.perf_counter() - t0
    print(
        f"study, {workers} worker(s): {wall:.1f} s, {len(outcome.results)} done, "
        f"{len(outcome.failures)} failed",
        flush=True,
    )
    if out is not None:
        write_outcome(out, outcome, spec)
    return wall, len(outcome.results), len(outcome.failures), os.getloadavg()[0]


def report(
    site: str,
    times: dict[str, tuple[float, float, str]],
    study: dict[int, tuple[float, int, int, float]],
    sites: str = "all",
) -> str:
    """The docs section as markdown."""
    load = os.getloadavg()[0]
    lines = [
        SECTION,
        "",
        f"`benchmarks/bench_compare.py` on this 2-core machine (load average {load:.1f} when measured: the "
        "other engineers' work ran at the same time, so these are upper bounds).",
        "",
        "| case | build s | solve s | total s | target s | total / target |",
        "|---|---|---|---|---|---|",
    ]
    for name, (build, solve, solver) in times.items():
        total = build + solve
        lines.append(
            f"| {site} year, {name} ({solver}) | {build:.2f} | {solve:.2f} | {total:.2f} | "
            f"{TARGETS_S[name]:.0f} | {total / TARGETS_S[name]:.2f} |"
        )
    if study:
        lines += [
            "",
            f"| study of sites {sites} x 4 default scenarios | wall s | done | failed | load average |",
            "|---|---|---|---|---|",
        ]
        for workers, (wall, done, failed, load_avg) in sorted(study.items()):
            lines.append(
                f"| {workers} worker process(es) | {wall:.1f} | {done} | {failed} | {load_avg:.1f} |"
            )
        if 1 in study and 2 in study:
            lines.append(
                f"\nSpeed-up 1 -> 2 workers: {study[1][0] / study[2][0]:.2f}x (target >= {SPEEDUP_TARGET}); "
                f"2 workers vs the 180 s target: {study[2][0] / STUDY_TARGET_S:.2f}."
            )
    lines += [
        "",
        "Why highspy's array API and not Pyomo: the year LP has ~80k columns and ~65k rows; building it",
        "from numpy arrays takes under 0.1 s, where Pyomo's build and hand-over of a comparable 8760-hour LP",
        "took 2.0 s of a 2.9 s total (docs/sources.md, \"Solver performance figures\"). "
        "Why Clarabel when a battery",
        'is sized: see docs/compare.md, "Solver".',
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Measure, print, and write the docs section when asked."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", default="zhongwei")
    parser.add_argument("--full", action="store_true", help="also run the 13 x 4 study with 1 and 2 workers")
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument("--out", type=Path, help="write the 2-worker study folder here")
    parser.add_argument("--study-sites", default="all", help="sites of the --full study (default all 13)")
    args = parser.parse_args(argv)
    times = site_year_times(args.site)
    print(times, flush=True)
    study = (
        {w: study_seconds(w, args.out if w == 2 else None, args.study_sites) for w in (2, 1)}
        if args.full
        else {}
    )
    text = report(args.site, times, study, args.study_sites)
    print(text)
    if args.write_docs:
        replace_section(SECTION, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
