"""The built-in sample queue: size, mix, node counts, windows and demand share, the same for a seed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from greendc.optimizer.io.sample_queue import demand_share, node_range, sample_queue
from greendc.sites.loader import load_site
from hypothesis import given, settings
from hypothesis import strategies as st

TZ = "Asia/Shanghai"
DAY = pd.Timestamp("2026-12-01", tz=TZ)
SMALL_SITE = Path(__file__).parent / "data" / "sites" / "good.toml"


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
