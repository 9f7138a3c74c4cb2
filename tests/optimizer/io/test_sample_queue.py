"""The built-in sample queue: size, mix, node counts, windows and demand share, the same for a seed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from greendc.optimizer.io.sample_queue import demand_share, node_range, sample_queue
from greendc.sites.loader import load_site
from hypothesis import given, settings
from hypothesis import strategies as st
from locations import DATA

TZ = "Asia/Shanghai"
DAY = pd.Timestamp("2026-12-01", tz=TZ)
SMALL_SITE = DATA / "sites" / "good.toml"


@pytest.fixture(scope="module")
def zhongwei():  # type: ignore[no-untyped-def]
    """The built-in 2,000-node western hub."""
    return load_site("zhongwei")


def test_shape_of_the_queue(zhongwei) -> None:  # type: ignore[no-untyped-def]
    """150 jobs, a third non-preemptible, 8-256 nodes mostly powers of two, 0.5-12 h, 50-75 % demand."""
    jobs = sample_queue(zhongwei, DAY, seed=0)
    assert len(jobs) == 150 and len({j.job_id for j in jobs}) == 150
    assert sum(not j.preemptible for j in jobs) == 50
    nodes = np.array([j.nodes for j in jobs])
    assert nodes.min() >= 8 and nodes.max() <= 256
    powers = np.isin(nodes, [8, 16, 32, 64, 128, 256])
    assert powers.mean() > 0.75
    assert all(0.5 <= j.duration_h <= 12 for j in jobs)
    assert 0.50 <= demand_share(jobs, zhongwei.it.nodes, 24.0) <= 0.75


def test_windows_fit_the_horizon(zhongwei) -> None:  # type: ignore[no-untyped-def]
    """Every job is released inside the day, can finish by its deadline, which is at most 6 h past it."""
    end = DAY + pd.Timedelta(hours=24)
    for job in sample_queue(zhongwei, DAY, seed=3):
        assert DAY <= job.release < end
        assert job.release + pd.Timedelta(hours=job.duration_h) <= job.deadline <= end + pd.Timedelta(hours=6)
        assert job.release + pd.Timedelta(hours=job.duration_h) <= end  # it can finish inside the horizon


def test_deterministic_per_seed(zhongwei) -> None:  # type: ignore[no-untyped-def]
    """Same seed, same queue; another seed, another queue."""
    assert sample_queue(zhongwei, DAY, seed=7) == sample_queue(zhongwei, DAY, seed=7)
    assert sample_queue(zhongwei, DAY, seed=7) != sample_queue(zhongwei, DAY, seed=8)


def test_naive_day_start_is_local(zhongwei) -> None:  # type: ignore[no-untyped-def]
    """A naive day start is the site's local midnight."""
    assert sample_queue(zhongwei, pd.Timestamp("2026-12-01"), seed=1) == sample_queue(zhongwei, DAY, seed=1)


def test_small_site_gets_a_smaller_queue() -> None:
    """A 10-node site gets 1-2-node jobs, fewer of them, and still 50-75 % demand."""
    site = load_site(SMALL_SITE)
    jobs = sample_queue(site, DAY)
    assert node_range(site.it.nodes) == (1, 2)
    assert 1 <= len(jobs) < 150 and max(j.nodes for j in jobs) <= 2
    assert 0.45 <= demand_share(jobs, site.it.nodes, 24.0) <= 0.8


@settings(max_examples=25, deadline=None)
@given(st.integers(8, 20000), st.integers(0, 10_000))
def test_any_site_size_keeps_demand_in_range(site_nodes: int, seed: int) -> None:
    """For sites of 8 to 20,000 nodes the queue asks for about half to three quarters of the node-hours."""
    base = load_site(SMALL_SITE)
    site = base.model_copy(update={"it": base.it.model_copy(update={"nodes": site_nodes})})
    jobs = sample_queue(site, DAY, seed=seed)
    assert all(1 <= j.nodes <= max(1, site_nodes // 4) for j in jobs)
    assert 0.45 <= demand_share(jobs, site_nodes, 24.0) <= 0.8


@pytest.mark.parametrize("n_jobs", [100, 200, 500])
@pytest.mark.parametrize("share", [0.0, 0.3, 0.6])
def test_queue_shapes(zhongwei, n_jobs: int, share: float) -> None:  # type: ignore[no-untyped-def]
    """The benchmark family's shapes: 100-500 jobs, 0-60 % non-preemptible, exactly as asked."""
    jobs = sample_queue(zhongwei, DAY, seed=2, n_jobs=n_jobs, non_preemptible_share=share)
    assert len(jobs) == n_jobs
    assert sum(not j.preemptible for j in jobs) == round(n_jobs * share)


@pytest.mark.parametrize("load", [0.4, 0.6, 0.9])
def test_queue_load(zhongwei, load: float) -> None:  # type: ignore[no-untyped-def]
    """A fixed load asks for that share of the node-hours, within the snapping of node counts."""
    for n_jobs in (100, 200, 500):
        jobs = sample_queue(zhongwei, DAY, seed=5, n_jobs=n_jobs, load=load)
        assert abs(demand_share(jobs, zhongwei.it.nodes, 24.0) - load) <= 0.08 * load


def test_tight_and_loose_windows(zhongwei) -> None:  # type: ignore[no-untyped-def]
    """Tight windows leave at most 1.3x the run time (plus the 15-min rounding), loose ones at least 2x
    unless the deadline is capped past the horizon end."""
    cap = DAY + pd.Timedelta(hours=30)
    quarter = pd.Timedelta(minutes=15)
    for job in sample_queue(zhongwei, DAY, seed=4, n_jobs=200, slack_range=(1.05, 1.3)):
        run = pd.Timedelta(hours=job.duration_h)
        assert job.release + run <= job.deadline <= job.release + 1.3 * run + quarter
    for job in sample_queue(zhongwei, DAY, seed=4, n_jobs=200, slack_range=(2.0, 5.0)):
        run = pd.Timedelta(hours=job.duration_h)
        assert job.deadline >= min(job.release + 2.0 * run, cap) - quarter


def test_default_shape_is_the_sample_queue(zhongwei) -> None:  # type: ignore[no-untyped-def]
    """Passing the defaults explicitly gives the same queue as not passing them."""
    from greendc.optimizer.io import sample_queue as sq

    explicit = sample_queue(zhongwei, DAY, seed=9, n_jobs=150, non_preemptible_share=sq.NON_PREEMPTIBLE_SHARE,
                            load=sq.DEMAND_SHARE, slack_range=sq.SLACK_RANGE, backlog_share=sq.BACKLOG_SHARE)
    assert explicit == sample_queue(zhongwei, DAY, seed=9)


@pytest.mark.parametrize("kwargs", [{"non_preemptible_share": 1.2}, {"load": 0.0}, {"load": (0.8, 0.5)},
                                    {"slack_range": (0.9, 2.0)}, {"backlog_share": -0.1}])
def test_shape_out_of_range_is_refused(zhongwei, kwargs: dict) -> None:  # type: ignore[no-untyped-def,type-arg]
    """A shape outside its range is a ValueError naming the argument."""
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        sample_queue(zhongwei, DAY, **kwargs)
