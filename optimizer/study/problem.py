"""The year LP's inputs and outputs as plain data: what to solve (:class:`YearProblem`) and what came out.

REopt's three stages (Anderson et al., *REopt Lite technical manual*, NREL 2021): these are the
first and the last; ``greendc.optimizer.study.site_problem`` fills a problem from a site and a
scenario, ``greendc.optimizer.study.year_constraints`` states the model and
``greendc.optimizer.study.year_solve`` solves it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from greendc.optimizer.study.matrix import INF
from greendc.optimizer.study.sizing import HOURS_PER_YEAR

#: The size variables, in SizeBounds' order. [-]
SIZE_NAMES = ("pv_kw", "wind_kw", "battery_kwh", "battery_kw")


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
    min_green_share: float = 0.0
    """Least share of facility energy from renewables used on site (net of export) and green-power
    purchases. [-]"""
    storage_export: bool = False
    """The battery's energy may be exported (the site's ``[grid] storage_export``); False: only PV and
    wind, and no step exports where no PV and wind surplus is possible
    (year_constraints.export_source). [-]"""
    green_purchase_price_per_kwh: float = INF
    """Premium on imported energy bought as green power; INF when none can be bought. [currency/kWh]"""

    @property
    def steps(self) -> int:
        """Number of time steps. [-]"""
        return int(self.price_per_kwh.shape[0])

    @property
    def year_share(self) -> float:
        """The horizon as a share of a year, H / 8760: annual costs are charged pro rata. [-]"""
        return self.steps * self.step_h / HOURS_PER_YEAR

    @property
    def rigid_training_kw(self) -> float:
        """Training power that cannot move. [kW]"""
        return (1.0 - self.flexible_share) * self.training_kw

    @property
    def fixed_facility_kw(self) -> np.ndarray:
        """Facility power of the load that cannot move (firm IT, rigid training): the least it can be. [kW]"""
        return self.facility_kw_per_it_kw * (self.firm_it_kw + self.rigid_training_kw)

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
            and self.min_green_share == 0
            and bool(np.all(self.price_per_kwh + self.carbon_price_per_kg * self.carbon_kg_per_kwh >= 0))
        )

    @property
    def can_buy_green(self) -> bool:
        """True when green power may be bought toward the minimum green share. [-]"""
        return self.min_green_share > 0 and self.green_purchase_price_per_kwh < INF

    @property
    def has_flex(self) -> bool:
        """True when some training energy may move. [-]"""
        return self.flexible_share > 0 and self.training_kw > 0 and len(self.flex_windows_h) > 0

    def flex_window_steps(self, j: int) -> int:
        """Steps per window of class j: W_j / dt, at least 1 (the LP and the daily jobs share it). [-]"""
        return max(round(self.flex_windows_h[j] / self.step_h), 1)

    def available_kw(self, sizes: dict[str, float]) -> np.ndarray:
        """PV and wind output of these sizes before curtailment: pv_t S_pv + wind_t S_w. [kW]"""
        return self.pv_kw_per_kw * sizes["pv_kw"] + self.wind_kw_per_kw * sizes["wind_kw"]


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


@dataclass(frozen=True)
class MeterFix:
    """Steps whose meter direction the one-meter repair fixed (``year_solve.solve_year``): at an
    exporting step the site buys nothing it does not store, at an importing step it exports nothing."""

    exporting: np.ndarray
    """Per step: fixed to export only PV and wind surplus (and, with storage export, the battery). [bool]"""
    importing: np.ndarray
    """Per step: fixed to export nothing. [bool]"""

    @classmethod
    def free(cls, steps: int) -> MeterFix:
        """No step fixed: the LP's own relaxation of the one-meter rule."""
        return cls(np.zeros(steps, dtype=bool), np.zeros(steps, dtype=bool))

    def fixing(self, steps: np.ndarray, exporting: np.ndarray) -> MeterFix:
        """This fix with ``steps`` (bool) fixed as well, exporting where ``exporting`` else importing."""
        return MeterFix(self.exporting | (steps & exporting), self.importing | (steps & ~exporting))

    @property
    def any(self) -> bool:
        """True when some step's direction is fixed."""
        return bool(self.exporting.any() or self.importing.any())


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
    green_purchase_kwh: float = 0.0
    """Imported energy bought as green power over the horizon. [kWh]"""
    size_shadow_per_year: dict[str, float] = field(default_factory=dict)
    """Per size: what one more unit of its upper bound would save a year, net of its own cost (the
    bound's dual); 0 when the size is below its bound. [currency/unit/yr]"""
    lp_solves: int = 1
    """LPs solved: 1 when the first held the one-meter rule, 2 or 3 with the repair (year_solve). [-]"""
    meter_resold_kwh: float = 0.0
    """Energy the first LP sold beyond the surplus over the horizon, before the repair. [kWh]"""
    meter_bound: float = float("nan")
    """Objective of the first LP, which may resell through the meter: no plan that keeps the rule costs
    less, so objective - meter_bound bounds what the repair may have given away. [currency]"""


def fixed_sizes(sizes: dict[str, float]) -> SizeBounds:
    """Size bounds that fix every size at the given values (dispatch only)."""
    return SizeBounds(**{name: (sizes[name], sizes[name]) for name in SIZE_NAMES})
