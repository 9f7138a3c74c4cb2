"""A synthetic typical year from monthly climate normals, reproducible from a seed, offline anywhere.

The pieces, each a small function below or in weather/irradiance.py and weather/diurnal.py:

- the day's weather: one daily AR(1) driver for temperature; the cloud driver correlated with it
  (sunny summer days are warm; in a maritime winter the cold days are the clear, dry, continental
  outbreaks), the correlation set by the season and by Conrad's continentality index;
- sky (weather/irradiance.py): each month's clear-sky index from its given irradiation or else from
  its relative sunshine by Yang et al.'s hybrid model on pvlib's Ineichen-Perez clear sky, daily
  Beta-distributed clear-sky indices from the cloud driver, hourly noise, DNI and DHI by the Erbs et
  al. (1982) decomposition;
- temperature: a continuous hourly series, a smooth curve with the normals' monthly means (no step
  at month boundaries) plus the day's anomaly, skewed to the cold side in a maritime winter, whose
  spread follows the climate's annual range and the season, and an asymmetric diurnal wave (minimum
  at sunrise, maximum at 15:00 solar time, cosine halves as in the WAVE method of the crop-model
  literature) whose range follows Tmax - Tmin and widens on clear days;
- humidity: a daily dew point a month-specific depression below the daily mean temperature, deeper
  on cold days, wandering within the day by a share of the month's day-to-day spread, the depression
  solved so the month's mean relative humidity equals the normal;
- wind: hourly AR(1) Gaussian mapped to a Weibull distribution (Gaussian copula) with a diurnal
  cycle near the ground, each month scaled to its mean speed at the normals' height.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import pandas as pd
import pvlib
import xarray as xr
from greendc.weather import psychrometrics as psy
from greendc.weather.dataset import weather_dataset
from greendc.weather.diurnal import diurnal_shape, diurnal_wave_scale, ramp_between_days
from greendc.weather.errors import InputError
from greendc.weather.irradiance import day_length_h, synthetic_sky
from greendc.weather.series import (
    FloatArray,
    IntArray,
    ar1,
    by_day_of_year,
    coldness,
    correlated,
    month_scale,
)
from scipy import special, stats

#: Lag-one autocorrelation of the daily temperature process; measured about each month's mean after the
#: typical-month conditioning it comes out 0.68-0.81 (the pvlib files: 0.65-0.79; docs/sources.md) [-].
TEMP_DAILY_PHI = 0.9
#: Day-to-day spread rule, sd = FLOOR + SLOPE R + coldness (WINTER_FLOOR + WINTER_SLOPE R) [K, -].
TEMP_SD_FLOOR_C = 0.3
TEMP_SD_SLOPE = 0.05
TEMP_SD_WINTER_FLOOR_C = 1.5
TEMP_SD_WINTER_SLOPE = 0.134
#: Log-normal sigma of daily anomalies in a maritime climate's coldest month (the transform's skewness
#: -1.75; 30-day months of the Miami and Sand Point twins -0.9, as their files) [-].
TEMP_COLD_SIGMA = 0.5
#: Conrad's continentality index at and below which a climate counts fully maritime, and at and above
#: which fully continental (index 0 at the ocean, 100 at Verkhoyansk; the ramp between is an estimate) [-].
CONRAD_MARITIME = 20.0
CONRAD_CONTINENTAL = 40.0
#: Correlation of the daily cloud driver (high = clear) with the temperature driver: in the warmest
#: month (sunny days warm), and in a maritime climate's coldest month (clear days cold) [-].
CLOUD_TEMP_RHO_SUMMER = 0.5
CLOUD_TEMP_RHO_WINTER = -0.5
#: Extra fall of the dew point per kelvin a day is colder than its season (rise per kelvin warmer) in a
#: maritime climate, where cold days are dry continental air and warm days moist sea air (Miami: 0.4-0.6) [-].
DEW_ANOMALY_GAIN = 0.5
#: The dew point's wander within a day as a share of its month's day-to-day spread, and its hourly lag-one
#: (the pvlib typical years: 0.24-0.74, median 0.40, and 0.51-0.92, median 0.81; within_day_dew_sd_c) [-].
DEW_WITHIN_DAY_SHARE = 0.45
DEW_HOURLY_PHI = 0.85
#: Lag-one autocorrelation of the daily cloud driver [-].
CLOUD_DAILY_PHI = 0.45
#: Relative widening of the day's temperature range per unit of clear-sky index above the month's, and
#: per kelvin of dew-point depression above the month's (dry air cools more at night; the three pvlib
#: typical years: 0.05-0.13 per K) [-, 1/K].
RANGE_CLEAR_GAIN = 0.8
RANGE_DRY_GAIN = 0.06
#: Lag-one autocorrelation of hourly wind speed anomalies [-].
WIND_HOURLY_PHI = 0.9


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


def daily_temp_sd_c(temp_mean_c: FloatArray) -> FloatArray:
    """Standard deviation of daily mean temperature within each month (day-to-day weather) [K].

    A default for normals that carry no variability figure (an estimate, fitted to the Greensboro NC
    TMY3): sd = 0.3 + 0.05 R + coldness (1.5 + 0.134 R), R the annual range of monthly means (a
    continentality measure), coldness 1 in the coldest and 0 in the warmest month: synoptic
    weather swings most in winter and in continental climates, least in the tropics. The seasonal
    trend within a month adds to it in spring and autumn.
    """
    annual_range = float(temp_mean_c.max() - temp_mean_c.min())
    winter = TEMP_SD_WINTER_FLOOR_C + TEMP_SD_WINTER_SLOPE * annual_range
    return TEMP_SD_FLOOR_C + TEMP_SD_SLOPE * annual_range + coldness(temp_mean_c) * winter


def zero_monthly_means(series: FloatArray, month_of_day: IntArray, phi: float) -> FloatArray:
    """A daily AR(1) series conditioned on a zero mean in every month (simple kriging, no step at month ends).

    x - S A' (A S A')^-1 A x, with S the AR(1) covariance phi^|i-j| and A the month-averaging rows: the
    correction is a sum of smooth covariance bumps, so the series stays continuous. Days may drift across
    a month, as real months' do (a spell of cold days at its end); the drift's share of the month's spread
    is set in typical_spread. Conditioning on zero drift too (the previous rule) capped the measurable
    lag-one autocorrelation about the month's mean near 0.70 whatever phi (bare driver, 20 seeds: 0.57,
    0.69, 0.71 for phi 0.7, 0.9, 0.99; on the means alone 0.64, 0.80, 0.85), below Sand Point's 0.79.
    """
    n = len(series)
    covariance = phi ** np.abs(np.subtract.outer(np.arange(n), np.arange(n)))
    counts = np.bincount(month_of_day, minlength=12)
    rows = np.eye(12)[month_of_day].T / counts[:, None]
    cross = covariance @ rows.T
    return series - cross @ np.linalg.solve(rows @ cross, rows @ series)


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


def seasonal_curve(
    target: FloatArray, position_d: FloatArray, month_index: IntArray, year: int
) -> FloatArray:
    """curve_with_monthly_means on `year`'s calendar: knots at mid-month, periodic over the year."""
    starts = pd.date_range(pd.Timestamp(year, 1, 1), periods=13, freq="MS")
    edges_d = ((starts - starts[0]) / pd.Timedelta(days=1)).to_numpy()
    knots_d = 0.5 * (edges_d[:-1] + edges_d[1:])
    return curve_with_monthly_means(target, position_d, month_index, knots_d, float(edges_d[-1]))


def conrad_continentality(temp_mean_c: FloatArray, latitude: float) -> float:
    """Conrad's (1946) index K = 1.7 A / sin(lat + 10 deg) - 14, A the annual range of monthly means [-].

    A coast whose sea keeps the annual range small for its latitude scores low (Miami 9, Sand Point
    9); the interior of a continent high (Greensboro 45, Zhongwei 54).
    """
    annual_range = float(np.ptp(temp_mean_c))
    return 1.7 * annual_range / np.sin(np.radians(min(abs(latitude), 80.0) + 10.0)) - 14.0


def maritime_weight(temp_mean_c: FloatArray, latitude: float) -> float:
    """1 for a maritime climate, 0 for a continental one, linear in Conrad's index between [-]."""
    index = conrad_continentality(temp_mean_c, latitude)
    return float(np.clip((CONRAD_CONTINENTAL - index) / (CONRAD_CONTINENTAL - CONRAD_MARITIME), 0.0, 1.0))


def cold_skewed(unit: FloatArray, sigma: FloatArray) -> FloatArray:
    """A unit Gaussian series made log-normal with its long tail on the cold side (zero mean, unit variance).

    A maritime winter's usual air comes off a sea that bounds how warm it can be; its departures are
    outbreaks of continental air, cold and dry: daily means skewed to the cold side (Miami and Sand
    Point: skewness -0.6 to -1.6 from December to April; Greensboro, inland, near 0). u = (1 -
    exp(-sigma z - sigma^2/2)) / sqrt(exp(sigma^2) - 1) is bounded above, skewness -(e^s2 + 2) sqrt(e^s2 - 1),
    and tends to z as sigma tends to 0.
    """
    sigma = np.maximum(np.asarray(sigma, float), 1e-6)
    return -np.expm1(-sigma * unit - sigma**2 / 2) / np.sqrt(np.expm1(sigma**2))


def cloud_temperature_rho(coldness_day: FloatArray, maritime: float) -> FloatArray:
    """Correlation of the day's clearness with its warmth: + in summer, - in a maritime winter [-]."""
    return CLOUD_TEMP_RHO_SUMMER * (1.0 - coldness_day) + CLOUD_TEMP_RHO_WINTER * maritime * coldness_day


def typical_spread(
    anomaly: FloatArray,
    month_of_day: IntArray,
    target_sd: FloatArray,
    day_of_year: FloatArray,
    year: int,
    trend: FloatArray | None = None,
) -> FloatArray:
    """The anomaly rescaled by a smooth daily factor until each month's spread is its target.

    A typical year has typical months (the Sandia TMY method picks months whose distribution of
    daily means is closest to the long-term one); a 30-day AR(1) sample's spread alone varies by
    about a quarter from month to month. With a seasonal `trend` (the daily curve of the monthly
    means), the month's whole spread is set: sd(anomaly + trend) = sqrt(target^2 + sd(trend)^2) about
    the month's mean, what it would be with the anomaly uncorrelated with the trend. A drift that
    happens to run with the season would otherwise add to it (Sand Point's summer spread: up to 41 %).
    The factor k solves k^2 var + 2 k cov - target^2 = 0 month by month.
    """
    counts = np.bincount(month_of_day, minlength=12)
    target_sd = np.asarray(target_sd, float)
    season = np.zeros(len(anomaly)) if trend is None else np.asarray(trend, float)
    season = season - (np.bincount(month_of_day, weights=season, minlength=12) / counts)[month_of_day]
    for _ in range(4):
        mean = np.bincount(month_of_day, weights=anomaly, minlength=12) / counts
        centred = anomaly - mean[month_of_day]
        variance = np.maximum(np.bincount(month_of_day, weights=centred**2, minlength=12) / counts, 1e-18)
        covariance = np.bincount(month_of_day, weights=centred * season, minlength=12) / counts
        factor = (np.sqrt(covariance**2 + variance * target_sd**2) - covariance) / variance
        anomaly = anomaly * by_day_of_year(factor, day_of_year, year)
    return anomaly


def wind_diurnal_amplitude(height_m: float) -> float:
    """Relative amplitude of the diurnal wind cycle (afternoon maximum near the ground) [-].

    About 0.2 at 10 m, fading to zero by 60 m where the nocturnal low-level maximum takes over.
    """
    return 0.2 * float(np.clip((60.0 - height_m) / 50.0, 0.0, 1.0))


def _dew_point(
    temp_c: FloatArray,
    daily_mean_c: FloatArray,
    position_d: FloatArray,
    month_index: IntArray,
    rh_target_pct: FloatArray,
    rng: np.random.Generator,
    within_day_c: FloatArray,
) -> FloatArray:
    """Hourly dew point: daily mean temperature minus a monthly depression solved for the mean RH, ramped
    from day to day across midnight as the temperature is (air masses change over hours, not at 00:00),
    plus the moisture's wander within the day."""
    wobble_c = 1.0 * ar1(rng, len(daily_mean_c), 0.6)
    base = ramp_between_days(daily_mean_c + wobble_c, position_d) + within_day_c
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


def within_day_dew_sd_c(
    daily_dew_c: FloatArray, month_of_day: IntArray, day_of_year: FloatArray, year: int
) -> FloatArray:
    """Each day's spread of the dew point about its ramped daily level: a share of the month's day-to-day
    spread of daily dew points, smooth from day to day [K].

    Fronts, sea breezes and the daytime mixing of drier air down from aloft move the dew point within a
    day by about as much, in proportion, in every climate: in the three pvlib typical years the hourly
    dew point about its daily level and mean diurnal cycle varies by 0.24-0.74 (median 0.40) of the
    month's day-to-day spread, winter and summer alike; one value a day ramped across midnight gave the
    twins 0.14-0.21 and a Miami winter's within-day sd of 0.4-0.6 K against the file's 2.1 K.
    """
    counts = np.bincount(month_of_day, minlength=12)
    anomaly = (
        daily_dew_c - (np.bincount(month_of_day, weights=daily_dew_c, minlength=12) / counts)[month_of_day]
    )
    spread = np.sqrt(np.bincount(month_of_day, weights=anomaly**2, minlength=12) / counts)
    return DEW_WITHIN_DAY_SHARE * by_day_of_year(spread, day_of_year, year)


def _temperature(
    rng: np.random.Generator,
    climate: ClimateNormals,
    latitude: float,
    unit_day: FloatArray,
    kc_excess_day: FloatArray,
    position_d: FloatArray,
    solar_hour: FloatArray,
    month_index: IntArray,
    day: IntArray,
    year: int,
) -> tuple[FloatArray, FloatArray]:
    """Hourly temperature and its daily anomaly: the skewed daily driver and the diurnal wave, each day's
    level ramped into the next across midnight, plus a continuous curve putting months on their means."""
    n_days = len(unit_day)
    doy = np.arange(n_days) + 1.0
    temp_mean = np.asarray(climate.temp_mean_c, float)
    month_of_day = np.asarray(
        pd.date_range(pd.Timestamp(year, 1, 1), periods=n_days, freq="D").month - 1, np.int64
    )
    maritime = maritime_weight(temp_mean, latitude)
    sigma = TEMP_COLD_SIGMA * maritime * by_day_of_year(coldness(temp_mean), doy, year)
    typical = typical_spread(
        zero_monthly_means(unit_day, month_of_day, TEMP_DAILY_PHI), month_of_day, np.ones(12), doy, year
    )
    unit = cold_skewed(typical, sigma)  # after the conditioning, which would blend the tail away
    given = getattr(climate, "temp_daily_sd_c", None)  # a measured spread, when the normals carry one
    target = daily_temp_sd_c(temp_mean) if given is None else np.asarray(given, float)
    season_c = seasonal_curve(temp_mean, doy - 0.5, month_of_day, year)
    anomaly = typical_spread(unit, month_of_day, target, doy, year, trend=season_c)
    range_month = np.asarray(climate.temp_max_c, float) - np.asarray(climate.temp_min_c, float)
    range_c = seasonal_curve(range_month, doy - 0.5, month_of_day, year)
    dryness_c = -DEW_ANOMALY_GAIN * maritime * anomaly  # the day's extra dew-point depression
    range_c = range_c * np.clip(1.0 + RANGE_CLEAR_GAIN * kc_excess_day + RANGE_DRY_GAIN * dryness_c, 0.4, 1.8)
    sunrise = 12.0 - day_length_h(latitude, doy) / 2.0
    wave = ramp_between_days(range_c, position_d) * (diurnal_shape(solar_hour, sunrise[day]) - 0.5)
    step_h = 24.0 * float(position_d[1] - position_d[0])
    rest = ramp_between_days(anomaly, position_d) + 0.5 * ar1(rng, len(position_d), 0.8**step_h)  # + jitter
    raw = rest + wave * diurnal_wave_scale(rest, wave, day, month_of_day, range_month, doy, year)[day]
    counts = np.bincount(month_index, minlength=12)
    residual = temp_mean - np.bincount(month_index, weights=raw, minlength=12) / counts
    return raw + seasonal_curve(residual, position_d, month_index, year), anomaly


def _wind(
    rng: np.random.Generator,
    climate: ClimateNormals,
    solar_hour: FloatArray,
    month_index: IntArray,
    step_h: float,
) -> FloatArray:
    """Hourly wind: a Weibull Gaussian copula with a diurnal cycle near the ground, months on their means."""
    k = float(climate.weibull_k)
    uniform = np.clip(stats.norm.cdf(ar1(rng, len(month_index), WIND_HOURLY_PHI**step_h)), 1e-9, 1 - 1e-9)
    wind = (-np.log1p(-uniform)) ** (1.0 / k) / special.gamma(1.0 + 1.0 / k)  # unit-mean Weibull
    wind *= 1.0 + wind_diurnal_amplitude(climate.wind_height_m) * np.cos(
        2 * np.pi * (solar_hour - 14.0) / 24.0
    )
    target = np.asarray(climate.wind_speed_ms, float) * np.bincount(month_index, minlength=12)
    return wind * month_scale(wind, month_index, target, np.ones_like(wind))


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
    temp_mean = np.asarray(climate.temp_mean_c, float)
    maritime = maritime_weight(temp_mean, latitude)
    coldness_day = by_day_of_year(coldness(temp_mean), doy_day, year)
    unit_day = ar1(rng, len(days), TEMP_DAILY_PHI)
    rho = cloud_temperature_rho(coldness_day, maritime)
    cloud_unit = correlated(unit_day, ar1(rng, len(days), CLOUD_DAILY_PHI), rho)
    place = pvlib.location.Location(latitude, longitude, "UTC", altitude_m)
    given_ghi_kwh_m2 = getattr(climate, "ghi_kwh_m2", None)  # measured irradiation, when the normals carry it
    sky = synthetic_sky(
        rng,
        place,
        climate.sunshine_h,
        mid,
        month_index,
        day,
        month_of_day,
        doy_day,
        cloud_unit,
        given_ghi_kwh_m2,
    )
    kc_excess = sky.kc_day - sky.kc_month[month_of_day]
    temp, anomaly = _temperature(
        rng, climate, latitude, unit_day, kc_excess, position_d, solar_hour, month_index, day, year
    )
    daily_mean = np.bincount(day, weights=temp) / np.bincount(day) + DEW_ANOMALY_GAIN * maritime * anomaly
    # its own random stream, so the temperature, sky and wind of a seed do not depend on it
    wander = ar1(np.random.default_rng((seed, 1)), len(day), DEW_HOURLY_PHI**step_h)
    within_c = within_day_dew_sd_c(daily_mean, month_of_day, doy_day, year)[day] * wander
    rh_pct = np.asarray(climate.rh_pct, float)
    dew = _dew_point(temp, daily_mean, position_d, month_index, rh_pct, rng, within_c)
    wind = _wind(rng, climate, solar_hour, month_index, step_h)
    frame = pd.DataFrame(
        {
            "temp_air": temp,
            "temp_dew": dew,
            "ghi": sky.ghi,
            "dni": sky.dni,
            "dhi": sky.dhi,
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
