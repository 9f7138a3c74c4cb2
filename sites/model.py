"""What a site is: location, IT fleet, cooling plant, PV, wind, battery, grid and climate.

Every model is a frozen pydantic model that forbids unknown keys; every field's docstring ends with
its unit in square brackets, as pvlib does. Types are strict (no ``true`` for a count, no ``"100"``
for a number) and every number is finite and bounded by what is physically plausible, so a typo
such as ``nodes = 9223372036854775807`` is refused here rather than sized into an array later.
Validation that spans fields (tariff coverage, setpoint levels inside the ASHRAE allowable range)
lives here too, so a site that loads is a site that works. The cooling plant (``sites/plant.py``),
the grid and its tariff (``sites/tariffs.py``) and the shared base with the plausibility caps
(``sites/schema.py``) are sections of their own.
"""

from __future__ import annotations

import zoneinfo

from greendc.sites.plant import CoolingPlant
from greendc.sites.schema import (
    AIR_TEMP_RANGE_C,
    MAX_BATTERY_KWH,
    MAX_NODE_KW,
    MAX_SITE_KW,
    Provenance,
    StrictModel,
)
from greendc.sites.tariffs import Grid
from pydantic import BaseModel, Field, ValidationInfo, field_validator


class Location(StrictModel):
    """Identity and position of the site."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    """Short id used on the command line and in folder names. [-]"""
    name: str
    """Human-readable name. [-]"""
    province: str = ""
    """Province or region. [-]"""
    hub: str = ""
    """National computing hub the site belongs to, if any. [-]"""
    climate: str = ""
    """Short climate label, e.g. 'cold semi-arid (BSk)'. [-]"""
    latitude: float = Field(ge=-90, le=90)
    """Latitude, north positive. [deg]"""
    longitude: float = Field(ge=-180, le=180)
    """Longitude, east positive. [deg]"""
    altitude_m: float = Field(ge=-500, le=9000)
    """Altitude above sea level. [m]"""
    timezone: str = "Asia/Shanghai"
    """IANA timezone of local clock time, used for tariffs and plan days. [-]"""
    currency: str = "CNY"
    """Currency of every price in the file. [-]"""
    pue_target: float | None = Field(default=None, ge=1.0, le=3.0)
    """Policy PUE target for the site, if one applies. [-]"""

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {value!r}; use an IANA name such as 'Asia/Shanghai'") from exc
        return value


class ITFleet(StrictModel):
    """The IT load: GPU nodes for training and a firm inference / storage load."""

    nodes: int = Field(gt=0, le=100_000)
    """GPU nodes available to training batches. [-]"""
    gpus_per_node: int = Field(default=8, gt=0, le=72)
    """GPUs per node. [-]"""
    node_busy_kw: float = Field(gt=0, le=MAX_NODE_KW)
    """Electric power of one node running training. [kW]"""
    node_idle_kw: float = Field(ge=0, le=MAX_NODE_KW)
    """Electric power of one idle node. [kW]"""
    firm_load_kw: float = Field(ge=0, le=MAX_SITE_KW)
    """Always-on IT load (inference, storage, network), served at every step. [kW]"""
    firm_load_profile: list[float] = Field(default_factory=lambda: [1.0] * 24, min_length=24, max_length=24)
    """Hourly multiplier of the firm load by local hour 0..23 (mean about 1). [-]"""
    electrical_loss_frac: float = Field(default=0.04, ge=0, le=0.3)
    """UPS, transformer and lighting losses as a share of IT power: 0.04 by default (a new build's
    high-efficiency UPS and distribution), about 0.09 in a legacy hall (docs/sources.md, "Cooling"). [-]"""
    late_penalty_per_node_h: float | None = Field(default=None, ge=0, le=100_000)
    """What an hour's delay of one node's work past its deadline costs, in the site's currency; none:
    the rental value of a node-hour, gpus_per_node x ``greendc.optimizer.accounting.GPU_HOUR_VALUE``
    of the currency (docs/sources.md, "Value of a node-hour"). [currency/node-h]"""
    min_run_h: float = Field(default=0.5, ge=0, le=24)
    """Shortest run of a preemptible job between pauses (a job shorter than this runs whole); runs
    start and end on the plan's step boundaries (docs/model.md, "Executable runs"). [h]"""
    checkpoint_overhead_h: float = Field(default=0.05, ge=0, le=24)
    """Default run time a preemptible job loses restoring its checkpoint at each resume (3 min; the
    plan's ``--checkpoint-h`` overrides it; Daly 2006, FGCS 22:303). [h]"""

    @field_validator("node_idle_kw")
    @classmethod
    def _idle_below_busy(cls, idle_kw: float, info: ValidationInfo) -> float:
        busy_kw = info.data.get("node_busy_kw")
        if busy_kw is not None and idle_kw > busy_kw:
            raise ValueError(f"must not exceed node_busy_kw ({busy_kw:g} kW)")
        return idle_kw

    @field_validator("firm_load_profile")
    @classmethod
    def _profile_range(cls, profile: list[float]) -> list[float]:
        return _check_items(profile, 0.0, 5.0, "", label="hour", first=0)

    @property
    def max_it_kw(self) -> float:
        """Nameplate IT power: every node busy plus the firm load at its highest hour. [kW]"""
        return self.nodes * self.node_busy_kw + self.firm_load_kw * max(self.firm_load_profile)


class SizingLimits(StrictModel):
    """The largest PV, wind and battery the site can take (land, roof, permits, grid), for sizing.

    ``greendc compare`` sizes within the tighter of these and the scenario's limits; absent means
    only the scenario limits apply.
    """

    pv_max_kw: float | None = Field(default=None, ge=0, le=MAX_SITE_KW)
    """Largest PV array the site's land or roofs hold. [kWp]"""
    wind_max_kw: float | None = Field(default=None, ge=0, le=MAX_SITE_KW)
    """Largest wind farm the site's land and permits allow. [kW]"""
    battery_max_kwh: float | None = Field(default=None, ge=0, le=MAX_BATTERY_KWH)
    """Largest battery energy the site has room for. [kWh]"""
    battery_max_kw: float | None = Field(default=None, ge=0, le=MAX_SITE_KW)
    """Largest battery power the site's connection takes. [kW]"""


class PV(StrictModel):
    """An optional photovoltaic array."""

    kwp: float = Field(ge=0, le=MAX_SITE_KW)
    """DC nameplate capacity. [kWp]"""
    tilt_deg: float = Field(default=30.0, ge=0, le=90)
    """Module tilt from horizontal. [deg]"""
    azimuth_deg: float = Field(default=180.0, ge=0, lt=360)
    """Module azimuth, clockwise from north (180 = south). [deg]"""
    losses_pct: float = Field(default=14.0, ge=0, lt=100)
    """System losses (soiling, wiring, mismatch, availability), PVWatts convention. [%]"""
    gamma_pdc_per_c: float = Field(default=-0.0035, ge=-0.01, le=0)
    """Power temperature coefficient. [1/K]"""
    inverter_efficiency: float = Field(default=0.97, gt=0.5, le=1)
    """Nominal inverter efficiency. [-]"""
    dc_ac_ratio: float = Field(default=1.2, ge=1, le=2)
    """DC nameplate over inverter AC rating. [-]"""


class Wind(StrictModel):
    """An optional wind farm."""

    turbine_type: str = "E-82/2350"
    """Turbine type from windpowerlib's shipped OEDB power curves. [-]"""
    hub_height_m: float = Field(default=100.0, gt=10, le=250)
    """Hub height. [m]"""
    count: int = Field(ge=0, le=2000)
    """Number of turbines. [-]"""
    availability: float = Field(default=0.95, gt=0, le=1)
    """Technical availability times wake and electrical efficiency. [-]"""
    roughness_length_m: float = Field(default=0.1, gt=0, le=3)
    """Surface roughness length for the logarithmic wind profile. [m]"""
    resource_mean_speed_ms: float | None = Field(default=None, gt=0, le=20)
    """Annual mean wind speed at the farm at resource_height_m (e.g. from a wind atlas); rescales the
    synthetic year's station wind, never a weather file's; none uses the climate normals as is. [m/s]"""
    resource_height_m: float = Field(default=100.0, gt=0, le=250)
    """Height of resource_mean_speed_ms above ground. [m]"""


class Battery(StrictModel):
    """An optional battery."""

    energy_kwh: float = Field(ge=0, le=MAX_BATTERY_KWH)
    """Usable energy capacity. [kWh]"""
    power_kw: float = Field(ge=0, le=MAX_SITE_KW)
    """Charge and discharge power limit. [kW]"""
    charge_efficiency: float = Field(default=0.95, gt=0, le=1)
    """Share of grid-side charging energy stored. [-]"""
    discharge_efficiency: float = Field(default=0.95, gt=0, le=1)
    """Share of stored energy delivered on discharge. [-]"""
    initial_soc_frac: float = Field(default=0.5, ge=0, le=1)
    """State of charge at the start of a plan, as a share of capacity. [-]"""
    min_soc_frac: float = Field(default=0.05, ge=0, le=1)
    """Lowest allowed state of charge as a share of capacity. [-]"""

    @field_validator("min_soc_frac")
    @classmethod
    def _soc_order(cls, min_frac: float, info: ValidationInfo) -> float:
        initial = info.data.get("initial_soc_frac")
        if initial is not None and initial < min_frac:
            raise ValueError(f"must not exceed initial_soc_frac ({initial:g})")
        return min_frac


class Climate(StrictModel):
    """Monthly climate normals (January..December) for the synthetic typical year."""

    temp_mean_c: list[float] = Field(min_length=12, max_length=12)
    """Monthly mean air temperature. [deg C]"""
    temp_max_c: list[float] = Field(min_length=12, max_length=12)
    """Monthly mean of daily maximum temperature. [deg C]"""
    temp_min_c: list[float] = Field(min_length=12, max_length=12)
    """Monthly mean of daily minimum temperature. [deg C]"""
    rh_pct: list[float] = Field(min_length=12, max_length=12)
    """Monthly mean relative humidity. [%]"""
    sunshine_h: list[float] = Field(min_length=12, max_length=12)
    """Monthly sunshine duration. [h]"""
    wind_speed_ms: list[float] = Field(min_length=12, max_length=12)
    """Monthly mean wind speed at wind_height_m. [m/s]"""
    wind_height_m: float = Field(default=10.0, gt=0, le=250)
    """Height of the wind-speed normals. [m]"""
    weibull_k: float = Field(default=2.0, gt=0.5, le=5)
    """Weibull shape of hourly wind speed. [-]"""
    temp_daily_sd_c: list[float] | None = Field(default=None, min_length=12, max_length=12)
    """Monthly standard deviation of daily mean temperature (day-to-day weather) for the synthetic
    year; none uses greendc.weather.synthetic.daily_temp_sd_c, the generator's default. [K]"""

    ghi_kwh_m2: list[float] | None = Field(default=None, min_length=12, max_length=12)
    """Monthly global horizontal irradiation from a measured or published normal (a radiation station,
    PVGIS, NASA POWER); none derives it from sunshine_h by the sunshine model. [kWh/m2]"""

    @field_validator("temp_daily_sd_c")
    @classmethod
    def _daily_sd_range(cls, values: list[float] | None) -> list[float] | None:
        return None if values is None else _check_items(values, 0.0, 15.0, "K", label="month", first=1)

    @field_validator("ghi_kwh_m2")
    @classmethod
    def _irradiation_range(cls, values: list[float] | None) -> list[float] | None:
        return None if values is None else _check_items(values, 0.0, 350.0, "kWh/m2", label="month", first=1)

    @field_validator("temp_mean_c", "temp_max_c", "temp_min_c")
    @classmethod
    def _plausible_air_temperature(cls, values: list[float]) -> list[float]:
        return _check_months(values, *AIR_TEMP_RANGE_C, "deg C")

    @field_validator("temp_min_c")
    @classmethod
    def _ordered(cls, temp_min_c: list[float], info: ValidationInfo) -> list[float]:
        means, maxima = info.data.get("temp_mean_c"), info.data.get("temp_max_c")
        if means is None or maxima is None:
            return temp_min_c
        for m, (low, mean, high) in enumerate(zip(temp_min_c, means, maxima, strict=True)):
            if not low <= mean <= high:
                raise ValueError(f"month {m + 1}: need temp_min_c <= temp_mean_c <= temp_max_c, "
                                 f"got {low:g} / {mean:g} / {high:g}")
        return temp_min_c

    @field_validator("rh_pct")
    @classmethod
    def _rh_range(cls, values: list[float]) -> list[float]:
        return _check_months(values, 0.0, 100.0, "%", low_open=True)

    @field_validator("sunshine_h")
    @classmethod
    def _sunshine_range(cls, values: list[float]) -> list[float]:
        return _check_months(values, 0.0, 450.0, "h")

    @field_validator("wind_speed_ms")
    @classmethod
    def _wind_range(cls, values: list[float]) -> list[float]:
        return _check_months(values, 0.0, 40.0, "m/s")


def _check_months(values: list[float], low: float, high: float, unit: str,
                  low_open: bool = False) -> list[float]:
    """Raise naming the first month whose value lies outside [low, high] (or (low, high])."""
    return _check_items(values, low, high, unit, low_open=low_open, label="month", first=1)


def _check_items(values: list[float], low: float, high: float, unit: str, *, label: str, first: int,
                 low_open: bool = False) -> list[float]:
    """Raise naming the first item (``label`` counted from ``first``) outside [low, high] (or (low, high])."""
    for i, value in enumerate(values):
        if value > high or value < low or (low_open and value == low):
            bracket = "(" if low_open else "["
            shown = f"{value:g} {unit}".strip()
            raise ValueError(f"{label} {i + first}: {shown} is outside {bracket}{low:g}, {high:g}]")
    return values


class Site(StrictModel):
    """A data-centre site: everything greendc needs to plan it or simulate a year of it."""

    site: Location
    """Identity and position. [-]"""
    it: ITFleet
    """IT fleet. [-]"""
    cooling: CoolingPlant
    """Cooling plant. [-]"""
    grid: Grid
    """Grid connection, tariff and carbon. [-]"""
    climate: Climate
    """Monthly climate normals. [-]"""
    pv: PV | None = None
    """Optional PV array. [-]"""
    wind: Wind | None = None
    """Optional wind farm. [-]"""
    battery: Battery | None = None
    """Optional battery. [-]"""
    sizing: SizingLimits | None = None
    """Optional limits on what ``greendc compare`` may build here. [-]"""
    provenance: list[Provenance] = Field(default_factory=list)
    """Sources of the facts in this file. [-]"""

    @field_validator("provenance")
    @classmethod
    def _provenance_names_facts(cls, provenance: list[Provenance]) -> list[Provenance]:
        for entry in provenance:
            section, _, field = entry.fact.partition(".")
            model = SECTIONS.get(section)
            if model is None or (field and field not in model.model_fields):
                raise ValueError(f"fact {entry.fact!r} names no field of the site file; "
                                 f"use 'section.key' with a section among {', '.join(SECTIONS)}")
        return provenance

    @property
    def id(self) -> str:
        """The site id. [-]"""
        return self.site.id


#: The sections of a site file and the model of each (for provenance checks and error messages).
SECTIONS: dict[str, type[BaseModel]] = {
    "site": Location, "it": ITFleet, "cooling": CoolingPlant, "grid": Grid, "climate": Climate,
    "pv": PV, "wind": Wind, "battery": Battery, "sizing": SizingLimits,
}
