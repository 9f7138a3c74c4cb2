"""Fleet inputs: the hubs (site + profile), the fleet job queue, inference demand and the network.

A fleet job is a day-queue ``Job`` plus where its data live: ``data_gb`` (the data set) and
``checkpoint_gb`` (a checkpoint to move with it) at ``home`` hub, and the hubs it may run at
(``allowed``, data-residency rules; None: any hub linked to its home). Moving a job to another hub
sends ``data_gb + checkpoint_gb`` over the link, starting no earlier than the job's release; the
job may start only once they have arrived.

Lateness is priced the same at every hub: a job without its own ``penalty_per_h_late`` gets its home
hub's value of a node-hour times its nodes (``accounting.job_penalty_per_h``), fixed here.

Inference demand: a region's daily profile (24 hourly values, kW of IT load) served by hubs within
its latency limit; a hub serves at most ``inference_kw`` (its inference servers' power).
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr
from greendc.optimizer.accounting import job_penalty_per_h
from greendc.optimizer.fleet.network import Network, Place, china_network
from greendc.optimizer.types import Job, PlanSettings
from greendc.sites.model import Site
from greendc.weather.errors import InputError

#: Hubs of the built-in fleet: the 13 sites of examples/fleet.toml. "East" holds most data.
EAST_HUBS: tuple[str, ...] = ("beijing", "shanghai", "shenzhen", "qingpu", "wuhu", "zhangjiakou", "shaoguan")
WEST_HUBS: tuple[str, ...] = ("zhongwei", "qingyang", "horinger", "guian", "tianfu", "chongqing")
BUILTIN_HUBS: tuple[str, ...] = EAST_HUBS + WEST_HUBS


@dataclass(frozen=True)
class FleetJob:
    """A training job of the fleet queue: the day-queue job and where its data are."""

    job: Job
    home: str
    """Hub holding the job's data. [-]"""
    data_gb: float = 0.0
    """Size of the data set. [GB]"""
    checkpoint_gb: float = 0.0
    """Checkpoint moved with the job. [GB]"""
    allowed: tuple[str, ...] | None = None
    """Hubs the job may run at (data residency); None: any hub linked to its home. [-]"""

    @property
    def job_id(self) -> str:
        return self.job.job_id

    @property
    def move_gb(self) -> float:
        """What a move sends: the data set and the checkpoint. [GB]"""
        return self.data_gb + self.checkpoint_gb


@dataclass(frozen=True)
class InferenceDemand:
    """A region's inference load, served by any hub within ``latency_ms``."""

    region: str
    kw: tuple[float, ...]
    """Hourly IT load, 24 values from local midnight. [kW]"""
    latency_ms: float
    """Latency limit. [ms]"""


@dataclass(frozen=True)
class Hub:
    """A hub: its site, its site profile over the horizon and its inference capacity."""

    site: Site
    profile: xr.Dataset
    inference_kw: float
    """Most inference IT load it can serve. [kW]"""

    @property
    def id(self) -> str:
        return self.site.site.id


@dataclass(frozen=True)
class FleetProblem:
    """Everything the joint plan needs, checked: hubs on one time grid, jobs, demand, network."""

    plan_date: date
    hubs: tuple[Hub, ...]
    jobs: tuple[FleetJob, ...]
    network: Network
    demands: tuple[InferenceDemand, ...]
    settings: PlanSettings
    notes: list[str] = field(default_factory=list)

    @property
    def hub_ids(self) -> list[str]:
        return [h.id for h in self.hubs]

    @property
    def times(self) -> pd.DatetimeIndex:
        """Step starts, UTC. [-]"""
        return pd.DatetimeIndex(self.hubs[0].profile["time"].values).tz_localize("UTC")

    @property
    def step_h(self) -> float:
        return self.settings.step_minutes / 60.0

    def demand_kw(self) -> dict[str, np.ndarray]:
        """Each region's demand at each step (hourly profile from local midnight). [kW]"""
        tz = str(self.hubs[0].profile.attrs.get("timezone", "Asia/Shanghai"))
        hours = self.times.tz_convert(tz).hour.to_numpy()
        return {d.region: np.asarray(d.kw, dtype=float)[hours] for d in self.demands}

    def candidates(self, job: FleetJob) -> list[str]:
        """Hubs a job may run at: its home and every allowed hub linked to it (home first)."""
        links = self.network.link_index()
        out = [job.home]
        for hub in self.hub_ids:
            if hub == job.home or frozenset((job.home, hub)) not in links:
                continue
            if job.allowed is None or hub in job.allowed:
                out.append(hub)
        return out


def check_problem(problem: FleetProblem) -> None:
    """One time grid, known hubs everywhere, a latency-reachable hub for every region."""
    ids = problem.hub_ids
    if len(set(ids)) != len(ids):
        raise InputError("two hubs share an id", key="site")
    first = problem.hubs[0].profile["time"].values
    for hub in problem.hubs[1:]:
        if not np.array_equal(hub.profile["time"].values, first):
            raise InputError(f"hub {hub.id} plans on other time steps than {problem.hubs[0].id}; a joint "
                             "plan needs one time grid (same timezone, step and horizon)", key="site")
    seen: set[str] = set()
    for job in problem.jobs:
        if job.job_id in seen:
            raise InputError(f"job {job.job_id} is listed twice", key="jobs")
        seen.add(job.job_id)
        if job.home not in ids:
            raise InputError(f"job {job.job_id}: home hub {job.home!r} is not in the fleet", key="home_hub")
        for hub in job.allowed or ():
            if hub not in ids:
                raise InputError(f"job {job.job_id}: allowed hub {hub!r} is not in the fleet",
                                 key="allowed_hubs")
    for d in problem.demands:
        if len(d.kw) != 24:
            raise InputError(f"region {d.region}: give 24 hourly values", key="region.kw")
        near = [hub for hub in problem.hubs if problem.network.latency(d.region, hub.id) <= d.latency_ms]
        if not near:
            raise InputError(f"region {d.region}: no hub within {d.latency_ms:g} ms", key="region.latency_ms")
        if max(d.kw) > sum(hub.inference_kw for hub in near) + 1e-9:
            raise InputError(f"region {d.region}: peak {max(d.kw):g} kW is more than the hubs within "
                             f"{d.latency_ms:g} ms can serve", key="region.kw")


def with_penalties(jobs: Sequence[FleetJob], sites: dict[str, Site],
                   settings: PlanSettings) -> list[FleetJob]:
    """Each job's lateness penalty fixed to its home hub's rate, so it is the same at every hub."""
    out = []
    for fj in jobs:
        if fj.job.penalty_per_h_late is None:
            rate = job_penalty_per_h(fj.job, sites[fj.home], settings)
            fj = replace(fj, job=replace(fj.job, penalty_per_h_late=rate))
        out.append(fj)
    return out


def hub_places(sites: Sequence[Site]) -> list[Place]:
    """Hub locations for the built-in network."""
    return [Place(s.site.id, s.site.latitude, s.site.longitude, s.site.province) for s in sites]


def builtin_network(sites: Sequence[Site], **kwargs: float) -> Network:
    """The built-in China network over these hubs (``china_network``)."""
    return china_network(hub_places(sites), **kwargs)  # type: ignore[arg-type]


#: Diurnal shape of inference demand (share of the daily peak by local hour): low at night, peak in
#: the evening, as interactive services show. [-]
INFERENCE_SHAPE: tuple[float, ...] = (
    0.45, 0.38, 0.33, 0.30, 0.30, 0.33, 0.42, 0.55, 0.70, 0.80, 0.86, 0.90,
    0.90, 0.88, 0.88, 0.90, 0.92, 0.95, 0.98, 1.00, 1.00, 0.95, 0.80, 0.60)
#: Latency limit of interactive inference (estimate: a chat turn's network share). [ms]
DEFAULT_INFERENCE_LATENCY_MS = 10.0


def builtin_demands(peak_kw: float = 1500.0, latency_ms: float = DEFAULT_INFERENCE_LATENCY_MS,
                    regions: Sequence[str] = ("jingjinji", "yangtze-delta", "greater-bay", "chengyu")
                    ) -> tuple[InferenceDemand, ...]:
    """Inference demand of the eastern regions: ``peak_kw`` each on the diurnal shape."""
    return tuple(InferenceDemand(r, tuple(peak_kw * s for s in INFERENCE_SHAPE), latency_ms) for r in regions)


def builtin_fleet_queue(sites: Sequence[Site], plan_date: date, *, n_jobs: int = 2000, seed: int = 0,
                        horizon_h: float = 24.0, east_load: float = 0.75, west_load: float = 0.30,
                        east: Sequence[str] = EAST_HUBS, residency_share: float = 0.1) -> list[FleetJob]:
    """A fleet queue: each hub's sample queue, eastern hubs loaded more (most data are in the east).

    ``n_jobs`` split evenly over the hubs; data sets log-uniform 20 GB - 20 TB (fine-tuning sets to
    pre-training shards); one job in ten must stay at home (``residency_share``); jobs released after
    midnight carry a checkpoint of 1-2 % of their data. Deterministic for a seed.
    """
    from greendc.optimizer.day.inputs import day_start
    from greendc.optimizer.io.sample_queue import sample_queue

    rng = np.random.default_rng(seed)
    per_hub = max(1, round(n_jobs / max(1, len(sites))))
    out: list[FleetJob] = []
    for i, site in enumerate(sites):
        load = east_load if site.site.id in east else west_load
        jobs = sample_queue(site, day_start(plan_date, site.site.timezone), seed=seed + i,
                            horizon_h=horizon_h, n_jobs=per_hub, load=load)
        for job in jobs:
            gb = float(np.exp(rng.uniform(math.log(20.0), math.log(20_000.0))))
            stay = rng.uniform() < residency_share
            ckpt = gb * float(rng.uniform(0.01, 0.02)) if job.release > jobs[0].release else 0.0
            out.append(FleetJob(replace(job, job_id=f"{site.site.id}-{job.job_id}"), site.site.id,
                                round(gb, 1), round(ckpt, 1), (site.site.id,) if stay else None))
    return out


#: Queue columns a fleet queue adds to the day queue's (optimizer/io/jobs.py FLEET_COLUMNS).
def read_fleet_queue(path: str | Path, timezone: str, default_home: str | None = None) -> list[FleetJob]:
    """A CSV or JSON queue with the fleet columns ``data_gb, home_hub, allowed_hubs`` (``a;b``),
    ``checkpoint_gb`` (all optional; ``home_hub`` required unless ``default_home`` is given)."""
    from greendc.optimizer.io.jobs import read_jobs

    file = Path(path)
    jobs = read_jobs(file, timezone)
    if file.suffix.lower() == ".csv":
        text = file.read_text(encoding="utf-8-sig")
        records = list(csv.DictReader(io.StringIO(text), skipinitialspace=True))
    else:
        value = json.loads(file.read_text(encoding="utf-8") or "[]")
        records = value["jobs"] if isinstance(value, dict) else value
    by_id = {str(r.get("job_id", "")).strip(): r for r in records}
    out = []
    for job in jobs:
        rec = by_id.get(job.job_id, {})
        home = str(rec.get("home_hub") or default_home or "").strip()
        if not home:
            raise InputError("missing home_hub (the hub holding the job's data)", file=file,
                             key=f"job {job.job_id}, home_hub")
        allowed_text = rec.get("allowed_hubs")
        allowed = None
        if allowed_text not in (None, ""):
            items = allowed_text if isinstance(allowed_text, list) else str(allowed_text).split(";")
            allowed = tuple(str(a).strip() for a in items if str(a).strip())
        out.append(FleetJob(job, home, _gb(rec, "data_gb", file, job.job_id),
                            _gb(rec, "checkpoint_gb", file, job.job_id), allowed))
    return out


def _gb(rec: dict, name: str, file: Path, job_id: str) -> float:
    value = rec.get(name)
    if value in (None, ""):
        return 0.0
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{value!r}: must be a number of GB", file=file,
                         key=f"job {job_id}, {name}") from None
    if not math.isfinite(number) or number < 0:
        raise InputError(f"{value!r}: must be a finite number >= 0", file=file, key=f"job {job_id}, {name}")
    return number


def make_problem(sites: Sequence[Site], plan_date: date, jobs: Sequence[FleetJob], settings: PlanSettings, *,
                 network: Network | None = None, demands: Sequence[InferenceDemand] = (),
                 inference_kw: dict[str, float] | None = None, weather: dict[str, xr.Dataset] | None = None,
                 profiles: dict[str, xr.Dataset] | None = None) -> FleetProblem:
    """Profiles of every hub (given, or built from the weather / synthetic year), penalties fixed, checked.

    ``inference_kw``: each hub's inference capacity; default half its firm IT load.
    """
    from greendc.optimizer.day.inputs import horizon_profile

    hubs = []
    for site in sites:
        sid = site.site.id
        profile = (profiles or {}).get(sid)
        if profile is None:
            profile = horizon_profile(site, (weather or {}).get(sid), plan_date, settings)
        cap = (inference_kw or {}).get(sid, 0.5 * site.it.firm_load_kw)
        hubs.append(Hub(site, profile, float(cap)))
    net = network if network is not None else builtin_network(sites)
    fleet_jobs = tuple(with_penalties(jobs, {s.site.id: s for s in sites}, settings))
    problem = FleetProblem(plan_date, tuple(hubs), fleet_jobs, net, tuple(demands), settings)
    check_problem(problem)
    return problem
