"""The daily MILP on an instance family (issue 15): every built-in site x four seasons x queue shapes.

    .venv/bin/python -m benchmarks.family                       # the whole family (hours; a quiet machine)
    .venv/bin/python -m benchmarks.family --jobs 200 --seeds 2 --checkpoint off --write-docs
    .venv/bin/python -m benchmarks.family --sites zhongwei,qingyang --limit 10 --time-limit 20
    .venv/bin/python -m benchmarks.family --tune        # only the tuning part (a hash of the name)
    .venv/bin/python -m benchmarks.family --bounds --names zhongwei-oct-200j-s1   # where the root gap is

An instance is a site (``greendc sites list``), a day (15 January, April, July, October 2026), a
queue from the sample generator (``greendc.optimizer.io.sample_queue``) of 100, 200 or 500 jobs with
a seed and a shape (share of non-preemptible jobs 0-60 %, load 40-90 % of the node-hours, tight or
loose deadline windows; the shape is drawn from a hash of the site, day, size and seed, so a subset
run gives each instance the same queue as the full family), with and without a checkpoint overhead
per resume and, with ``--min-run 0,0.5``, without and with a minimum run length (``min_run_hook``:
the site's ``[it] min_run_h`` of issue 12; by default the site's own).

Each instance goes through the path ``greendc plan`` takes: ``PlanInputs`` -> the plan service
(``greendc.workflows.plan.plan_with_report``: profile, baseline, make_plan, verification, the plan
folder with its report), at the default settings (0.1 % gap, 60 s limit) unless ``--time-limit`` is
given. Instances run one after another in this one process, so no two timings share the cores.
Per instance: build s (Pyomo build + hand-over), solve s (every solve of the plan, the re-plan with
full windows included), status, proven gap, objective, bound, and ``around_s``, the plan's wall time
minus its solve time (the command around the solve, imports excepted: a fresh interpreter's import
time is measured once and printed apart).

The tune/holdout split is by a hash of the instance name (without the checkpoint part, so both
variants of a queue fall on the same side): ``--tune`` runs only the tuning part, ``--holdout`` only
the rest; every row carries its part, and the summary reports both parts and the whole.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from benchmarks.family_report import (
    DOCS_HEADING,
    DOCS_PARENT,
    docs_text,
    import_seconds,
    load_average,
    read_csv,
    summary,
    write_csv,
)

#: Plan dates of the four seasons (local midnight of the site).
SEASONS: dict[str, date] = {
    "jan": date(2026, 1, 15), "apr": date(2026, 4, 15), "jul": date(2026, 7, 15), "oct": date(2026, 10, 15),
}
#: Queue sizes. [jobs]
SIZES = (100, 200, 500)
#: Shares of non-preemptible jobs a queue may have. [-]
NP_SHARES = (0.0, 0.15, 0.3, 0.45, 0.6)
#: Loads a queue may have: node-hours asked for over the site's node-hours of the day. [-]
LOADS = (0.4, 0.55, 0.7, 0.9)
#: Deadline windows: deadline after release as a multiple of the run time (low, high). [-]
WINDOWS: dict[str, tuple[float, float]] = {"tight": (1.05, 1.3), "loose": (2.0, 5.0)}
#: Checkpoint overhead per resume of a preemptible job, off and on (15 min). [h]
CHECKPOINT_H = (0.0, 0.25)
#: Minimum run length of a preemptible run: None, the site's own (the default axis); ``--min-run 0,0.5``
#: runs each queue without and with one, once the model reads it (issue 12). [h]
MIN_RUN_H: tuple[float | None, ...] = (None,)
#: Share of the instances (by name hash) held out from tuning. [-]
HOLDOUT_SHARE = 0.5


@dataclass(frozen=True)
class Instance:
    """One instance of the family: a site, a day, a queue shape and a seed, the settings' variant."""

    site: str
    season: str
    jobs: int
    seed: int
    np_share: float
    load: float
    window: str
    checkpoint_h: float
    min_run_h: float | None = None

    @property
    def queue_name(self) -> str:
        """Name of the queue (site, season, size, seed): both settings variants share it. [-]"""
        return f"{self.site}-{self.season}-{self.jobs}j-s{self.seed}"

    @property
    def name(self) -> str:
        """Unique name: the queue's, then the settings variant (checkpoint minutes, minimum run). [-]"""
        tail = f"-ck{round(60 * self.checkpoint_h)}" if self.checkpoint_h else ""
        tail += f"-mr{round(60 * self.min_run_h)}" if self.min_run_h else ""
        return self.queue_name + tail

    @property
    def part(self) -> str:
        """'tune' or 'holdout', by a hash of the queue name. [-]"""
        return "holdout" if _unit_hash(self.queue_name, "split") < HOLDOUT_SHARE else "tune"

    def cls(self, key: str) -> str:
        """The instance's class on one axis, as a label. [-]"""
        return {
            "site": self.site, "season": self.season, "size": f"{self.jobs} jobs",
            "np_share": f"{100 * self.np_share:.0f} % non-preemptible",
            "load": f"load {100 * self.load:.0f} %",
            "window": f"{self.window} windows", "checkpoint": f"checkpoint {60 * self.checkpoint_h:.0f} min",
            "part": self.part,
        }[key]


def _unit_hash(text: str, salt: str) -> float:
    """A stable number in [0, 1) from a text (SHA-256), the same on every machine. [-]"""
    return int(hashlib.sha256(f"{salt}:{text}".encode()).hexdigest()[:12], 16) / 16**12


def shape_for(site: str, season: str, jobs: int, seed: int) -> tuple[float, float, str]:
    """Non-preemptible share, load and window of a queue, drawn from a hash of its name (stable)."""
    name = f"{site}-{season}-{jobs}j-s{seed}"
    share = NP_SHARES[int(_unit_hash(name, "np") * len(NP_SHARES))]
    load = LOADS[int(_unit_hash(name, "load") * len(LOADS))]
    window = sorted(WINDOWS)[int(_unit_hash(name, "window") * len(WINDOWS))]
    return share, load, window


def family(sites: Sequence[str], seasons: Sequence[str], sizes: Sequence[int], seeds: Iterable[int],
           checkpoints: Sequence[float], min_runs: Sequence[float | None] = MIN_RUN_H) -> list[Instance]:
    """Every instance of the chosen axes, in a fixed order (site, season, size, seed, variant)."""
    out = []
    for site in sites:
        for season in seasons:
            for jobs in sizes:
                for seed in seeds:
                    share, load, window = shape_for(site, season, jobs, seed)
                    for ck in checkpoints:
                        for mr in min_runs:
                            out.append(Instance(site, season, jobs, seed, share, load, window, ck, mr))
    return out


def spread(instances: list[Instance], limit: int) -> list[Instance]:
    """At most ``limit`` instances spread over the family (ordered by a hash of the name), kept in order."""
    if limit <= 0 or limit >= len(instances):
        return instances
    chosen = set(sorted(instances, key=lambda i: _unit_hash(i.name, "limit"))[:limit])
    return [i for i in instances if i in chosen]


def min_run_hook(settings: Any, site: Any, min_run_h: float | None, checkpoint_h: float) -> tuple[Any, Any]:
    """Settings and site with the instance's checkpoint overhead and minimum run length (issue 12).

    The checkpoint overhead goes into PlanSettings and, where the site has one (``[it]
    checkpoint_overhead_h``), into the site too, so "without" is without wherever the model reads it.
    A minimum run length (None: the site's own) goes into ``min_run_h`` of PlanSettings or of the
    site's ``[it]``, whichever exists; asking for one where neither does is an error, so no instance
    claims a variant it did not run. ``--min-run 0,0.5`` puts the variants in the family.
    """
    it_fields = set(type(site.it).model_fields)
    it_update: dict[str, float] = {}
    if "checkpoint_overhead_h" in it_fields:
        it_update["checkpoint_overhead_h"] = checkpoint_h
    if min_run_h is not None:
        if "min_run_h" in {f.name for f in dataclasses.fields(settings)}:
            settings = dataclasses.replace(settings, min_run_h=min_run_h)
        elif "min_run_h" in it_fields:
            it_update["min_run_h"] = min_run_h
        else:
            raise SystemExit("a minimum run length is not a setting of this version; run without --min-run")
    if it_update:
        site = site.model_copy(update={"it": site.it.model_copy(update=it_update)})
    return settings, site


def inputs_for(inst: Instance, time_limit_s: float | None) -> Any:
    """The plan service's inputs for an instance, as ``greendc plan --site ... --date ...`` reads them,
    with the sample queue of the instance's shape in place of the default one."""
    from greendc.optimizer.day.inputs import PlanInputs, day_start, read_site, sample_digest, sha256_bytes
    from greendc.optimizer.io.sample_queue import sample_queue
    from greendc.optimizer.types import PlanSettings

    site, site_toml = read_site(inst.site)
    kwargs: dict[str, Any] = {"checkpoint_overhead_h": inst.checkpoint_h}
    if time_limit_s is not None:
        kwargs["time_limit_s"] = time_limit_s
    settings, site = min_run_hook(PlanSettings(**kwargs), site, inst.min_run_h, inst.checkpoint_h)
    day = SEASONS[inst.season]
    jobs = sample_queue(site, day_start(day, site.site.timezone), seed=inst.seed,
                        horizon_h=settings.horizon_h, n_jobs=inst.jobs,
                        non_preemptible_share=inst.np_share, load=inst.load, slack_range=WINDOWS[inst.window])
    digests = {"site": sha256_bytes(site_toml), "jobs": sample_digest(inst.seed, jobs),
               "weather": "synthetic"}
    return PlanInputs(site, day, jobs, settings, None, digests, [], site_toml)


class SolveRecorder:
    """Records every ``solve_model`` call of the plan path (the first solve and a re-plan's)."""

    def __init__(self) -> None:
        self.calls: list[Any] = []

    def __enter__(self) -> SolveRecorder:
        import greendc.optimizer.day.plan as plan_module

        self._module = plan_module
        self._original = plan_module.solve_model

        def recorded(*args: Any, **kwargs: Any) -> Any:
            out = self._original(*args, **kwargs)
            self.calls.append(out)
            return out

        plan_module.solve_model = recorded
        return self

    def __exit__(self, *_exc: object) -> None:
        self._module.solve_model = self._original


def run_instance(inst: Instance, time_limit_s: float | None, scratch: Path) -> dict[str, Any]:
    """Plan one instance through the plan service and return its row."""
    from greendc.workflows.plan import plan_with_report

    out = scratch / inst.name
    started = time.perf_counter()
    inputs = inputs_for(inst, time_limit_s)
    with SolveRecorder() as rec:
        outcome = plan_with_report(inputs, out)
    wall = time.perf_counter() - started
    shutil.rmtree(out, ignore_errors=True)
    plan = outcome.plan
    first = rec.calls[0] if rec.calls else None
    solve_s = sum(c.solve_s for c in rec.calls)
    widened = len(rec.calls) > 1
    facts = plan.solve
    return {
        "name": inst.name, "part": inst.part, "site": inst.site, "season": inst.season,
        "date": SEASONS[inst.season].isoformat(), "jobs": inst.jobs, "seed": inst.seed,
        "np_share": inst.np_share, "load": inst.load, "window": inst.window,
        "checkpoint_h": inst.checkpoint_h,
        "min_run_h": "" if inst.min_run_h is None else inst.min_run_h, "n_jobs_queue": len(inputs.jobs),
        "status": first.status if first is not None else plan.solver.status,
        "gap": first.gap if first is not None else None,
        "objective": first.objective if first is not None else None,
        "bound": first.bound if first is not None else None,
        "build_s": plan.solver.build_s, "solve_s": solve_s, "n_solves": len(rec.calls), "wall_s": wall,
        "around_s": wall - solve_s,
        "columns": facts.model_size.variables if facts else None,
        "rows": facts.model_size.constraints if facts else None,
        "fallback": plan.solver.fallback, "widened": widened,
        "note": plan.solver.fallback_reason[:120] if plan.solver.fallback else "",
        "load1": os.getloadavg()[0],
    }


def run_or_error(inst: Instance, time_limit_s: float | None, scratch: Path, tries: int = 2) -> dict[str, Any]:
    """``run_instance``, retried once after a pause (a site file being edited meanwhile), else an error row
    (status 'error', the message in ``note``) that the distributions leave out and count apart."""
    for attempt in range(tries):
        try:
            return run_instance(inst, time_limit_s, scratch)
        except Exception as exc:
            message = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
            if attempt + 1 < tries:
                time.sleep(10.0)
    return {"name": inst.name, "part": inst.part, "site": inst.site, "season": inst.season,
            "date": SEASONS[inst.season].isoformat(), "jobs": inst.jobs, "seed": inst.seed,
            "np_share": inst.np_share, "load": inst.load, "window": inst.window,
            "checkpoint_h": inst.checkpoint_h, "status": "error", "gap": None, "build_s": 0.0, "solve_s": 0.0,
            "wall_s": 0.0, "around_s": 0.0, "fallback": False, "note": message}


# ---------------------------------------------------------------------------------------------- main


def _floats(text: str) -> list[float]:
    return [float(x) for x in text.split(",") if x]


def main(argv: list[str] | None = None) -> None:
    """Run (a subset of) the family and print, write and document the distribution."""
    from greendc.sites.loader import builtin_ids

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", default="all", help="comma-separated site ids, or all (default)")
    parser.add_argument("--seasons", default=",".join(SEASONS), help="of jan,apr,jul,oct")
    parser.add_argument("--jobs", default=",".join(map(str, SIZES)), help="queue sizes, e.g. 200")
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0..N-1 per site, season and size")
    parser.add_argument("--checkpoint", choices=("both", "off", "on"), default="both",
                        help=f"without and/or with the checkpoint overhead ({60 * CHECKPOINT_H[1]:g} min)")
    parser.add_argument("--min-run", default="", help="minimum run lengths to vary, h (e.g. 0,0.5)")
    parser.add_argument("--names", default="", help="only these instance names (comma-separated)")
    parser.add_argument("--limit", type=int, default=0, help="at most N instances, spread over the family")
    part = parser.add_mutually_exclusive_group()
    part.add_argument("--tune", action="store_true", help="only the tuning part")
    part.add_argument("--holdout", action="store_true", help="only the held-out part")
    parser.add_argument("--time-limit", type=float, default=None,
                        help="solve limit, s (default: the plan's 60 s)")
    parser.add_argument("--csv", type=Path, default=Path("benchmarks/out/family.csv"))
    parser.add_argument("--from-csv", type=Path, default=None,
                        help="summarise an earlier run's CSV, no solving")
    parser.add_argument("--write-docs", action="store_true", help="write the table into docs/performance.md")
    parser.add_argument("--bounds", action="store_true", help="LP bound breakdown per instance, no timing")
    parser.add_argument("--list", action="store_true", help="print the chosen instances and stop")
    parser.add_argument("--resume", action="store_true",
                        help="keep the rows already in --csv and run only the instances missing there")
    args = parser.parse_args(argv)

    sites = builtin_ids() if args.sites == "all" else args.sites.split(",")
    checkpoints = {"both": CHECKPOINT_H, "off": CHECKPOINT_H[:1], "on": CHECKPOINT_H[1:]}[args.checkpoint]
    chosen = family(sites, args.seasons.split(","), [int(x) for x in args.jobs.split(",")],
                    range(args.seeds), checkpoints, _floats(args.min_run) or MIN_RUN_H)
    if args.names:
        names = set(args.names.split(","))
        chosen = [i for i in chosen if i.name in names]
    if args.tune or args.holdout:
        chosen = [i for i in chosen if i.part == ("tune" if args.tune else "holdout")]
    chosen = spread(chosen, args.limit)
    command = "python -m benchmarks.family " + " ".join(argv if argv is not None else sys.argv[1:])
    if args.list:
        for i in chosen:
            print(i.name, i.part, i.np_share, i.load, i.window)
        print(f"{len(chosen)} instances")
        return
    if args.bounds:
        for inst in chosen:
            from benchmarks.family_bounds import bound_breakdown, print_bounds  # it imports this module

            print_bounds(inst, bound_breakdown(inst, args.time_limit or 60.0))
        return

    when = time.strftime("%d %b %Y %H:%M UTC", time.gmtime())
    start_load = load_average()
    imports_s: float | None = None
    if args.from_csv is not None:
        rows = read_csv(args.from_csv)
        when = f"Summarised {when} from {args.from_csv.name}"
    else:
        imports_s = import_seconds()
        print(f"{len(chosen)} instances; load average {start_load}; "
              f"fresh-interpreter imports {imports_s:.2f} s")
        rows = read_csv(args.csv) if args.resume and args.csv.exists() else []
        rows = [r for r in rows if r["status"] != "error"]
        done = {r["name"] for r in rows}
        if done:
            print(f"resuming: {len(done)} instances already in {args.csv}")
        with tempfile.TemporaryDirectory(prefix="greendc-family-") as scratch:
            if chosen:  # first-use costs (pvlib's files, caches) once, untimed, on a small queue
                warm = dataclasses.replace(chosen[0], jobs=100, checkpoint_h=0.0)
                run_instance(warm, 5.0, Path(scratch))
            for k, inst in enumerate(chosen, 1):
                if inst.name in done:
                    continue
                row = run_or_error(inst, args.time_limit, Path(scratch))
                rows.append(row)
                gap = "-" if row["gap"] is None else f"{100 * row['gap']:.3f} %"
                print(f"[{k}/{len(chosen)}] {inst.name} ({row['part']}, {100 * inst.np_share:.0f} % np, load "
                      f"{100 * inst.load:.0f} %, {inst.window}): {row['status']} gap {gap}, build "
                      f"{row['build_s']:.2f} s, solve {row['solve_s']:.2f} s, "
                      f"around {row['around_s']:.2f} s, "
                      f"load {load_average()}", flush=True)
                write_csv(rows, args.csv)  # after each instance: a long run keeps what it measured
        print(f"CSV: {args.csv}")
    end_load = load_average()
    text = summary(rows)
    print(text)
    print(f"load average at the start {start_load}, at the end {end_load}")
    if args.write_docs:
        from benchmarks.docs_section import replace_section

        replace_section(DOCS_HEADING, docs_text(rows, command, when, (start_load, end_load), imports_s),
                        parent=DOCS_PARENT)
        print("docs/performance.md updated")


if __name__ == "__main__":
    main()
