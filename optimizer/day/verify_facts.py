"""What the verifier checks a plan against, read without the model: its steps, job windows and site facts.

The steps come from the plan's steps table (checked against the profile's times); a job's release and
deadline are placed on those steps by searching the step boundaries, written apart from the model's
input stage (``optimizer/day/model/data.py``) on purpose, so that a step-mapping bug there shows up
as a plan the verifier rejects. The per-step and site facts come from the profile, the site and the
settings as the contracts define them (docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr
from greendc.optimizer.accounting import Rates, demand_share_of_month, make_rates
from greendc.optimizer.types import Job, PlanSettings
from greendc.sites.model import Site

#: Slack on job times: a run may start this much before its release step or end this much late. [s]
TIME_TOL = pd.Timedelta(seconds=1)


@dataclass(frozen=True)
class Horizon:
    """The plan's steps as the verifier reads them: the steps table's start times and one step length."""

    starts_utc: pd.DatetimeIndex
    step: pd.Timedelta

    @property
    def n_steps(self) -> int:
        """T. [-]"""
        return len(self.starts_utc)

    @property
    def step_h(self) -> float:
        """Step length. [h]"""
        return self.step / pd.Timedelta(hours=1)

    @property
    def end_utc(self) -> pd.Timestamp:
        """End of the last step. [-]"""
        return self.starts_utc[-1] + self.step

    def first_step_from(self, when_utc: pd.Timestamp) -> int:
        """Index of the first step starting at or after ``when_utc`` (T if none): where a job may start."""
        return int(self.starts_utc.searchsorted(when_utc - TIME_TOL, side="left"))

    def earliest_start(self, release_utc: pd.Timestamp) -> pd.Timestamp:
        """Start of the first step a job released at ``release_utc`` may run in (the horizon end if none)."""
        first = self.first_step_from(release_utc)
        return self.starts_utc[first] if first < self.n_steps else self.end_utc


@dataclass(frozen=True)
class Battery:
    """The site's battery as the verifier checks it."""

    energy_kwh: float
    power_kw: float
    charge_eff: float
    discharge_eff: float
    soc0_kwh: float
    soc_min_kwh: float


@dataclass(frozen=True)
class Facts:
    """What the verifier checks a plan against, read from the profile, the site and the settings alone."""

    horizon: Horizon
    timezone: str
    levels_c: np.ndarray
    fan_uplift: np.ndarray
    """u[k]. [-]"""
    cooling_kw_per_kw: np.ndarray
    """c[t, k]. [kW/kW]"""
    cooling_mode: np.ndarray
    """Mode at [t, k]. [-]"""
    firm_kw: np.ndarray
    loss_frac: float
    import_limit_kw: float
    export_limit_kw: float
    nodes: int
    node_idle_kw: float
    node_kw: dict[str, float]
    """Busy power per node of each job of the queue. [kW]"""
    max_change_c_per_h: float
    checkpoint_h: float
    battery: Battery | None
    rates: Rates
    min_run_h: float = 0.0
    """Shortest run of a preemptible job between pauses (the site's ``[it] min_run_h``). [h]"""
    storage_export: bool = True
    """The battery's energy may be exported (the site's ``[grid] storage_export``). [-]"""
    one_meter: bool = True
    """Import and export share one meter (``simultaneous_import_export`` off). [-]"""


def plan_horizon(steps: pd.DataFrame, step_minutes: float) -> Horizon:
    """The steps from the steps table's own times; a single step is ``step_minutes`` long."""
    starts = pd.DatetimeIndex(pd.to_datetime(steps["time"], utc=True))
    step = starts[1] - starts[0] if len(starts) > 1 else pd.Timedelta(minutes=step_minutes)
    return Horizon(starts, step)


def job_time_utc(stamp: pd.Timestamp, timezone: str) -> pd.Timestamp:
    """A job's release or deadline in UTC; a time without a zone is the site's wall-clock time."""
    when = pd.Timestamp(stamp)
    return when.tz_convert("UTC") if when.tzinfo is not None else when.tz_localize(timezone).tz_convert("UTC")


def read_facts(
    horizon: Horizon, profile: xr.Dataset, site: Site, jobs: Sequence[Job], settings: PlanSettings
) -> Facts:
    """The facts a plan must respect, from the profile (per step), the site and the settings."""
    attrs = profile.attrs
    timezone = str(attrs.get("timezone", site.site.timezone))
    start_local = horizon.starts_utc[0].tz_convert(timezone)
    share = demand_share_of_month(start_local, horizon.n_steps * horizon.step_h)
    by_level = profile[["cooling_kw_per_kw", "cooling_mode"]].transpose("time", "level")
    return Facts(
        horizon=horizon,
        timezone=timezone,
        levels_c=profile["setpoint_c"].to_numpy().astype(float),
        fan_uplift=profile["it_fan_uplift"].to_numpy().astype(float),
        cooling_kw_per_kw=by_level["cooling_kw_per_kw"].to_numpy().astype(float),
        cooling_mode=by_level["cooling_mode"].to_numpy(),
        firm_kw=profile["firm_it_kw"].to_numpy().astype(float),
        loss_frac=float(attrs.get("electrical_loss_frac", site.it.electrical_loss_frac)),
        import_limit_kw=float(attrs.get("import_limit_kw", site.grid.import_limit_kw)),
        export_limit_kw=float(attrs.get("export_limit_kw", site.grid.export_limit_kw)),
        nodes=site.it.nodes,
        node_idle_kw=site.it.node_idle_kw,
        node_kw={j.job_id: j.node_kw if j.node_kw is not None else site.it.node_busy_kw for j in jobs},
        max_change_c_per_h=float(site.cooling.max_setpoint_change_c_per_h),
        checkpoint_h=float(settings.checkpoint_overhead_h),
        battery=site_battery(site),
        rates=make_rates(
            round(horizon.step_h * 60),
            float(attrs.get("demand_charge_per_kw_month", 0.0)),
            share,
            settings.carbon_price_per_t,
        ),
        min_run_h=float(site.it.min_run_h),
        storage_export=bool(site.grid.storage_export),
        one_meter=not settings.simultaneous_import_export,
    )


def site_battery(site: Site) -> Battery | None:
    """The site's battery, or None when it has none with both energy and power."""
    b = site.battery
    if b is None or b.energy_kwh <= 0 or b.power_kw <= 0:
        return None
    return Battery(
        b.energy_kwh,
        b.power_kw,
        b.charge_efficiency,
        b.discharge_efficiency,
        b.initial_soc_frac * b.energy_kwh,
        b.min_soc_frac * b.energy_kwh,
    )


def check_times(horizon: Horizon, profile: xr.Dataset) -> list[str]:
    """The steps table's times are the profile's, one step length apart."""
    out = []
    profile_utc = pd.DatetimeIndex(profile["time"].values).tz_localize("UTC")
    if not np.array_equal(horizon.starts_utc, profile_utc):  # by instant: the two may differ in unit
        out.append("step times differ from the profile's")
    if np.any((horizon.starts_utc[1:] - horizon.starts_utc[:-1]) != horizon.step):
        out.append(f"step times are not {horizon.step} apart")
    return out
