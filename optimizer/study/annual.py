r"""The aggregate year LP: dispatch and sizing of one site under one scenario, hour by hour.

REopt-like (Anderson et al., *REopt Lite technical manual*, NREL 2021): grid import and export,
PV and wind whose per-kW output is scaled by size variables, a battery with energy and power size
variables, deferrable training energy in flexibility classes, the cooling level of each hour, a
time-of-use tariff with monthly demand charges and a price on location-based carbon; capital enters
as an annuity (``greendc.optimizer.study.sizing``) pro rata to the horizon.

The LP is assembled directly as a sparse matrix (a ``highspy.HighsLp``): for an 8760-hour year this
builds in under 0.1 s, where Pyomo spends longer building and handing over the model than the
solver spends solving it (docs/performance.md, "Compare"). HiGHS's dual simplex solves it, or
Clarabel's interior point when a battery is sized (:func:`choose_solver` says why).
Following PyPSA, there is one function per constraint family; each returns a :class:`RowBlock`
and states its maths in its docstring. Notation: t steps of length dt [h], m months,
j flexibility classes; variables are

=========  ============================================  =======
imp_t      grid import                                   kW
exp_t      grid export                                   kW
ren_t      renewable power taken from PV and wind        kW
ch_t       battery charge (grid side)                    kW
dis_t      battery discharge (grid side)                 kW
soc_t      usable battery energy above the minimum        kWh
x_jt       deferrable training power of class j          kW (nominal IT)
peak_m     the month's peak import                       kW
S_pv       PV size                                       kWp
S_w        wind size                                     kW
E          battery energy                                kWh
P          battery power                                 kW
=========  ============================================  =======

Cooling levels. The profile gives for each hour and setpoint level k the facility power per kW of
nominal IT load, ``f_tk = (1 + uplift_k)(1 + loss) + cooling_kw_per_kw_tk``. An LP may serve the
hour's IT load as a convex combination of levels (time-sharing within the hour, the continuous
relaxation of the daily MILP's one-level choice): facility = sum_k f_tk z_tk with sum_k z_tk = IT_t.
Since f_tk does not depend on any other decision, the optimum of that combination puts all load on
the level with the smallest f_tk (a linear objective over a simplex is minimised at a vertex), so
the LP uses ``f_t = min_k f_tk`` directly: exact, and K x T fewer columns. It assumes the operator
never spends energy on cooling for its own sake, which only negative prices could reward.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Literal

import highspy
import numpy as np
import pandas as pd
import scipy.sparse as sp
import xarray as xr
from greendc.optimizer.study.scenarios import Scenario
from greendc.optimizer.study.sizing import annualised_cost_per_unit
from greendc.sites.model import PV, Site, Wind

INF = highspy.kHighsInf


@dataclass(frozen=True)
class SizeBounds:
    """Lower and upper bound of each size variable; equal bounds fix a size."""

    pv_kw: tuple[float, float] = (0.0, 0.0)
    """PV size bounds. [kWp]"""
    wind_kw: tuple[float, float] = (0.0, 0.0)
    """Wind size bounds. [kW]"""
    battery_kwh: tuple[float, float] = (0.0, 0.0)
    """Battery energy bounds. [kWh]"""
    battery_kw: tuple[float, float] = (0.0, 0.0)
    """Battery power bounds. [kW]"""


@dataclass(frozen=True)
class UnitCosts:
    """Annualised cost per unit of each size (capital annuity after subsidy plus fixed O&M)."""

    pv_per_kw_year: float = 0.0
    """[currency/kWp/yr]"""
    wind_per_kw_year: float = 0.0
    """[currency/kW/yr]"""
    battery_per_kwh_year: float = 0.0
    """[currency/kWh/yr]"""
    battery_per_kw_year: float = 0.0
    """[currency/kW/yr]"""


@dataclass(frozen=True)
class YearProblem:
    """Everything the year LP needs, as arrays over the steps and scalars (the inputs stage)."""

    price_per_kwh: np.ndarray
    """Import price, tariff scale applied. [currency/kWh]"""
    export_price_per_kwh: np.ndarray
    """Export price. [currency/kWh]"""
    carbon_kg_per_kwh: np.ndarray
    """Grid carbon intensity. [kgCO2/kWh]"""
    pv_kw_per_kw: np.ndarray
    """PV AC output per kWp installed. [kW/kWp]"""
    wind_kw_per_kw: np.ndarray
    """Wind output per kW of turbine rating. [kW/kW]"""
    firm_it_kw: np.ndarray
    """Nominal IT load that is always on: firm load plus idle training nodes. [kW]"""
    facility_kw_per_it_kw: np.ndarray
    """Facility power per kW of nominal IT load at the best cooling level. [kW/kW]"""
    month: np.ndarray
    """Month index 0..11 of each step (local time), for the demand charge. [-]"""
    training_kw: float
    """Average training power above idle, nominal IT. [kW]"""
    training_capacity_kw: float
    """Training power above idle with every node busy. [kW]"""
    flexible_share: float = 0.0
    """Share of the training energy that may move. [-]"""
    flex_windows_h: tuple[float, ...] = ()
    """Window length of each flexibility class. [h]"""
    flex_shares: tuple[float, ...] = ()
    """Share of the flexible energy in each class (sum 1). [-]"""
    import_limit_kw: float = INF
    """[kW]"""
    export_limit_kw: float = 0.0
    """[kW]"""
    demand_charge_per_kw_month: float = 0.0
    """[currency/kW-month]"""
    carbon_price_per_kg: float = 0.0
    """[currency/kgCO2]"""
    green_power_price_per_kwh: float = 0.0
    """Premium on on-site renewable energy used. [currency/kWh]"""
    charge_efficiency: float = 0.95
    """[-]"""
    discharge_efficiency: float = 0.95
    """[-]"""
    min_soc_frac: float = 0.05
    """[-]"""
    sizes: SizeBounds = field(default_factory=SizeBounds)
    """Size bounds. [-]"""
    unit_costs: UnitCosts = field(default_factory=UnitCosts)
    """Annualised unit costs. [-]"""
    step_h: float = 1.0
    """Step length. [h]"""

    @property
    def steps(self) -> int:
        """Number of time steps. [-]"""
        return int(self.price_per_kwh.shape[0])

    @property
    def rigid_training_kw(self) -> float:
        """Training power that cannot move. [kW]"""
        return (1.0 - self.flexible_share) * self.training_kw

    @property
    def has_renewables(self) -> bool:
        """True when PV or wind may be built. [-]"""
        return self.sizes.pv_kw[1] > 0 or self.sizes.wind_kw[1] > 0

    @property
    def has_battery(self) -> bool:
        """True when a battery may be built. [-]"""
        return self.sizes.battery_kwh[1] > 0 and self.sizes.battery_kw[1] > 0

    @property
    def free_disposal(self) -> bool:
        """True when curtailment can be left implicit: the balance becomes supply >= demand.

        Exact when no import is ever paid to take (price + carbon charge >= 0 every step) and no
        premium is paid on renewable energy used: dumping energy then never lowers the cost, so the
        LP only over-supplies by curtailing PV or wind. Saves T columns and T rows. [-]
        """
        return (
            self.has_renewables
            and self.green_power_price_per_kwh == 0
            and bool(np.all(self.price_per_kwh + self.carbon_price_per_kg * self.carbon_kg_per_kwh >= 0))
        )

    @property
    def has_flex(self) -> bool:
        """True when some training energy may move. [-]"""
        return self.flexible_share > 0 and self.training_kw > 0 and len(self.flex_windows_h) > 0


@dataclass
class RowBlock:
    """A family of rows: bounds and the matrix entries as (row, column, value) triplets."""

    lower: np.ndarray
    upper: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    vals: np.ndarray


@dataclass
class Layout:
    """Column slices of each variable family, so the solution can be read back by name."""

    slices: dict[str, slice] = field(default_factory=dict)
    lower: list[np.ndarray] = field(default_factory=list)
    upper: list[np.ndarray] = field(default_factory=list)
    cost: list[np.ndarray] = field(default_factory=list)
    size: int = 0

    def add(
        self,
        name: str,
        n: int,
        lower: float | np.ndarray,
        upper: float | np.ndarray,
        cost: float | np.ndarray = 0.0,
    ) -> slice:
        """Append a family of n columns and return its slice."""
        cols = slice(self.size, self.size + n)
        self.slices[name] = cols
        self.lower.append(np.broadcast_to(np.asarray(lower, dtype=float), (n,)))
        self.upper.append(np.broadcast_to(np.asarray(upper, dtype=float), (n,)))
        self.cost.append(np.broadcast_to(np.asarray(cost, dtype=float), (n,)))
        self.size += n
        return cols

    def index(self, name: str) -> np.ndarray:
        """Column indices of a family. [-]"""
        s = self.slices[name]
        return np.arange(s.start, s.stop)


@dataclass
class YearResult:
    """The solved year (results stage): status, sizes, series, objective terms and timings."""

    status: str
    """optimal, or the solver's status in lower case (infeasible, time limit reached, ...). [-]"""
    objective: float
    """Objective value over the horizon. [currency]"""
    sizes: dict[str, float]
    """pv_kw, wind_kw, battery_kwh, battery_kw. [kWp, kW, kWh, kW]"""
    series: dict[str, np.ndarray]
    """Per-step flows: import_kw, export_kw, renewable_kw, charge_kw, discharge_kw, soc_kwh,
    it_kw (nominal IT), flexible_kw, facility_kw. [kW, kWh]"""
    peaks_kw: np.ndarray
    """Monthly peak import. [kW]"""
    build_s: float
    """Build time. [s]"""
    solve_s: float
    """Solver time (HiGHS or Clarabel). [s]"""


def build_columns(p: YearProblem) -> Layout:
    """All variable families with their bounds and objective coefficients.

    Objective (currency over the horizon):
    sum_t dt [(price_t + cp carbon_t) imp_t - eprice_t exp_t - g ren_t]
    + dc sum_m peak_m + (H / 8760) (c_pv S_pv + c_w S_w + c_E E + c_P P).
    """
    T, dt = p.steps, p.step_h
    share = p.steps * dt / 8760.0
    lay = Layout()
    lay.add(
        "imp", T, 0.0, p.import_limit_kw, dt * (p.price_per_kwh + p.carbon_price_per_kg * p.carbon_kg_per_kwh)
    )
    if p.export_limit_kw > 0 and p.has_renewables:  # only PV and wind export (export_source)
        lay.add("exp", T, 0.0, p.export_limit_kw, -dt * p.export_price_per_kwh)
    if p.has_renewables and not p.free_disposal:
        lay.add("ren", T, 0.0, INF, -dt * p.green_power_price_per_kwh)
    if p.has_battery:
        lay.add("ch", T, 0.0, INF)
        lay.add("dis", T, 0.0, INF)
        lay.add("soc", T, 0.0, INF)
    if p.has_flex:  # no upper bound: it_capacity bounds the sum (fewer rows for the interior point)
        for j in range(len(p.flex_windows_h)):
            lay.add(f"x{j}", T, 0.0, INF)
    if p.demand_charge_per_kw_month > 0:
        lay.add("peak", 12, 0.0, INF, p.demand_charge_per_kw_month)
    c = p.unit_costs
    n_blocks = _n_blocks(p)
    for name, bounds, unit_cost in (
        ("S_pv", p.sizes.pv_kw, c.pv_per_kw_year),
        ("S_w", p.sizes.wind_kw, c.wind_per_kw_year),
        ("E", p.sizes.battery_kwh, c.battery_per_kwh_year),
        ("P", p.sizes.battery_kw, c.battery_per_kw_year),
    ):
        lay.add(name, 1, bounds[0], bounds[1], unit_cost * share)
        lay.add(f"{name}@", n_blocks, bounds[0], bounds[1])
    return lay


#: Steps per copy of a size variable (see size_copies). [h]
COPY_BLOCK_H = 24.0


def _n_blocks(p: YearProblem) -> int:
    """Number of size-variable copies: one per COPY_BLOCK_H of the horizon."""
    return int(np.ceil(p.steps / _steps_per_block(p)))


def _steps_per_block(p: YearProblem) -> int:
    return max(round(COPY_BLOCK_H / p.step_h), 1)


def size_column(p: YearProblem, lay: Layout, name: str) -> np.ndarray:
    """For each step, the column of the size copy that step's rows use. [-]"""
    return lay.slices[f"{name}@"].start + np.arange(p.steps) // _steps_per_block(p)


def energy_balance(p: YearProblem, lay: Layout) -> RowBlock:
    """Power balance at the site bus each step.

    imp_t - exp_t + ren_t + dis_t - ch_t - f_t sum_j x_jt = f_t (firm_t + rigid training)
    with f_t the facility kW per kW of nominal IT at the hour's best cooling level. With free
    disposal (see YearProblem.free_disposal) ren_t is replaced by what PV and wind produce and the
    row becomes ">=": the surplus is curtailed.
    """
    T = p.steps
    t = np.arange(T)
    f = p.facility_kw_per_it_kw
    rhs = f * (p.firm_it_kw + p.rigid_training_kw)
    parts = [(lay.index("imp"), np.ones(T))]
    if "exp" in lay.slices:
        parts.append((lay.index("exp"), -np.ones(T)))
    if "ren" in lay.slices:
        parts.append((lay.index("ren"), np.ones(T)))
    elif p.has_renewables:
        parts += [
            (size_column(p, lay, "S_pv"), p.pv_kw_per_kw),
            (size_column(p, lay, "S_w"), p.wind_kw_per_kw),
        ]
    if p.has_battery:
        parts += [(lay.index("dis"), np.ones(T)), (lay.index("ch"), -np.ones(T))]
    if p.has_flex:
        parts += [(lay.index(f"x{j}"), -f) for j in range(len(p.flex_windows_h))]
    return _per_step_block(t, parts, rhs, np.full(T, INF) if p.free_disposal else rhs)


def renewable_availability(p: YearProblem, lay: Layout) -> RowBlock:
    """Renewable power taken is at most what the sized PV and wind produce (the rest is curtailed).

    ren_t - pv_t S_pv - wind_t S_w <= 0
    """
    T = p.steps
    t = np.arange(T)
    parts = [
        (lay.index("ren"), np.ones(T)),
        (size_column(p, lay, "S_pv"), -p.pv_kw_per_kw),
        (size_column(p, lay, "S_w"), -p.wind_kw_per_kw),
    ]
    return _per_step_block(t, parts, np.full(T, -INF), np.zeros(T))


def export_source(p: YearProblem, lay: Layout) -> RowBlock:
    """Only PV and wind export: no grid power is resold and the battery does not export.

    exp_t - ren_t <= 0 (with free disposal: exp_t - pv_t S_pv - wind_t S_w <= 0). Without it the LP
    imports to export in every hour the export price beats the import price and the carbon charge,
    which a site's single meter does not allow (the daily MILP's one-meter binaries cannot be had in
    an LP). This is REopt's default with separate renewables metering, in which storage may not
    export.
    """
    T = p.steps
    t = np.arange(T)
    parts = [(lay.index("exp"), np.ones(T))]
    if "ren" in lay.slices:
        parts.append((lay.index("ren"), -np.ones(T)))
    else:
        parts += [
            (size_column(p, lay, "S_pv"), -p.pv_kw_per_kw),
            (size_column(p, lay, "S_w"), -p.wind_kw_per_kw),
        ]
    return _per_step_block(t, parts, np.full(T, -INF), np.zeros(T))


def battery_state(p: YearProblem, lay: Layout) -> RowBlock:
    """Battery energy carried from step to step, cyclic over the horizon (end state = start state).

    soc_t - soc_{t-1} - eta_c dt ch_t + dt / eta_d dis_t = 0, with soc_{-1} = soc_{T-1}
    """
    T, dt = p.steps, p.step_h
    t = np.arange(T)
    soc = lay.index("soc")
    parts = [
        (soc, np.ones(T)),
        (np.roll(soc, 1), -np.ones(T)),
        (lay.index("ch"), np.full(T, -p.charge_efficiency * dt)),
        (lay.index("dis"), np.full(T, dt / p.discharge_efficiency)),
    ]
    return _per_step_block(t, parts, np.zeros(T), np.zeros(T))


def battery_energy_limit(p: YearProblem, lay: Layout) -> RowBlock:
    """Usable energy stays within the capacity above the minimum state of charge.

    soc_t - (1 - soc_min) E <= 0   (soc_t is measured above soc_min E, so soc_t >= 0 is its bound)
    """
    T = p.steps
    parts = [(lay.index("soc"), np.ones(T)), (size_column(p, lay, "E"), np.full(T, p.min_soc_frac - 1.0))]
    return _per_step_block(np.arange(T), parts, np.full(T, -INF), np.zeros(T))


def battery_power_limit(p: YearProblem, lay: Layout) -> RowBlock:
    """Charge plus discharge within the converter rating (also rules out simultaneous cycling at full power).

    ch_t + dis_t - P <= 0
    """
    T = p.steps
    parts = [
        (lay.index("ch"), np.ones(T)),
        (lay.index("dis"), np.ones(T)),
        (size_column(p, lay, "P"), -np.ones(T)),
    ]
    return _per_step_block(np.arange(T), parts, np.full(T, -INF), np.zeros(T))


def flexible_energy(p: YearProblem, lay: Layout) -> RowBlock:
    """Each class's deferrable training energy is conserved within each of its windows.

    For class j with window length W_j, the steps are cut into consecutive windows w from the
    horizon's start (the last may be shorter): sum_{t in w} x_jt = |w| s_j phi D, where phi is the
    flexible share, s_j the class share and D the average training power above idle.
    """
    rows, cols, vals, rhs = [], [], [], []
    offset = 0
    T = p.steps
    for j, (window_h, share) in enumerate(zip(p.flex_windows_h, p.flex_shares, strict=True)):
        per_window = max(round(window_h / p.step_h), 1)
        window = np.arange(T) // per_window
        n_windows = int(window[-1]) + 1
        rows.append(offset + window)
        cols.append(lay.index(f"x{j}"))
        vals.append(np.ones(T))
        counts = np.bincount(window, minlength=n_windows).astype(float)
        rhs.append(counts * share * p.flexible_share * p.training_kw)
        offset += n_windows
    b = np.concatenate(rhs)
    return RowBlock(b, b, np.concatenate(rows), np.concatenate(cols), np.concatenate(vals))


def it_capacity(p: YearProblem, lay: Layout) -> RowBlock:
    """Training never exceeds the fleet: rigid plus deferred power at most every node busy.

    sum_j x_jt <= C - (1 - phi) D
    """
    T = p.steps
    headroom = max(p.training_capacity_kw - p.rigid_training_kw, 0.0)
    parts = [(lay.index(f"x{j}"), np.ones(T)) for j in range(len(p.flex_windows_h))]
    return _per_step_block(np.arange(T), parts, np.full(T, -INF), np.full(T, headroom))


def monthly_peak(p: YearProblem, lay: Layout) -> RowBlock:
    """The month's peak import bounds every step's import in that month (the demand-charge base).

    imp_t - peak_{m(t)} <= 0
    """
    T = p.steps
    parts = [(lay.index("imp"), np.ones(T)), (lay.slices["peak"].start + p.month.astype(int), -np.ones(T))]
    return _per_step_block(np.arange(T), parts, np.full(T, -INF), np.zeros(T))


def size_copies(p: YearProblem, lay: Layout) -> RowBlock:
    """Chain each size variable to daily copies of itself: S@_0 = S, S@_b = S@_{b-1}.

    The per-step rows use the day's copy instead of S itself. Mathematically nothing changes; but a
    column present in all 8760 rows makes the interior-point normal equations A D A^T dense (every
    pair of steps coupled), which made the sized year LP 5-10x slower to solve.
    """
    rows, cols, vals = [], [], []
    n = _n_blocks(p)
    for k, name in enumerate(("S_pv", "S_w", "E", "P")):
        copies = lay.index(f"{name}@")
        previous = np.concatenate([[lay.slices[name].start], copies[:-1]])
        r = k * n + np.arange(n)
        rows += [r, r]
        cols += [copies, previous]
        vals += [np.ones(n), -np.ones(n)]
    zero = np.zeros(4 * n)
    return RowBlock(zero, zero, np.concatenate(rows), np.concatenate(cols), np.concatenate(vals))


def constraint_blocks(p: YearProblem, lay: Layout) -> list[RowBlock]:
    """The constraint families that apply to this problem, in a fixed order."""
    blocks = [energy_balance(p, lay), size_copies(p, lay)]
    if "ren" in lay.slices:
        blocks.append(renewable_availability(p, lay))
    if "exp" in lay.slices:
        blocks.append(export_source(p, lay))
    if p.has_battery:
        blocks += [battery_state(p, lay), battery_energy_limit(p, lay), battery_power_limit(p, lay)]
    if p.has_flex:
        blocks += [flexible_energy(p, lay), it_capacity(p, lay)]
    if p.demand_charge_per_kw_month > 0:
        blocks.append(monthly_peak(p, lay))
    return blocks


def build_lp(p: YearProblem) -> tuple[highspy.HighsLp, Layout]:
    """The whole LP as a HiGHS column-wise model, and the column layout to read the solution."""
    lay = build_columns(p)
    blocks = constraint_blocks(p, lay)
    offsets = np.cumsum([0] + [len(b.lower) for b in blocks])
    rows = np.concatenate([b.rows + o for b, o in zip(blocks, offsets, strict=False)])
    cols = np.concatenate([b.cols for b in blocks])
    vals = np.concatenate([b.vals for b in blocks])
    n_rows = int(offsets[-1])
    matrix = sp.csc_matrix((vals, (rows, cols)), shape=(n_rows, lay.size))
    lp = highspy.HighsLp()
    lp.num_col_ = lay.size
    lp.num_row_ = n_rows
    lp.col_cost_ = np.concatenate(lay.cost)
    lp.col_lower_ = np.concatenate(lay.lower)
    lp.col_upper_ = np.concatenate(lay.upper)
    lp.row_lower_ = np.concatenate([b.lower for b in blocks])
    lp.row_upper_ = np.concatenate([b.upper for b in blocks])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = matrix.indptr.astype(np.int32)
    lp.a_matrix_.index_ = matrix.indices.astype(np.int32)
    lp.a_matrix_.value_ = matrix.data
    return lp, lay


Solver = Literal["auto", "highs", "clarabel"]


def choose_solver(p: YearProblem) -> str:
    """HiGHS dual simplex unless a battery is sized; then Clarabel's interior point (see module doc).

    Measured on the 8760-hour year (docs/performance.md, "Compare"): without a battery HiGHS's dual
    simplex solves in about 1.4 s; with a battery to size, the 8760-step storage chain keeps HiGHS's
    simplex past 60 s and its IPX interior point (a basis-preconditioned CG method) at 13-17 s, while
    Clarabel's interior point with a direct sparse LDL factorisation takes 3-6 s for the same optimum.
    """
    return "clarabel" if p.has_battery and p.sizes.battery_kwh[0] < p.sizes.battery_kwh[1] else "highs"


def solve_year(p: YearProblem, *, solver: Solver = "auto", time_limit_s: float = 120.0) -> YearResult:
    """Build and solve the year LP (one thread) and read the solution back by family."""
    t0 = time.perf_counter()
    lp, lay = build_lp(p)
    t1 = time.perf_counter()
    backend = choose_solver(p) if solver == "auto" else solver
    run = _solve_clarabel if backend == "clarabel" else _solve_highs
    status, objective, x = run(lp, time_limit_s)
    t2 = time.perf_counter()
    if status != "optimal":
        return YearResult(status, float("nan"), {}, {}, np.zeros(0), t1 - t0, t2 - t1)
    return YearResult(
        status="optimal",
        objective=objective,
        sizes=_read_sizes(x, lay),
        series=_read_series(p, x, lay),
        peaks_kw=_family(x, lay, "peak", 12),
        build_s=t1 - t0,
        solve_s=t2 - t1,
    )


def _solve_highs(lp: highspy.HighsLp, time_limit_s: float) -> tuple[str, float, np.ndarray]:
    """HiGHS dual simplex: a vertex solution. Returns (status, objective, x)."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("solver", "simplex")
    h.setOptionValue("time_limit", float(time_limit_s))
    h.passModel(lp)
    h.run()
    status = h.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        return h.modelStatusToString(status).lower(), float("nan"), np.zeros(0)
    return "optimal", float(h.getInfo().objective_function_value), np.asarray(h.getSolution().col_value)


def _solve_clarabel(lp: highspy.HighsLp, time_limit_s: float) -> tuple[str, float, np.ndarray]:
    """Clarabel interior point on the same LP, rewritten as A x + s = b with s in {0} x R+ cones.

    Rows with equal bounds and fixed columns go to the zero cone; finite upper (lower) row and
    column bounds become  a x <= u  (-a x <= -l)  in the non-negative cone (Goulart and Chen 2024,
    *Clarabel: an interior-point solver for conic programs with quadratic objectives*).
    Solutions are interior, so values within 1e-7 of zero are rounded to zero.
    """
    import clarabel

    n, m = lp.num_col_, lp.num_row_
    a = sp.csc_matrix(
        (np.asarray(lp.a_matrix_.value_), np.asarray(lp.a_matrix_.index_), np.asarray(lp.a_matrix_.start_)),
        shape=(m, n),
    ).tocsr()
    row_lo, row_up = np.asarray(lp.row_lower_), np.asarray(lp.row_upper_)
    col_lo, col_up = np.asarray(lp.col_lower_), np.asarray(lp.col_upper_)
    eye = sp.identity(n, format="csr")
    eq_rows = row_lo == row_up
    fixed = col_lo == col_up
    up_rows = ~eq_rows & (row_up < INF)
    lo_rows = ~eq_rows & (row_lo > -INF)
    up_cols = ~fixed & (col_up < INF)
    lo_cols = ~fixed & (col_lo > -INF)
    zero_part = sp.vstack([a[eq_rows], eye[fixed]])
    ineq_part = sp.vstack([a[up_rows], -a[lo_rows], eye[up_cols], -eye[lo_cols]])
    matrix = sp.vstack([zero_part, ineq_part]).tocsc()
    rhs = np.concatenate(
        [row_lo[eq_rows], col_lo[fixed], row_up[up_rows], -row_lo[lo_rows], col_up[up_cols], -col_lo[lo_cols]]
    )
    cones = [clarabel.ZeroConeT(zero_part.shape[0]), clarabel.NonnegativeConeT(ineq_part.shape[0])]
    settings = clarabel.DefaultSettings()
    settings.verbose = False
    settings.max_threads = 1
    settings.time_limit = float(time_limit_s)
    # 1e-7 instead of the default 1e-8: a few iterations fewer, the objective within 1e-7 relative
    settings.tol_gap_abs = settings.tol_gap_rel = settings.tol_feas = 1e-7
    solution = clarabel.DefaultSolver(
        sp.csc_matrix((n, n)), np.asarray(lp.col_cost_), matrix, rhs, cones, settings
    ).solve()
    if str(solution.status) not in {"Solved", "AlmostSolved"}:
        return str(solution.status).lower(), float("nan"), np.zeros(0)
    x = np.asarray(solution.x)
    x[np.abs(x) < 1e-7] = 0.0
    return "optimal", float(solution.obj_val), x


def fixed_sizes(sizes: dict[str, float]) -> SizeBounds:
    """Size bounds that fix every size at the given values (dispatch only)."""
    return SizeBounds(
        pv_kw=(sizes["pv_kw"], sizes["pv_kw"]),
        wind_kw=(sizes["wind_kw"], sizes["wind_kw"]),
        battery_kwh=(sizes["battery_kwh"], sizes["battery_kwh"]),
        battery_kw=(sizes["battery_kw"], sizes["battery_kw"]),
    )


def _per_step_block(
    t: np.ndarray, parts: list[tuple[np.ndarray, np.ndarray]], lower: np.ndarray, upper: np.ndarray
) -> RowBlock:
    """One row per step: each part adds (column_t, value_t) to row t."""
    return RowBlock(
        lower=np.asarray(lower, dtype=float),
        upper=np.asarray(upper, dtype=float),
        rows=np.concatenate([t for _ in parts]),
        cols=np.concatenate([np.asarray(c) for c, _ in parts]),
        vals=np.concatenate([np.asarray(v, dtype=float) for _, v in parts]),
    )


def _family(x: np.ndarray, lay: Layout, name: str, n: int) -> np.ndarray:
    """Values of a family, zeros when the family is absent from this model."""
    return x[lay.slices[name]].copy() if name in lay.slices else np.zeros(n)


def _read_sizes(x: np.ndarray, lay: Layout) -> dict[str, float]:
    names = {"pv_kw": "S_pv", "wind_kw": "S_w", "battery_kwh": "E", "battery_kw": "P"}
    # interior-point solutions: sizes to 1 W / 1 Wh, so that "not built" reads 0
    return {key: round(float(x[lay.slices[col]][0]), 3) + 0.0 for key, col in names.items()}


def _read_series(p: YearProblem, x: np.ndarray, lay: Layout) -> dict[str, np.ndarray]:
    T = p.steps
    flexible = sum((_family(x, lay, f"x{j}", T) for j in range(len(p.flex_windows_h))), np.zeros(T))
    it_kw = p.firm_it_kw + p.rigid_training_kw + flexible
    soc_above_min = _family(x, lay, "soc", T)
    energy_kwh = float(x[lay.slices["E"]][0])
    return {
        "import_kw": _family(x, lay, "imp", T),
        "export_kw": _family(x, lay, "exp", T),
        "renewable_kw": _renewable_used(p, x, lay, it_kw),
        "charge_kw": _family(x, lay, "ch", T),
        "discharge_kw": _family(x, lay, "dis", T),
        "soc_kwh": soc_above_min + p.min_soc_frac * energy_kwh,
        "flexible_kw": flexible,
        "it_kw": it_kw,
        "facility_kw": p.facility_kw_per_it_kw * it_kw,
    }


# --- inputs stage: from a site, its profile and a scenario to a YearProblem -------------------------


def per_kw_site(site: Site) -> Site:
    """The site with 1 kWp of PV and one turbine, so its profile gives output per unit installed.

    A site without PV or wind gets the defaults of ``greendc.sites.model.PV`` / ``Wind`` (south-facing 30 deg
    tilt; the E-82/2350 turbine at 100 m). The study treats each site as greenfield: the site file's
    PV, wind and battery give shapes and efficiencies, the study sizes them.
    """
    pv = (site.pv or PV(kwp=1.0)).model_copy(update={"kwp": 1.0})
    wind = (site.wind or Wind(count=1)).model_copy(update={"count": 1})
    return site.model_copy(update={"pv": pv, "wind": wind})


@dataclass(frozen=True)
class CoolingChoice:
    """The cooling level used at each step and what it implies per kW of nominal IT load."""

    level: np.ndarray
    """Index of the setpoint level used at each step. [-]"""
    facility_kw_per_it_kw: np.ndarray
    """(1 + uplift)(1 + loss) + cooling, at that level. [kW/kW]"""
    it_kw_per_it_kw: np.ndarray
    """1 + IT fan uplift at that level. [kW/kW]"""
    cooling_kw_per_it_kw: np.ndarray
    """Cooling-plant kW at that level. [kW/kW]"""


def cooling_choice(profile: xr.Dataset, fixed_setpoint_c: float | None = None) -> CoolingChoice:
    """The least-facility-power level at each step (see module doc), or a fixed setpoint (today's way)."""
    cooling_kw = profile["cooling_kw_per_kw"].to_numpy()
    uplift = profile["it_fan_uplift"].to_numpy()
    loss = float(profile.attrs["electrical_loss_frac"])
    facility = (1.0 + uplift)[None, :] * (1.0 + loss) + cooling_kw
    if fixed_setpoint_c is None:
        level = np.argmin(facility, axis=1)
    else:
        levels = list(profile["setpoint_c"].to_numpy())
        level = np.full(facility.shape[0], levels.index(fixed_setpoint_c))
    rows = np.arange(facility.shape[0])
    return CoolingChoice(level, facility[rows, level], 1.0 + uplift[level], cooling_kw[rows, level])


def local_month_index(profile: xr.Dataset) -> np.ndarray:
    """Local calendar month 0..11 of each step, for monthly demand charges and monthly PUE. [-]"""
    times = (
        pd.DatetimeIndex(profile["time"].to_numpy()).tz_localize("UTC").tz_convert(profile.attrs["timezone"])
    )
    return np.asarray(times.month, dtype=int) - 1


def it_scale(site: Site, scenario: Scenario) -> float:
    """Factor that scales the site's IT fleet, firm load and import limit to the scenario's IT size. [-]"""
    return 1.0 if scenario.it_mw is None else scenario.it_mw * 1000.0 / site.it.max_it_kw


def size_bounds(scenario: Scenario, site: Site | None = None) -> SizeBounds:
    """The scenario's size limits within the site's own (``[sizing]``), or all zero when grid only.

    Raises ValueError naming the size when a scenario's minimum exceeds the site's maximum.
    """
    if not scenario.renewables:
        return SizeBounds()
    lim = scenario.limits
    own = site.sizing if site is not None and site.sizing is not None else None
    pairs = {
        "pv_max_kw": (lim.pv_min_kw, lim.pv_max_kw),
        "wind_max_kw": (lim.wind_min_kw, lim.wind_max_kw),
        "battery_max_kwh": (lim.battery_min_kwh, lim.battery_max_kwh),
        "battery_max_kw": (lim.battery_min_kw, lim.battery_max_kw),
    }
    bounds = []
    for key, (low, high) in pairs.items():
        cap = getattr(own, key) if own is not None else None
        if cap is not None and low > cap:
            raise ValueError(f"the scenario's minimum {low:g} is above the site's sizing.{key} {cap:g}")
        bounds.append((low, high if cap is None else min(high, cap)))
    return SizeBounds(*bounds)


def unit_costs(scenario: Scenario) -> UnitCosts:
    """Annualised cost per unit of each size after the capital subsidy (greendc.optimizer.study.sizing)."""
    c, r, share = scenario.costs, scenario.discount_rate, scenario.subsidies.capex_share
    return UnitCosts(
        pv_per_kw_year=annualised_cost_per_unit(
            c.pv_capex_per_kw, c.pv_om_per_kw_year, r, c.pv_life_years, share
        ),
        wind_per_kw_year=annualised_cost_per_unit(
            c.wind_capex_per_kw, c.wind_om_per_kw_year, r, c.wind_life_years, share
        ),
        battery_per_kwh_year=annualised_cost_per_unit(
            c.battery_capex_per_kwh, 0.0, r, c.battery_life_years, share
        ),
        battery_per_kw_year=annualised_cost_per_unit(
            c.battery_capex_per_kw, c.battery_om_per_kw_year, r, c.battery_life_years, share
        ),
    )


def year_problem(
    site: Site,
    profile: xr.Dataset,
    scenario: Scenario,
    *,
    pv_kw_per_kw: np.ndarray,
    wind_kw_per_kw: np.ndarray,
    business_as_usual: bool = False,
) -> tuple[YearProblem, CoolingChoice]:
    """The YearProblem of a site under a scenario, optimised or business as usual.

    Business as usual (REopt's BAU): grid only, no deferral, the plant at its baseline setpoint.
    Nominal IT load: firm load plus every training node idle, plus training above idle at the
    scenario's utilisation (``nodes (busy - idle) u``), of which the flexible share may move.
    """
    scale = it_scale(site, scenario)
    it = site.it
    grid = site.grid
    choice = cooling_choice(profile, site.cooling.baseline_c if business_as_usual else None)
    carbon = profile["carbon_kg_per_kwh"].to_numpy()
    if scenario.emission_factor_kg_per_kwh is not None and grid.emission_factor_kg_per_kwh > 0:
        carbon = carbon * scenario.emission_factor_kg_per_kwh / grid.emission_factor_kg_per_kwh
    training_span_kw = scale * it.nodes * (it.node_busy_kw - it.node_idle_kw)
    eta = float(np.sqrt(scenario.costs.battery_round_trip_efficiency))
    export_limit = scenario.export_limit_kw if scenario.export_limit_kw is not None else grid.export_limit_kw
    problem = YearProblem(
        price_per_kwh=profile["price_per_kwh"].to_numpy() * scenario.tariff_scale,
        export_price_per_kwh=(
            np.full(profile.sizes["time"], scenario.export_price_per_kwh)
            if scenario.export_price_per_kwh is not None
            else profile["export_price_per_kwh"].to_numpy()
        ),
        carbon_kg_per_kwh=carbon,
        pv_kw_per_kw=np.asarray(pv_kw_per_kw, dtype=float),
        wind_kw_per_kw=np.asarray(wind_kw_per_kw, dtype=float),
        firm_it_kw=scale * (profile["firm_it_kw"].to_numpy() + it.nodes * it.node_idle_kw),
        facility_kw_per_it_kw=choice.facility_kw_per_it_kw,
        month=local_month_index(profile),
        training_kw=scenario.training_utilisation * training_span_kw,
        training_capacity_kw=training_span_kw,
        flexible_share=0.0 if business_as_usual else scenario.flexible_share,
        flex_windows_h=tuple(float(c.window_h) for c in scenario.flex_classes),
        flex_shares=tuple(c.share for c in scenario.flex_classes),
        import_limit_kw=scale * grid.import_limit_kw,
        export_limit_kw=export_limit,
        demand_charge_per_kw_month=(
            scenario.demand_charge_per_kw_month
            if scenario.demand_charge_per_kw_month is not None
            else grid.demand_charge_per_kw_month
        ),
        carbon_price_per_kg=scenario.carbon_price_per_t / 1000.0,
        green_power_price_per_kwh=scenario.subsidies.green_power_price_per_kwh,
        charge_efficiency=eta,
        discharge_efficiency=eta,
        min_soc_frac=scenario.costs.battery_min_soc_frac,
        sizes=SizeBounds() if business_as_usual else size_bounds(scenario, site),
        unit_costs=unit_costs(scenario),
        step_h=float(profile.attrs["step_minutes"]) / 60.0,
    )
    return problem, choice


def _renewable_used(p: YearProblem, x: np.ndarray, lay: Layout, it_kw: np.ndarray) -> np.ndarray:
    """PV and wind power used: the ren column, or (free disposal) what the balance needs of it. [kW]

    ren_t = f_t IT_t + ch_t + exp_t - imp_t - dis_t, within [0, available_t].
    """
    T = p.steps
    if "ren" in lay.slices or not p.has_renewables:
        return _family(x, lay, "ren", T)
    available = p.pv_kw_per_kw * x[lay.slices["S_pv"]][0] + p.wind_kw_per_kw * x[lay.slices["S_w"]][0]
    needed = (
        p.facility_kw_per_it_kw * it_kw
        + _family(x, lay, "ch", T)
        + _family(x, lay, "exp", T)
        - _family(x, lay, "imp", T)
        - _family(x, lay, "dis", T)
    )
    return np.clip(needed, 0.0, available)
