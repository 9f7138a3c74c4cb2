"""A synthetic typical year from monthly climate normals, reproducible from a seed, offline anywhere.

The pieces, each a small function below:

- sun: pvlib solar position and Ineichen-Perez clear sky with pvlib's shipped Linke turbidity;
- cloudiness: a daily clear-sky index from an AR(1) Gaussian process mapped through a Beta
  distribution, with hourly multiplicative noise, scaled so each month's irradiation equals the
  clear-sky irradiation times the cloud transmittance of Yang et al.'s hybrid model,
  tau = 0.2505 + 1.1468 S/S0 - 0.3974 (S/S0)^2 (Yang, Koike and Ye 2006), never above clear sky;
  DNI and DHI by the Erbs et al. (1982) decomposition;
- temperature: a continuous hourly series, a smooth curve with the normals' monthly means (no step
  at month boundaries) plus an AR(1) day-to-day anomaly whose spread follows the climate's annual
  range and the season, and an asymmetric diurnal wave (minimum at sunrise, maximum at 15:00
  solar time, cosine halves as in the WAVE method of the crop-model literature) whose range
  follows Tmax - Tmin and widens on clear days;
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

#: Cloud transmittance against relative sunshine, tau = c0 + c1 x + c2 x^2 (Yang, Koike and Ye 2006) [-].
YANG_TAU = (0.2505, 1.1468, -0.3974)
#: Lag-one autocorrelation of daily temperature anomalies (about 0.7 in the Greensboro TMY3) [-].
TEMP_DAILY_PHI = 0.7
#: Day-to-day spread rule, sd = FLOOR + SLOPE R + coldness (WINTER_FLOOR + WINTER_SLOPE R) [K, -].
TEMP_SD_FLOOR_C = 0.3
TEMP_SD_SLOPE = 0.05
TEMP_SD_WINTER_FLOOR_C = 1.5
TEMP_SD_WINTER_SLOPE = 0.134
#: Winter skew of daily anomalies: cold side stretched, warm side shrunk by this share x coldness [-].
TEMP_COLD_SKEW = 0.35
#: Extra fall of the dew point per kelvin a day is colder than its season (dry polar air; an estimate) [-].
DEW_COLD_GAIN = 0.5
#: Time over which one day's mean temperature level ramps into the next's, centred on midnight [d].
TEMP_RAMP_D = 0.25
#: Lag-one autocorrelation of the daily clear-sky index [-].
CLOUD_DAILY_PHI = 0.45
#: Concentration of the Beta distribution of the daily clear-sky index (spread of sunny/dull days) [-].
CLOUD_CONCENTRATION = 1.5
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


def daily_temp_sd_c(temp_mean_c: FloatArray) -> FloatArray:
    """Standard deviation of daily mean temperature within each month (day-to-day weather) [K].

    A default for normals that carry no variability figure (an estimate, fitted to the Greensboro NC
    TMY3): sd = 0.3 + 0.05 R + coldness (1.5 + 0.134 R), R the annual range of monthly means (a
    continentality measure), coldness 1 in the coldest and 0 in the warmest month: synoptic
    weather swings most in winter and in continental climates, least in the tropics. The seasonal
    trend within a month adds to it in spring and autumn.
    """
    annual_range = float(temp_mean_c.max() - temp_mean_c.min())
    coldness = (temp_mean_c.max() - temp_mean_c) / max(annual_range, 1e-9)
    winter = TEMP_SD_WINTER_FLOOR_C + TEMP_SD_WINTER_SLOPE * annual_range
    return TEMP_SD_FLOOR_C + TEMP_SD_SLOPE * annual_range + coldness * winter


def zero_monthly_means(series: FloatArray, month_of_day: IntArray, phi: float) -> FloatArray:
    """A daily AR(1) series conditioned on zero monthly means (simple kriging, no step at month ends).

    x - S M' (M S M')^-1 M x, with S the AR(1) covariance phi^|i-j| and M the month-averaging
    matrix: the correction is a sum of smooth covariance bumps, so the series stays continuous.
    """
    n = len(series)
    covariance = phi ** np.abs(np.subtract.outer(np.arange(n), np.arange(n)))
    averaging = np.eye(12)[month_of_day].T / np.bincount(month_of_day, minlength=12)[:, None]
    cross = covariance @ averaging.T
    return series - cross @ np.linalg.solve(averaging @ cross, averaging @ series)


def curve_with_monthly_means(
    target: FloatArray, position_d: FloatArray, month_index: IntArray, knots_d: FloatArray, period_d: float
) -> FloatArray:
    """A continuous piecewise-linear curve through mid-month knots whose monthly means equal target.

    The knot values solve the 12 x 12 system 'mean of the curve over month m = target[m]', so the
    curve keeps every monthly mean exactly and has no step at month boundaries.
    """
    basis = np.stack([np.interp(position_d, knots_d, unit, period=period_d) for unit in np.eye(12)], axis=1)
    counts = np.bincount(month_index, minlength=12)
    means = np.stack([np.bincount(month_index, weights=column, minlength=12) for column in basis.T], axis=1)
    return basis @ np.linalg.solve(means / counts[:, None], np.asarray(target, float))


def cold_skewed(unit: FloatArray, coldness: FloatArray) -> FloatArray:
    """Stretch the cold side of a unit series and shrink its warm side, more in colder months.

    Cold-air outbreaks make winter's daily means skewed to the cold side (the three pvlib typical
    years: skewness -0.3 to -1.2 in their coldest months); summer stays near symmetric.
    """
    return unit * (1.0 - TEMP_COLD_SKEW * coldness * np.sign(unit))


def typical_spread(
    anomaly: FloatArray, month_of_day: IntArray, target_sd: FloatArray, day_of_year: FloatArray, year: int
) -> FloatArray:
    """The anomaly rescaled by a smooth daily factor until each month's spread is its target.

    A typical year has typical months (the Sandia TMY method picks months whose distribution of
    daily means is closest to the long-term one); a 30-day AR(1) sample's spread alone varies by
    about a quarter from month to month.
    """
    counts = np.bincount(month_of_day, minlength=12)
    for _ in range(4):
        mean = np.bincount(month_of_day, weights=anomaly, minlength=12) / counts
        realized = np.sqrt(np.bincount(month_of_day, weights=anomaly**2, minlength=12) / counts - mean**2)
        anomaly = anomaly * _by_day_of_year(target_sd / np.maximum(realized, 1e-9), day_of_year, year)
    return anomaly


def ramp_between_days(daily: FloatArray, position_d: FloatArray, ramp_d: float = TEMP_RAMP_D) -> FloatArray:
    """Daily values held through each day and ramped linearly across midnight (no step at midnight)."""
    starts = np.arange(len(daily), dtype=float)
    knots = np.column_stack([starts + ramp_d / 2, starts + 1.0 - ramp_d / 2]).ravel()
    return np.interp(position_d, knots, np.repeat(daily, 2))


def sunshine_transmittance(relative_sunshine: FloatArray) -> FloatArray:
    """Monthly cloud transmittance H/H_clear from relative sunshine S/S0 [-].

    Yang K., Koike T., Ye B. (2006), Agricultural and Forest Meteorology 137, 43-55 (the hybrid
    model, first in Yang, Huang and Tamai 2001, Solar Energy 70, 13-22): tau = 0.2505 +
    1.1468 x - 0.3974 x^2, validated on Chinese stations; 1 at full sunshine, so never above clear sky.
    """
    x = np.clip(relative_sunshine, 0.0, 1.0)
    return YANG_TAU[0] + YANG_TAU[1] * x + YANG_TAU[2] * x**2


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


def _irradiance(
    rng: np.random.Generator,
    climate: ClimateNormals,
    latitude: float,
    longitude: float,
    altitude_m: float,
    mid: pd.DatetimeIndex,
    month_index: IntArray,
    day: IntArray,
    month_of_day: IntArray,
    doy_day: FloatArray,
    step_h: float,
) -> tuple[FloatArray, FloatArray, FloatArray, pd.DataFrame]:
    """Daily and monthly clear-sky index, GHI and its DNI/DHI parts: each month at its sunshine's share
    of the Ineichen-Perez clear sky (pvlib's Linke turbidity climatology), never above clear sky."""
    place = pvlib.location.Location(latitude, longitude, "UTC", altitude_m)
    solar = place.get_solarposition(mid)
    clear_ghi = place.get_clearsky(mid, model="ineichen", solar_position=solar)["ghi"].to_numpy()
    possible_h = np.bincount(month_of_day, weights=day_length_h(latitude, doy_day), minlength=12)
    relative = np.asarray(climate.sunshine_h, float) / np.maximum(possible_h, 1e-9)
    clear_month = np.bincount(month_index, weights=clear_ghi * step_h, minlength=12)
    kc_month = np.clip(sunshine_transmittance(relative), 0.05, KC_MONTH_MAX)
    kc_day, kc = _cloudiness(rng, kc_month, day, month_of_day, len(mid), step_h)
    ghi = clear_ghi * kc
    hours = np.full_like(ghi, step_h)
    for _ in range(6):  # rescale to the monthly target; the clip at clear sky loses a little each time
        ghi = np.minimum(ghi * _month_scale(ghi, month_index, kc_month * clear_month, hours), clear_ghi)
    return kc_day, kc_month, ghi, pvlib.irradiance.erbs(ghi, solar["zenith"].to_numpy(), mid)


def _temperature(
    rng: np.random.Generator,
    climate: ClimateNormals,
    latitude: float,
    kc_excess_day: FloatArray,
    position_d: FloatArray,
    solar_hour: FloatArray,
    month_index: IntArray,
    day: IntArray,
    year: int,
) -> tuple[FloatArray, FloatArray]:
    """Hourly temperature and its daily anomaly: the AR(1) anomaly and the diurnal wave, each day's
    level ramped into the next across midnight, plus a continuous curve putting months on their means."""
    n_days = int(day.max()) + 1
    month_start = pd.date_range(pd.Timestamp(year, 1, 1), periods=13, freq="MS")
    edges_d = ((month_start - month_start[0]) / pd.Timedelta(days=1)).to_numpy()
    knots_d = 0.5 * (edges_d[:-1] + edges_d[1:])
    doy = np.arange(n_days) + 1.0
    temp_mean = np.asarray(climate.temp_mean_c, float)
    month_of_day = np.asarray(pd.date_range(month_start[0], periods=n_days, freq="D").month - 1, np.int64)
    coldness = _by_day_of_year((temp_mean.max() - temp_mean) / max(np.ptp(temp_mean), 1e-9), doy, year)
    skewed = cold_skewed(_ar1(rng, n_days, TEMP_DAILY_PHI), coldness)
    unit = zero_monthly_means(skewed, month_of_day, TEMP_DAILY_PHI)
    given = getattr(climate, "temp_daily_sd_c", None)  # a measured spread, when the normals carry one
    target = daily_temp_sd_c(temp_mean) if given is None else np.asarray(given, float)
    anomaly = typical_spread(unit, month_of_day, target, doy, year)
    range_c = _by_day_of_year(np.asarray(climate.temp_max_c) - np.asarray(climate.temp_min_c), doy, year)
    range_c = range_c * np.clip(1.0 + 0.8 * kc_excess_day, 0.4, 1.6)
    sunrise = 12.0 - day_length_h(latitude, doy) / 2.0
    wave = diurnal_shape(solar_hour, sunrise[day]) - 0.5
    step_h = 24.0 * float(position_d[1] - position_d[0])
    raw = ramp_between_days(anomaly, position_d) + ramp_between_days(range_c, position_d) * wave
    raw += 0.5 * _ar1(rng, len(position_d), 0.8**step_h)  # hourly jitter
    counts = np.bincount(month_index, minlength=12)
    residual = temp_mean - np.bincount(month_index, weights=raw, minlength=12) / counts
    return raw + curve_with_monthly_means(
        residual, position_d, month_index, knots_d, float(edges_d[-1])
    ), anomaly


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

    position_d = ((local.tz_localize(None) - pd.Timestamp(year, 1, 1)) / pd.Timedelta(days=1)).to_numpy() + (
        step_h / 48.0
    )
    kc_day, kc_month, ghi, parts = _irradiance(
        rng, climate, latitude, longitude, altitude_m, mid, month_index, day, month_of_day, doy_day, step_h
    )
    temp, anomaly = _temperature(
        rng,
        climate,
        latitude,
        kc_day - kc_month[month_of_day],
        position_d,
        solar_hour,
        month_index,
        day,
        year,
    )
    daily_mean = np.bincount(day, weights=temp) / np.bincount(day) + DEW_COLD_GAIN * np.minimum(anomaly, 0.0)
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
