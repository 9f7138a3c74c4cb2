"""A nightly site's own process: started from a Dask worker, killed with its group at the wall limit.

Processes (greendc/workflows/nightly.py is the orchestrator)::

    Dask worker ─ forkserver (one per worker, planning modules preloaded)
                    └─ one child per site (site_main on SPEC_DIR), in its own process group, killed
                       with SIGKILL at the site's wall-clock limit; where a worker may not fork, a
                       fresh `python -m greendc.workflows.site_process SPEC_DIR` instead

The child writes its plan into the site's ``.staging`` folder and a ``result.json``; it never publishes.
"""

from __future__ import annotations

import contextlib
import functools
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from greendc.cluster import utc_now
from greendc.fleet import SiteTask
from greendc.weather.errors import InputError

#: Wall-clock limit of the heuristic-only retry after a site's process was killed or crashed. [s]
HEURISTIC_WALL_S = 90.0
_STDERR_TAIL_CHARS = 600


def exit_when_orphaned(poll_s: float = 0.5) -> None:
    """Exit at once if the parent (the Dask worker) dies, so a killed run leaves no planner behind."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(poll_s)
            if os.getppid() != parent:
                os._exit(70)

    threading.Thread(target=watch, daemon=True, name="orphan-watch").start()


def site_main(spec_dir: Path) -> int:
    """Plan one site as the spec says; write ``result.json`` (planned or unusable inputs).

    Anything other than bad input escapes with its traceback (on stderr, kept by the worker) and a
    non-zero exit, which the orchestrator reports as a crash.
    """
    exit_when_orphaned()
    spec = json.loads((spec_dir / "spec.json").read_text())
    task = SiteTask(**spec["task"])
    from greendc.workflows import nightly_site

    try:
        result = nightly_site.plan_site_task(task, spec_dir / "plan", heuristic_only=spec["heuristic_only"])
    except InputError as exc:
        result = {"kind": "unusable", "error": str(exc)}
    write_result(spec_dir, result)
    return 0


# --------------------------------------------------------------------------------------------------
# In a Dask worker


@dataclass(frozen=True)
class Outcome:
    """How one site's process ended, as the Dask task returns it (plain data, picklable)."""

    label: str
    ended: str
    """result (result.json written), timeout (killed at the wall limit), crash (died without one). [-]"""
    wall_s: float
    started_utc: str
    finished_utc: str
    heuristic_only: bool
    result: dict[str, Any] | None = None
    returncode: int | None = None
    stderr_tail: str = ""


#: Modules the site-process server imports once per Dask worker, so each site's process starts ready.
PRELOAD: tuple[str, ...] = (
    "greendc.workflows.nightly_site", "greendc.workflows.plan", "greendc.sites.profile",
    "greendc.optimizer.day.plan", "greendc.optimizer.day.baseline", "greendc.optimizer.day.verify",
    "greendc.optimizer.io.planfolder", "greendc.optimizer.io.sample_queue", "greendc.optimizer.io.jobs",
    "greendc.optimizer.io.slurm", "greendc.optimizer.io.bms", "greendc.dashboard.report_plan",
    "pyomo.environ",
)


@functools.cache
def site_process_context() -> Any:
    """multiprocessing's forkserver with PRELOAD imported once in its server (one per Dask worker).

    A fresh interpreter per site paid 7-10 s of imports on this loaded 2-core machine; a child forked
    from the server starts in well under a second and is still a process of its own that can be
    killed alone. The server is single-threaded, so forking it is safe; forking the multi-threaded
    Dask worker itself would not be.
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(PRELOAD))
    return context


def site_child(spec_dir: str) -> None:
    """Entry of a forked site process: own process group, output to stderr.txt, then site_main."""
    os.setpgid(0, 0)  # the solver's own forked child joins this group and dies with it
    log = os.open(Path(spec_dir) / "stderr.txt", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    sys.exit(site_main(Path(spec_dir)))


def run_forked(folder: Path, limit_s: float) -> tuple[int | None, bool]:
    """Run site_main in a child of the preloaded server; SIGKILL its group at the limit.

    Returns (exit code, timed out); the exit code is None when the child was killed at the limit.
    """
    child = site_process_context().Process(target=site_child, args=(str(folder),), name="greendc-site")
    child.start()
    child.join(limit_s)
    if child.exitcode is None:
        kill_group(child.pid)
        child.join()
        return None, True
    return child.exitcode, False


def run_exec(folder: Path, limit_s: float, argv: list[str] | None = None) -> tuple[int | None, bool]:
    """Run site_main (or ``argv``) in a fresh interpreter in a new session; SIGKILL its group at the limit."""
    command = argv or [sys.executable, "-m", "greendc.workflows.site_process", str(folder)]
    with open(folder / "stderr.txt", "wb") as log:
        child = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
        )
        try:
            return child.wait(timeout=limit_s), False
        except subprocess.TimeoutExpired:
            kill_group(child.pid)
            child.wait()
            return None, True


def kill_group(pid: int | None) -> None:
    """SIGKILL the process group led by ``pid`` (the child and its solver), or the child alone."""
    if pid is None:
        return
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:  # killed before it made its own group
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def run_site_process(task: dict[str, Any], spec_dir: str, heuristic_only: bool = False) -> Outcome:
    """Run one site in a child process of its own group; SIGKILL the whole group at the wall limit."""
    folder = Path(spec_dir)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "spec.json").write_text(json.dumps({"task": task, "heuristic_only": heuristic_only}))
    limit_s = HEURISTIC_WALL_S if heuristic_only else task["wall_limit_s"]
    started, t0 = utc_now(), time.perf_counter()
    try:
        returncode, timed_out = run_forked(folder, limit_s)
    except AssertionError:  # a daemonic worker (an external cluster set up so) may not fork children
        returncode, timed_out = run_exec(folder, limit_s)
    return read_outcome(folder, task["label"], started=started, wall_s=time.perf_counter() - t0,
                        returncode=returncode, timed_out=timed_out, heuristic_only=heuristic_only)


def write_result(spec_dir: Path, result: dict[str, Any]) -> None:
    """``result.json`` written whole (a temporary file renamed), so a reader never sees half of it."""
    tmp = spec_dir / "result.json.tmp"
    tmp.write_text(json.dumps(result, sort_keys=True, default=str))
    os.replace(tmp, spec_dir / "result.json")


def read_outcome(folder: Path, label: str, *, started: str, wall_s: float, returncode: int | None,
                 timed_out: bool, heuristic_only: bool = False) -> Outcome:
    """How a child ended, from its ``result.json`` (none when killed) and the tail of its stderr."""
    result_file = folder / "result.json"
    result = json.loads(result_file.read_text()) if result_file.is_file() and not timed_out else None
    ended = "result" if result is not None else ("timeout" if timed_out else "crash")
    log = folder / "stderr.txt"
    tail = log.read_text(errors="replace")[-_STDERR_TAIL_CHARS:] if log.is_file() else ""
    return Outcome(label=label, ended=ended, wall_s=round(wall_s, 3), started_utc=started,
                   finished_utc=utc_now(), heuristic_only=heuristic_only, result=result,
                   returncode=returncode, stderr_tail=tail)


if __name__ == "__main__":
    sys.exit(site_main(Path(sys.argv[1])))
