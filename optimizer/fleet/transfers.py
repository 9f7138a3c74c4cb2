"""Transfers: when each moved job's data cross their link, and the GB each link carries per step.

A link is full duplex (its bandwidth in each direction). On each direction the moves are sent one
after another at the link's full bandwidth, in the order the jobs are wanted (the LP's first step at
the new hub, then the release), each starting no earlier than its job's release: a schedule that
never exceeds the bandwidth and, for the job sent first, is as early as the relaxation assumed.
A job's data arrive when the last byte is sent plus the link's latency.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from greendc.optimizer.fleet.inputs import FleetJob, FleetProblem

#: Columns of transfers.csv.
TRANSFER_COLUMNS = ("link", "from_hub", "to_hub", "time", "gb", "capacity_gb")
#: Columns of assignments.csv.
ASSIGNMENT_COLUMNS = ("job_id", "home_hub", "hub", "moved", "gb", "transfer_start", "transfer_end",
                      "release", "ready", "deadline", "runs", "first_start", "last_end")


@dataclass(frozen=True)
class Transfer:
    """One job's move: its link direction, GB and when it is sent and arrives."""

    job_id: str
    from_hub: str
    to_hub: str
    gb: float
    start: pd.Timestamp
    end: pd.Timestamp
    """Last byte sent. [-]"""
    arrival: pd.Timestamp
    """End plus the link's latency: the job may start from here. [-]"""


def schedule_transfers(problem: FleetProblem, assignment: Mapping[str, str],
                       wanted: Mapping[str, int] | None = None) -> dict[str, Transfer]:
    """Sequential transfers on each link direction for every job assigned away from home."""
    wanted = wanted or {}
    queues: dict[tuple[str, str], list[FleetJob]] = defaultdict(list)
    for fj in problem.jobs:
        hub = assignment[fj.job_id]
        if hub != fj.home and fj.move_gb > 0:
            queues[(fj.home, hub)].append(fj)
    out: dict[str, Transfer] = {}
    for (a, b), jobs in queues.items():
        link = problem.network.link(a, b)
        if link is None:
            raise ValueError(f"no link from {a} to {b}")
        jobs.sort(key=lambda fj: (wanted.get(fj.job_id, 0), fj.job.release, fj.job_id))
        free = problem.times[0]
        for fj in jobs:
            start = max(free, fj.job.release)
            end = start + pd.Timedelta(seconds=fj.move_gb / link.gb_per_s())
            free = end
            out[fj.job_id] = Transfer(fj.job_id, a, b, fj.move_gb, start, end,
                                      end + pd.Timedelta(milliseconds=link.latency_ms))
    return out


def transfer_table(problem: FleetProblem, transfers: Mapping[str, Transfer]) -> pd.DataFrame:
    """GB sent per link direction and step (rows only where something is sent), with the step's capacity."""
    times = problem.times
    step = pd.Timedelta(hours=problem.step_h)
    starts = times.asi8
    ends = (times + step).asi8
    rows = []
    by_dir: dict[tuple[str, str], list[Transfer]] = defaultdict(list)
    for tr in transfers.values():
        by_dir[(tr.from_hub, tr.to_hub)].append(tr)
    for (a, b), trs in sorted(by_dir.items()):
        link = problem.network.link(a, b)
        assert link is not None
        rate = link.gb_per_s()
        gb = np.zeros(len(times))
        extra = 0.0
        for tr in trs:
            s, e = tr.start.value, tr.end.value
            overlap = np.clip(np.minimum(ends, e) - np.maximum(starts, s), 0, None) / 1e9
            gb += overlap * rate
            extra += max(0.0, (e - max(s, ends[-1]))) / 1e9 * rate  # sent after the horizon
        for t in np.flatnonzero(gb > 0):
            rows.append((link.name, a, b, times[t], float(gb[t]), rate * step.total_seconds()))
        if extra > 0:
            rows.append((link.name, a, b, times[-1] + step, extra, float("inf")))
    return pd.DataFrame(rows, columns=list(TRANSFER_COLUMNS))


def transfer_cost(problem: FleetProblem, transfers: Mapping[str, Transfer]) -> float:
    """Price of every move. [currency]"""
    total = 0.0
    for tr in transfers.values():
        link = problem.network.link(tr.from_hub, tr.to_hub)
        assert link is not None
        total += tr.gb * link.price_per_gb
    return total
