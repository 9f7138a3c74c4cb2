"""A built-in sample queue of training batches sized to a site, for plans made without a queue file.

About 150 batches per day: a third non-preemptible; node counts mostly powers of two (8..256 nodes
on a 2,000-node site, scaled down for smaller sites; a few multiples of 3 x 2^k, as jobs sized to
6- or 12-node groups); run times 0.5-12 h, log-uniform so short jobs dominate (as in published GPU
cluster traces: Jeon et al. 2019, "Analysis of large-scale multi-tenant GPU clusters for DNN
training workloads", USENIX ATC, most jobs run minutes to hours); a backlog released at the start of
the day and the rest through the day; deadlines 1.3-3x the run time after the release, some past
the horizon end. Node counts are scaled so the queue asks for about 50-75 % of the site's node-hours,
leaving room to shift work. The same site, day and seed always give the same queue.

Keyword arguments of ``sample_queue`` change the queue's shape (number of jobs, share of
non-preemptible jobs, load, deadline windows, backlog) for the benchmark family
(``benchmarks/family.py``); their defaults are the constants below.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from greendc.optimizer.types import Job
from greendc.sites.model import Site

#: Smallest and largest node count of a sample job on a large site. [-]
MIN_NODES, MAX_NODES = 8, 256
#: Shortest and longest run time. [h]
MIN_DURATION_H, MAX_DURATION_H = 0.5, 12.0
#: Range of the queue's demand as a share of the site's node-hours over the horizon. [-]
DEMAND_SHARE = (0.55, 0.70)
#: Share of jobs that must run contiguously. [-]
NON_PREEMPTIBLE_SHARE = 1.0 / 3.0
#: Share of jobs already waiting at the start of the day. [-]
BACKLOG_SHARE = 0.35
#: Deadline slack as a multiple of the run time. [-]
SLACK_RANGE = (1.3, 3.0)
#: How far past the horizon end a deadline may fall. [h]
DEADLINE_OVERHANG_H = 6.0


def node_range(site_nodes: int) -> tuple[int, int]:
    """Smallest and largest power-of-two node count for a site: the largest at most a quarter of its
    nodes and 256, the smallest 1/32 of the largest (8..256 on a large site)."""
    top = 1 << max(0, math.floor(math.log2(max(1, site_nodes // 4))))
    top = min(MAX_NODES, top)
    return max(1, top * MIN_NODES // MAX_NODES), top


def snap_nodes(raw: np.ndarray, low: int, high: int, odd: np.ndarray) -> np.ndarray:
    """Node counts rounded to the nearest power of two (or 3 x 2^k where ``odd``), inside [low, high]."""
    exponent = np.round(np.log2(np.maximum(raw, 1.0)))
    nodes = np.exp2(exponent)
    three = 3.0 * np.exp2(np.round(np.log2(np.maximum(raw / 3.0, 1.0))))
    nodes = np.where(odd & (three >= 6) & (three < high), three, nodes)
    return np.clip(nodes, low, high).astype(int)


def sample_queue(site: Site, day_start_local: pd.Timestamp, seed: int = 0, *, horizon_h: float = 24.0,
                 n_jobs: int = 150, non_preemptible_share: float = NON_PREEMPTIBLE_SHARE,
                 load: float | tuple[float, float] = DEMAND_SHARE,
                 slack_range: tuple[float, float] = SLACK_RANGE,
                 backlog_share: float = BACKLOG_SHARE) -> list[Job]:
    """A deterministic sample queue for the horizon from ``day_start_local`` (tz-aware, or naive local time).

    The keyword arguments shape the queue (the benchmark family, ``benchmarks/family.py``, varies them);
    their defaults give the built-in sample queue, the same for a seed as before they existed:

    * ``horizon_h``: hours the queue is made for, from ``day_start_local``. [h]
    * ``n_jobs``: jobs wanted, adjusted where node counts in range could not reach the target demand
      (``job_count``): fewer jobs on a small site, more on a very large one. [-]
    * ``non_preemptible_share``: share of the jobs that must run once, contiguously, in [0, 1];
      rounded to whole jobs. [-]
    * ``load``: node-hours the queue asks for as a share of the site's node-hours over the horizon,
      in (0, 1]; a number, or a (low, high) range drawn from uniformly per seed. [-]
    * ``slack_range``: deadline after release as a multiple of the run time, (low, high) with
      1 <= low <= high, drawn per job; (1.05, 1.3) gives tight windows, (2, 5) loose ones. [-]
    * ``backlog_share``: share of the jobs already waiting at the day start, in [0, 1]. [-]
    """
    load_range: tuple[float, float] = (
        (float(load), float(load)) if isinstance(load, (int, float)) else (float(load[0]), float(load[-1]))
    )
    _check_shape(non_preemptible_share, load_range, slack_range, backlog_share)
    rng = np.random.default_rng(seed)
    start = pd.Timestamp(day_start_local)
    if start.tzinfo is None:
        start = start.tz_localize(site.site.timezone)
    low, high = node_range(site.it.nodes)
    target_node_h = rng.uniform(*load_range) * site.it.nodes * horizon_h
    n_jobs = job_count(target_node_h, low, high, n_jobs)
    log_h = rng.uniform(math.log(MIN_DURATION_H), math.log(MAX_DURATION_H), n_jobs)
    duration_h = np.round(np.exp(log_h) * 4) / 4
    duration_h = np.clip(duration_h, MIN_DURATION_H, min(MAX_DURATION_H, horizon_h))
    shape = np.exp2(rng.uniform(0.0, math.log2(high / low) + 1.0, n_jobs))
    odd = rng.random(n_jobs) < 0.15
    nodes = _fit_nodes(shape, duration_h, target_node_h, low, high, odd)
    release_h = _release_hours(rng, duration_h, horizon_h, backlog_share)
    slack = rng.uniform(*slack_range, n_jobs)
    deadline_h = np.minimum(release_h + duration_h * slack, horizon_h + DEADLINE_OVERHANG_H)
    deadline_h = np.ceil(np.maximum(deadline_h, release_h + duration_h) * 4) / 4
    fixed = np.zeros(n_jobs, dtype=bool)
    fixed[rng.permutation(n_jobs)[: round(n_jobs * non_preemptible_share)]] = True
    hour = pd.Timedelta(hours=1)
    return [
        Job(job_id=f"job{i + 1:03d}", nodes=int(nodes[i]), duration_h=float(duration_h[i]),
            release=start + float(release_h[i]) * hour, deadline=start + float(deadline_h[i]) * hour,
            preemptible=not bool(fixed[i]))
        for i in range(n_jobs)
    ]


def _check_shape(non_preemptible_share: float, load_range: tuple[float, float],
                 slack_range: tuple[float, float], backlog_share: float) -> None:
    """Refuse a queue shape outside its range (ValueError naming the argument and the range)."""
    if not 0.0 <= non_preemptible_share <= 1.0:
        raise ValueError(f"non_preemptible_share {non_preemptible_share:g} is outside [0, 1]")
    if not 0.0 < load_range[0] <= load_range[1] <= 1.0:
        raise ValueError(f"load {load_range} must be a share in (0, 1] or a range low <= high inside it")
    if len(slack_range) != 2 or not 1.0 <= slack_range[0] <= slack_range[1]:
        raise ValueError(f"slack_range {slack_range} must be (low, high) with 1 <= low <= high")
    if not 0.0 <= backlog_share <= 1.0:
        raise ValueError(f"backlog_share {backlog_share:g} is outside [0, 1]")


def job_count(target_node_h: float, low: int, high: int, wanted: int) -> int:
    """Jobs to draw so node counts in [low, high] can reach ``target_node_h`` with 25 % room either way.

    At the mean run time, ``fewest`` jobs of ``high`` nodes ask for 1.25x the target and ``most`` jobs
    of ``low`` nodes ask for 0.8x it; ``wanted`` is kept inside [fewest, most]. [-]
    """
    mean_h = mean_duration_h()
    fewest = math.ceil(1.25 * target_node_h / (high * mean_h))
    most = math.floor(0.8 * target_node_h / (low * mean_h))
    if fewest > most:  # a one-size range (sites under 8 nodes): as many jobs as the target needs
        return max(1, round(target_node_h / (math.sqrt(low * high) * mean_h)))
    return min(max(wanted, fewest), most)


def mean_duration_h() -> float:
    """Mean of the log-uniform run time on [a, b]: (b - a) / ln(b / a). [h]"""
    return (MAX_DURATION_H - MIN_DURATION_H) / math.log(MAX_DURATION_H / MIN_DURATION_H)


def _fit_nodes(shape: np.ndarray, duration_h: np.ndarray, target_node_h: float, low: int, high: int,
               odd: np.ndarray) -> np.ndarray:
    """Scale the node-count shape so the snapped node counts ask for about ``target_node_h`` node-hours."""
    scale = target_node_h / float((shape * duration_h).sum())
    nodes = snap_nodes(shape * scale, low, high, odd)
    for _ in range(8):  # snapping and clipping move the total; correct the scale a few times
        scale *= target_node_h / float((nodes * duration_h).sum())
        nodes = snap_nodes(shape * scale, low, high, odd)
    return nodes


def _release_hours(rng: np.random.Generator, duration_h: np.ndarray, horizon_h: float,
                   backlog_share: float = BACKLOG_SHARE) -> np.ndarray:
    """Release hours after the day start: a backlog at 0, the rest through the day, on 15-min marks."""
    n = len(duration_h)
    latest = np.maximum(horizon_h - duration_h, 0.0)
    release = rng.uniform(0.0, 1.0, n) * latest
    release[rng.random(n) < backlog_share] = 0.0
    return np.floor(release * 4) / 4


def demand_share(jobs: list[Job], site_nodes: int, horizon_h: float) -> float:
    """Node-hours the queue asks for over the node-hours of the horizon. [-]"""
    return sum(j.nodes * j.duration_h for j in jobs) / (site_nodes * horizon_h)
