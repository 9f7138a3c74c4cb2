"""Small stochastic and calendar helpers shared by the synthetic year's parts (daily and hourly series)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def ar1(rng: np.random.Generator, n: int, phi: float) -> FloatArray:
    """A stationary AR(1) series with unit variance and lag-one autocorrelation phi."""
    return ar1_from(rng.standard_normal(n), phi)


def ar1_from(shocks: FloatArray, phi: float) -> FloatArray:
    """An AR(1) series driven by the given zero-mean unit-variance shocks (unit variance, lag-one phi)."""
    n = len(shocks)
    out = np.empty(n)
    out[0] = shocks[0]
    scale = np.sqrt(1.0 - phi**2)
    for i in range(1, n):
        out[i] = phi * out[i - 1] + scale * shocks[i]
    return out


def correlated(unit: FloatArray, own: FloatArray, rho: FloatArray | float) -> FloatArray:
    """A unit-variance series correlated rho with `unit` (both unit variance, independent of each other)."""
    rho = np.clip(rho, -1.0, 1.0)
    return rho * unit + np.sqrt(1.0 - rho**2) * own


def by_day_of_year(monthly: npt.ArrayLike, day_of_year: FloatArray, year: int) -> FloatArray:
    """Monthly values placed at mid-month and interpolated periodically to each day of year."""
    mid = pd.DatetimeIndex([pd.Timestamp(year, m, 15) for m in range(1, 13)]).dayofyear.to_numpy(float)
    days = 366.0 if pd.Timestamp(year, 12, 31).dayofyear == 366 else 365.0
    return np.interp(day_of_year, mid, np.asarray(monthly, dtype=float), period=days)


def month_scale(
    values: FloatArray, month_index: IntArray, target: FloatArray, weights: FloatArray
) -> FloatArray:
    """Per-step factor that makes each month's weighted sum of values equal its target."""
    realized = np.bincount(month_index, weights=values * weights, minlength=12)
    factor = np.where(realized > 0, target / np.maximum(realized, 1e-12), 1.0)
    return factor[month_index]


def coldness(temp_mean_c: FloatArray) -> FloatArray:
    """1 in the coldest month, 0 in the warmest, linear in the monthly mean between them [-]."""
    return (temp_mean_c.max() - temp_mean_c) / max(float(np.ptp(temp_mean_c)), 1e-9)
