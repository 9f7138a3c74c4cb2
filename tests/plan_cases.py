"""Tiny hand-built sites, profiles and queues for the planning tests (contract variables only)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import xarray as xr
from greendc.optimizer.types import Job
from greendc.sites.model import Site

T0 = pd.Timestamp("2026-06-01 00:00", tz="Asia/Shanghai")
T0_UTC = T0.tz_convert("UTC")


def tiny_site(
    *,
    nodes: int = 2,
    busy_kw: float = 10.0,
    idle_kw: float = 0.0,
    firm_kw: float = 0.0,
    levels: Sequence[float] = (24.0,),
    battery: dict[str, float] | None = None,
    import_limit_kw: float = 1e6,
    export_limit_kw: float = 0.0,
    demand_per_kw_month: float = 0.0,
    loss_frac: float = 0.0,
) -> Site:
    """A site with only the facts the planner uses; climate normals are placeholders never read here."""
    month = [10.0] * 12
    raw: dict[str, object] = {
        "site": {
            "id": "tiny",
            "name": "Tiny test site",
            "latitude": 30.0,
            "longitude": 110.0,
            "altitude_m": 100.0,
        },
        "it": {
            "nodes": nodes,
            "node_busy_kw": busy_kw,
            "node_idle_kw": idle_kw,
            "firm_load_kw": firm_kw,
            "electrical_loss_frac": loss_frac,
        },
        "cooling": {"setpoint_levels_c": list(levels)},
        "grid": {
            "import_limit_kw": import_limit_kw,
            "export_limit_kw": export_limit_kw,
            "demand_charge_per_kw_month": demand_per_kw_month,
            "emission_factor_kg_per_kwh": 0.5,
            "tariff": [{"name": "flat", "price_per_kwh": 1.0, "windows": ["00:00-24:00"]}],
        },
        "climate": {
            "temp_mean_c": month,
            "temp_max_c": month,
            "temp_min_c": month,
            "rh_pct": [50.0] * 12,
            "sunshine_h": [100.0] * 12,
            "wind_speed_ms": [3.0] * 12,
        },
    }
    if battery is not None:
        raw["battery"] = battery
    return Site.model_validate(raw)


def tiny_profile(
    prices: Sequence[float],
    *,
    step_minutes: int = 60,
    cooling: np.ndarray | None = None,
    uplift: Sequence[float] | None = None,
    levels: Sequence[float] = (24.0,),
    firm_kw: float = 0.0,
    pv_kw: Sequence[float] | None = None,
    export_price: Sequence[float] | None = None,
    carbon: Sequence[float] | None = None,
    loss_frac: float = 0.0,
    demand_per_kw_month: float = 0.0,
    import_limit_kw: float = 1e6,
    export_limit_kw: float = 0.0,
) -> xr.Dataset:
    """A site profile Dataset (docs/architecture.md) with the given per-step values."""
    n = len(prices)
    k = len(levels)
    times = pd.date_range(T0_UTC, periods=n, freq=f"{step_minutes}min").tz_localize(None)
    cool = np.zeros((n, k)) if cooling is None else np.asarray(cooling, dtype=float)
    zeros = np.zeros(n)
    return xr.Dataset(
        {
            "price_per_kwh": ("time", np.asarray(prices, dtype=float)),
            "export_price_per_kwh": (
                "time",
                zeros if export_price is None else np.asarray(export_price, float),
            ),
            "carbon_kg_per_kwh": ("time", np.full(n, 0.5) if carbon is None else np.asarray(carbon, float)),
            "pv_kw": ("time", zeros if pv_kw is None else np.asarray(pv_kw, float)),
            "wind_kw": ("time", zeros),
            "firm_it_kw": ("time", np.full(n, firm_kw)),
            "temp_air_c": ("time", np.full(n, 20.0)),
            "temp_wet_bulb_c": ("time", np.full(n, 15.0)),
            "cooling_kw_per_kw": (("time", "level"), cool),
            "it_fan_uplift": ("level", np.zeros(k) if uplift is None else np.asarray(uplift, float)),
            "cooling_mode": (("time", "level"), np.full((n, k), 2, dtype=np.int8)),
        },
        coords={"time": times, "setpoint_c": ("level", np.asarray(levels, dtype=float))},
        attrs={
            "site_id": "tiny",
            "timezone": "Asia/Shanghai",
            "step_minutes": step_minutes,
            "currency": "CNY",
            "electrical_loss_frac": loss_frac,
            "demand_charge_per_kw_month": demand_per_kw_month,
            "import_limit_kw": import_limit_kw,
            "export_limit_kw": export_limit_kw,
        },
    )


def job(
    job_id: str,
    *,
    nodes: int = 1,
    hours: float = 1.0,
    release_h: float = 0.0,
    deadline_h: float = 4.0,
    preemptible: bool = True,
    penalty: float | None = None,
) -> Job:
    """A job with times in hours from the plan start."""
    return Job(
        job_id=job_id,
        nodes=nodes,
        duration_h=hours,
        release=T0 + pd.Timedelta(hours=release_h),
        deadline=T0 + pd.Timedelta(hours=deadline_h),
        preemptible=preemptible,
        penalty_per_h_late=penalty,
    )


def checkpoint_queue() -> list[Job]:
    """A 3 h job with a 1 h window and a 2-node block that may start before or after it.

    Found by hypothesis: with a checkpoint overhead the LP shares the first job half a node over
    several steps, which left the rounding start's run binaries fractional
    (tests/optimizer/day/test_rounding.py).
    """
    return [
        job("j0", nodes=1, hours=3.0, release_h=2, deadline_h=3, preemptible=True, penalty=50.0),
        job("j1", nodes=2, hours=2.0, release_h=1, deadline_h=5, preemptible=False, penalty=50.0),
    ]
