"""Forecast horizons, the seeded forecast-error model, and moving weather between grids and years."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pvlib
import pytest
import xarray as xr
from greendc.weather.errors import InputError
from greendc.weather.forecast import (
    ErrorModel,
    forecast_and_actual,
    forecast_with_error,
    horizon,
    lead_time_h,
)
from greendc.weather.readers import read_tmy3
from greendc.weather.timegrid import on_year, resample_weather, weather_window
from hypothesis import given, settings
from hypothesis import strategies as st

GREENSBORO = Path(pvlib.__file__).parent / "data" / "723170TYA.CSV"


@pytest.fixture(scope="module")
def year() -> xr.Dataset:
    return read_tmy3(GREENSBORO)[0]


def test_horizon_slices_local_day(year: xr.Dataset) -> None:
    day = horizon(year, "2025-07-04", 24)  # naive: local (UTC-5)
    times = pd.DatetimeIndex(day["time"].values)
    assert len(times) == 24 and times[0] == pd.Timestamp("2025-07-04 05:00")


def test_forecast_and_actual_cover_the_same_hours(year: xr.Dataset) -> None:
    forecast, actual = forecast_and_actual(year, "2025-03-01", 48, seed=1)
    np.testing.assert_array_equal(forecast["time"].values, actual["time"].values)
    xr.testing.assert_identical(actual, horizon(year, "2025-03-01", 48))
    assert float(forecast["lead_h"][0]) == 0.0 and float(forecast["lead_h"][-1]) == 47.0
    assert not np.allclose(forecast["temp_air"], actual["temp_air"])
    assert bool((forecast["temp_dew"] <= forecast["temp_air"] + 1e-9).all())
    night = actual["ghi"].values == 0
    assert bool((forecast["ghi"].values[night] == 0).all())  # errors never invent sunshine at night


def test_forecast_is_reproducible(year: xr.Dataset) -> None:
    actual = horizon(year, "2025-05-01", 72)
    xr.testing.assert_identical(forecast_with_error(actual, seed=4), forecast_with_error(actual, seed=4))
    other = forecast_with_error(actual, seed=5)
    assert not np.allclose(other["temp_air"], forecast_with_error(actual, seed=4)["temp_air"])
    assert other.attrs["source"].endswith("(error seed 5)")


def test_forecast_error_grows_with_lead_time(year: xr.Dataset) -> None:
    actual = horizon(year, "2025-05-01", 72)
    errors = np.array(
        [(forecast_with_error(actual, seed=s)["temp_air"] - actual["temp_air"]).values for s in range(80)]
    )
    spread = errors.std(axis=0)
    model = ErrorModel()
    assert spread[:6].mean() == pytest.approx(
        model.temp_base_c + model.temp_growth_c_per_day * 2.5 / 24, rel=0.2
    )
    assert spread[66:].mean() == pytest.approx(
        model.temp_base_c + model.temp_growth_c_per_day * 68.5 / 24, rel=0.2
    )
    assert abs(errors.mean()) < 0.1  # unbiased


def test_lead_time_is_zero_before_issue() -> None:
    times = pd.date_range("2025-01-01", periods=4, freq="h")
    np.testing.assert_array_equal(lead_time_h(times, pd.Timestamp("2025-01-01 01:00")), [0, 0, 1, 2])


def test_resample_to_quarter_hours_keeps_irradiation(year: xr.Dataset) -> None:
    quarter = resample_weather(year, 15)
    assert quarter.sizes["time"] == 4 * 8760 and quarter.attrs["step_minutes"] == 15
    assert float(quarter["ghi"].sum() / 4) == pytest.approx(float(year["ghi"].sum()), rel=0.005)
    back = resample_weather(quarter, 60)
    assert float(back["temp_air"].mean()) == pytest.approx(float(year["temp_air"].mean()), abs=0.01)


def test_coarsening_averages_whole_intervals(year: xr.Dataset) -> None:
    two_hourly = resample_weather(year, 120)
    expected = year["temp_air"].values[:2].mean()
    assert float(two_hourly["temp_air"][0]) == pytest.approx(expected)
    with pytest.raises(InputError, match="step must be a multiple"):
        resample_weather(resample_weather(year, 15), 50)


def test_typical_year_moves_to_a_leap_year(year: xr.Dataset) -> None:
    leap = on_year(year, 2028)
    times = pd.DatetimeIndex(leap["time"].values)
    assert len(times) == 8784 and times[0] == pd.Timestamp("2028-01-01 05:00")
    np.testing.assert_array_equal(leap["temp_air"].values[:8760], year["temp_air"].values)
    np.testing.assert_array_equal(leap["temp_air"].values[8760:], year["temp_air"].values[:24])


def test_window_across_new_year_uses_two_years(year: xr.Dataset) -> None:
    window = weather_window(year, "2025-12-31 12:00", "2026-01-01 12:00")
    assert window.sizes["time"] == 24
    np.testing.assert_array_equal(window["temp_air"].values[12:], year["temp_air"].values[:12])


def test_dated_weather_outside_its_period_is_refused(year: xr.Dataset) -> None:
    dated = year.assign_attrs(typical_year=0)
    with pytest.raises(
        InputError, match="time: weather covers 2025-01-01 05:00:00 to 2026-01-01 05:00:00 UTC"
    ):
        weather_window(dated, "2026-03-01", "2026-03-02")
    with pytest.raises(InputError, match="cannot be moved"):
        on_year(dated, 2026)


@settings(max_examples=30, deadline=None)
@given(
    values=st.lists(st.floats(0, 1000), min_size=24, max_size=24), factor=st.sampled_from([2, 3, 4, 6, 12])
)
def test_coarsening_keeps_totals(values: list[float], factor: int) -> None:
    times = pd.date_range("2025-01-01", periods=24, freq="h")
    ds = xr.Dataset({"ghi": ("time", np.array(values))}, coords={"time": times}, attrs={"step_minutes": 60})
    coarse = resample_weather(ds, 60 * factor)
    assert coarse.sizes["time"] == 24 // factor
    assert float(coarse["ghi"].sum()) * factor == pytest.approx(sum(values), rel=1e-9, abs=1e-9)
