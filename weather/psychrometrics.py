"""Moist-air properties: saturation pressure, dew point, relative humidity, wet-bulb, site pressure.

The equations are those of ASHRAE Handbook - Fundamentals (2017), chapter 1, the same ones
psychrolib implements (Meyer and Thevenard 2019, JOSS 4(33) 1137), written here over numpy
arrays so a year of 15-minute steps takes milliseconds instead of psychrolib's scalar loop.
The tests check every function against psychrolib and against published table values.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

ArrayLike = npt.ArrayLike
FloatArray = npt.NDArray[np.float64]

#: Triple point of water; ASHRAE's saturation formula switches from ice to liquid here [deg C].
TRIPLE_POINT_C = 0.01
#: Ratio of molecular masses of water vapour and dry air (ASHRAE 2017 ch. 1 eq. 20) [-].
MOLAR_MASS_RATIO = 0.621945
#: Lowest humidity ratio used, as in psychrolib [kg/kg].
MIN_HUMIDITY_RATIO = 1e-7
_BISECTION_STEPS = 28  # halves a bracket of up to 100 K to below 1e-6 K


def saturation_vapour_pressure_pa(temp_c: ArrayLike) -> FloatArray:
    """Saturation vapour pressure over ice (T <= 0.01 C) or liquid water [Pa].

    ASHRAE Handbook - Fundamentals (2017) ch. 1 eq. 5 (ice) and 6 (water), Hyland and Wexler (1983).
    """
    t_c = np.asarray(temp_c, dtype=float)
    t_k = t_c + 273.15
    ln_ice = (
        -5.6745359e03 / t_k
        + 6.3925247
        - 9.677843e-03 * t_k
        + 6.2215701e-07 * t_k**2
        + 2.0747825e-09 * t_k**3
        - 9.484024e-13 * t_k**4
        + 4.1635019 * np.log(t_k)
    )
    ln_water = (
        -5.8002206e03 / t_k
        + 1.3914993
        - 4.8640239e-02 * t_k
        + 4.1764768e-05 * t_k**2
        - 1.4452093e-08 * t_k**3
        + 6.5459673 * np.log(t_k)
    )
    return np.exp(np.where(t_c <= TRIPLE_POINT_C, ln_ice, ln_water))


def _dln_saturation_dt(temp_c: FloatArray) -> FloatArray:
    """Derivative of ln(saturation pressure) with temperature, for Newton steps [1/K]."""
    t_k = temp_c + 273.15
    d_ice = (
        5.6745359e03 / t_k**2
        - 9.677843e-03
        + 2 * 6.2215701e-07 * t_k
        + 3 * 2.0747825e-09 * t_k**2
        - 4 * 9.484024e-13 * t_k**3
        + 4.1635019 / t_k
    )
    d_water = (
        5.8002206e03 / t_k**2
        - 4.8640239e-02
        + 2 * 4.1764768e-05 * t_k
        - 3 * 1.4452093e-08 * t_k**2
        + 6.5459673 / t_k
    )
    return np.where(temp_c <= TRIPLE_POINT_C, d_ice, d_water)


def dew_point_from_vapour_pressure_c(vapour_pressure_pa: ArrayLike) -> FloatArray:
    """Dew point: the temperature whose saturation pressure equals the vapour pressure [deg C].

    Newton iteration on ln(p_ws), as psychrolib does (ASHRAE 2017 ch. 1 eq. 5, 6 inverted).
    """
    ln_target = np.log(np.maximum(np.asarray(vapour_pressure_pa, dtype=float), 1e-3))
    dew_c = np.full_like(ln_target, 10.0)
    for _ in range(50):
        step = (np.log(saturation_vapour_pressure_pa(dew_c)) - ln_target) / _dln_saturation_dt(dew_c)
        dew_c = np.clip(dew_c - step, -100.0, 200.0)
        if np.all(np.abs(step) < 1e-7):
            break
    return dew_c


def dew_point_c(temp_air_c: ArrayLike, relative_humidity_pct: ArrayLike) -> FloatArray:
    """Dew point from dry-bulb and relative humidity, never above the dry-bulb [deg C]."""
    temp = np.asarray(temp_air_c, dtype=float)
    rh_frac = np.clip(np.asarray(relative_humidity_pct, dtype=float) / 100.0, 1e-4, 1.0)
    dew = dew_point_from_vapour_pressure_c(rh_frac * saturation_vapour_pressure_pa(temp))
    return np.minimum(dew, temp)


def relative_humidity_pct(temp_air_c: ArrayLike, temp_dew_c: ArrayLike) -> FloatArray:
    """Relative humidity from dry-bulb and dew point (ASHRAE 2017 ch. 1 eq. 22) [%]."""
    temp = np.asarray(temp_air_c, dtype=float)
    dew = np.minimum(np.asarray(temp_dew_c, dtype=float), temp)
    return 100.0 * saturation_vapour_pressure_pa(dew) / saturation_vapour_pressure_pa(temp)


def humidity_ratio(vapour_pressure_pa: ArrayLike, pressure_pa: ArrayLike) -> FloatArray:
    """Humidity ratio of moist air (ASHRAE 2017 ch. 1 eq. 20) [kg water / kg dry air]."""
    p_w = np.asarray(vapour_pressure_pa, dtype=float)
    ratio = MOLAR_MASS_RATIO * p_w / (np.asarray(pressure_pa, dtype=float) - p_w)
    return np.maximum(ratio, MIN_HUMIDITY_RATIO)


def _humidity_ratio_from_wet_bulb(
    temp_c: FloatArray, wet_bulb_c: FloatArray, pressure_pa: FloatArray
) -> FloatArray:
    """Humidity ratio that gives this wet-bulb (ASHRAE 2017 ch. 1 eq. 33 above, 35 below freezing)."""
    w_sat = humidity_ratio(saturation_vapour_pressure_pa(wet_bulb_c), pressure_pa)
    above = ((2501.0 - 2.326 * wet_bulb_c) * w_sat - 1.006 * (temp_c - wet_bulb_c)) / (
        2501.0 + 1.86 * temp_c - 4.186 * wet_bulb_c
    )
    below = ((2830.0 - 0.24 * wet_bulb_c) * w_sat - 1.006 * (temp_c - wet_bulb_c)) / (
        2830.0 + 1.86 * temp_c - 2.1 * wet_bulb_c
    )
    return np.maximum(np.where(wet_bulb_c >= 0.0, above, below), MIN_HUMIDITY_RATIO)


def wet_bulb_c(temp_air_c: ArrayLike, relative_humidity_pct: ArrayLike, pressure_pa: ArrayLike) -> FloatArray:
    """Thermodynamic wet-bulb temperature from dry-bulb, relative humidity and pressure [deg C].

    Bisection between the dew point and the dry-bulb on ASHRAE 2017 ch. 1 eq. 33/35, as psychrolib's
    GetTWetBulbFromRelHum does, for all elements at once.
    """
    temp, rh, pressure = np.broadcast_arrays(
        np.asarray(temp_air_c, dtype=float),
        np.asarray(relative_humidity_pct, dtype=float),
        np.asarray(pressure_pa, dtype=float),
    )
    rh_frac = np.clip(rh / 100.0, 0.0, 1.0)
    target = humidity_ratio(rh_frac * saturation_vapour_pressure_pa(temp), pressure)
    low = np.minimum(dew_point_c(temp, np.maximum(rh_frac, 1e-4) * 100.0), temp)
    high = temp.copy()
    for _ in range(_BISECTION_STEPS):
        mid = 0.5 * (low + high)
        too_wet = _humidity_ratio_from_wet_bulb(temp, mid, pressure) > target
        high = np.where(too_wet, mid, high)
        low = np.where(too_wet, low, mid)
    return 0.5 * (low + high)


def pressure_from_altitude_pa(altitude_m: ArrayLike) -> FloatArray:
    """Standard-atmosphere pressure at an altitude (ASHRAE 2017 ch. 1 eq. 3) [Pa]."""
    return 101325.0 * (1.0 - 2.25577e-5 * np.asarray(altitude_m, dtype=float)) ** 5.2559
