"""Irradiance for the synthetic year: each month's clear-sky index from a given monthly irradiation or
else from its relative sunshine (Yang et al.'s hybrid model) on pvlib's Ineichen-Perez clear sky, daily
and hourly cloudiness around it, and the Erbs split into DNI and DHI."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pvlib
from greendc.weather.dataset import WeatherWarning
from greendc.weather.series import FloatArray, IntArray, ar1
from scipy import stats

#: Cloud transmittance against relative sunshine, tau = c0 + c1 x + c2 x^2 (Yang, Koike and Ye 2006) [-].
YANG_TAU = (0.2505, 1.1468, -0.3974)
#: Lag-one autocorrelation of the daily clear-sky index [-].
CLOUD_DAILY_PHI = 0.45
#: Concentration of the Beta distribution of the daily clear-sky index (spread of sunny/dull days) [-].
CLOUD_CONCENTRATION = 1.5
#: Highest daily clear-sky index (a clear day) and highest monthly mean allowed [-].
KC_MAX = 1.0
KC_MONTH_MAX = 0.97


@dataclass(frozen=True)
class Sky:
    """A year's irradiance and the cloudiness behind it."""

    kc_day: FloatArray
    """Daily clear-sky index. [-]"""
    kc_month: FloatArray
    """Monthly clear-sky index (January..December). [-]"""
    ghi: FloatArray
    """Global horizontal irradiance per step. [W/m2]"""
    dni: FloatArray
    """Direct normal irradiance per step. [W/m2]"""
    dhi: FloatArray
    """Diffuse horizontal irradiance per step. [W/m2]"""


def day_length_h(latitude: float, day_of_year: FloatArray) -> FloatArray:
    """Astronomical day length N = 24/pi * omega_s (FAO-56 eq. 24, 25, 34) [h]."""
    declination = 0.409 * np.sin(2 * np.pi * day_of_year / 365.0 - 1.39)
    cos_ws = -np.tan(np.radians(latitude)) * np.tan(declination)
    return 24.0 / np.pi * np.arccos(np.clip(cos_ws, -1.0, 1.0))


def sunshine_transmittance(relative_sunshine: FloatArray) -> FloatArray:
    """Monthly cloud transmittance H/H_clear from relative sunshine S/S0 [-].

    Yang K., Koike T., Ye B. (2006), Agricultural and Forest Meteorology 137, 43-55 (the hybrid
    model, first in Yang, Huang and Tamai 2001, Solar Energy 70, 13-22): tau = 0.2505 +
    1.1468 x - 0.3974 x^2, validated on Chinese stations; 1 at full sunshine, so never above clear sky.
    """
    x = np.clip(relative_sunshine, 0.0, 1.0)
    return YANG_TAU[0] + YANG_TAU[1] * x + YANG_TAU[2] * x**2


def daily_clear_sky_index(kc_month: FloatArray, month_of_day: IntArray, cloud_unit: FloatArray) -> FloatArray:
    """Each day's clear-sky index: a unit Gaussian driver mapped to a Beta with the month's mean [-]."""
    mean = kc_month[month_of_day] / KC_MAX
    alpha, beta = mean * CLOUD_CONCENTRATION, (1.0 - mean) * CLOUD_CONCENTRATION
    return KC_MAX * stats.beta.ppf(stats.norm.cdf(cloud_unit), alpha, beta)


def hourly_clear_sky_index(
    rng: np.random.Generator, kc_day: FloatArray, day: IntArray, step_h: float
) -> FloatArray:
    """The step's clear-sky index: the day's with log-normal AR(1) noise, larger on broken-cloud days [-]."""
    noise = ar1(rng, len(day), 0.7**step_h) * 0.25 * (1.0 - kc_day[day])
    return np.clip(kc_day[day] * np.exp(noise - 0.5 * noise.var()), 0.02, 1.1)


def monthly_clear_sky_index(
    sunshine_h: Sequence[float], latitude: float, doy_day: FloatArray, month_of_day: IntArray
) -> FloatArray:
    """Each month's clear-sky index from its sunshine hours over the astronomical day length [-]."""
    possible_h = np.bincount(month_of_day, weights=day_length_h(latitude, doy_day), minlength=12)
    relative = np.asarray(sunshine_h, float) / np.maximum(possible_h, 1e-9)
    return np.clip(sunshine_transmittance(relative), 0.05, KC_MONTH_MAX)


def capped_to_monthly_target(
    ghi: FloatArray, clear_ghi: FloatArray, month_index: IntArray, target_sum: FloatArray
) -> FloatArray:
    """GHI scaled month by month so each month's sum is its target, no step above clear sky.

    The factor solves sum(min(f ghi, clear)) = target by bisection on log f (the sum rises with f), so
    the clear hours a scaling pushes to the cap do not leave the month short, as a plain rescale would.
    """
    low, high = np.full(12, -3.0), np.full(12, 3.0)
    for _ in range(40):
        middle = 0.5 * (low + high)
        scaled = np.minimum(ghi * np.exp(middle)[month_index], clear_ghi)
        short = np.bincount(month_index, weights=scaled, minlength=12) < target_sum
        low, high = np.where(short, middle, low), np.where(short, high, middle)
    return np.minimum(ghi * np.exp(0.5 * (low + high))[month_index], clear_ghi)


def given_clear_sky_index(ghi_kwh_m2: Sequence[float], clear_month_wh_m2: FloatArray) -> FloatArray:
    """Each month's clear-sky index from a given monthly irradiation, at most KC_MONTH_MAX [-].

    A month given brighter than that share of pvlib's clear sky (whose Linke turbidity climatology can
    be hazier than a site's clearest air) is held there, and a warning names the months.
    """
    kc = 1000.0 * np.asarray(ghi_kwh_m2, float) / np.maximum(clear_month_wh_m2, 1e-9)
    bright = np.flatnonzero(kc > KC_MONTH_MAX) + 1
    if len(bright):
        months = ", ".join(str(m) for m in bright)
        warnings.warn(
            WeatherWarning(
                f"climate: ghi_kwh_m2: month(s) {months} exceed {KC_MONTH_MAX:g} of the clear-sky "
                "irradiation there; held at that share"
            ),
            stacklevel=2,
        )
    return np.clip(kc, 0.0, KC_MONTH_MAX)


def synthetic_sky(
    rng: np.random.Generator,
    place: pvlib.location.Location,
    sunshine_h: Sequence[float],
    mid: pd.DatetimeIndex,
    month_index: IntArray,
    day: IntArray,
    month_of_day: IntArray,
    doy_day: FloatArray,
    cloud_unit: FloatArray,
    ghi_kwh_m2: Sequence[float] | None = None,
) -> Sky:
    """A year of irradiance: each month at its given irradiation or, without one, at its sunshine's share of
    the Ineichen-Perez clear sky (pvlib's Linke turbidity climatology), days from the cloud driver,
    never above clear sky."""
    step_h = float((mid[1] - mid[0]) / pd.Timedelta(hours=1))
    solar = place.get_solarposition(mid)
    clear_ghi = place.get_clearsky(mid, model="ineichen", solar_position=solar)["ghi"].to_numpy()
    clear_month_wh_m2 = np.bincount(month_index, weights=clear_ghi * step_h, minlength=12)
    if ghi_kwh_m2 is None:
        kc_month = monthly_clear_sky_index(sunshine_h, place.latitude, doy_day, month_of_day)
    else:
        kc_month = given_clear_sky_index(ghi_kwh_m2, clear_month_wh_m2)
    kc_day = daily_clear_sky_index(kc_month, month_of_day, cloud_unit)
    ghi = clear_ghi * hourly_clear_sky_index(rng, kc_day, day, step_h)
    ghi = capped_to_monthly_target(ghi, clear_ghi, month_index, kc_month * clear_month_wh_m2 / step_h)
    parts = pvlib.irradiance.erbs(ghi, solar["zenith"].to_numpy(), mid)
    return Sky(kc_day, kc_month, ghi, np.asarray(parts["dni"], float), np.asarray(parts["dhi"], float))
