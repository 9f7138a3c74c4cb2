"""A four-step site and profile built by hand (the contract of docs/architecture.md), so every number
of a plan on them can be checked on paper; test modules of the baseline, the plan folder, exports and
figures share them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr
from greendc.optimizer.types import Job
from greendc.sites.loader import load_site
from greendc.sites.model import Site
from locations import DATA

TZ = "Asia/Shanghai"
DAY = pd.Timestamp("2026-01-15", tz=TZ)


def tiny_site(**it: float) -> Site:
    """4 nodes (busy 10 kW, idle 2 kW), firm 10 kW, no electrical loss, levels 18/24 deg C, no export."""
    base = load_site(DATA / "sites" / "good.toml")
    fleet = {"nodes": 4, "node_busy_kw": 10.0, "node_idle_kw": 2.0, "firm_load_kw": 10.0,
             "electrical_loss_frac": 0.0, **it}
    return base.model_copy(update={"it": base.it.model_copy(update=fleet), "battery": None})


def tiny_profile(site: Site, *, pv_kw: tuple[float, ...] = (0.0, 50.0, 0.0, 0.0),
                 price: tuple[float, ...] = (1.0, 1.0, 2.0, 2.0), step_minutes: int = 60,
                 export_limit_kw: float = 0.0, demand_charge_per_kw_month: float = 31.0) -> xr.Dataset:
    """A hand-made profile from local midnight of DAY: cooling 0.2 kW/kW at 18 deg C, 0.1 at 24."""
    n = len(price)
    times = pd.date_range(DAY.tz_convert("UTC"), periods=n, freq=f"{step_minutes}min").tz_localize(None)
    profile = xr.Dataset(
        {
            "price_per_kwh": ("time", np.asarray(price, dtype=float)),
            "export_price_per_kwh": ("time", np.full(n, 0.3)),
            "carbon_kg_per_kwh": ("time", np.full(n, 0.5)),
            "pv_kw": ("time", np.asarray(pv_kw, dtype=float)),
            "wind_kw": ("time", np.zeros(n)),
            "firm_it_kw": ("time", np.full(n, site.it.firm_load_kw)),
            "temp_air_c": ("time", np.linspace(-5.0, 5.0, n)),
            "temp_wet_bulb_c": ("time", np.linspace(-7.0, 2.0, n)),
            "cooling_kw_per_kw": (("time", "level"), np.tile([0.2, 0.1], (n, 1))),
            "it_fan_uplift": ("level", np.array([0.0, 0.0])),
            "cooling_mode": (("time", "level"), np.tile(np.array([2, 0], dtype=np.int8), (n, 1))),
        },
        coords={"time": times.to_numpy(), "setpoint_c": ("level", np.array([18.0, 24.0]))},
    )
    profile.attrs.update(site_id=site.id, timezone=TZ, step_minutes=step_minutes, currency="CNY",
                         electrical_loss_frac=site.it.electrical_loss_frac,
                         demand_charge_per_kw_month=demand_charge_per_kw_month,
                         import_limit_kw=site.grid.import_limit_kw, export_limit_kw=export_limit_kw,
                         weather_source="hand-made")
    return profile


def job(job_id: str, nodes: int, hours: float, release_h: float, deadline_h: float, preemptible: bool) -> Job:
    """A job with release and deadline in hours after DAY's local midnight."""
    hour = pd.Timedelta(hours=1)
    return Job(job_id, nodes, hours, DAY + release_h * hour, DAY + deadline_h * hour,
               preemptible)
