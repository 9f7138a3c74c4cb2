"""Cooling-plant physics: electric kW of the cooling plant per kW of IT load, per setpoint level.

For arrays of outdoor dry-bulb and wet-bulb temperature and each allowed supply-air setpoint,
:func:`cooling_coefficients` returns the plant's electric kW per kW of nominal IT load and its
operating mode (free, partial, mechanical), whatever the plant type (docs/sites.md, "Cooling
model"; sources in docs/sources.md, "Cooling"). The pieces, each a small pure function:

* IT fan uplift: server fans speed up above an inlet-temperature knee, so the IT draws
  ``1 + uplift`` kW per kW of nominal load, all of which is heat to remove (ASHRAE TC9.9 2021).
  Under direct liquid cooling only the air-cooled share of the server has fans that respond.
* Economiser: a water-side economiser (cooling tower + plate heat exchanger) can deliver water at
  ``wet-bulb + tower approach + HX approach``; a dry cooler at ``dry-bulb + dry-cooler approach +
  HX approach``. Below the coolant supply temperature it carries the whole load (free); between
  supply and return it pre-cools the return and the compressors trim the rest (partial); above the
  return temperature the compressors do everything (mechanical). ASHRAE Handbook - HVAC
  Applications (2019) ch. 20 (data centres), Stein (2009) "Waterside economizing in data centers".
* Compressors: DOE-2 / EnergyPlus ``Chiller:Electric:EIR`` and ``Coil:Cooling:DX``:
  ``P = Q * EIRFT(x, y) * EIRFPLR(PLR) / (COP * PLR)``, each curve normalised to 1 at its rating
  point so ``COP`` is the rated COP (AHRI 550/590 for chillers). ``x`` is the leaving chilled-water
  temperature (the entering wet-bulb at the coil for DX units), ``y`` the entering condenser water
  (water-cooled: wet-bulb + condenser approach) or the outdoor dry-bulb (air-cooled, DX). Capacity
  is assumed sufficient (CAPFT = 1), the part-load ratio fixed at the plant's ``chiller_plr``.
* Direct liquid cooling: a share of the IT heat leaves through cold plates in warm facility water,
  cooled by dry coolers at ``dry-bulb + liquid approach`` and trimmed by the chillers only when that
  is warmer than the supply; the rest of the heat goes through the air plant above.
* Pumps and air-handler fans per kW of heat removed; tower (or dry-cooler) fans per kW of heat
  rejected, which for a water-cooled chiller includes its compressor work.

Outside a curve's fitted range the curve is not extrapolated as a polynomial (its cross term gives
nonsense there). Coolant warmer (colder) than the curve's range saves (costs) 2.5 % of compressor
energy per K, the rule of thumb of "2-3 % per deg C" (docs/sources.md), bounded to 0.5-1.5;
condenser temperatures below the range are clamped (head-pressure control keeps the condenser
there) and above it the curve continues along its tangent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from greendc.sites.chillers import CURVES, ChillerCurve
from greendc.sites.model import Climate, CoolingPlant, Site
from greendc.weather.psychrometrics import (
    dew_point_c,
    pressure_from_altitude_pa,
    relative_humidity_pct,
    wet_bulb_c,
)

FloatArray = npt.NDArray[np.float64]

#: Compressor energy saved per K of warmer coolant beyond a curve's range (2-3 %/K, docs/sources.md) [1/K].
LIFT_SAVING_PER_K = 0.025
#: Largest saving (or penalty) the lift rule may apply [-].
LIFT_FACTOR_BOUNDS = (0.5, 1.5)
#: Above this inlet server fans speed up twice as fast (ASHRAE TC9.9 2021: "faster above 30") [deg C].
FAN_STEEP_ABOVE_C = 30.0
#: Air pressure in the hall for the DX coil's entering wet-bulb (standard sea level) [Pa].
HALL_PRESSURE_PA = 101325.0

#: Cooling modes: economiser carries all, part or none of the heat.
FREE, PARTIAL, MECHANICAL = 0, 1, 2


@dataclass(frozen=True)
class CoolingCoefficients:
    """The cooling plant at each time step and setpoint level."""

    kw_per_kw: FloatArray
    """Shape (n, k): cooling-plant electric kW per kW of nominal IT (fan-uplift heat included). [kW/kW]"""
    mode: npt.NDArray[np.int8]
    """Shape (n, k): 0 free cooling, 1 partial (economiser + compressors), 2 mechanical. [-]"""
    it_fan_uplift: FloatArray
    """Shape (k,): extra server-fan kW per kW of nominal IT load at each setpoint. [-]"""
    economiser_frac: FloatArray
    """Shape (n, k): share of the heat removed without compressors (economiser, liquid dry coolers). [-]"""
    tower_heat_kw_per_kw: FloatArray
    """Shape (n, k): heat rejected through a wet cooling tower per kW of nominal IT (water use). [kW/kW]"""


def biquadratic(coeffs: tuple[float, ...], x: npt.ArrayLike, y: npt.ArrayLike) -> FloatArray:
    """c1 + c2 x + c3 x^2 + c4 y + c5 y^2 + c6 x y (DOE-2 biquadratic curve form). [-]"""
    c1, c2, c3, c4, c5, c6 = coeffs
    x_a, y_a = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return np.asarray(c1 + c2 * x_a + c3 * x_a**2 + c4 * y_a + c5 * y_a**2 + c6 * x_a * y_a, dtype=float)


def eir_temperature_factor(curve: ChillerCurve, chw_leaving_c: npt.ArrayLike,
                           condenser_c: npt.ArrayLike) -> FloatArray:
    """EIRFT over its value at the rating point, sensible outside the fitted range (module docstring). [-]

    Inside the range: the DOE-2 biquadratic. x outside: evaluated at the range edge, times
    ``1 - 0.025 (x - x_edge)`` bounded to [0.5, 1.5]. y below: clamped. y above: tangent at the edge.
    The curve value is floored at 0.05 so no input can make the compressor free or negative.
    """
    x = np.asarray(chw_leaving_c, dtype=float)
    y = np.asarray(condenser_c, dtype=float)
    x_in = np.clip(x, *curve.x_range_c)
    y_in = np.clip(y, *curve.y_range_c)
    value = biquadratic(curve.eirft, x_in, y_in)
    _, _, _, c4, c5, c6 = curve.eirft
    slope_y = c4 + 2 * c5 * y_in + c6 * x_in  # dEIRFT/dy at the edge
    value = value + slope_y * np.maximum(y - curve.y_range_c[1], 0.0)
    lift_factor = np.clip(1.0 - LIFT_SAVING_PER_K * (x - x_in), *LIFT_FACTOR_BOUNDS)
    rated = float(biquadratic(curve.eirft, *curve.rating_c))
    return np.asarray(np.maximum(value, 0.05) * lift_factor / rated, dtype=float)


def eir_part_load_factor(curve: ChillerCurve, plr: float) -> float:
    """EIRFPLR(PLR) = d1 + d2 PLR + d3 PLR^2 over its value at full load (DOE-2). [-]"""
    d1, d2, d3 = curve.eirfplr
    return (d1 + d2 * plr + d3 * plr**2) / (d1 + d2 + d3)


def chiller_kw_per_kw(curve: ChillerCurve, cop_ref: float, plr: float, chw_leaving_c: npt.ArrayLike,
                      condenser_c: npt.ArrayLike) -> FloatArray:
    """Compressor electric kW per kW of cooling load, EIRFT * EIRFPLR / (COP * PLR). [kW/kW]

    EnergyPlus Engineering Reference, Chiller:Electric:EIR, with CAPFT = 1; ``1 / cop_ref`` at the
    curve's rating point and full load.
    """
    return eir_temperature_factor(curve, chw_leaving_c, condenser_c) * (
        eir_part_load_factor(curve, plr) / (cop_ref * plr))


def it_fan_uplift(setpoint_c: npt.ArrayLike, per_c: float, knee_c: float) -> FloatArray:
    """Extra server-fan power per kW of nominal IT load at an inlet temperature. [-]

    ``per_c * (max(0, T - knee) + max(0, T - 30))``: about 0.35-0.5 %/K from 23 to 30 deg C and twice
    that above 30 (ASHRAE TC9.9 2021 Thermal Guidelines, server power vs inlet temperature).
    """
    t = np.asarray(setpoint_c, dtype=float)
    return per_c * (np.maximum(t - knee_c, 0.0) + np.maximum(t - FAN_STEEP_ABOVE_C, 0.0))


def economiser_supply_c(temp_air_c: npt.ArrayLike, temp_wet_bulb_c: npt.ArrayLike,
                        plant: CoolingPlant) -> FloatArray:
    """Coldest water the economiser can deliver to the chilled-water loop; +inf without one. [deg C]

    Water-side: wet-bulb + tower approach + HX approach; dry cooler: dry-bulb + its approach + HX
    approach (ASHRAE Handbook - HVAC Applications 2019, ch. 20).
    """
    dry = np.asarray(temp_air_c, dtype=float)
    wet = np.asarray(temp_wet_bulb_c, dtype=float)
    if plant.economiser == "water_side":
        return wet + plant.tower_approach_c + plant.hx_approach_c
    if plant.economiser == "dry_cooler":
        return dry + plant.dry_cooler_approach_c + plant.hx_approach_c
    return np.full(np.broadcast(dry, wet).shape, np.inf)


def economiser_fraction(supply_c: npt.ArrayLike, chw_supply_c: npt.ArrayLike,
                        chw_range_c: float) -> FloatArray:
    """Share of the heat the economiser removes by pre-cooling the coolant return. [-]

    1 when it reaches the supply temperature, 0 when it is no colder than the return
    (supply + range), linear in between (series pre-cooling heat exchanger).
    """
    chw_return_c = np.asarray(chw_supply_c, dtype=float) + chw_range_c
    frac = (chw_return_c - np.asarray(supply_c, dtype=float)) / chw_range_c
    return np.asarray(np.clip(frac, 0.0, 1.0), dtype=float)


def compressor_type(plant: CoolingPlant) -> str:
    """The plant whose compressors and curve do the mechanical cooling ('air_plant' under DLC). [-]"""
    return plant.air_plant if plant.plant == "direct_liquid" else plant.plant


def condenser_temperature_c(temp_air_c: npt.ArrayLike, temp_wet_bulb_c: npt.ArrayLike,
                            plant: CoolingPlant) -> FloatArray:
    """The curve's y: entering condenser water (wet-bulb + approach) or outdoor dry-bulb. [deg C]"""
    if compressor_type(plant) == "water_cooled_chiller":
        return np.asarray(temp_wet_bulb_c, dtype=float) + plant.condenser_approach_c
    return np.asarray(temp_air_c, dtype=float)


def coil_entering_wet_bulb_c(return_air_c: npt.ArrayLike, room_dew_point_c: float) -> FloatArray:
    """Wet-bulb of the hall air entering a DX coil, from its dry-bulb and the hall's dew point. [deg C]

    ASHRAE Handbook - Fundamentals 2017 ch. 1 psychrometrics at standard sea-level pressure.
    """
    dry = np.asarray(return_air_c, dtype=float)
    return wet_bulb_c(dry, relative_humidity_pct(dry, room_dew_point_c), HALL_PRESSURE_PA)


def loop_kw_per_kw(free_frac: npt.ArrayLike, compressor_kw_per_kw: npt.ArrayLike, base_kw_per_kw: float,
                   fan_kw_per_kw: float, economiser_fans: bool, water_cooled: bool) -> FloatArray:
    """Electric kW per kW of heat through one loop: pumps and fans, compressors, heat-rejection fans.

    ``base + (1 - f) e + fan * R`` with ``R`` the heat rejected through towers or dry coolers: ``f``
    if the free path has fans, plus ``(1 - f)(1 + e)`` if a water-cooled chiller sends its
    condenser heat (compressor work included) to the tower.
    """
    f = np.asarray(free_frac, dtype=float)
    e = np.asarray(compressor_kw_per_kw, dtype=float)
    rejected = (f if economiser_fans else 0.0) + ((1.0 - f) * (1.0 + e) if water_cooled else 0.0)
    return np.asarray(base_kw_per_kw + (1.0 - f) * e + fan_kw_per_kw * rejected, dtype=float)


def cooling_coefficients(temp_air_c: npt.ArrayLike, temp_wet_bulb_c: npt.ArrayLike,
                         plant: CoolingPlant) -> CoolingCoefficients:
    """Cooling-plant electric kW per kW of nominal IT load and mode, for each step and setpoint level.

    Per kW of nominal IT the heat is ``q = 1 + (1 - phi) uplift``, ``phi`` the liquid share (0 but
    under direct liquid cooling). The air share ``q - phi`` goes through the air loop (economiser
    share ``f``, compressors ``e``), the liquid share through dry coolers (free share ``f_l``) and
    chiller trim ``e_l``: ``c = (q - phi) air_loop + phi liquid_loop`` (:func:`loop_kw_per_kw`).
    """
    dry = np.atleast_1d(np.asarray(temp_air_c, dtype=float))[:, None]
    wet = np.atleast_1d(np.asarray(temp_wet_bulb_c, dtype=float))[:, None]
    levels_c = np.asarray(plant.setpoint_levels_c, dtype=float)
    liquid = plant.liquid_fraction if plant.plant == "direct_liquid" else 0.0
    uplift = (1.0 - liquid) * it_fan_uplift(levels_c, plant.it_fan_uplift_per_c, plant.it_fan_knee_c)
    heat = 1.0 + uplift[None, :]
    air_heat = heat - liquid
    frac, air_e, air_loop = _air_loop(dry, wet, plant, levels_c)
    liquid_frac, liquid_e, liquid_loop = _liquid_loop(dry, wet, plant)
    kw_per_kw = air_heat * air_loop + liquid * liquid_loop
    free = frac + liquid * (liquid_frac - frac) / heat  # (air_heat f + phi f_l) / q; exactly f if phi = 0
    water_cooled = compressor_type(plant) == "water_cooled_chiller"
    wet_economiser = plant.economiser == "water_side"
    tower = (air_heat * (wet_economiser * frac + water_cooled * (1.0 - frac) * (1.0 + air_e))
             + liquid * water_cooled * (1.0 - liquid_frac) * (1.0 + liquid_e))
    mode = np.where(free >= 1.0, FREE, np.where(free > 0.0, PARTIAL, MECHANICAL)).astype(np.int8)
    return CoolingCoefficients(kw_per_kw=kw_per_kw, mode=mode, it_fan_uplift=uplift, economiser_frac=free,
                               tower_heat_kw_per_kw=np.broadcast_to(tower, kw_per_kw.shape).copy())


def _air_loop(dry: FloatArray, wet: FloatArray, plant: CoolingPlant,
              levels_c: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Economiser share, compressor kW/kW and loop kW per kW of air-side heat, each (n, k)."""
    kind = compressor_type(plant)
    chw_supply_c = levels_c[None, :] - plant.chw_supply_offset_c
    frac = economiser_fraction(economiser_supply_c(dry, wet, plant), chw_supply_c, plant.chw_range_c)
    if kind == "dx_crac":
        coil_c = coil_entering_wet_bulb_c(levels_c + plant.return_air_rise_c, plant.room_dew_point_c)[None, :]
    else:
        coil_c = chw_supply_c
    e = chiller_kw_per_kw(CURVES[kind], plant.chiller_cop_ref, plant.chiller_plr, coil_c,
                          condenser_temperature_c(dry, wet, plant))
    loop = loop_kw_per_kw(frac, e, plant.air_fan_kw_per_kw + plant.pump_kw_per_kw, plant.tower_fan_kw_per_kw,
                          plant.economiser != "none", kind == "water_cooled_chiller")
    return frac, e, loop


def _liquid_loop(dry: FloatArray, wet: FloatArray,
                 plant: CoolingPlant) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Dry-cooler share, trim-chiller kW/kW and loop kW per kW of liquid heat, each (n, 1).

    Dry coolers deliver ``dry-bulb + liquid_approach_c``; the facility water must leave at
    ``liquid_supply_c`` and returns ``liquid_range_c`` warmer (ASHRAE TC9.9 liquid classes W32-W45).
    """
    kind = compressor_type(plant)
    frac = economiser_fraction(dry + plant.liquid_approach_c, plant.liquid_supply_c, plant.liquid_range_c)
    e = chiller_kw_per_kw(CURVES[kind], plant.chiller_cop_ref, plant.chiller_plr, plant.liquid_supply_c,
                          condenser_temperature_c(dry, wet, plant))
    loop = loop_kw_per_kw(frac, e, plant.liquid_pump_kw_per_kw, plant.liquid_fan_kw_per_kw, True,
                          kind == "water_cooled_chiller")
    return frac, e, loop


def facility_kw_per_kw(coeffs: CoolingCoefficients, electrical_loss_frac: float) -> FloatArray:
    """Facility power per kW of nominal IT load, (1 + uplift)(1 + loss) + cooling, shape (n, k). [kW/kW]"""
    it_actual = 1.0 + coeffs.it_fan_uplift[None, :]
    return it_actual * (1.0 + electrical_loss_frac) + coeffs.kw_per_kw


def hourly_pue(temp_air_c: npt.ArrayLike, temp_wet_bulb_c: npt.ArrayLike, plant: CoolingPlant,
               electrical_loss_frac: float, setpoint_c: float | None = None) -> FloatArray:
    """PUE at each step, at a fixed setpoint or (None) at the level that needs least facility power. [-]

    PUE = (IT (1 + uplift)(1 + loss) + cooling) / (IT (1 + uplift)) (The Green Grid, PUE: a
    comprehensive examination of the metric, 2012: total facility energy over IT equipment energy).
    """
    facility, it_actual = _facility_and_it(temp_air_c, temp_wet_bulb_c, plant, electrical_loss_frac,
                                           setpoint_c)
    return facility / it_actual


def annual_pue(temp_air_c: npt.ArrayLike, temp_wet_bulb_c: npt.ArrayLike, plant: CoolingPlant,
               electrical_loss_frac: float, setpoint_c: float | None = None,
               weights: npt.ArrayLike | None = None) -> float:
    """Energy-weighted PUE over the steps, for a constant nominal IT load. [-]

    Sum of facility energy over sum of IT energy; ``weights`` are step durations (default equal).
    """
    facility, it_actual = _facility_and_it(temp_air_c, temp_wet_bulb_c, plant, electrical_loss_frac,
                                           setpoint_c)
    w = np.ones(facility.shape[0]) if weights is None else np.asarray(weights, dtype=float).ravel()
    return float(np.sum(w * facility) / np.sum(w * it_actual))


def _facility_and_it(temp_air_c: npt.ArrayLike, temp_wet_bulb_c: npt.ArrayLike, plant: CoolingPlant,
                     electrical_loss_frac: float, setpoint_c: float | None) -> tuple[FloatArray, FloatArray]:
    """Facility and actual IT kW per kW of nominal IT at each step, at the chosen or best level."""
    coeffs = cooling_coefficients(temp_air_c, temp_wet_bulb_c, plant)
    facility = facility_kw_per_kw(coeffs, electrical_loss_frac)
    if setpoint_c is None:
        pick = np.argmin(facility, axis=1)
    else:
        pick = np.full(facility.shape[0], _level_index(plant, setpoint_c))
    rows = np.arange(facility.shape[0])
    return facility[rows, pick], 1.0 + coeffs.it_fan_uplift[pick]


def _level_index(plant: CoolingPlant, setpoint_c: float) -> int:
    """Index of a setpoint among the plant's levels; ValueError if it is not one of them."""
    levels = list(plant.setpoint_levels_c)
    if setpoint_c not in levels:
        raise ValueError(f"setpoint {setpoint_c} deg C is not one of the plant's levels {levels}")
    return levels.index(setpoint_c)


#: Days in each month of a non-leap year, the weights of the monthly-normals approximation [d].
DAYS_IN_MONTH = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=float)
#: Local hour of the daily temperature maximum in the diurnal cycle of the normals approximation [h].
HOUR_OF_MAX = 15.0


def diurnal_normals(climate: Climate, altitude_m: float) -> tuple[FloatArray, FloatArray]:
    """A representative day per month from monthly normals: (dry-bulb, wet-bulb), each (12, 24). [deg C]

    Dry-bulb is the monthly mean plus a cosine of half the mean daily range peaking at 15:00; the
    dew point stays at the one implied by the monthly mean temperature and humidity (vapour pressure
    roughly constant over a day), so relative humidity falls in the afternoon as observed.
    Wet-bulb from ASHRAE 2017 psychrometrics at the altitude's standard pressure.
    """
    hours = np.arange(24, dtype=float)
    mean = np.asarray(climate.temp_mean_c)[:, None]
    half_range = 0.5 * (np.asarray(climate.temp_max_c) - np.asarray(climate.temp_min_c))[:, None]
    dry = mean + half_range * np.cos(2 * np.pi * (hours[None, :] - HOUR_OF_MAX) / 24.0)
    rh_mean = np.asarray(climate.rh_pct, dtype=float)[:, None]
    dew = np.broadcast_to(dew_point_c(mean, rh_mean), dry.shape)
    rh = relative_humidity_pct(dry, dew)
    wet = wet_bulb_c(dry, rh, pressure_from_altitude_pa(altitude_m))
    return dry, wet


def pue_from_normals(site: Site, setpoint_c: float | None = None) -> tuple[float, FloatArray]:
    """Annual and monthly PUE of a site from its monthly climate normals (12 representative days). [-]

    An approximation until a synthetic hourly year is used: one cosine day per month, weighted by
    the days in the month; at a fixed setpoint or (None) the best level each hour.
    """
    dry, wet = diurnal_normals(site.climate, site.site.altitude_m)
    loss = site.it.electrical_loss_frac
    monthly = np.array([annual_pue(dry[m], wet[m], site.cooling, loss, setpoint_c) for m in range(12)])
    weights = np.repeat(DAYS_IN_MONTH, 24)
    annual = annual_pue(dry.ravel(), wet.ravel(), site.cooling, loss, setpoint_c, weights=weights)
    return annual, monthly
