"""Inputs stage of the planning MILP: the profile, site, jobs and settings as plain arrays and job groups.

Everything the model needs is computed here once, as numpy arrays indexed by step ``t`` (0..T-1) and
setpoint level ``k`` (0..K-1), so that building the Pyomo model is only indexing. Job times become
step indices: a job may run from the first step starting at or after its release; its deadline step
``d`` is the number of steps ending at or before the deadline, capped at the horizon end ``T`` (a job
whose deadline lies past the horizon must still finish inside it, or its remaining work is penalised
as not planned in this horizon).

Identical non-preemptible jobs (same nodes, power, steps, release, deadline, penalty) are aggregated
into one group whose start variables are integer counts: this removes the symmetry among them.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr
from greendc.optimizer.accounting import Rates, demand_share_of_month, job_penalty_per_h, make_rates
from greendc.optimizer.types import Job, PlanSettings
from greendc.sites.model import Site

FloatArray = np.ndarray

_EPS = 1e-9
#: Facility kW per IT kW within which two setpoint levels count as equally good: the setpoint then
#: stays where it is (moving it would save nothing). [kW/kW]
LEVEL_TIE_KW_PER_KW = 1e-6
#: Change cost of the setpoint where the levels are decisions: a move must save more. [currency/deg C]
SETPOINT_CHANGE_COST_PER_C = 1.0
#: Throughput cost of the battery: a cycle must save more than this. [currency/kWh discharged]
BATTERY_THROUGHPUT_COST_PER_KWH = 1e-3
#: Tie-break on grid emissions at any carbon price: of two plans of equal cost the one that emits
#: less is cheaper by this. [currency/kgCO2]
CARBON_TIE_BREAK_PER_KG = 1e-5


@dataclass(frozen=True)
class PreemptibleJob:
    """A preemptible job in step units: may run any share of any step in [release_step, T)."""

    job_id: str
    nodes: int
    node_kw: float
    """Busy power per node. [kW]"""
    hours: float
    """Run time needed. [h]"""
    release_step: int
    deadline_step: int
    """Steps before the deadline, capped at T; work after it is late. [-]"""
    penalty_per_h: float
    """Lateness penalty. [currency/h]"""
    end_step: int
    """First step the job may no longer run (the late window's end, at most T). [-]"""
    run_steps: int = 1
    """Whole steps its run time takes (rounded up). [-]"""
    min_run_steps: int = 1
    """Shortest run in steps: the site's minimum run length, or the whole job when it is shorter; the
    job runs in slots of this many steps. [-]"""

    @property
    def steps(self) -> range:
        """Steps the job may run in. [-]"""
        return range(self.release_step, self.end_step)

    @property
    def slots(self) -> range:
        """First step of each slot the job may run in: ``min_run_steps`` whole steps each, counted from
        its release, wholly inside its window (a run is one or more consecutive slots). [-]"""
        return range(self.release_step, self.end_step - self.min_run_steps + 1, self.min_run_steps)


@dataclass(frozen=True)
class BlockGroup:
    """Identical non-preemptible jobs: each runs once for ``steps`` contiguous whole steps."""

    job_ids: tuple[str, ...]
    nodes: int
    node_kw: float
    """Busy power per node. [kW]"""
    steps: int
    """Whole steps one run takes (duration rounded up). [-]"""
    release_step: int
    deadline_step: int
    """Steps before the deadline, capped at T. [-]"""
    penalty_per_h: float
    """Lateness penalty. [currency/h]"""
    end_step: int
    """First step no run may cover (the late window's end, at most T). [-]"""

    @property
    def count(self) -> int:
        """Number of jobs in the group. [-]"""
        return len(self.job_ids)

    @property
    def starts(self) -> range:
        """Steps at which a run may start and still end inside the late window. [-]"""
        return range(self.release_step, self.last_start + 1)

    @property
    def last_start(self) -> int:
        """Latest start step that ends by the late window's end. [-]"""
        return self.end_step - self.steps

    @property
    def running_steps(self) -> range:
        """Steps at which a run of the group may be under way. [-]"""
        return range(self.release_step, self.end_step) if len(self.starts) else range(0)


@dataclass(frozen=True)
class Unplannable:
    """A job the horizon cannot hold at all, with the reason (reported, not in the model)."""

    job: Job
    reason: str
    penalty_per_h: float
    """Penalty rate recorded in the job status. [currency/h]"""


@dataclass(frozen=True)
class Battery:
    """Battery data in model units."""

    energy_kwh: float
    power_kw: float
    charge_eff: float
    discharge_eff: float
    soc0_kwh: float
    soc_min_kwh: float


@dataclass(frozen=True)
class ModelData:
    """All inputs of the MILP as arrays (time-indexed) and job groups."""

    times_utc: pd.DatetimeIndex
    step_h: float
    price: FloatArray
    export_price: FloatArray
    carbon: FloatArray
    pv_kw: FloatArray
    wind_kw: FloatArray
    firm_kw: FloatArray
    cooling_kw_per_kw: FloatArray
    """c[t, k]. [kW/kW]"""
    fan_uplift: FloatArray
    """u[k]. [-]"""
    levels_c: FloatArray
    max_change_c_per_h: float
    loss_frac: float
    import_limit_kw: float
    export_limit_kw: float
    nodes: int
    node_idle_kw: float
    node_busy_kw: float
    battery: Battery | None
    rates: Rates
    preemptible: tuple[PreemptibleJob, ...]
    blocks: tuple[BlockGroup, ...]
    unplannable: tuple[Unplannable, ...]
    one_meter: bool = True
    """Import and export cannot happen in the same step (PlanSettings.simultaneous_import_export off). [-]"""
    checkpoint_h: float = 0.0
    """Extra run time a preemptible job needs for each resume after a pause. [h]"""
    storage_export: bool = True
    """Energy from the battery may be exported (the site's ``[grid] storage_export``); False: only the
    PV and wind surplus over the site's load is exported. [-]"""
    fluid_work: bool = False
    """Preemptible jobs run any share of a step (PlanSettings.fluid_work): x continuous, slots of one
    step. [-]"""
    baseline_level: int = 0
    """Level of the site's baseline setpoint, where the setpoint stays when no level is better. [-]"""

    @property
    def n_steps(self) -> int:
        """T. [-]"""
        return len(self.times_utc)

    @property
    def n_levels(self) -> int:
        """K. [-]"""
        return len(self.levels_c)

    @property
    def steps_per_hour(self) -> int:
        """Steps in one hour (at least 1): the window of the setpoint-rate limit. [-]"""
        return max(1, round(1.0 / self.step_h))

    def facility_coef(self) -> FloatArray:
        """Facility kW per nominal IT kW at each step and level: (1 + u_k)(1 + lambda) + c[t,k]. [kW/kW]"""
        return (1.0 + self.fan_uplift)[None, :] * (1.0 + self.loss_frac) + self.cooling_kw_per_kw

    def allowed_levels(self) -> list[list[int]]:
        """Setpoint levels the model may choose at each step (a presolve that is exact).

        Facility power is coef[t,k] x the nominal IT load, and nothing else depends on the level, so
        the level with the lowest coefficient at each step is best for any load (of levels within
        ``LEVEL_TIE_KW_PER_KW`` of it, the one the setpoint is at already). If that sequence keeps
        the setpoint-rate limit, it is optimal and each step gets one level (no binaries); otherwise every
        level stays allowed.
        """
        best = sticky_levels(self.facility_coef(), self.baseline_level)
        if rate_feasible(self.levels_c[best], self.max_change_c_per_h, self.steps_per_hour):
            return [[int(k)] for k in best]
        return [list(range(self.n_levels)) for _ in range(self.n_steps)]

    def facility_range_kw(self) -> tuple[FloatArray, FloatArray]:
        """Lowest and highest facility power possible at each step. [kW]

        Lowest: firm load and idle nodes only, at the cheapest level. Highest: every node busy at the
        highest job power, at the dearest level.
        """
        coef = self.facility_coef()
        it_min = self.firm_kw + self.node_idle_kw * self.nodes
        return it_min * coef.min(axis=1), self.max_nominal_it_kw() * coef.max(axis=1)

    def net_import_range_kw(self) -> tuple[FloatArray, FloatArray]:
        """Lowest and highest useful net import (import - export) at each step. [kW]

        Lowest: the lowest facility power, every renewable kW used, the battery discharging at full
        power. Highest: the highest facility power, the battery charging at full power and no
        curtailment (curtailing while importing at a positive price never pays).
        """
        renewable = self.pv_kw + self.wind_kw
        power = self.battery.power_kw if self.battery is not None else 0.0
        fac_min, fac_max = self.facility_range_kw()
        return fac_min - renewable - power, fac_max + power - renewable

    def max_nominal_it_kw(self) -> FloatArray:
        """Largest nominal IT load possible at each step: firm + every node at the highest job power. [kW]"""
        kws = [self.node_busy_kw, self.node_idle_kw]
        kws += [j.node_kw for j in self.preemptible] + [g.node_kw for g in self.blocks]
        return self.firm_kw + self.nodes * max(kws)


def model_data(profile: xr.Dataset, site: Site, jobs: Sequence[Job], settings: PlanSettings) -> ModelData:
    """Turn the contract inputs into the model's arrays and job groups (the inputs stage)."""
    times = pd.DatetimeIndex(profile["time"].values).tz_localize("UTC")
    step_h = _step_h(profile, times)
    tz = str(profile.attrs.get("timezone", site.site.timezone))
    share = demand_share_of_month(times[0].tz_convert(tz), len(times) * step_h) if len(times) else 0.0
    rates = make_rates(
        round(step_h * 60),
        float(profile.attrs.get("demand_charge_per_kw_month", 0.0)),
        share,
        settings.carbon_price_per_t,
    )
    pre, blocks, unplannable = _job_groups(jobs, site, settings, times, step_h, tz)
    return ModelData(
        times_utc=times,
        step_h=step_h,
        price=_arr(profile, "price_per_kwh"),
        export_price=_arr(profile, "export_price_per_kwh"),
        carbon=_arr(profile, "carbon_kg_per_kwh"),
        pv_kw=np.maximum(_arr(profile, "pv_kw"), 0.0),
        wind_kw=np.maximum(_arr(profile, "wind_kw"), 0.0),
        firm_kw=_arr(profile, "firm_it_kw"),
        cooling_kw_per_kw=profile["cooling_kw_per_kw"].transpose("time", "level").to_numpy().astype(float),
        fan_uplift=profile["it_fan_uplift"].to_numpy().astype(float),
        levels_c=profile["setpoint_c"].to_numpy().astype(float),
        max_change_c_per_h=float(site.cooling.max_setpoint_change_c_per_h),
        loss_frac=float(profile.attrs.get("electrical_loss_frac", site.it.electrical_loss_frac)),
        import_limit_kw=float(profile.attrs.get("import_limit_kw", site.grid.import_limit_kw)),
        export_limit_kw=float(profile.attrs.get("export_limit_kw", site.grid.export_limit_kw)),
        nodes=site.it.nodes,
        node_idle_kw=site.it.node_idle_kw,
        node_busy_kw=site.it.node_busy_kw,
        battery=_battery(site),
        rates=rates,
        preemptible=tuple(pre),
        blocks=tuple(blocks),
        unplannable=tuple(unplannable),
        one_meter=not settings.simultaneous_import_export,
        checkpoint_h=float(settings.checkpoint_overhead_h),
        storage_export=bool(site.grid.storage_export),
        fluid_work=bool(settings.fluid_work),
        baseline_level=baseline_level(profile["setpoint_c"].to_numpy().astype(float), site),
    )


def baseline_level(levels_c: FloatArray, site: Site) -> int:
    """Index of the site's baseline setpoint among the levels (the lowest level when none is set). [-]"""
    target = site.cooling.baseline_setpoint_c
    if target is None or not len(levels_c):
        return int(np.argmin(levels_c)) if len(levels_c) else 0
    return int(np.argmin(np.abs(levels_c - target)))


def sticky_levels(coef: FloatArray, start: int) -> np.ndarray:
    """At each step the level of least facility power per IT kW, staying at the previous step's level
    (the baseline level at the first step) while that is within ``LEVEL_TIE_KW_PER_KW`` of the least.
    """
    chosen = np.zeros(coef.shape[0], dtype=int)
    previous = start
    for t, row in enumerate(coef):
        best = int(np.argmin(row))
        if 0 <= previous < len(row) and row[previous] <= row[best] + LEVEL_TIE_KW_PER_KW:
            best = previous
        chosen[t] = previous = best
    return chosen


def _arr(profile: xr.Dataset, name: str) -> FloatArray:
    """A profile variable as a float array."""
    return profile[name].to_numpy().astype(float)


def _step_h(profile: xr.Dataset, times: pd.DatetimeIndex) -> float:
    """Step length from the time coordinate (or the step_minutes attribute for one step). [h]"""
    if len(times) > 1:
        return float((times[1] - times[0]) / pd.Timedelta(hours=1))
    return float(profile.attrs.get("step_minutes", 60)) / 60.0


def _battery(site: Site) -> Battery | None:
    """The site's battery in model units, or None when it has no usable battery."""
    b = site.battery
    if b is None or b.energy_kwh <= 0 or b.power_kw <= 0:
        return None
    return Battery(
        energy_kwh=b.energy_kwh,
        power_kw=b.power_kw,
        charge_eff=b.charge_efficiency,
        discharge_eff=b.discharge_efficiency,
        soc0_kwh=b.initial_soc_frac * b.energy_kwh,
        soc_min_kwh=b.min_soc_frac * b.energy_kwh,
    )


def to_utc(stamp: pd.Timestamp, tz: str) -> pd.Timestamp:
    """A job time as UTC; a naive time is read as the site's local clock time."""
    stamp = pd.Timestamp(stamp)
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize(tz)
    return stamp.tz_convert("UTC")


def release_step(release: pd.Timestamp, t0: pd.Timestamp, step_h: float, n_steps: int) -> int:
    """First step starting at or after the release, within [0, T]. [-]"""
    steps = (release - t0) / pd.Timedelta(hours=step_h)
    return int(min(max(math.ceil(steps - _EPS), 0), n_steps))


def deadline_step(deadline: pd.Timestamp, t0: pd.Timestamp, step_h: float, n_steps: int) -> int:
    """Steps ending at or before the deadline, within [0, T] (capped at the horizon end). [-]"""
    steps = (deadline - t0) / pd.Timedelta(hours=step_h)
    return int(min(max(math.floor(steps + _EPS), 0), n_steps))


def _job_groups(
    jobs: Sequence[Job], site: Site, settings: PlanSettings, times: pd.DatetimeIndex, step_h: float, tz: str
) -> tuple[list[PreemptibleJob], list[BlockGroup], list[Unplannable]]:
    """Split the queue into preemptible jobs, groups of identical blocks and jobs the horizon cannot hold."""
    n_steps = len(times)
    late_h = settings.late_window_h
    late_steps = n_steps if late_h is None else math.ceil(late_h / step_h - _EPS)
    t0 = times[0] if n_steps else pd.Timestamp("1970-01-01", tz="UTC")
    pre: list[PreemptibleJob] = []
    block_keys: dict[tuple[int, float, int, int, int, float], list[str]] = defaultdict(list)
    unplannable: list[Unplannable] = []
    for job in jobs:
        penalty = job_penalty_per_h(job, site, settings)
        node_kw = job.node_kw if job.node_kw is not None else site.it.node_busy_kw
        rel = release_step(to_utc(job.release, tz), t0, step_h, n_steps)
        dl = deadline_step(to_utc(job.deadline, tz), t0, step_h, n_steps)
        if job.nodes > site.it.nodes:
            unplannable.append(
                Unplannable(job, f"needs {job.nodes} nodes, the site has {site.it.nodes}", 0.0)
            )
        elif rel >= n_steps:
            unplannable.append(Unplannable(job, "released at or after the horizon end", 0.0))
        elif job.preemptible:
            need = max(1, math.ceil(job.duration_h / step_h - _EPS))
            end = window_end(rel, dl, need, late_steps, n_steps)
            shortest = 1 if settings.fluid_work else min(need, min_run_steps(site.it.min_run_h, step_h))
            pre.append(PreemptibleJob(job.job_id, job.nodes, node_kw, job.duration_h, rel, dl, penalty, end,
                                      need, shortest))
        else:
            steps = max(1, math.ceil(job.duration_h / step_h - _EPS))
            block_keys[(job.nodes, node_kw, steps, rel, dl, penalty)].append(job.job_id)
    blocks = [
        BlockGroup(tuple(ids), nodes, node_kw, steps, rel, dl, penalty,
                   window_end(rel, dl, steps, late_steps, n_steps))
        for (nodes, node_kw, steps, rel, dl, penalty), ids in block_keys.items()
    ]
    return pre, blocks, unplannable


def min_run_steps(min_run_h: float, step_h: float) -> int:
    """The site's minimum run length in whole steps (at least one step). [-]"""
    return max(1, math.ceil(min_run_h / step_h - _EPS))


def window_end(release: int, deadline: int, run_steps: int, late_steps: int, n_steps: int) -> int:
    """End of the steps a job may use: its deadline, or its earliest finish when later, plus the late
    window, at most the horizon end T. [-]

    A policy and a speed-up: a preemptible job's lateness counts its hours of work after the deadline,
    whenever they run, so without a window late work would drift to the cheapest hours of the day; the
    window keeps it near the deadline. It removes the (job, step) pairs past it: 15-20 % of the
    columns at 96 steps x 200 jobs, more at 192 steps. A queue that can finish on time has the same
    optimum with or without it (tests/optimizer/day/test_model_properties.py).
    """
    return min(n_steps, max(deadline, release + run_steps) + late_steps)


def rate_feasible(setpoints_c: FloatArray, max_change_c_per_h: float, steps_per_hour: int) -> bool:
    """True if no two setpoints less than an hour apart (lags 1..h steps) differ by more than the limit."""
    sp = np.asarray(setpoints_c, dtype=float)
    for lag in range(1, steps_per_hour + 1):
        if len(sp) > lag and np.any(np.abs(sp[lag:] - sp[:-lag]) > max_change_c_per_h + 1e-9):
            return False
    return True
