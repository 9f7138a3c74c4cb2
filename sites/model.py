"""What a site is: location, IT fleet, cooling plant, PV, wind, battery, grid and climate.

Every model is a frozen pydantic model that forbids unknown keys; every field's docstring ends with
its unit in square brackets, as pvlib does. Types are strict (no ``true`` for a count, no ``"100"``
for a number) and every number is finite and bounded by what is physically plausible, so a typo
such as ``nodes = 9223372036854775807`` is refused here rather than sized into an array later.
Validation that spans fields (tariff coverage, setpoint levels inside the ASHRAE allowable range)
lives here too, so a site that loads is a site that works.
"""

from __future__ import annotations

import itertools
import zoneinfo
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

#: ASHRAE TC9.9 (2021) allowable server inlet ranges by equipment class [deg C].
ASHRAE_ALLOWABLE_C: dict[str, tuple[float, float]] = {
    "A1": (15.0, 32.0),
    "A2": (10.0, 35.0),
    "A3": (5.0, 40.0),
    "A4": (5.0, 45.0),
}
#: ASHRAE TC9.9 (2021) recommended inlet range for classes A1-A4 [deg C].
ASHRAE_RECOMMENDED_C = (18.0, 27.0)

Status = Literal["measured", "published", "estimate", "stand-in", "illustrative", "default"]


#: Plausibility caps shared by several fields (a whole campus, not a single machine).
MAX_SITE_KW = 5_000_000.0  # 5 GW: above the largest announced AI campuses' grid connections
MAX_NODE_KW = 200.0  # a GB200 NVL72 rack, the densest 'node', draws about 132 kW
MAX_BATTERY_KWH = 20_000_000.0  # 20 GWh: above the largest battery plants built
#: Plausible outdoor air temperatures (world records about -89 and +57 deg C) [deg C].
AIR_TEMP_RANGE_C = (-90.0, 65.0)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True, strict=True,
                              allow_inf_nan=False)


class Provenance(_Model):
    """Where one fact in the site file comes from, and how much to trust it."""

    fact: str
    """Dotted path of the fact in the site file, e.g. ``climate.temp_mean_c``. [-]"""
    source: str
    """Citation: publisher, table or page, year. [-]"""
    status: Status = "published"
    """measured / published figure, or an estimate, a stand-in from another place, illustrative. [-]"""
    note: str = ""
    """Anything a user should know, e.g. how a stand-in differs from the site. [-]"""


class Location(_Model):
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


class ITFleet(_Model):
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


#: Cooling plant types a site file may name (docs/sites.md, "Cooling model").
PlantType = Literal["water_cooled_chiller", "air_cooled_chiller", "dx_crac", "direct_liquid"]
#: Chiller plants, which can also carry the air share of a direct-liquid-cooled hall.
ChillerType = Literal["water_cooled_chiller", "air_cooled_chiller"]
#: Each compressor type's usual free-cooling path, used when the site file names none.
DEFAULT_ECONOMISER: dict[str, str] = {
    "water_cooled_chiller": "water_side", "air_cooled_chiller": "dry_cooler", "dx_crac": "none"}
#: Rated compressor COP used when the site file gives none (docs/sources.md, "Cooling"): ASHRAE
#: 90.1-2010 Path A minima at AHRI 550/590 conditions for water-cooled centrifugal chillers of
#: 600 tons and more (0.570 kW/ton) and air-cooled chillers (9.562 EER); for DX computer-room units
#: the COP that, with 0.1 kW/kW of unit fans, meets 90.1-2010's sensible COP of about 2.1. [-]
DEFAULT_COP: dict[str, float] = {"water_cooled_chiller": 6.17, "air_cooled_chiller": 2.80, "dx_crac": 2.7}
#: Keys that describe one plant type only, and that type.
DX_KEYS = ("room_dew_point_c", "return_air_rise_c")
LIQUID_KEYS = ("air_plant", "liquid_fraction", "liquid_supply_c", "liquid_range_c", "liquid_approach_c",
               "liquid_pump_kw_per_kw", "liquid_fan_kw_per_kw")


class CoolingPlant(_Model):
    """The cooling plant: compressors, economiser, fans and pumps, and the supply-air setpoints it may use.

    ``plant`` names the type: a water-cooled chiller plant (the default), an air-cooled chiller plant,
    DX computer-room air conditioners (legacy halls) or warm-water direct liquid cooling whose air
    share goes through ``air_plant``. ``economiser`` and ``chiller_cop_ref`` default by type.
    """

    plant: PlantType = "water_cooled_chiller"
    """Plant type: 'water_cooled_chiller', 'air_cooled_chiller', 'dx_crac' or 'direct_liquid'. [-]"""
    air_plant: ChillerType = "water_cooled_chiller"
    """direct_liquid only: the chiller plant that removes the heat the liquid loop does not. [-]"""
    economiser: Literal["water_side", "dry_cooler", "none"] = "water_side"
    """Free-cooling path: 'water_side' (cooling tower + plate heat exchanger, limited by wet-bulb),
    'dry_cooler' (closed air-cooled coil, limited by dry-bulb) or 'none'; default by plant: water_side
    for water-cooled chillers, dry_cooler for air-cooled ones, none for DX units. [-]"""
    ashrae_class: Literal["A1", "A2", "A3", "A4"] = "A1"
    """ASHRAE TC9.9 equipment class that bounds the allowable inlet range. [-]"""
    setpoint_levels_c: list[float] = Field(default_factory=lambda: [18.0, 21.0, 24.0, 27.0], min_length=1,
                                           max_length=16)
    """Allowed supply-air (server inlet) setpoints, ascending, inside the class's allowable range. [deg C]"""
    baseline_setpoint_c: float | None = None
    """Today's fixed setpoint, used by the baseline; one of the levels; default the lowest level. [deg C]"""

    max_setpoint_change_c_per_h: float = Field(default=5.0, gt=0, le=20)
    """Largest setpoint change per hour (ASHRAE thermal guideline: 5 deg C/h). [deg C/h]"""
    chw_supply_offset_c: float = Field(default=8.0, ge=2, le=20)
    """Supply-air setpoint minus chilled-water (or economiser-coil fluid) supply temperature. [K]"""
    chw_range_c: float = Field(default=6.0, ge=1, le=20)
    """Chilled-water range: return minus supply temperature at design load. [K]"""
    tower_approach_c: float = Field(default=3.5, ge=0.5, le=10)
    """Cooling-tower approach: leaving water minus outdoor wet-bulb. [K]"""
    hx_approach_c: float = Field(default=1.5, ge=0.2, le=10)
    """Plate heat-exchanger approach of the economiser (water-side or dry-cooler loop). [K]"""
    dry_cooler_approach_c: float = Field(default=6.0, ge=1, le=20)
    """Dry-cooler approach: leaving fluid minus outdoor dry-bulb (economiser 'dry_cooler'). [K]"""
    condenser_approach_c: float = Field(default=5.0, ge=0.5, le=20)
    """Entering condenser water minus outdoor wet-bulb (water-cooled) for the chiller curve. [K]"""
    chiller_cop_ref: float = Field(default=6.17, gt=1, le=12)
    """Compressor COP at the curve's rating point: AHRI 550/590 for chillers (6.67 deg C leaving
    chilled water; 29.44 deg C entering condenser water or 35 deg C outdoor air), 26.7/19.4 deg C
    entering air and 35 deg C outdoor for DX units; default by plant (ASHRAE 90.1-2010 minima). [-]"""
    chiller_plr: float = Field(default=0.8, gt=0.1, le=1.0)
    """Typical chiller part-load ratio used with the EIR(PLR) curve. [-]"""
    pump_kw_per_kw: float = Field(default=0.03, ge=0, le=0.3)
    """Chilled- and condenser-water pump power per kW of heat removed. [kW/kW]"""
    tower_fan_kw_per_kw: float = Field(default=0.057, ge=0, le=0.3)
    """Cooling-tower (or dry-cooler) fan power per kW of heat rejected (about 0.2 kW/ton). [kW/kW]"""
    air_fan_kw_per_kw: float = Field(default=0.04, ge=0, le=0.3)
    """Computer-room air handler (or CRAC unit) fan power per kW of heat removed. [kW/kW]"""
    it_fan_uplift_per_c: float = Field(default=0.004, ge=0, le=0.05)
    """Server fan power rise per deg C of inlet above the knee (about 0.35-0.5 %/deg C). [1/K]"""
    it_fan_knee_c: float = Field(default=23.0, ge=10, le=35)
    """Inlet temperature above which server fans speed up. [deg C]"""
    water_l_per_kwh_rejected: float = Field(default=1.6, ge=0, le=5)
    """Tower evaporation and blow-down per kWh of heat rejected through the tower. [L/kWh]"""
    room_dew_point_c: float = Field(default=10.0, ge=-9, le=15)
    """dx_crac only: the hall's dew point, which sets the coil's entering wet-bulb. [deg C]"""
    return_air_rise_c: float = Field(default=10.0, ge=3, le=25)
    """dx_crac only: air returning to the unit minus the supply-air setpoint. [K]"""
    liquid_fraction: float = Field(default=0.75, ge=0, le=0.98)
    """direct_liquid only: share of the IT heat the cold plates take to the liquid loop. [-]"""
    liquid_supply_c: float = Field(default=35.0, ge=15, le=50)
    """direct_liquid only: facility-water supply temperature to the racks' CDUs (ASHRAE W32-W45). [deg C]"""
    liquid_range_c: float = Field(default=10.0, ge=2, le=20)
    """direct_liquid only: facility-water return minus supply temperature. [K]"""
    liquid_approach_c: float = Field(default=8.0, ge=1, le=25)
    """direct_liquid only: dry-cooler plus CDU approach, supply water minus outdoor dry-bulb. [K]"""
    liquid_pump_kw_per_kw: float = Field(default=0.015, ge=0, le=0.2)
    """direct_liquid only: facility-water and CDU pump power per kW of liquid heat. [kW/kW]"""
    liquid_fan_kw_per_kw: float = Field(default=0.02, ge=0, le=0.2)
    """direct_liquid only: dry-cooler fan power per kW of liquid heat rejected. [kW/kW]"""

    @model_validator(mode="before")
    @classmethod
    def _defaults_by_plant(cls, data: object) -> object:
        """Fill economiser and rated COP from the plant type when the file names none."""
        if not isinstance(data, dict):
            return data
        plant = data.get("plant", "water_cooled_chiller")
        compressor = data.get("air_plant", "water_cooled_chiller") if plant == "direct_liquid" else plant
        if compressor not in DEFAULT_COP:
            return data  # the Literal check reports the bad plant name
        filled = dict(data)
        filled.setdefault("economiser", DEFAULT_ECONOMISER[compressor])
        filled.setdefault("chiller_cop_ref", DEFAULT_COP[compressor])
        return filled

    @model_validator(mode="after")
    def _keys_fit_the_plant(self) -> CoolingPlant:
        """Refuse keys of another plant type set away from their defaults (a full dump stays valid),
        and a tower economiser on DX units (no water loop)."""
        foreign = [k for k in self.model_fields_set
                   if ((k in DX_KEYS and self.plant != "dx_crac")
                       or (k in LIQUID_KEYS and self.plant != "direct_liquid"))
                   and getattr(self, k) != CoolingPlant.model_fields[k].default]
        if foreign:
            owner = "dx_crac" if foreign[0] in DX_KEYS else "direct_liquid"
            raise ValueError(f"{foreign[0]} applies only to plant = '{owner}', not '{self.plant}'")
        if self.plant == "dx_crac" and self.economiser == "water_side":
            raise ValueError("a dx_crac plant has no chilled-water loop: economiser must be 'dry_cooler' "
                             "or 'none'")
        return self

    @field_validator("setpoint_levels_c")
    @classmethod
    def _levels_ascending_within_ashrae(cls, levels: list[float], info: ValidationInfo) -> list[float]:
        if any(b <= a for a, b in itertools.pairwise(levels)):
            raise ValueError("setpoint levels must be strictly ascending")
        ashrae_class = info.data.get("ashrae_class", "A1")
        low, high = ASHRAE_ALLOWABLE_C[ashrae_class]
        for level in levels:
            if not low <= level <= high:
                raise ValueError(f"{level:g} deg C is outside the ASHRAE {ashrae_class} "
                                 f"allowable range {low:g}-{high:g} deg C")
        return levels

    @field_validator("baseline_setpoint_c")
    @classmethod
    def _baseline_is_a_level(cls, value: float | None, info: ValidationInfo) -> float | None:
        levels = info.data.get("setpoint_levels_c")
        if value is not None and levels is not None and value not in levels:
            raise ValueError(f"must be one of setpoint_levels_c {levels}")
        return value

    @property
    def baseline_c(self) -> float:
        """The baseline's fixed setpoint. [deg C]"""
        return self.baseline_setpoint_c if self.baseline_setpoint_c is not None else self.setpoint_levels_c[0]


class SizingLimits(_Model):
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


class PV(_Model):
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


class Wind(_Model):
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


class Battery(_Model):
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


class TariffPeriod(_Model):
    """One time-of-use period: a price and the local clock-time windows it applies to."""

    name: str
    """Period name, e.g. peak, flat, valley, critical. [-]"""
    price_per_kwh: float = Field(ge=-5, le=20)
    """Energy price in this period. [currency/kWh]"""
    windows: list[str] = Field(min_length=1, max_length=96)
    """Local clock-time windows 'HH:MM-HH:MM' (end exclusive, 24:00 allowed), 15-minute aligned. [-]"""
    months: list[int] = Field(default_factory=lambda: list(range(1, 13)), max_length=12)
    """Months (1-12) in which the period applies. [-]"""

    @field_validator("windows")
    @classmethod
    def _parse_windows(cls, windows: list[str]) -> list[str]:
        for window in windows:
            parse_window(window)
        return windows

    @field_validator("months")
    @classmethod
    def _valid_months(cls, months: list[int]) -> list[int]:
        if not months or any(m < 1 or m > 12 for m in months):
            raise ValueError("months must be integers 1-12")
        return months


def parse_window(window: str) -> tuple[int, int]:
    """Minutes of day [start, end) of a 'HH:MM-HH:MM' window; raises ValueError otherwise."""
    try:
        start_s, end_s = window.split("-")
        start = _minutes(start_s)
        end = _minutes(end_s)
    except ValueError:
        raise ValueError(f"window {window!r} is not 'HH:MM-HH:MM' with 15-minute steps up to 24:00") from None
    if not 0 <= start < end <= 1440:
        raise ValueError(f"window {window!r} must start before it ends, within 00:00-24:00")
    return start, end


def _minutes(text: str) -> int:
    hours, minutes = text.strip().split(":")
    value = int(hours) * 60 + int(minutes)
    if int(minutes) % 15 or not 0 <= int(minutes) < 60:
        raise ValueError(text)
    return value


class Grid(_Model):
    """The grid connection: limits, tariff, demand charge, export and carbon."""

    import_limit_kw: float = Field(gt=0, le=MAX_SITE_KW)
    """Largest import from the grid. [kW]"""
    export_limit_kw: float = Field(default=0.0, ge=0, le=MAX_SITE_KW)
    """Largest export to the grid; 0 forbids export. [kW]"""
    export_price_per_kwh: float = Field(default=0.0, ge=-5, le=20)
    """Price paid for exported energy. [currency/kWh]"""
    demand_charge_per_kw_month: float = Field(default=0.0, ge=0, le=1000)
    """Capacity (demand) charge on the month's peak import. [currency/kW-month]"""
    storage_export: bool = False
    """Whether energy from the battery may be exported; False (the default): only the PV and wind
    surplus over the site's own load is exported, in the day plan and the year study alike. [-]"""
    carbon_price_per_t: float = Field(default=0.0, ge=0, le=10_000)
    """Default price on grid emissions in the plan's objective (``--carbon-price`` overrides it); the
    built-in Chinese sites use the national ETS price (docs/sources.md). [currency/tCO2]"""
    tariff_label: str = "illustrative"
    """What the tariff is: 'illustrative' for a built-in default, or the tariff's official name. [-]"""
    tariff: list[TariffPeriod] = Field(min_length=1, max_length=96)
    """Time-of-use periods; together they price every minute of every day exactly once. [-]"""
    emission_factor_kg_per_kwh: float = Field(ge=0, le=2)
    """Annual average grid emission factor. [kgCO2/kWh]"""
    emission_series_file: str | None = None
    """Optional CSV of hourly intensity (columns time, carbon_kg_per_kwh), relative to the site file. [-]"""
    emission_shape: Literal["flat", "solar_dip"] = "solar_dip"
    """Hourly shape applied to the annual factor when no series file is given (see docs/sites.md). [-]"""
    emission_dip_frac: float = Field(default=0.15, ge=0, lt=1)
    """Depth of the 'solar_dip' shape: intensity at solar noon is about this much below the
    night-time level before the daily mean is rescaled to the annual factor. [-]"""

    @field_validator("tariff")
    @classmethod
    def _tariff_covers_every_minute(cls, tariff: list[TariffPeriod]) -> list[TariffPeriod]:
        for month in range(1, 13):
            covered = [0] * (24 * 4)
            for period in tariff:
                if month not in period.months:
                    continue
                for window in period.windows:
                    start, end = parse_window(window)
                    for q in range(start // 15, end // 15):
                        covered[q] += 1
            for q, count in enumerate(covered):
                if count != 1:
                    when = f"{q // 4:02d}:{q % 4 * 15:02d}"
                    problem = "is not priced" if count == 0 else "is priced by more than one period"
                    raise ValueError(
                        f"{when} in month {month} {problem}; periods must cover 00:00-24:00 exactly once"
                    )
        return tariff


class Climate(_Model):
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

    @field_validator("temp_daily_sd_c")
    @classmethod
    def _daily_sd_range(cls, values: list[float] | None) -> list[float] | None:
        return None if values is None else _check_items(values, 0.0, 15.0, "K", label="month", first=1)

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


class Site(_Model):
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
