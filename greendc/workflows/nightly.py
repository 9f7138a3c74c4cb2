"""The nightly batch: re-plan every site of a fleet in parallel, each isolated, published atomically.

Processes::

    orchestrator (this process): fleet file, run lock, history, publishing, JSON log on stderr
      └─ Dask local cluster: worker processes, one site at a time each
           └─ one child per site (greendc/workflows/site_process.py), in its own process group,
              killed with SIGKILL at the site's wall-clock limit

With ``mode = "joint"`` in ``[fleet]`` the night is one joint plan across hubs instead
(greendc/workflows/nightly_joint.py), falling back to the per-site run below when it fails.

A crash or a hang in a site's child costs only that site. The child writes its plan into the site's
``.staging`` folder and a ``result.json``; only the orchestrator, holding the lock, publishes (see
optimizer/io/publish.py), so a child orphaned by a killed run can never switch a pointer.

Statuses (optimizer/io/history.py): optimal; fallback (the solver gave no plan in time or the process
died, so the flagged heuristic plan; or the forecast was missing and the synthetic year was used);
kept_previous (inputs unusable, the last plan stays); failed (no plan could be made or kept).
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from greendc import fleet as fleet_file
from greendc.cluster import dask_client, emit, utc_now
from greendc.fleet import SiteTask
from greendc.optimizer.io import history, publish
from greendc.weather.errors import InputError
from greendc.workflows.site_process import Outcome, run_site_process

if TYPE_CHECKING:
    from greendc.workflows.nightly_joint import JointLauncher

EXIT_OPTIMAL = 0
EXIT_DEGRADED = 1
EXIT_FLEET_UNUSABLE = 2
EXIT_LOCKED = 3
#: Told every site's history row (fleet order) and the exit code at the end of a run (the stdout table).
Summary = Callable[[list[history.SiteRun], int], None]


def default_plan_date(today: date | None = None) -> date:
    """Tomorrow on this machine's local calendar: a run at 22:00 plans the next day."""
    return (today or date.today()) + timedelta(days=1)


# --------------------------------------------------------------------------------------------------
# In the orchestrator


@dataclass
class Verdict:
    """What the orchestrator makes of a site's outcome."""

    status: str
    reason: str = ""
    error: str = ""
    publish: bool = False


def judge(outcome: Outcome, has_previous: bool, first_failure: str = "") -> Verdict:
    """Status of a site from how its process ended; ``first_failure`` says why a retry was needed.

    planned -> optimal, or fallback when the plan is flagged (heuristic, synthetic weather) or came
    from a heuristic retry; unusable inputs, or no plan from the retry -> kept_previous when a plan is
    in place, else failed.
    """
    result = outcome.result
    if outcome.ended == "result" and result is not None and result["kind"] == "planned":
        reasons = [first_failure, *result.get("fallback_reasons", [])]
        reason = "; ".join(r for r in reasons if r)
        return Verdict("fallback" if reason else "optimal", reason=reason, publish=True)
    if outcome.ended == "result" and result is not None:
        error = str(result.get("error", ""))
    elif outcome.ended == "timeout":
        error = f"killed at the wall-clock limit after {outcome.wall_s:.1f} s"
    else:
        error = f"site process died (exit code {outcome.returncode}): {_last_line(outcome.stderr_tail)}"
    error = "; ".join(e for e in (first_failure, error) if e)
    if has_previous:
        return Verdict("kept_previous", reason="previous plan kept", error=error)
    return Verdict("failed", reason="no previous plan to keep", error=error)


def needs_heuristic_retry(outcome: Outcome) -> bool:
    """A killed or crashed optimisation gets one heuristic-only try; bad input does not."""
    return outcome.ended in {"timeout", "crash"} and not outcome.heuristic_only


def _last_line(text: str) -> str:
    """The last non-empty line of a stderr tail (the exception line of a traceback)."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else "no output"


def site_dir(task: SiteTask) -> Path:
    """The site's folder under the data folder: ``plans/<site>``."""
    return Path(task.output_root) / "plans" / task.label


@dataclass
class RunContext:
    """One nightly run's identity and where it writes."""

    run_id: str
    root: Path
    plan_date: date
    tasks: list[SiteTask]
    keep_days: int = 14
    """Plan dates kept before the night's (fleet.keep_days). [d]"""
    statuses: dict[str, str] = field(default_factory=dict)
    rows: list[history.SiteRun] = field(default_factory=list)
    """Each site's history row, in the order the sites finished. [-]"""


def new_run_id() -> str:
    """A run id that sorts by start time and is unique per process: ``20261130T220000Z-12345``."""
    return f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}-{os.getpid()}"


def run_nightly(
    fleet_path: Path,
    plan_date: date | None = None,
    *,
    dry_run: bool = False,
    echo: Callable[[str], None] = print,
    summary: Summary | None = None,
    joint_launcher: JointLauncher | None = None,
) -> int:
    """Re-plan every site of the fleet for ``plan_date`` (default tomorrow); return the exit code.

    0 every site optimal; 1 some fell back, kept the previous plan or failed; 2 the fleet file is
    unusable (InputError raised after its log line); 3 another run holds the lock. ``summary`` gets
    every site's history row (in fleet order) and the exit code when the run is done. With ``mode =
    "joint"`` the night is one joint plan (``joint_launcher`` runs it; default its own process).
    """
    from greendc.optimizer.day.inputs import check_plan_date

    night = check_plan_date(plan_date) if plan_date else default_plan_date()
    try:
        fleet = fleet_file.load_fleet(fleet_path)
        tasks = fleet_file.resolve(fleet, fleet_path, night)
        root = fleet_file.output_root(fleet, fleet_path)
        publish.check_writable(root, key="fleet.output_root", file=fleet_path)
    except InputError as exc:
        emit("fleet_unusable", fleet=str(fleet_path), error=str(exc))
        raise
    if dry_run and fleet.fleet.mode == "joint":
        from greendc.workflows import nightly_joint

        return nightly_joint.dry_run(fleet, fleet_path, night, tasks, root, echo)
    if dry_run:
        from greendc.workflows import nightly_site

        return nightly_site.dry_run(tasks, root, echo)
    context = RunContext(new_run_id(), root, night, tasks, keep_days=fleet.fleet.keep_days)
    try:
        with publish.run_lock(root):
            code = _locked_run(context, fleet, fleet_path, joint_launcher)
    except publish.LockHeldError as exc:
        emit("lock_held", fleet=str(fleet_path), message=str(exc))
        sys.stderr.write(f"error: {exc}\n")
        return EXIT_LOCKED
    if summary is not None:
        order = {task.label: n for n, task in enumerate(tasks)}
        summary(sorted(context.rows, key=lambda row: order[row.site]), code)
    return code


def _locked_run(context: RunContext, fleet: fleet_file.Fleet, fleet_path: Path,
                joint_launcher: JointLauncher | None = None) -> int:
    """The run proper, under the lock: history row, cluster, results as they come, exit code."""
    t0 = time.perf_counter()
    emit("run_start", run_id=context.run_id, fleet=str(fleet_path), plan_date=context.plan_date.isoformat(),
         sites=[t.label for t in context.tasks], output_root=str(context.root))
    for task in context.tasks:
        for leftover in publish.clean_staging(site_dir(task)):
            emit("staging_removed", site=task.label, path=str(leftover))
    with history.connect(fresh_history(context.root)) as conn:
        digest = fleet_file.fleet_digest(fleet_path)
        history.start_run(conn, context.run_id, str(fleet_path.resolve()), digest, utc_now())
        if fleet.fleet.mode == "joint":
            _joint_night(context, fleet, fleet_path, conn, joint_launcher)
        else:
            _site_nights(context, fleet, conn)
        code = exit_code(context.statuses.values())
        history.finish_run(conn, context.run_id, utc_now(), code)
    counts = {s: list(context.statuses.values()).count(s) for s in history.STATUSES}
    wall_s = round(time.perf_counter() - t0, 2)
    emit("run_done", run_id=context.run_id, exit_code=code, wall_s=wall_s, **counts)
    return code


def fresh_history(root: Path) -> Path:
    """The history file, a corrupt one first moved aside (kept, named in one warning) so the night runs."""
    path = history.default_path(root)
    moved = history.recover(path)
    if moved is not None:
        emit("history_corrupt", path=str(path), kept_as=str(moved[0]), error=moved[1],
             action="moved aside; a new history starts with this run")
    return path


def exit_code(statuses: Any) -> int:
    """0 when every site is optimal, else 1."""
    return EXIT_OPTIMAL if all(s == "optimal" for s in statuses) else EXIT_DEGRADED


def _site_nights(context: RunContext, fleet: fleet_file.Fleet, conn: Any, flagged: str = "") -> None:
    """Every site planned alone in its own process on the cluster; ``flagged`` says why each is a fallback."""
    with dask_client(fleet.fleet.workers, len(context.tasks), fleet.fleet.scheduler) as client:
        _collect(client, context, conn, flagged)


def _joint_night(context: RunContext, fleet: fleet_file.Fleet, fleet_path: Path, conn: Any,
                 launcher: JointLauncher | None) -> None:
    """One joint plan across hubs, each hub's plan published; when it fails, each hub alone, flagged."""
    from greendc.workflows import nightly_joint as nj
    from greendc.workflows.fleet_plan import fleet_folder

    folder = fleet_folder(fleet, fleet_path)
    for leftover in publish.clean_staging(folder):
        emit("staging_removed", site=nj.FLEET_LABEL, path=str(leftover))
    spec = folder / publish.STAGING / f"{context.run_id}-joint"
    try:
        queues, failure = nj.home_queues(fleet, fleet_path, context.plan_date, spec / "queues"), ""
    except InputError as exc:
        queues, failure = {}, f"fleet input unusable: {exc}"
    if not failure:
        emit("joint_submit", fleet=fleet.fleet.name, hubs=[t.label for t in context.tasks],
             wall_limit_s=fleet.joint.wall_limit_s)
        outcome = (launcher or nj.launch_joint)(spec, fleet_path, context.plan_date, fleet.joint.wall_limit_s)
        failure = nj.failure_of(outcome)
    hubs = nj.hub_outcomes(outcome) if not failure else {}
    missing = [task.label for task in context.tasks if task.label not in hubs]
    if not failure and missing:
        failure = f"no hub plan for {', '.join(missing)}"
    if not failure:
        for task in context.tasks:
            _finish_site(context, conn, task, hubs[task.label], "")
        try:
            version = str(nj.publish_fleet(spec / "fleet", folder, context.plan_date))
            prune(folder, replace(context.tasks[0], label=nj.FLEET_LABEL), context.keep_days)
        except (OSError, publish.ForeignTargetError) as exc:  # the hubs' plans are in place already
            version = ""
            emit("publish_failed", site=nj.FLEET_LABEL, error=str(exc))
        result = outcome.result or {}
        emit("joint_done", fleet=fleet.fleet.name, version=version, chosen=result.get("chosen"),
             gap=result.get("gap"), wall_s=outcome.wall_s, timings_s=result.get("timings_s"))
        return
    reason = f"joint plan failed ({failure}); each hub planned alone"
    emit("joint_failed", fleet=fleet.fleet.name, reason=reason)
    context.tasks = [nj.with_home_queue(task, queues) for task in context.tasks]
    _site_nights(context, fleet, conn, flagged=reason)


def _collect(client: Any, context: RunContext, conn: Any, flagged: str = "") -> None:
    """Submit every site, then judge, retry, publish and record each as its process ends."""
    from distributed import as_completed

    submitted: dict[str, tuple[SiteTask, bool]] = {}

    def submit(task: SiteTask, heuristic_only: bool) -> Any:
        future = _submit(client, context, task, heuristic_only=heuristic_only)
        submitted[future.key] = (task, heuristic_only)
        return future

    first_failure: dict[str, str] = {}
    ordered = longest_first(context.tasks, history.last_wall_s(conn))
    pending = as_completed([submit(task, False) for task in ordered])
    for future in pending:
        task, heuristic_only = submitted[future.key]
        outcome = _outcome_of(future, task, heuristic_only)
        if needs_heuristic_retry(outcome):
            first_failure[task.label] = judge(outcome, has_previous=True).error + "; heuristic plan"
            emit("site_retry", site=task.label, reason=first_failure[task.label])
            pending.add(submit(task, True))
            continue
        why = "; ".join(r for r in (flagged, first_failure.get(task.label, "")) if r)
        _finish_site(context, conn, task, outcome, why)


def longest_first(tasks: list[SiteTask], last_wall_s: dict[str, float]) -> list[SiteTask]:
    """Sites in the order to start them: longest last time first, new sites before all others.

    Longest-processing-time-first list scheduling bounds the makespan on m workers by
    (4/3 - 1/(3m)) of the optimum (Graham 1969, SIAM J. Appl. Math. 17(2)); here it keeps one slow
    site from starting last and holding up the whole run.
    """
    return sorted(tasks, key=lambda t: -last_wall_s.get(t.label, float("inf")))


def _outcome_of(future: Any, task: SiteTask, heuristic_only: bool) -> Outcome:
    """The site's outcome; a Dask task that itself failed (a worker lost) counts as that site's crash."""
    try:
        outcome: Outcome = future.result()
    except Exception as exc:  # only this site is affected; the run goes on
        now = utc_now()
        return Outcome(label=task.label, ended="crash", wall_s=0.0, started_utc=now, finished_utc=now,
                       heuristic_only=heuristic_only, stderr_tail=f"{type(exc).__name__}: {exc}")
    return outcome


def _spec_dir(context: RunContext, task: SiteTask, heuristic_only: bool) -> Path:
    """The staging folder of one attempt at one site: spec, result, stderr and the plan being written."""
    return site_dir(task) / publish.STAGING / f"{context.run_id}-{'heuristic' if heuristic_only else 'plan'}"


def _submit(client: Any, context: RunContext, task: SiteTask, *, heuristic_only: bool) -> Any:
    """One site's process as a Dask task (not pure: every call runs)."""
    attempt = "heuristic" if heuristic_only else "plan"
    spec_dir = _spec_dir(context, task, heuristic_only)
    emit("site_submit", site=task.label, attempt=attempt, wall_limit_s=task.wall_limit_s)
    return client.submit(
        run_site_process, asdict(task), str(spec_dir), heuristic_only,
        key=f"nightly-{context.run_id}-{task.label}-{attempt}", pure=False, retries=0,
        priority=1 if heuristic_only else 0,
    )


def _finish_site(
    context: RunContext, conn: Any, task: SiteTask, outcome: Outcome, first_failure: str
) -> None:
    """Judge, publish if there is a plan, write the history row and the log line."""
    folder = site_dir(task)
    verdict = judge(outcome, publish.current_plan(folder) is not None, first_failure)
    result = outcome.result or {}
    plan_path = ""
    if verdict.publish:
        try:
            version = publish.publish_version(Path(str(result["plan_dir"])), folder, task.plan_date)
            plan_path = str(version)
            emit("publish", site=task.label, plan_date=task.plan_date, path=str(folder / task.plan_date),
                 version=version.name)
            prune(folder, task, context.keep_days)
        except (OSError, publish.ForeignTargetError) as exc:  # full disk, permissions, a folder not ours
            verdict = replace(verdict, status="kept_previous" if publish.current_plan(folder) else "failed",
                              error=f"publishing failed: {exc}", publish=False)
    if not plan_path:
        kept = publish.current_plan(folder)
        plan_path = str(kept) if kept is not None else ""
    context.statuses[task.label] = verdict.status
    if outcome.ended == "result":  # keep a crashed or killed site's stderr.txt until the next run
        shutil.rmtree(_spec_dir(context, task, outcome.heuristic_only), ignore_errors=True)
    row = site_run_row(context.run_id, task, outcome, verdict, plan_path)
    history.record(conn, row)
    context.rows.append(row)
    for warning in result.get("warnings", []):
        emit("site_warning", site=task.label, warning=warning)
    emit("site_done", site=task.label, status=verdict.status, reason=verdict.reason, error=verdict.error,
         wall_s=outcome.wall_s, solver_status=row.solver_status, gap=row.gap, plan=plan_path)


def prune(folder: Path, task: SiteTask, keep_days: int) -> None:
    """Remove the site's plans of dates older than keep_days before tonight's; a failure is only logged."""
    try:
        removed = publish.prune_old_dates(folder, date.fromisoformat(task.plan_date), keep_days=keep_days)
    except OSError as exc:
        emit("prune_failed", site=task.label, error=str(exc))
        return
    if removed:
        emit("pruned", site=task.label, keep_days=keep_days, removed=sorted(p.name for p in removed))


def site_run_row(
    run_id: str, task: SiteTask, outcome: Outcome, verdict: Verdict, plan_path: str
) -> history.SiteRun:
    """The history row of one site: status and text from the verdict, numbers from the result."""
    result = outcome.result or {}
    planned = verdict.publish
    kpis = result.get("kpis", {}) if planned else {}
    digests = result.get("digests", {})
    return history.SiteRun(
        run_id=run_id, site=task.label, plan_date=task.plan_date, status=verdict.status,
        wall_s=outcome.wall_s, started_utc=outcome.started_utc, finished_utc=outcome.finished_utc,
        solver_status=str(result.get("solver_status", "")) if planned else "",
        gap=result.get("gap") if planned else None,
        objective_total=kpis.get("objective_total"), energy_kwh=kpis.get("energy_kwh"),
        carbon_kg=kpis.get("carbon_kg"), pue=kpis.get("pue"), cost_saving=kpis.get("cost_saving"),
        carbon_saving_kg=kpis.get("carbon_saving_kg"), kpis=kpis,
        build_s=result.get("build_s") if planned else None,
        solve_s=result.get("solve_s") if planned else None,
        site_digest=digests.get("site", ""), jobs_digest=digests.get("jobs", ""),
        weather_digest=digests.get("weather", ""),
        plan_path=plan_path, plan_digest=Path(plan_path).name.rsplit("-", 1)[-1] if plan_path else "",
        reason=verdict.reason, error=verdict.error,
    )
