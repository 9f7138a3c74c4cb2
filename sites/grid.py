"""Grid signals on any time grid: import price, export price, carbon intensity, demand-charge share.

Times are UTC: a timezone-aware ``DatetimeIndex`` (converted) or a naive one (read as UTC, the
weather Dataset's convention). Tariff periods and the carbon shape are defined in local clock time,
so each step is converted to the site's timezone and the *local clock time at the step's start*
decides its price. DST is thus handled by the zoneinfo database: on a spring-forward day the
missing local hour simply never occurs, on a fall-back day the repeated hour is priced twice at the
period that covers it, and every UTC step gets exactly one price.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
from greendc.sites.tariffs import Grid, parse_window
from greendc.weather.errors import InputError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int_]

#: Steps of the tariff lookup table: one per 15 minutes of a day (tariff windows are 15-minute aligned).
QUARTERS_PER_DAY = 96
#: Period names that mark a critical (sharp) peak, left out of the peak:valley ratio (NDRC 2021).
CRITICAL_NAMES = ("critical", "sharp", "super")


def _utc_index(times_utc: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """The times as a UTC-aware index (naive input is taken to be UTC)."""
    index = pd.DatetimeIndex(times_utc)
    return index.tz_localize("UTC") if index.tz is None else index.tz_convert("UTC")


def _local_month_quarter(times_utc: pd.DatetimeIndex, timezone: str) -> tuple[IntArray, IntArray]:
    """Local month (1-12) and quarter-hour of day (0-95) of each step's start."""
    local = _utc_index(times_utc).tz_convert(timezone)
    month = np.asarray(local.month, dtype=int)
    quarter = (np.asarray(local.hour, dtype=int) * 60 + np.asarray(local.minute, dtype=int)) // 15
    return month, quarter


def tariff_table(grid: Grid) -> FloatArray:
    """Import price for each local month and quarter-hour, shape (12, 96). [currency/kWh]

    The site model guarantees the periods cover every quarter of every month exactly once.
    """
    table = np.full((12, QUARTERS_PER_DAY), np.nan)
    for period in grid.tariff:
        for window in period.windows:
            start, end = parse_window(window)
            for month in period.months:
                table[month - 1, start // 15:end // 15] = period.price_per_kwh
    return table


def price_series(grid: Grid, times_utc: pd.DatetimeIndex, timezone: str) -> pd.Series:
    """Import energy price at each step, from the period covering the step's local start. [currency/kWh]"""
    month, quarter = _local_month_quarter(times_utc, timezone)
    prices = tariff_table(grid)[month - 1, quarter]
    return pd.Series(prices, index=pd.DatetimeIndex(times_utc), name="price_per_kwh")


def export_price_series(grid: Grid, times_utc: pd.DatetimeIndex) -> pd.Series:
    """Price paid for exported energy at each step (a flat feed-in price). [currency/kWh]"""
    index = pd.DatetimeIndex(times_utc)
    return pd.Series(np.full(len(index), grid.export_price_per_kwh), index=index, name="export_price_per_kwh")


def peak_valley_ratio(grid: Grid) -> float:
    """Smallest, over the months, of the highest to the lowest non-critical price. [-]

    NDRC (2021) asks for peak:valley >= 4:1 (>= 3:1 where the system's peak-valley gap is under 40 %)
    every month; a critical peak is judged separately (>= 1.2 x peak), so it is left out here.
    """
    ratios = []
    for month in range(1, 13):
        prices = [p.price_per_kwh for p in grid.tariff
                  if month in p.months and not p.name.lower().startswith(CRITICAL_NAMES)]
        low, high = min(prices), max(prices)
        ratios.append(high / low if low > 0 else float("inf"))
    return float(min(ratios))


def solar_dip_shape(depth_frac: float) -> FloatArray:
    """Hourly multiplier of the annual emission factor by local hour 0..23, mean exactly 1. [-]

    A model, not data: where solar is a large share of supply the marginal mix is cleanest around
    solar noon. ``1 - depth * max(0, sin(pi (h + 0.5 - 6) / 12))`` (zero outside 06:00-18:00),
    divided by its daily mean so a whole local day averages to the annual factor.
    """
    hours = np.arange(24, dtype=float) + 0.5
    raw = 1.0 - depth_frac * np.maximum(np.sin(np.pi * (hours - 6.0) / 12.0), 0.0)
    return np.asarray(raw / raw.mean(), dtype=float)


def carbon_series(grid: Grid, times_utc: pd.DatetimeIndex, timezone: str,
                  base_dir: str | Path | None = None) -> pd.Series:
    """Grid carbon intensity at each step: the user's hourly CSV, or the annual factor shaped. [kgCO2/kWh]

    ``emission_series_file`` (relative to ``base_dir``, the site file's folder) wins; otherwise
    the annual factor times the 'solar_dip' shape by local hour, or flat.
    """
    index = pd.DatetimeIndex(times_utc)
    if grid.emission_series_file is not None:
        path = Path(grid.emission_series_file)
        if not path.is_absolute() and base_dir is not None:
            path = Path(base_dir) / path
        values = _series_on_grid(read_emission_csv(path), _utc_index(index), path)
    else:
        local_hour = np.asarray(_utc_index(index).tz_convert(timezone).hour, dtype=int)
        shape = solar_dip_shape(grid.emission_dip_frac) if grid.emission_shape == "solar_dip" else np.ones(24)
        values = grid.emission_factor_kg_per_kwh * shape[local_hour]
    return pd.Series(values, index=index, name="carbon_kg_per_kwh")


def read_emission_csv(path: Path) -> pd.Series:
    """A user's carbon-intensity CSV (columns ``time``, ``carbon_kg_per_kwh``) as a UTC series. [kgCO2/kWh]

    Times are ISO 8601; naive times are UTC. Each value holds from its time to the next row's.
    """
    key = "grid.emission_series_file"
    try:
        frame = pd.read_csv(path)
    except FileNotFoundError:
        raise InputError("carbon-intensity file not found", file=path, key=key) from None
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror or exc}); need a CSV file", file=path,
                         key=key) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"not a readable CSV ({exc})", file=path, key=key) from None
    missing = {"time", "carbon_kg_per_kwh"} - set(frame.columns)
    if missing:
        raise InputError(f"missing column(s) {sorted(missing)}; need time, carbon_kg_per_kwh",
                         file=path, key=key)
    try:
        times = pd.DatetimeIndex(pd.to_datetime(frame["time"], utc=True, format="ISO8601"))
    except (ValueError, TypeError) as exc:
        raise InputError(f"column time: not ISO 8601 times ({exc})", file=path, key=key) from None
    values = pd.to_numeric(frame["carbon_kg_per_kwh"], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values) | (values < 0) | (values > 2)
    if bad.any():
        row = int(np.flatnonzero(bad)[0]) + 2  # 1-based, after the header line
        raise InputError(f"column carbon_kg_per_kwh, line {row}: need a number in 0-2 kgCO2/kWh",
                         file=path, key=key)
    if len(times) == 0 or not times.is_monotonic_increasing or times.has_duplicates:
        raise InputError("column time must be non-empty, strictly increasing", file=path, key=key)
    return pd.Series(values, index=times, name="carbon_kg_per_kwh")


def _series_on_grid(series: pd.Series, times_utc: pd.DatetimeIndex, path: Path) -> FloatArray:
    """Values of a step series at each time (the row at or before it); InputError outside its span."""
    last_step = series.index[-1] - series.index[-2] if len(series) > 1 else pd.Timedelta(hours=1)
    end = series.index[-1] + last_step
    if len(times_utc) and (times_utc.min() < series.index[0] or times_utc.max() >= end):
        raise InputError(f"covers {series.index[0]} to {end} but times {times_utc.min()} to "
                         f"{times_utc.max()} are needed", file=path, key="grid.emission_series_file")
    positions = series.index.searchsorted(times_utc, side="right") - 1
    return np.asarray(series.to_numpy()[positions], dtype=float)


def demand_charge_share(times_utc: pd.DatetimeIndex, timezone: str, step_minutes: float) -> float:
    """Months of demand charge a horizon carries: sum of step length / its local month's length. [-]

    A day in a 30-day month carries 1/30 of the monthly charge, a whole month 1, a year 12. A
    plan shorter than a month charges its peak at this share of ``demand_charge_per_kw_month``
    (a pro-rata convention, since the monthly peak is not known from one day).
    """
    local = _utc_index(times_utc).tz_convert(timezone)
    hours_in_month = np.asarray(local.days_in_month, dtype=float) * 24.0
    return float(np.sum((step_minutes / 60.0) / hours_in_month))
