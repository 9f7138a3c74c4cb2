"""The nightly in joint mode (``[fleet] mode = "joint"``): one plan across hubs, each hub's plan published.

The orchestrator (greendc/workflows/nightly.py) holds the lock, publishes and records the history, as
for a per-site night. What differs, and lives here:

* the joint plan runs in one child process of its own group (``python -m
  greendc.workflows.nightly_joint SPEC_DIR``), killed with SIGKILL at ``[joint] wall_limit_s``; it
  writes the fleet plan folder (``greendc fleet plan``'s, each hub's folder with setpoints.csv) and
  ``result.json`` with each hub's history facts, and never publishes;
* before it, each hub's home jobs of the fleet queue are written as a day queue
  (``home_queues``): when the joint plan fails (bad fleet input, a crash, the wall limit), every hub
  is planned alone on exactly those jobs by the per-site night, and each hub's row is flagged;
* after it, each hub's folder goes to ``plans/<hub>/<date>`` and the rest of the fleet folder
  (fleet.json, assignments.csv, transfers.csv, inference.csv, report.html) to
  ``fleet/<name>/<date>`` through the one publisher (optimizer/io/publish.py).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from greendc.cluster import utc_now
from greendc.fleet import Fleet, SiteTask, load_fleet
from greendc.weather.errors import InputError
from greendc.workflows.site_process import Outcome, exit_when_orphaned, read_outcome, run_exec, write_result

#: Runs the joint child: (spec folder, fleet file, night, wall limit [s]) -> how it ended.
JointLauncher = Callable[[Path, Path, date, float], Outcome]
FLEET_LABEL = "joint plan"


def home_queues(fleet: Fleet, fleet_path: Path, night: date, folder: Path) -> dict[str, Path]:
    """Each hub's home jobs of the fleet queue as a day queue CSV (penalties fixed): the fallback's input."""
    from greendc.optimizer.fleet.inputs import with_penalties
    from greendc.optimizer.io.jobs import jobs_to_frame
    from greendc.workflows.fleet_plan import fleet_jobs, hub_sites, settings_of

    settings = settings_of(fleet)
    sites = hub_sites(fleet, fleet_path)
    jobs = with_penalties(fleet_jobs(fleet, fleet_path, night, sites, settings),
                          {s.site.id: s for s in sites}, settings)
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for site in sites:
        hub = site.site.id
        mine = [fj.job for fj in jobs if fj.home == hub]
        out[hub] = folder / f"{hub}.csv"
        jobs_to_frame(mine).to_csv(out[hub], index=False, lineterminator="\n")
    return out


def with_home_queue(task: SiteTask, queues: dict[str, Path]) -> SiteTask:
    """The site's task planned on its home jobs of the fleet queue (unchanged when there is none)."""
    queue = queues.get(task.label)
    return task if queue is None else replace(task, jobs=str(queue), jobs_format="auto")


def launch_joint(spec_dir: Path, fleet_path: Path, night: date, limit_s: float) -> Outcome:
    """Run the joint plan in a fresh interpreter in its own session; SIGKILL its group at the limit."""
    spec_dir.mkdir(parents=True, exist_ok=True)
    (spec_dir / "spec.json").write_text(json.dumps({"fleet": str(fleet_path.resolve()),
                                                    "plan_date": night.isoformat()}))
    started, t0 = utc_now(), time.perf_counter()
    argv = [sys.executable, "-m", "greendc.workflows.nightly_joint", str(spec_dir)]
    try:
        returncode, timed_out = run_exec(spec_dir, limit_s, argv)
    except (OSError, subprocess.SubprocessError) as exc:  # could not start it at all
        (spec_dir / "stderr.txt").write_text(f"{type(exc).__name__}: {exc}\n")
        returncode, timed_out = None, False
    return read_outcome(spec_dir, FLEET_LABEL, started=started, wall_s=time.perf_counter() - t0,
                        returncode=returncode, timed_out=timed_out)


def failure_of(outcome: Outcome) -> str:
    """Why the joint plan gave no plan, in one line; empty when it planned."""
    result = outcome.result or {}
    if outcome.ended == "result" and result.get("kind") == "planned":
        return ""
    if outcome.ended == "result":
        return str(result.get("error", "no plan"))
    if outcome.ended == "timeout":
        return f"killed at the joint wall-clock limit after {outcome.wall_s:.1f} s"
    lines = [line for line in outcome.stderr_tail.strip().splitlines() if line.strip()]
    last = lines[-1][:300] if lines else "no output"
    return f"joint plan process died (exit code {outcome.returncode}): {last}"


def hub_outcomes(outcome: Outcome) -> dict[str, Outcome]:
    """Each hub's part of a planned joint night, shaped as a site's outcome for the orchestrator."""
    hubs: dict[str, dict[str, Any]] = (outcome.result or {})["hubs"]
    return {hub: replace(outcome, label=hub, result=facts) for hub, facts in hubs.items()}


def hub_facts(folder: Path, moved_in: int, gb_in: float) -> dict[str, Any]:
    """A hub's history facts from its plan.json (as a site's night records them), plus its moves."""
    meta = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    solver, kpis, counts = meta["solver"], meta["kpis"], meta.get("job_counts", {})
    fell = solver.get("fallback")
    reasons = [str(solver.get("fallback_reason") or "heuristic fallback plan")] if fell else []
    return {
        "kind": "planned", "plan_dir": str(folder), "fallback_reasons": reasons, "warnings": [],
        "digests": {"jobs": meta.get("input_files", {}).get("jobs.csv", "")},
        "solver_status": solver.get("status", ""), "gap": solver.get("gap"), "build_s": None, "solve_s": None,
        "kpis": {"objective_total": meta["objective"]["total"], "energy_kwh": kpis["facility_kwh"],
                 "carbon_kg": kpis["carbon_kg"], "pue": kpis["pue"], "cost_saving": meta["savings"]["cost"],
                 "carbon_saving_kg": meta["savings"]["carbon_kg"], "renewable_share": kpis["renewable_share"],
                 "late_jobs": counts.get("total", 0) - counts.get("on_time", 0),
                 "jobs_moved_in": moved_in, "transfer_in_gb": gb_in},
    }


def publish_fleet(staged: Path, folder: Path, night: date) -> Path:
    """The fleet folder (its hubs already published) as ``fleet/<name>/<date>``; the version folder."""
    from greendc.optimizer.io import publish

    shutil.rmtree(staged / "hubs", ignore_errors=True)
    return publish.publish_version(staged, folder, night.isoformat())


def joint_main(spec_dir: Path) -> int:
    """The joint child: plan the fleet into ``spec_dir/fleet``, write ``result.json``; never publishes.

    Bad fleet input is ``{"kind": "unusable"}``; anything else escapes with its traceback (a crash).
    """
    import pandas as pd

    from greendc.fleet import output_root
    from greendc.workflows.fleet_plan import build_problem, fleet_folder, solve_fleet, write_plan

    exit_when_orphaned()
    spec = json.loads((spec_dir / "spec.json").read_text())
    fleet_path, night = Path(spec["fleet"]), date.fromisoformat(spec["plan_date"])

    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    try:
        fleet = load_fleet(fleet_path)
        problem, settings = build_problem(fleet, fleet_path, night, say)
        result = solve_fleet(fleet, problem, settings, say)
        out = spec_dir / "fleet"
        summary = write_plan(out, result, fleet, say, nightly=True,  # reports: plotly.js from where published
                             published_at=fleet_folder(fleet, fleet_path) / night.isoformat(),
                             hub_plans=output_root(fleet, fleet_path) / "plans")
    except InputError as exc:
        write_result(spec_dir, {"kind": "unusable", "error": str(exc)})
        return 0
    moved = pd.read_csv(out / "assignments.csv").query("moved")
    hubs = {hub: hub_facts(out / "hubs" / hub, int((moved["hub"] == hub).sum()),
                           float(moved.loc[moved["hub"] == hub, "gb"].sum())) for hub in problem.hub_ids}
    write_result(spec_dir, {"kind": "planned", "chosen": summary["chosen"], "objective": summary["objective"],
                            "bound": summary["bound"], "gap": summary["gap"], "timings_s": result.timings,
                            "hubs": hubs})
    return 0


def dry_run(fleet: Fleet, fleet_path: Path, night: date, tasks: list[SiteTask], root: Path,
            echo: Callable[[str], None]) -> int:
    """Check the fleet queue and hubs of a joint night and say what would run; 0 usable, 1 not."""
    from greendc.cluster import emit
    from greendc.workflows.fleet_plan import fleet_jobs, hub_sites, settings_of

    try:
        sites = hub_sites(fleet, fleet_path)
        jobs = fleet_jobs(fleet, fleet_path, night, sites, settings_of(fleet))
    except InputError as exc:
        emit("dry_run_joint", would=f"plan each hub alone, flagged ({exc})")
        echo(f"joint plan unusable ({exc}); each of {len(tasks)} hubs would be planned alone, flagged; "
             "nothing was written")
        return 1
    per_hub = {t.label: sum(1 for fj in jobs if fj.home == t.label) for t in tasks}
    emit("dry_run_joint", would="joint plan", hubs=per_hub, jobs=len(jobs),
         wall_limit_s=fleet.joint.wall_limit_s)
    echo(f"joint plan of {len(tasks)} hubs, {len(jobs)} jobs ({fleet.joint.jobs} queue), wall limit "
         f"{fleet.joint.wall_limit_s:g} s -> {root / 'plans'}/<hub>/{night.isoformat()} and "
         f"{root / 'fleet' / fleet.fleet.name / night.isoformat()}; nothing was written")
    return 0


if __name__ == "__main__":
    sys.exit(joint_main(Path(sys.argv[1])))
