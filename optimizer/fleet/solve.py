"""The joint plan: the fluid LP (bound and master), assignments, transfers and per-hub day MILPs.

``plan_fleet`` runs the decomposition of docs/model.md, "Fleet":

1. the joint fluid LP (``bound.solve_bound``, column generation) gives a lower bound on every joint
   plan and the jobs' shares per hub and the inference per hub and step;
2. three candidate assignments: ``independent`` (every job at its home hub, each region's inference at
   its nearest hubs: today's nightly), ``greedy`` (each job in release order to the hub where it is
   cheapest, counting energy at the hub's cheapest free steps and the transfer) and ``joint`` (each
   job where the LP plans most of it);
3. transfers scheduled on the links (``transfers.schedule_transfers``); a moved job's release becomes
   the arrival of its data;
4. every hub of every candidate planned by the day plan service (``day.service.solve_day``, the
   existing MILP with its baseline guard and verification) through ``mapper`` (serial, or Dask);
   identical hub problems are solved once;
5. the fleet plan is the cheapest candidate (so it never costs more than the independent plans), its
   gap measured against the LP bound: (cost - bound) / cost.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import xarray as xr
from greendc.optimizer.accounting import plan_kpis
from greendc.optimizer.fleet.bound import HubArrays, LPResult, hub_arrays, job_steps, solve_bound
from greendc.optimizer.fleet.inputs import FleetProblem
from greendc.optimizer.fleet.transfers import Transfer, schedule_transfers, transfer_cost
from greendc.optimizer.types import Job, Plan, PlanSettings
from greendc.sites.model import Site
from greendc.weather.errors import InputError

Mapper = Callable[[Callable[[Any], Any], Sequence[Any]], list[Any]]
Progress = Callable[[str], None]
CANDIDATES = ("independent", "greedy", "joint")


def serial_map(fn: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
    """The mapper without a cluster: one item after another."""
    return [fn(item) for item in items]


@dataclass(frozen=True)
class HubTask:
    """One hub's day problem in a candidate: its jobs (releases at their data's arrival) and inference."""

    hub: str
    site: Site
    profile: xr.Dataset
    jobs: tuple[Job, ...]
    inference_kw: tuple[float, ...]
    settings: PlanSettings

    def key(self) -> tuple[Any, ...]:
        """Equal keys, equal problems (solved once). [-]"""
        return (self.hub, self.jobs, tuple(round(v, 6) for v in self.inference_kw))


@dataclass
class HubOutcome:
    """A hub's solved day: the plan, today's practice on the same inputs, the profile planned on."""

    hub: str
    plan: Plan
    baseline: Plan
    profile: xr.Dataset
    jobs: tuple[Job, ...]
    wall_s: float


def hub_profile(profile: xr.Dataset, inference_kw: Sequence[float]) -> xr.Dataset:
    """The hub's profile with its inference load added to the firm IT load. [kW]"""
    if not any(inference_kw):
        return profile
    out = profile.copy()
    out["firm_it_kw"] = profile["firm_it_kw"] + xr.DataArray(np.asarray(inference_kw, float), dims="time")
    out["firm_it_kw"].attrs = dict(profile["firm_it_kw"].attrs)
    return out


def solve_hub(task: HubTask) -> HubOutcome:
    """Plan one hub's day with the plan service (baseline, MILP, guard, verification)."""
    from greendc.optimizer.day.service import solve_day

    start = time.perf_counter()
    profile = hub_profile(task.profile, task.inference_kw)
    day = solve_day(profile, task.site, list(task.jobs), task.settings, savings=False)
    return HubOutcome(task.hub, day.plan, day.baseline, profile, task.jobs, time.perf_counter() - start)


@dataclass
class Candidate:
    """A joint plan: assignment, transfers, inference split and each hub's solved day."""

    name: str
    assignment: dict[str, str]
    transfers: dict[str, Transfer]
    serve: dict[tuple[str, str], np.ndarray]
    """(region, hub) -> inference IT load served at each step. [kW]"""
    hubs: dict[str, HubOutcome] = field(default_factory=dict)

    def inference(self, problem: FleetProblem) -> np.ndarray:
        """[hub, step] inference IT load served. [kW]"""
        return hub_inference(problem, self.serve)

    def transfer_cost(self, problem: FleetProblem) -> float:
        return transfer_cost(problem, self.transfers)

    def total(self, problem: FleetProblem) -> float:
        """Objective: every hub's plan objective plus the transfers. [currency]"""
        return sum(h.plan.objective["total"] for h in self.hubs.values()) + self.transfer_cost(problem)

    def baseline_total(self, problem: FleetProblem) -> float:
        """The same assignment run as today's practice at every hub (no time shifting). [currency]"""
        return sum(h.baseline.objective["total"] for h in self.hubs.values()) + self.transfer_cost(problem)

    def kpis(self, problem: FleetProblem) -> dict[str, float]:
        """Cost, carbon, energy, transfer volume, moved jobs, lateness. [currency, kg, kWh, GB, -]"""
        carbon = energy = late = 0.0
        for h in self.hubs.values():
            k = plan_kpis(h.plan.steps, problem.step_h)
            carbon += k["carbon_kg"]
            energy += k["facility_kwh"]
            late += h.plan.objective.get("lateness_penalty", 0.0)
        moved = sum(1 for fj in problem.jobs if self.assignment[fj.job_id] != fj.home)
        return {"cost": self.total(problem), "carbon_kg": carbon, "energy_kwh": energy,
                "transfer_gb": sum(t.gb for t in self.transfers.values()),
                "transfer_cost": self.transfer_cost(problem), "moved_jobs": float(moved),
                "lateness_penalty": late,
                "latency_violations": float(latency_violations(problem, self.serve)),
                "baseline_cost": self.baseline_total(problem)}


def hub_inference(problem: FleetProblem, serve: dict[tuple[str, str], np.ndarray]) -> np.ndarray:
    """[hub, step] inference IT load from the (region, hub) split. [kW]"""
    out = np.zeros((len(problem.hubs), len(problem.times)))
    hubs = problem.hub_ids
    for (_region, hub), kw in serve.items():
        out[hubs.index(hub)] += kw
    return out


def latency_violations(problem: FleetProblem, serve: dict[tuple[str, str], np.ndarray]) -> int:
    """(region, hub, step) triples where load is served beyond the region's latency limit. [-]"""
    limit = {d.region: d.latency_ms for d in problem.demands}
    return sum(int(np.sum(kw > 1e-6)) for (region, hub), kw in serve.items()
               if problem.network.latency(region, hub) > limit[region] + 1e-9)


@dataclass
class FleetResult:
    """The fleet plan (the cheapest candidate), the comparisons and the proof of its gap."""

    problem: FleetProblem
    best: Candidate
    candidates: dict[str, Candidate]
    lp: LPResult
    timings: dict[str, float]

    @property
    def bound(self) -> float:
        return self.lp.bound

    @property
    def gap(self) -> float:
        """(cost - bound) / cost of the fleet plan. [-]"""
        cost = self.best.total(self.problem)
        return (cost - self.bound) / abs(cost) if cost else 0.0


# ----------------------------------------------------------------------------------------------
# Assignments


def _marginal(arrays: Sequence[HubArrays]) -> np.ndarray:
    """[hub, step] cost of one more nominal IT kW for one hour at the cheapest level. [currency/kWh]"""
    return np.stack([a.coef * (a.data.price + a.data.rates.carbon_price_per_t / 1000.0 * a.data.carbon)
                     for a in arrays])


def inference_nearest(problem: FleetProblem) -> dict[tuple[str, str], np.ndarray]:
    """Each region served by its nearest hubs (lowest latency first, within each hub's capacity). [kW]"""
    hubs = problem.hub_ids
    out: dict[tuple[str, str], np.ndarray] = {}
    cap = np.array([h.inference_kw for h in problem.hubs], float)[:, None] * np.ones(len(problem.times))
    demand = problem.demand_kw()
    for d in problem.demands:
        left = demand[d.region].copy()
        for hub in sorted(hubs, key=lambda h: (problem.network.latency(d.region, h), h)):
            if problem.network.latency(d.region, hub) > d.latency_ms + 1e-9:
                break
            i = hubs.index(hub)
            take = np.minimum(left, cap[i])
            out[(d.region, hub)] = take
            cap[i] -= take
            left -= take
        if np.any(left > 1e-6):
            raise InputError(f"region {d.region}: not enough inference capacity within {d.latency_ms:g} ms "
                             "(lower the demand or raise the hubs' inference capacity)", key="region")
    return out


def inference_cheapest(problem: FleetProblem,
                       arrays: Sequence[HubArrays]) -> dict[tuple[str, str], np.ndarray]:
    """Each region served at each step by the cheapest hubs within its latency limit. [kW]"""
    hubs = problem.hub_ids
    m = _marginal(arrays)
    T = len(problem.times)
    out: dict[tuple[str, str], np.ndarray] = {}
    cap = np.array([h.inference_kw for h in problem.hubs], float)[:, None] * np.ones(T)
    demand = problem.demand_kw()
    for d in problem.demands:
        reach = [hubs.index(h) for h in hubs if problem.network.latency(d.region, h) <= d.latency_ms + 1e-9]
        for t in range(T):
            left = demand[d.region][t]
            for i in sorted(reach, key=lambda i: m[i, t]):
                take = min(left, cap[i, t])
                out.setdefault((d.region, hubs[i]), np.zeros(T))[t] += take
                cap[i, t] -= take
                left -= take
            if left > 1e-6:
                raise InputError(f"region {d.region}: not enough inference capacity within "
                                 f"{d.latency_ms:g} ms (lower the demand or raise the hubs' inference "
                                 "capacity)", key="region")
    return out


def greedy_assignment(problem: FleetProblem, arrays: Sequence[HubArrays]) -> dict[str, str]:
    """Each job, in release order, to the hub where it costs least: energy at the hub's cheapest steps
    with free nodes before its deadline (late steps at the penalty), plus the transfer."""
    from greendc.optimizer.fleet.bound import arrival_time

    hubs = problem.hub_ids
    T, dt = len(problem.times), problem.step_h
    m = _marginal(arrays) * dt
    free = np.array([[a.data.nodes] * T for a in arrays], float)
    rel, dl = job_steps(problem)
    times = problem.times.asi8
    out: dict[str, str] = {}
    order = sorted(range(len(problem.jobs)),
                   key=lambda j: (problem.jobs[j].job.release, problem.jobs[j].job_id))
    for j in order:
        fj = problem.jobs[j]
        job = fj.job
        need = max(1, int(np.ceil(job.duration_h / dt - 1e-9)))
        best: tuple[float, str, np.ndarray] | None = None
        for hub in problem.candidates(fj):
            i = hubs.index(hub)
            a = arrays[i].data
            first = max(int(rel[j]), int(np.searchsorted(times, arrival_time(fj, hub, problem).value)))
            if first >= T or (hub != fj.home and first >= dl[j]):
                continue
            p = job.node_kw if job.node_kw is not None else a.node_busy_kw
            steps = np.arange(first, T)
            ok = free[i, steps] >= job.nodes
            late = np.where(steps >= dl[j], float(job.penalty_per_h_late or 0.0) * dt, 0.0)
            c = m[i, steps] * job.nodes * (p - a.node_idle_kw) + late
            c = np.where(ok, c, np.inf)
            pick = steps[np.argsort(c, kind="stable")[:need]]
            cost = float(np.sum(np.sort(c)[:need]))
            if not np.isfinite(cost):
                cost = 1e18
            if hub != fj.home:
                link = problem.network.link(fj.home, hub)
                assert link is not None
                cost += fj.move_gb * link.price_per_gb
            if best is None or cost < best[0] - 1e-9:
                best = (cost, hub, pick)
        hub = best[1] if best is not None else fj.home
        out[fj.job_id] = hub
        if best is not None and best[0] < 1e17:
            free[hubs.index(hub), best[2]] -= job.nodes
    return out


def lp_assignment(problem: FleetProblem, lp: LPResult) -> dict[str, str]:
    """Each job to the hub where the LP plans most of its hours (home on a tie or when it plans none)."""
    out = {}
    for fj in problem.jobs:
        shares = lp.share.get(fj.job_id, {})
        hub = max(shares.items(), key=lambda kv: (kv[1] + (1e-9 if kv[0] == fj.home else 0.0)))[0] \
            if shares else fj.home
        out[fj.job_id] = hub
    return out


def hub_tasks(problem: FleetProblem, assignment: dict[str, str], transfers: dict[str, Transfer],
              inference: np.ndarray, settings: PlanSettings) -> list[HubTask]:
    """Each hub's day problem: its jobs, a moved job released when its data have arrived."""
    jobs: dict[str, list[Job]] = {h: [] for h in problem.hub_ids}
    for fj in problem.jobs:
        job = fj.job
        tr = transfers.get(fj.job_id)
        if tr is not None and tr.arrival > job.release:
            job = replace(job, release=tr.arrival)
        jobs[assignment[fj.job_id]].append(job)
    return [HubTask(h.id, h.site, h.profile, tuple(jobs[h.id]), tuple(float(v) for v in inference[i]),
                    settings) for i, h in enumerate(problem.hubs)]


def feasible_moves(problem: FleetProblem, assignment: dict[str, str],
                   wanted: dict[str, int] | None = None) -> tuple[dict[str, str], dict[str, Transfer]]:
    """The assignment with every move whose data would arrive after the job's deadline (or the
    horizon end) sent back home, and the transfers of the moves kept."""
    times = problem.times.asi8
    T, dt = len(times), problem.step_h
    rel, dl = job_steps(problem)
    index = {fj.job_id: j for j, fj in enumerate(problem.jobs)}
    assignment = dict(assignment)

    def late_there(job_id: str, tr: Transfer) -> bool:
        """The job could finish in time at home but not after this move (whole steps from arrival)."""
        j = index[job_id]
        need = int(np.ceil(problem.jobs[j].job.duration_h / dt - 1e-9))
        ready = int(np.searchsorted(times, tr.arrival.value))
        return ready + need > min(T, max(int(dl[j]), int(rel[j]) + need))

    for _ in range(len(problem.jobs) + 1):
        transfers = schedule_transfers(problem, assignment, wanted)
        back = [j for j, tr in transfers.items() if late_there(j, tr)]
        if not back:
            return assignment, transfers
        for j in back[:1]:  # one at a time: the others may make it once it is gone
            assignment[j] = _home(problem, j)
    raise AssertionError("unreachable")


def _home(problem: FleetProblem, job_id: str) -> str:
    return next(fj.home for fj in problem.jobs if fj.job_id == job_id)


def plan_fleet(problem: FleetProblem, *, mapper: Mapper = serial_map, progress: Progress | None = None,
               hub_settings: PlanSettings | None = None, candidates: Iterable[str] = CANDIDATES,
               lp_time_limit_s: float = 300.0) -> FleetResult:
    """The joint plan and its comparisons (module docstring)."""
    say = progress or (lambda _m: None)
    timings: dict[str, float] = {}
    start = time.perf_counter()
    arrays = hub_arrays(problem)
    say(f"joint LP: {len(problem.hubs)} hubs x {len(problem.times)} steps x {len(problem.jobs)} jobs")
    lp = solve_bound(problem, arrays, time_limit_s=lp_time_limit_s)
    timings["lp_s"] = time.perf_counter() - start
    say(f"joint LP {lp.status}: bound {lp.bound:,.0f} in {lp.rounds} rounds, {lp.solve_s:.1f} s")
    settings = hub_settings or problem.settings
    wanted_joint = {j: s for (j, _h), s in lp.first_step.items()}
    made: dict[str, Candidate] = {}
    names = list(candidates)
    for name in names:
        if name == "independent":
            assignment = {fj.job_id: fj.home for fj in problem.jobs}
            inference, wanted = inference_nearest(problem), None
        elif name == "greedy":
            assignment = greedy_assignment(problem, arrays)
            inference, wanted = inference_cheapest(problem, arrays), None
        elif name == "joint":
            assignment = lp_assignment(problem, lp)
            inference, wanted = lp.serve, wanted_joint
        else:
            raise ValueError(f"unknown candidate {name!r}")
        assignment, transfers = feasible_moves(problem, assignment, wanted)
        made[name] = Candidate(name, assignment, transfers, inference)
    tasks: dict[tuple[Any, ...], HubTask] = {}
    for cand in made.values():
        for task in hub_tasks(problem, cand.assignment, cand.transfers, cand.inference(problem), settings):
            tasks.setdefault(task.key(), task)
    todo = sorted(tasks.values(), key=lambda t: -len(t.jobs))
    say(f"planning {len(todo)} hub days ({len(made)} candidates x {len(problem.hubs)} hubs, "
        "repeats solved once)")
    t0 = time.perf_counter()
    solved = mapper(solve_hub, todo)
    timings["hubs_s"] = time.perf_counter() - t0
    by_key = {task.key(): out for task, out in zip(todo, solved, strict=True)}
    for cand in made.values():
        for task in hub_tasks(problem, cand.assignment, cand.transfers, cand.inference(problem), settings):
            cand.hubs[task.hub] = by_key[task.key()]
    best = min(made.values(), key=lambda c: (c.total(problem), names.index(c.name) * -1))
    timings["total_s"] = time.perf_counter() - start
    return FleetResult(problem, best, made, lp, timings)
