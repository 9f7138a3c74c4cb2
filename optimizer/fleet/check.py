"""The independent check of a fleet plan: every job runs once, transfers respect bandwidth and arrive
before their jobs start, inference stays within its latency limits, and each hub's plan verifies.

It reads only the plan's outputs (each hub's runs and job status, the transfer intervals, the
inference split) and the fleet inputs; nothing from the LP or the assignment logic.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd
from greendc.optimizer.day.verify import verify_plan
from greendc.optimizer.fleet.inputs import FleetProblem
from greendc.optimizer.fleet.solve import Candidate, hub_inference

#: Slack on bandwidth and energy sums (rounding of floats). [GB, kW]
TOL = 1e-6


class FleetCheckError(AssertionError):
    """A fleet plan broke one of the rules it must keep."""


def check_fleet_plan(problem: FleetProblem, cand: Candidate, *, verify_hubs: bool = True) -> list[str]:
    """Raise FleetCheckError on the first broken rule; return the facts checked, one line each."""
    facts: list[str] = []
    jobs = {fj.job_id: fj for fj in problem.jobs}
    # every job in exactly one hub's plan, at a hub it may run at, never before its release
    where: dict[str, list[str]] = defaultdict(list)
    for hub, out in cand.hubs.items():
        for job_id in out.plan.job_status["job_id"]:
            where[str(job_id)].append(hub)
    for job_id, fj in jobs.items():
        hubs = where.get(job_id, [])
        if len(hubs) != 1:
            where = ", ".join(hubs) or "none"
            raise FleetCheckError(f"job {job_id} is planned at {len(hubs)} hubs ({where})")
        if hubs[0] not in problem.candidates(fj):
            raise FleetCheckError(f"job {job_id} runs at {hubs[0]}, not a hub it may run at")
        if cand.assignment.get(job_id) != hubs[0]:
            raise FleetCheckError(
                f"job {job_id} is planned at {hubs[0]} but assigned to {cand.assignment.get(job_id)}")
    facts.append(f"{len(jobs)} jobs, each in exactly one hub's plan, at an allowed hub")
    for hub, out in cand.hubs.items():
        runs = out.plan.runs
        others = set(runs["job_id"].astype(str)) - {j for j, h in cand.assignment.items() if h == hub}
        if others:
            raise FleetCheckError(f"{hub} runs jobs assigned elsewhere: {sorted(others)[:3]}")
    # transfers: one per moved job (with GB to move), within bandwidth, arriving before the first run
    first_start: dict[str, pd.Timestamp] = {}
    for out in cand.hubs.values():
        if len(out.plan.runs):
            for job_id, start in out.plan.runs.groupby("job_id")["start"].min().items():
                first_start[str(job_id)] = pd.Timestamp(start)
    for job_id, fj in jobs.items():
        hub = cand.assignment[job_id]
        tr = cand.transfers.get(job_id)
        if hub != fj.home and fj.move_gb > 0:
            if tr is None or tr.to_hub != hub or tr.from_hub != fj.home or abs(tr.gb - fj.move_gb) > TOL:
                raise FleetCheckError(
                    f"job {job_id} moves {fj.home} -> {hub} without its transfer of {fj.move_gb} GB")
            link = problem.network.link(fj.home, hub)
            assert link is not None
            if tr.start < fj.job.release:
                raise FleetCheckError(f"job {job_id}: transfer starts before the job's release")
            sent_s = (tr.end - tr.start).total_seconds()
            if sent_s + 1e-3 < fj.move_gb / link.gb_per_s():
                raise FleetCheckError(f"job {job_id}: {fj.move_gb} GB sent faster than the link's bandwidth")
            latency = pd.Timedelta(milliseconds=link.latency_ms)
            if tr.arrival < tr.end + latency - pd.Timedelta(microseconds=1):
                raise FleetCheckError(f"job {job_id}: arrives before the link's latency has passed")
            start = first_start.get(job_id)
            if start is not None and start < tr.arrival - pd.Timedelta(microseconds=1):
                raise FleetCheckError(
                    f"job {job_id} starts at {start} before its data arrive at {tr.arrival}")
        elif tr is not None:
            raise FleetCheckError(f"job {job_id} stays at home but has a transfer")
        start = first_start.get(job_id)
        if start is not None and start < fj.job.release:
            raise FleetCheckError(f"job {job_id} starts before its release")
    facts.append(
        f"{len(cand.transfers)} transfers, each after its release and arriving before its job starts")
    by_dir: dict[tuple[str, str], list] = defaultdict(list)
    for tr in cand.transfers.values():
        by_dir[(tr.from_hub, tr.to_hub)].append(tr)
    for (a, b), trs in by_dir.items():
        link = problem.network.link(a, b)
        assert link is not None
        # rate at any instant: each transfer sends gb / duration; the sum must stay within the bandwidth
        events = sorted([(t.start.value, t.gb / max((t.end - t.start).total_seconds(), 1e-12)) for t in trs]
                        + [(t.end.value, -t.gb / max((t.end - t.start).total_seconds(), 1e-12)) for t in trs],
                        key=lambda e: (e[0], e[1]))
        rate = peak = 0.0
        for _, d in events:
            rate += d
            peak = max(peak, rate)
        if peak > link.gb_per_s() * (1 + 1e-6) + TOL:  # ns rounding of the send times
            raise FleetCheckError(
                f"link {a} -> {b} carries {peak:.3f} GB/s, more than its {link.gb_per_s():.3f}")
    facts.append(f"{len(by_dir)} link directions used, none above its bandwidth")
    # inference: demand met, within latency, within each hub's capacity
    demand = problem.demand_kw()
    limit = {d.region: d.latency_ms for d in problem.demands}
    served: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(len(problem.times)))
    for (region, hub), kw in cand.serve.items():
        if np.any(kw < -TOL):
            raise FleetCheckError(f"negative inference from {hub} to {region}")
        if np.any(kw > TOL) and problem.network.latency(region, hub) > limit[region] + 1e-9:
            raise FleetCheckError(f"{hub} serves {region} beyond its {limit[region]:g} ms latency limit "
                                  f"({problem.network.latency(region, hub):g} ms)")
        served[region] = served[region] + kw
    for region, kw in demand.items():
        if np.any(np.abs(served[region] - kw) > 1e-4 * max(1.0, float(kw.max()))):
            raise FleetCheckError(f"region {region}: inference served differs from its demand")
    load = hub_inference(problem, cand.serve)
    for i, hub in enumerate(problem.hubs):
        if np.any(load[i] > hub.inference_kw * (1 + 1e-9) + TOL):
            raise FleetCheckError(f"{hub.id} serves more inference than its {hub.inference_kw:g} kW")
        out = cand.hubs[hub.id]
        firm = out.profile["firm_it_kw"].values - hub.profile["firm_it_kw"].values
        if np.any(np.abs(firm - load[i]) > 1e-6 * max(1.0, float(load[i].max(initial=0.0)))):
            raise FleetCheckError(f"{hub.id}: the plan's firm load does not carry the inference it serves")
    facts.append(f"{len(demand)} regions' inference met at every step, within latency and hub capacity")
    if verify_hubs:
        for hub in problem.hubs:
            out = cand.hubs[hub.id]
            verify_plan(out.plan, out.profile, hub.site, list(out.jobs), problem.settings,
                        strict_limits=not out.plan.solver.fallback)
        facts.append(f"{len(problem.hubs)} hub plans verified (optimizer/day/verify.py)")
    return facts
