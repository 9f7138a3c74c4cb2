"""Benchmark cases for the planning MILP: a catalogue site's real profile and a seeded job queue.

The queue mimics a training cluster's day: node counts 8-256 (powers of two, small ones common),
run times 0.5-8 h, releases over the horizon, deadlines a few hours after the earliest finish; it fills
about ``utilisation`` of the site's node-hours. 30 % of the jobs are non-preemptible by default.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr
from greendc.optimizer.types import Job
from greendc.sites import load_site
from greendc.sites.model import Site
from greendc.sites.profile import site_profile

SITE_ID = "qingyang"  # 4 setpoint levels, PV, wind, battery, demand charge, export
DAY = "2026-07-15"


def benchmark_profile(n_steps: int, site_id: str = SITE_ID, day: str = DAY) -> tuple[xr.Dataset, Site]:
    """The site and its profile for ``n_steps`` 15-minute steps from local midnight of ``day``."""
    site = load_site(site_id)
    start = pd.Timestamp(day)
    end = start + pd.Timedelta(minutes=15 * n_steps)
    return site_profile(site, None, start, end, 15), site


def benchmark_jobs(
    site: Site,
    profile: xr.Dataset,
    n_jobs: int,
    *,
    seed: int = 0,
    non_preemptible_share: float = 0.3,
    utilisation: float = 0.6,
) -> list[Job]:
    """A seeded queue filling about ``utilisation`` of the site's node-hours over the profile's horizon."""
    rng = np.random.default_rng(seed)
    times = pd.DatetimeIndex(profile["time"].values).tz_localize("UTC")
    step_h = (times[1] - times[0]) / pd.Timedelta(hours=1)
    horizon_h = len(times) * step_h
    node_choices = np.array([8, 16, 32, 64, 128, 256])
    weights = np.array([0.3, 0.25, 0.2, 0.13, 0.08, 0.04])
    nodes = rng.choice(node_choices, size=n_jobs, p=weights)
    hours = rng.uniform(0.5, 8.0, size=n_jobs)
    # scale run times so the queue fills the target share of the node-hours
    hours *= utilisation * site.it.nodes * horizon_h / float((nodes * hours).sum())
    hours = np.clip(np.round(hours * 4) / 4, 0.25, horizon_h * 0.5)
    release_h = rng.uniform(0.0, horizon_h * 0.7, size=n_jobs).round()
    slack_h = rng.uniform(1.0, 10.0, size=n_jobs).round()
    deadline_h = np.minimum(release_h + hours + slack_h, horizon_h)
    release_h = np.minimum(release_h, deadline_h - hours).clip(min=0)
    preemptible = rng.random(n_jobs) >= non_preemptible_share
    t0 = times[0]
    return [
        Job(
            job_id=f"job{i:04d}",
            nodes=int(nodes[i]),
            duration_h=float(hours[i]),
            release=t0 + pd.Timedelta(hours=float(release_h[i])),
            deadline=t0 + pd.Timedelta(hours=float(deadline_h[i])),
            preemptible=bool(preemptible[i]),
        )
        for i in range(n_jobs)
    ]
