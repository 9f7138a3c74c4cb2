"""Putting weather on the time grid a plan needs: another step length, another year, a window.

Every step is labelled by its start (UTC) and describes the interval that follows, so refining a
grid interpolates between interval midpoints and coarsening averages whole intervals: the energy
of irradiance is kept either way.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr
from greendc.weather.dataset import step_minutes_of
from greendc.weather.errors import InputError


def utc_naive(when: pd.Timestamp | str, timezone: str) -> pd.Timestamp:
    """A timestamp as naive UTC; a naive input is read as local clock time in ``timezone``."""
    stamp = pd.Timestamp(when)
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize(timezone)
    return stamp.tz_convert("UTC").tz_localize(None)


def resample_weather(ds: xr.Dataset, step_minutes: int) -> xr.Dataset:
    """The Dataset at another step: interval means when coarser, midpoint interpolation when finer."""
    source_min = int(ds.attrs.get("step_minutes") or step_minutes_of(pd.DatetimeIndex(ds["time"].values)))
    if step_minutes == source_min:
        return ds
    if step_minutes > source_min:
        if step_minutes % source_min:
            raise InputError(
                f"cannot average {source_min}-minute weather to {step_minutes}-minute steps; "
                "the step must be a multiple",
                key="step_minutes",
            )
        out = _interval_means(ds, step_minutes)
    else:
        times = pd.DatetimeIndex(ds["time"].values)
        start, end = times[0], times[-1] + pd.Timedelta(minutes=source_min)
        target = pd.date_range(start, end, freq=f"{step_minutes}min", inclusive="left")
        shift_src = np.timedelta64(source_min * 30, "s")
        shift_dst = np.timedelta64(step_minutes * 30, "s")
        src_mid = (times.to_numpy() + shift_src).astype("datetime64[s]").astype(np.int64)
        dst_mid = (target.to_numpy() + shift_dst).astype("datetime64[s]").astype(np.int64)
        out = xr.Dataset(
            {
                name: ("time", np.interp(dst_mid, src_mid, ds[name].to_numpy()), ds[name].attrs)
                for name in ds.data_vars
            },
            coords={"time": target.to_numpy()},
        )
        out["time"].attrs = ds["time"].attrs
    out.attrs = {**ds.attrs, "step_minutes": int(step_minutes)}
    for name in ds.data_vars:
        out[name].attrs = ds[name].attrs
    return out


def _interval_means(ds: xr.Dataset, step_minutes: int) -> xr.Dataset:
    """Means over clock-aligned intervals of step_minutes, labelled by their start."""
    step_ns = np.int64(step_minutes) * 60 * 1_000_000_000
    codes = ds["time"].values.astype("datetime64[ns]").astype(np.int64) // step_ns
    labels, inverse = np.unique(codes, return_inverse=True)
    counts = np.bincount(inverse)
    means = {
        name: ("time", np.bincount(inverse, weights=ds[name].to_numpy()) / counts) for name in ds.data_vars
    }
    out = xr.Dataset(means, coords={"time": (labels * step_ns).astype("datetime64[ns]")})
    out["time"].attrs = ds["time"].attrs
    return out


def _file(ds: xr.Dataset) -> str | None:
    """The weather's file (or source) for error messages."""
    return str(ds.attrs.get("file") or ds.attrs.get("source") or "") or None


def is_whole_year(ds: xr.Dataset) -> bool:
    """True when a Dataset spans at least 365 days: a typical year that can be read as periodic."""
    times = pd.DatetimeIndex(ds["time"].values)
    step = pd.Timedelta(minutes=int(ds.attrs["step_minutes"]))
    return bool(times[-1] + step - times[0] >= pd.Timedelta(days=365))


def on_year(ds: xr.Dataset, year: int) -> xr.Dataset:
    """A typical-year Dataset moved to a calendar year, step for step from local 1 January 00:00.

    A whole year is read as periodic: a leap target year repeats the source's first day at its end,
    a leap source loses its last day. The diurnal cycle stays on its UTC hours. A part of a year
    (missing months) keeps its local calendar dates and leaves the rest of the target year empty,
    so a December plan never gets January's weather.
    """
    if not int(ds.attrs.get("typical_year", 0)):
        raise InputError(
            f"this weather is for particular dates, not a typical year; it cannot be moved to {year}",
            file=_file(ds),
            key="time",
        )
    if not is_whole_year(ds):
        return _part_on_year(ds, year)
    timezone = str(ds.attrs.get("timezone", "UTC"))
    times = pd.DatetimeIndex(ds["time"].values)
    step = pd.Timedelta(minutes=int(ds.attrs["step_minutes"]))
    source_year = times[0].tz_localize("UTC").tz_convert(timezone).year
    source_origin = utc_naive(pd.Timestamp(source_year, 1, 1), timezone)
    first = int((times[0] - source_origin) / step)
    start = utc_naive(pd.Timestamp(year, 1, 1), timezone)
    end = utc_naive(pd.Timestamp(year + 1, 1, 1), timezone)
    target = pd.date_range(start, end, freq=step, inclusive="left")
    position = (np.arange(len(target)) - first) % len(times)
    out = ds.isel(time=position).assign_coords(time=target.to_numpy())
    out["time"].attrs = ds["time"].attrs
    return out


def _part_on_year(ds: xr.Dataset, year: int) -> xr.Dataset:
    """A part-year typical file on the same local dates of ``year`` (29 Feb dropped if ``year`` lacks it)."""
    timezone = str(ds.attrs.get("timezone", "UTC"))
    local = pd.DatetimeIndex(ds["time"].values).tz_localize("UTC").tz_convert(timezone).tz_localize(None)
    keep = ~((local.month == 2) & (local.day == 29)) | (pd.Timestamp(year, 1, 1).is_leap_year)
    moved = pd.DatetimeIndex([t.replace(year=year) for t in local[keep]])
    out = ds.isel(time=np.flatnonzero(keep)).assign_coords(
        time=moved.tz_localize(timezone).tz_convert("UTC").tz_localize(None).to_numpy()
    )
    out["time"].attrs = ds["time"].attrs
    return out


def _months(ds: xr.Dataset) -> str:
    """The local months a Dataset has, e.g. 'months 1-6' or 'months 1, 3'."""
    timezone = str(ds.attrs.get("timezone", "UTC"))
    months = sorted(set(pd.DatetimeIndex(ds["time"].values).tz_localize("UTC").tz_convert(timezone).month))
    if months == list(range(months[0], months[-1] + 1)) and len(months) > 1:
        return f"months {months[0]}-{months[-1]}"
    return f"month{'s' if len(months) > 1 else ''} {', '.join(map(str, months))}"


def weather_window(
    ds: xr.Dataset, start: pd.Timestamp | str, end: pd.Timestamp | str, timezone: str | None = None
) -> xr.Dataset:
    """Weather for [start, end); naive times are local in ``timezone`` (default the Dataset's).

    A typical year is moved onto the calendar years the window needs.
    """
    tz = timezone or str(ds.attrs.get("timezone", "UTC"))
    begin, finish = utc_naive(start, tz), utc_naive(end, tz)
    if finish <= begin:
        raise InputError(f"the period must end after it starts (got {start} to {end})", key="end")
    times = pd.DatetimeIndex(ds["time"].values)
    step = pd.Timedelta(minutes=int(ds.attrs["step_minutes"]))
    covered = times[0] <= begin and finish <= times[-1] + step
    source = ds
    if not covered and int(ds.attrs.get("typical_year", 0)):
        years = range(begin.year - 1, finish.year + 1)
        ds = xr.concat([on_year(ds, y) for y in years], dim="time", combine_attrs="override")
        times = pd.DatetimeIndex(ds["time"].values)
    elif not covered:
        raise InputError(
            f"weather covers {times[0]} to {times[-1] + step} UTC; the period {begin} to "
            f"{finish} UTC is outside it",
            file=_file(ds),
            key="time",
        )
    selected = ds.sel(time=slice(begin, finish - pd.Timedelta(nanoseconds=1)))
    if selected.sizes["time"] == 0 or selected.sizes["time"] < (finish - begin) // step:
        hours = source.sizes["time"] * step / pd.Timedelta(hours=1)
        raise InputError(
            f"the weather ({hours:,.0f} h, {_months(source)}) has no steps for {begin} to {finish} UTC; "
            "a typical year needs every month, or give a file covering the plan's dates",
            file=_file(source),
            key="time",
        )
    return selected
