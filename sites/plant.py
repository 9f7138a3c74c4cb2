"""The cooling plant section of a site file: plant type, compressor, economiser, fans, pumps, setpoints.

The physics that uses it is ``greendc.sites.cooling``; sources in docs/sources.md ("Cooling").
"""

from __future__ import annotations

import itertools
from typing import Literal

from greendc.sites.schema import ASHRAE_ALLOWABLE_C, StrictModel
from pydantic import Field, ValidationInfo, field_validator, model_validator

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


class CoolingPlant(StrictModel):
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
