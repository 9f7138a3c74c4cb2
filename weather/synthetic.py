"""A synthetic typical year from monthly climate normals, reproducible from a seed, offline anywhere.

The pieces, each a small function below:

- sun: pvlib solar position and Ineichen-Perez clear sky with pvlib's shipped Linke turbidity;
- cloudiness: a daily clear-sky index from an AR(1) Gaussian process mapped through a Beta
  distribution, with hourly multiplicative noise, scaled so each month's irradiation equals the
  Angstrom-Prescott estimate from sunshine hours, H/H0 = a + b S/S0 with FAO-56 defaults a = 0.25,
  b = 0.50 (Allen et al. 1998, FAO Irrigation and Drainage Paper 56, eq. 35); DNI and DHI by the
  Erbs et al. (1982) decomposition;
- temperature: smooth monthly means plus an AR(1) day-to-day anomaly, and an asymmetric diurnal
  wave (minimum at sunrise, maximum at 15:00 solar time, cosine halves as in the WAVE method of
  the crop-model literature) whose range follows Tmax - Tmin and widens on clear days;
- humidity: a daily dew point a month-specific depression below the daily mean temperature, the
  depression solved so the month's mean relative humidity equals the normal;
- wind: hourly AR(1) Gaussian mapped to a Weibull distribution (Gaussian copula) with a diurnal
  cycle near the ground, each month scaled to its mean speed at the normals' height.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd
import pvlib
import xarray as xr
from greendc.weather import psychrometrics as psy
from greendc.weather.dataset import weather_dataset
from greendc.weather.errors import InputError
from scipy import special, stats

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Angstrom-Prescott coefficients, FAO-56 defaults when no local calibration exists [-].
ANGSTROM_A = 0.25
ANGSTROM_B = 0.50
#: Lag-one autocorrelation of daily temperature anomalies (about 0.7 in the Greensboro TMY3) [-].
TEMP_DAILY_PHI = 0.7
#: Lag-one autocorrelation of the daily clear-sky index [-].
CLOUD_DAILY_PHI = 0.45
#: Concentration of the Beta distribution of the daily clear-sky index (spread of sunny/dull days) [-].
CLOUD_CONCENTRATION = 4.0
#: Hour of the daily temperature maximum, local solar time [h].
TEMP_PEAK_HOUR = 15.0
#: Lag-one autocorrelation of hourly wind speed anomalies [-].
WIND_HOURLY_PHI = 0.9
#: Highest daily clear-sky index (a clear day) and highest monthly mean allowed [-].
KC_MAX = 1.0
KC_MONTH_MAX = 0.97


class ClimateNormals(Protocol):
    """Monthly normals as greendc.sites.model.Climate carries them (January..December)."""

    @property
    def temp_mean_c(self) -> Sequence[float]: ...
    @property
    def temp_max_c(self) -> Sequence[float]: ...
    @property
    def temp_min_c(self) -> Sequence[float]: ...
    @property
    def rh_pct(self) -> Sequence[float]: ...
    @property
    def sunshine_h(self) -> Sequence[float]: ...
    @property
    def wind_speed_ms(self) -> Sequence[float]: ...
    @property
    def wind_height_m(self) -> float: ...
    @property
    def weibull_k(self) -> float: ...


def _ar1(rng: np.random.Generator, n: int, phi: float) -> FloatArray:
    """A stationary AR(1) series with unit variance and lag-one autocorrelation phi."""
    shocks = rng.standard_normal(n)
    out = np.empty(n)
    out[0] = shocks[0]
    scale = np.sqrt(1.0 - phi**2)
    for i in range(1, n):
        out[i] = phi * out[i - 1] + scale * shocks[i]
    return out


def _by_day_of_year(monthly: npt.ArrayLike, day_of_year: FloatArray, year: int) -> FloatArray:
    """Monthly values placed at mid-month and interpolated periodically to each day of year."""
    mid = pd.DatetimeIndex([pd.Timestamp(year, m, 15) for m in range(1, 13)]).dayofyear.to_numpy(float)
    days = 366.0 if pd.Timestamp(year, 12, 31).dayofyear == 366 else 365.0
    return np.interp(day_of_year, mid, np.asarray(monthly, dtype=float), period=days)


def day_length_h(latitude: float, day_of_year: FloatArray) -> FloatArray:
    """Astronomical day length N = 24/pi * omega_s (FAO-56 eq. 24, 25, 34) [h]."""
    declination = 0.409 * np.sin(2 * np.pi * day_of_year / 365.0 - 1.39)
    cos_ws = -np.tan(np.radians(latitude)) * np.tan(declination)
    return 24.0 / np.pi * np.arccos(np.clip(cos_ws, -1.0, 1.0))


def angstrom_clearness(sunshine_h: FloatArray, possible_h: FloatArray) -> FloatArray:
    """Monthly clearness index H/H0 from sunshine duration (Angstrom-Prescott, FAO-56 eq. 35) [-]."""
    fraction = np.clip(sunshine_h / np.maximum(possible_h, 1e-9), 0.0, 1.0)
    return ANGSTROM_A + ANGSTROM_B * fraction


def daily_temp_sd_c(temp_mean_c: FloatArray) -> FloatArray:
    """Day-to-day standard deviation of daily mean temperature by month [K].

    Empirical rule (an estimate, fitted to the Greensboro NC and Sand Point AK TMY3 files): larger
    where the annual cycle is large, largest in the coldest month, 1.0 + 0.18 R in the coldest and
    1.0 + 0.03 R in the warmest month, R the annual range of monthly means.
    """
    annual_range = float(temp_mean_c.max() - temp_mean_c.min())
    coldness = (temp_mean_c.max() - temp_mean_c) / max(annual_range, 1e-9)
    return 1.0 + annual_range * (0.03 + 0.15 * coldness)


def diurnal_shape(solar_hour: FloatArray, sunrise_hour: FloatArray) -> FloatArray:
    """Temperature wave in [0, 1]: 0 at sunrise, 1 at 15:00 solar time, cosine halves; daily mean 0.5."""
    rise = np.clip(sunrise_hour, 3.0, 9.0)
    warming = TEMP_PEAK_HOUR - rise
    since_rise = (solar_hour - rise) % 24.0
    on_rise = since_rise < warming
    since_peak = (solar_hour - TEMP_PEAK_HOUR) % 24.0
    rising = 0.5 - 0.5 * np.cos(np.pi * since_rise / warming)
    falling = 0.5 + 0.5 * np.cos(np.pi * since_peak / (24.0 - warming))
    return np.where(on_rise, rising, falling)


def wind_diurnal_amplitude(height_m: float) -> float:
    """Relative amplitude of the diurnal wind cycle (afternoon maximum near the ground) [-].

    About 0.2 at 10 m, fading to zero by 60 m where the nocturnal low-level maximum takes over.
    """
    return 0.2 * float(np.clip((60.0 - height_m) / 50.0, 0.0, 1.0))


def _month_scale(
    values: FloatArray, month_index: IntArray, target: FloatArray, weights: FloatArray
) -> FloatArray:
    """Per-step factor that makes each month's weighted sum of values equal its target."""
    realized = np.bincount(month_index, weights=values * weights, minlength=12)
    factor = np.where(realized > 0, target / np.maximum(realized, 1e-12), 1.0)
    return factor[month_index]


def _cloudiness(
    rng: np.random.Generator,
    kc_month: FloatArray,
    day: IntArray,
    month_of_day: IntArray,
    n_steps: int,
    step_h: float,
) -> tuple[FloatArray, FloatArray]:
    """Daily clear-sky index (Beta marginal, AR(1) persistence) and the hourly index around it."""
    mean = kc_month[month_of_day] / KC_MAX
    alpha, beta = mean * CLOUD_CONCENTRATION, (1.0 - mean) * CLOUD_CONCENTRATION
    uniform = stats.norm.cdf(_ar1(rng, len(month_of_day), CLOUD_DAILY_PHI))
    kc_day = KC_MAX * stats.beta.ppf(uniform, alpha, beta)
    hourly_noise = _ar1(rng, n_steps, 0.7**step_h) * 0.25 * (1.0 - kc_day[day])
    return kc_day, np.clip(kc_day[day] * np.exp(hourly_noise - 0.5 * hourly_noise.var()), 0.02, 1.1)


def _dew_point(
    temp_c: FloatArray,
    daily_mean_c: FloatArray,
    day: IntArray,
    month_index: IntArray,
    rh_target_pct: FloatArray,
    rng: np.random.Generator,
) -> FloatArray:
    """Hourly dew point: daily mean temperature minus a monthly depression solved for the mean RH."""
    wobble_c = 1.0 * _ar1(rng, len(daily_mean_c), 0.6)
    base = (daily_mean_c + wobble_c)[day]
    low, high = np.full(12, -5.0), np.full(12, 40.0)
    es_air = psy.saturation_vapour_pressure_pa(temp_c)
    counts = np.bincount(month_index, minlength=12)
    for _ in range(30):  # bisection on each month's depression
        depression = 0.5 * (low + high)
        dew = np.minimum(base - depression[month_index], temp_c)
        rh = 100.0 * psy.saturation_vapour_pressure_pa(dew) / es_air
        too_dry = np.bincount(month_index, weights=rh, minlength=12) / counts < rh_target_pct
        high = np.where(too_dry, depression, high)
        low = np.where(too_dry, low, depression)
    return np.minimum(base - (0.5 * (low + high))[month_index], temp_c)


def synthetic_year(
    climate: ClimateNormals,
    latitude: float,
    longitude: float,
    altitude_m: float,
    timezone: str,
    year: int = 2025,
    seed: int = 0,
    step_minutes: int = 60,
) -> xr.Dataset:
    """A typical year of weather at a place from its monthly normals; the same seed gives the same year.

    The year runs from local midnight on 1 January to local midnight on 1 January of the next year.
    """
    if step_minutes not in (5, 10, 15, 20, 30, 60):
        raise InputError("step must divide an hour: 5, 10, 15, 20, 30 or 60 minutes", key="step_minutes")
    rng = np.random.default_rng(seed)
    step = pd.Timedelta(minutes=step_minutes)
    step_h = step_minutes / 60.0
    local = pd.date_range(
        pd.Timestamp(year, 1, 1), pd.Timestamp(year + 1, 1, 1), freq=step, inclusive="left", tz=timezone
    )
    utc = local.tz_convert("UTC")
    mid = utc + step / 2
    month_index = (local.month.to_numpy() - 1).astype(np.int64)
    day = np.asarray(
        (local.tz_localize(None) - pd.Timestamp(year, 1, 1)) // pd.Timedelta(days=1), dtype=np.int64
    )
    days = pd.date_range(pd.Timestamp(year, 1, 1), pd.Timestamp(year, 12, 31), freq="D")
    doy_day = days.dayofyear.to_numpy(float)
    month_of_day = (days.month.to_numpy() - 1).astype(np.int64)
    solar_hour = ((mid.hour + mid.minute / 60.0).to_numpy() + longitude / 15.0) % 24.0

    # sun and sky (Ineichen-Perez clear sky, Linke turbidity from pvlib's shipped climatology)
    place = pvlib.location.Location(latitude, longitude, "UTC", altitude_m)
    solar = place.get_solarposition(mid)
    clear = place.get_clearsky(mid, model="ineichen", solar_position=solar)
    cos_zenith = np.clip(np.cos(np.radians(solar["zenith"].to_numpy())), 0.0, None)
    h0_wh = pvlib.irradiance.get_extra_radiation(mid).to_numpy() * cos_zenith * step_h
    h0_month = np.bincount(month_index, weights=h0_wh, minlength=12)
    possible_h = np.bincount(month_of_day, weights=day_length_h(latitude, doy_day), minlength=12).astype(
        float
    )
    target_wh = h0_month * angstrom_clearness(np.asarray(climate.sunshine_h, float), possible_h)
    clear_ghi = clear["ghi"].to_numpy()
    clear_month = np.bincount(month_index, weights=clear_ghi * step_h, minlength=12)
    kc_month = np.clip(target_wh / np.maximum(clear_month, 1e-9), 0.05, KC_MONTH_MAX)
    kc_day, kc = _cloudiness(rng, kc_month, day, month_of_day, len(local), step_h)
    ghi = clear_ghi * kc
    hours = np.full_like(ghi, step_h)
    for _ in range(3):  # rescale to the monthly target; the clip at 1.1 x clear sky loses a little
        ghi = np.minimum(ghi * _month_scale(ghi, month_index, kc_month * clear_month, hours), 1.1 * clear_ghi)
    parts = pvlib.irradiance.erbs(ghi, solar["zenith"].to_numpy(), mid)

    # temperature
    temp_mean = np.asarray(climate.temp_mean_c, float)
    daily_mean: FloatArray = _by_day_of_year(temp_mean, doy_day, year) + _by_day_of_year(
        daily_temp_sd_c(temp_mean), doy_day, year
    ) * _ar1(rng, len(days), TEMP_DAILY_PHI)
    range_c = _by_day_of_year(np.asarray(climate.temp_max_c) - np.asarray(climate.temp_min_c), doy_day, year)
    range_c = range_c * np.clip(1.0 + 0.8 * (kc_day - kc_month[month_of_day]), 0.4, 1.6)
    sunrise = 12.0 - day_length_h(latitude, doy_day) / 2.0
    wave = diurnal_shape(solar_hour, sunrise[day]) - 0.5
    jitter = 0.5 * _ar1(rng, len(local), 0.8**step_h)
    temp = daily_mean[day] + range_c[day] * wave + jitter
    temp -= (
        np.bincount(month_index, weights=temp, minlength=12) / np.bincount(month_index, minlength=12)
        - temp_mean
    )[month_index]

    # humidity
    dew = _dew_point(temp, daily_mean, day, month_index, np.asarray(climate.rh_pct, float), rng)

    # wind
    k = float(climate.weibull_k)
    wind_mean = np.asarray(climate.wind_speed_ms, float)
    uniform = np.clip(stats.norm.cdf(_ar1(rng, len(local), WIND_HOURLY_PHI**step_h)), 1e-9, 1 - 1e-9)
    wind = (-np.log1p(-uniform)) ** (1.0 / k) / special.gamma(1.0 + 1.0 / k)  # unit-mean Weibull
    wind *= 1.0 + wind_diurnal_amplitude(climate.wind_height_m) * np.cos(
        2 * np.pi * (solar_hour - 14.0) / 24.0
    )
    wind *= _month_scale(
        wind, month_index, wind_mean * np.bincount(month_index, minlength=12), np.ones_like(wind)
    )

    frame = pd.DataFrame(
        {
            "temp_air": temp,
            "temp_dew": dew,
            "ghi": ghi,
            "dni": np.asarray(parts["dni"], float),
            "dhi": np.asarray(parts["dhi"], float),
            "wind_speed": wind,
        },
        index=utc,
    )
    return weather_dataset(
        frame,
        latitude=latitude,
        longitude=longitude,
        altitude_m=altitude_m,
        timezone=timezone,
        source=f"synthetic typical year (seed {seed})",
        wind_height_m=climate.wind_height_m,
        typical_year=True,
    )
