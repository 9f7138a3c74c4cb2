"""The day's temperature shape for the synthetic year: the asymmetric diurnal wave, its scale that keeps
each month's mean daily range, and the ramp of daily levels across midnight (``weather.synthetic``)."""

from __future__ import annotations

import numpy as np
from greendc.weather.series import FloatArray, IntArray, by_day_of_year

#: Time over which one day's mean temperature level ramps into the next's, centred on midnight [d].
TEMP_RAMP_D = 0.25
#: Hour of the daily temperature maximum, local solar time [h].
TEMP_PEAK_HOUR = 15.0


def daily_range(values: FloatArray, day: IntArray) -> FloatArray:
    """Each day's maximum minus minimum of a series with a (non-decreasing) day index per step."""
    starts = np.flatnonzero(np.r_[True, np.diff(day) > 0])
    return np.maximum.reduceat(values, starts) - np.minimum.reduceat(values, starts)


def diurnal_wave_scale(
    rest: FloatArray,
    wave: FloatArray,
    day: IntArray,
    month_of_day: IntArray,
    range_month: FloatArray,
    day_of_year: FloatArray,
    year: int,
) -> FloatArray:
    """Smooth daily factor on the diurnal wave so each month's mean daily max minus min is its normal [-].

    A day's maximum minus minimum is the wave's amplitude plus what the day-to-day ramp and the hourly
    jitter add: where the diurnal range is small against the day-to-day change (Sand Point's winter:
    3.1 K against changes of 2-3 K) the unscaled wave gave 4.6 K in December and put the mean daily
    minimum 0.6 K under the normal. Fixed-point iterations f <- f target / realized month by month
    (the realized range grows with f), placed at mid-month and interpolated (no step), kept in 0.3-1.5.
    """
    counts = np.bincount(month_of_day, minlength=12)
    target = np.asarray(range_month, float)
    monthly = np.ones(12)
    for _ in range(6):
        ranges = daily_range(rest + wave * by_day_of_year(monthly, day_of_year, year)[day], day)
        realized = np.bincount(month_of_day, weights=ranges, minlength=12) / counts
        monthly = np.clip(monthly * target / np.maximum(realized, 1e-6), 0.3, 1.5)
    return by_day_of_year(monthly, day_of_year, year)


def ramp_between_days(daily: FloatArray, position_d: FloatArray, ramp_d: float = TEMP_RAMP_D) -> FloatArray:
    """Daily values held through each day and ramped linearly across midnight (no step at midnight)."""
    starts = np.arange(len(daily), dtype=float)
    knots = np.column_stack([starts + ramp_d / 2, starts + 1.0 - ramp_d / 2]).ravel()
    return np.interp(position_d, knots, np.repeat(daily, 2))


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
