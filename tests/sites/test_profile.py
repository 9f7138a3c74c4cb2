"""The site profile contract (docs/architecture.md) on a small test site."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pvlib
import pytest
import xarray as xr
from greendc.sites import builtin_ids, cooling, load_site
from greendc.sites.model import Site
from greendc.sites.profile import annual_summary, default_weather, firm_it_kw, monthly_summary, site_profile
from greendc.sites.renewables import DAYS_IN_MONTH, reference_pv
from greendc.weather.dataset import WeatherWarning
from greendc.weather.errors import InputError
from greendc.weather.forecast import forecast_and_actual
from greendc.weather.readers import read_tmy3
from locations import DATA, ROOT

SITE_FILE = DATA / "weather" / "test_site.toml"
PVLIB_DATA = Path(pvlib.__file__).parent / "data"

VARIABLES = {
    "price_per_kwh": ("time",),
    "export_price_per_kwh": ("time",),
    "carbon_kg_per_kwh": ("time",),
    "pv_kw": ("time",),
    "wind_kw": ("time",),
    "firm_it_kw": ("time",),
    "temp_air_c": ("time",),
    "temp_wet_bulb_c": ("time",),
    "cooling_kw_per_kw": ("time", "level"),
    "it_fan_uplift": ("level",),
    "cooling_mode": ("time", "level"),
}
ATTRS = {
    "site_id",
    "timezone",
    "step_minutes",
    "currency",
    "electrical_loss_frac",
    "demand_charge_per_kw_month",
    "import_limit_kw",
    "export_limit_kw",
}


@pytest.fixture(scope="module")
def site() -> Site:
    return load_site(SITE_FILE)


@pytest.fixture(scope="module")
def weather(site: Site) -> xr.Dataset:
    return default_weather(site)


@pytest.fixture(scope="module")
def year(site: Site, weather: xr.Dataset) -> xr.Dataset:
    return site_profile(site, weather)


def test_contract_variables_dims_and_attrs(year: xr.Dataset, site: Site) -> None:
    assert {name: year[name].dims for name in year.data_vars} == VARIABLES
    assert set(year.attrs) >= ATTRS
    assert year.attrs["site_id"] == "greensboro-test" and year.attrs["step_minutes"] == 60
    assert year.attrs["electrical_loss_frac"] == 0.05 and year.attrs["export_limit_kw"] == 500.0
    np.testing.assert_array_equal(year["setpoint_c"].values, site.cooling.setpoint_levels_c)
    assert year["time"].dtype == np.dtype("datetime64[ns]")
    assert year["cooling_mode"].dtype == np.int8


def test_hourly_year_from_local_midnight(year: xr.Dataset) -> None:
    times = pd.DatetimeIndex(year["time"].values)
    assert len(times) == 8760
    assert times[0] == pd.Timestamp("2025-01-01 05:00")  # 00:00 in New York (EST)
    assert (np.diff(times.asi8) == 3600 * 10**9).all()


def test_signals_follow_the_site(year: xr.Dataset, site: Site) -> None:
    local = pd.DatetimeIndex(year["time"].values).tz_localize("UTC").tz_convert(site.site.timezone)
    peak = (local.hour >= 8) & (local.hour < 22)
    np.testing.assert_array_equal(year["price_per_kwh"].values, np.where(peak, 0.20, 0.05))
    assert bool((year["export_price_per_kwh"] == 0.03).all())
    assert float(year["carbon_kg_per_kwh"].mean()) == pytest.approx(0.4, rel=0.02)
    assert 0 < float(year["pv_kw"].max()) <= 1000.0 / 1.2
    assert 0 < float(year["wind_kw"].max()) <= 2 * 2350.0 * 0.95
    assert bool((year["firm_it_kw"] == 100.0).all())


def test_cooling_matches_the_plant_at_the_outdoor_conditions(year: xr.Dataset, site: Site) -> None:
    plant = cooling.cooling_coefficients(
        year["temp_air_c"].values, year["temp_wet_bulb_c"].values, site.cooling
    )
    np.testing.assert_array_equal(year["cooling_kw_per_kw"].values, plant.kw_per_kw)
    np.testing.assert_array_equal(year["cooling_mode"].values, plant.mode)
    np.testing.assert_array_equal(year["it_fan_uplift"].values, plant.it_fan_uplift)


def test_quarter_hour_day_agrees_with_hourly(site: Site, weather: xr.Dataset, year: xr.Dataset) -> None:
    day = site_profile(site, weather, start="2025-06-21", end="2025-06-22", step_minutes=15)
    assert day.sizes["time"] == 96 and day.attrs["step_minutes"] == 15
    hourly = year.sel(time=slice("2025-06-21 04:00", "2025-06-22 03:00"))  # EDT is UTC-4
    assert float(day["pv_kw"].sum()) / 4 == pytest.approx(float(hourly["pv_kw"].sum()), rel=0.03)
    assert float(day["temp_air_c"].mean()) == pytest.approx(float(hourly["temp_air_c"].mean()), abs=0.1)


def test_firm_load_follows_local_hour_multipliers(site: Site) -> None:
    shaped = site.model_copy(
        update={"it": site.it.model_copy(update={"firm_load_profile": [0.5] * 12 + [1.5] * 12})}
    )
    times = pd.DatetimeIndex(["2025-01-01 16:00", "2025-01-01 18:00"]).tz_localize("UTC")  # 11:00, 13:00 EST
    np.testing.assert_array_equal(firm_it_kw(shaped, times), [50.0, 150.0])


def test_typical_year_file_moved_to_the_asked_year_with_distance_check(site: Site) -> None:
    tmy = read_tmy3(PVLIB_DATA / "723170TYA.CSV")[0]
    profile = site_profile(site, tmy, start="2026-02-01", end="2026-02-08")
    assert profile.sizes["time"] == 7 * 24
    miami = tmy.assign_attrs(latitude=25.8, longitude=-80.27)
    with pytest.warns(WeatherWarning, match=r"1,1\d\d km from greensboro-test"):
        site_profile(site, miami, start="2026-02-01", end="2026-02-02")


def test_dated_weather_defaults_to_its_own_span(site: Site) -> None:
    tmy = read_tmy3(PVLIB_DATA / "723170TYA.CSV")[0]
    dated = tmy.isel(time=slice(24 * 40, 24 * 47)).assign_attrs(typical_year=0)
    profile = site_profile(site, dated)
    np.testing.assert_array_equal(profile["time"].values, dated["time"].values)
    with pytest.raises(InputError, match="is outside it"):
        site_profile(site, dated, start="2025-06-01", end="2025-06-02")


def test_bad_step_and_empty_period_are_refused(site: Site, weather: xr.Dataset) -> None:
    with pytest.raises(InputError, match="step_minutes: step of 45 min is not allowed"):
        site_profile(site, weather, step_minutes=45)
    with pytest.raises(InputError, match="end: the period must end after it starts"):
        site_profile(site, weather, start="2025-03-02", end="2025-03-01")


def test_monthly_summary_sums_to_the_year(site: Site, weather: xr.Dataset) -> None:
    assert site.pv is not None
    table = monthly_summary(
        weather,
        site.pv,
        site.cooling,
        latitude=36.1,
        longitude=-79.95,
        altitude_m=273.0,
        timezone=site.site.timezone,
    )
    assert list(table.index) == [*range(1, 13), "year"]
    assert table.loc[1:12, "pv_kwh_per_kwp"].sum() == pytest.approx(table.loc["year", "pv_kwh_per_kwp"])
    assert table.loc[1:12, "free_cooling_h"].sum() == pytest.approx(table.loc["year", "free_cooling_h"])
    free_h = table["free_cooling_h"].to_numpy(dtype=float)
    assert free_h[0] > free_h[6]  # January economises more than July
    np.testing.assert_allclose(
        table.loc[1:12, "temp_air_c"].to_numpy(dtype=float), site.climate.temp_mean_c, atol=1e-6
    )


def test_annual_summary_is_consistent_with_the_profile(
    site: Site, weather: xr.Dataset, year: xr.Dataset
) -> None:
    summary = annual_summary(site, weather)
    assert summary["pv_kwh_per_kwp"] == pytest.approx(float(year["pv_kw"].sum()) / 1000.0)
    assert summary["pv_capacity_factor"] == pytest.approx(summary["pv_kwh_per_kwp"] / 8760.0)
    assert summary["wind_capacity_factor"] == pytest.approx(float(year["wind_kw"].mean()) / (2 * 2350.0))
    assert 1.0 < summary["pue_best"] <= summary["pue_baseline"]
    baseline_free = (year["cooling_mode"].isel(level=0) == 0).sum()  # baseline 18 C is level 0
    assert summary["free_cooling_h"] == float(baseline_free)
    # the test farm is two reference turbines (E-82/2350, 100 m, z0 0.1 m, no farm resource): one
    # reference turbine has the same capacity factor
    assert summary["wind_reference_capacity_factor"] == pytest.approx(summary["wind_capacity_factor"])
    # the reference array (tilt 36 deg = latitude) and the site's (tilt 30 deg) differ by under 2 %
    assert summary["pv_reference_kwh_per_kwp"] == pytest.approx(summary["pv_kwh_per_kwp"], rel=0.02)
    assert summary["pv_reference_kwh_per_kwp"] != summary["pv_kwh_per_kwp"]


def _docs_tables(heading: str) -> dict[str, list[list[str]]]:
    """Rows of the markdown tables under a docs/sites.md heading, by their first cell (site id)."""
    text = (ROOT / "docs" / "sites.md").read_text()
    section = text[text.index(heading) :]
    section = section[: section.find("\n## ", 1) if "\n## " in section[1:] else len(section)]
    rows: dict[str, list[list[str]]] = {}
    for line in section.splitlines():
        if line.startswith("| ") and not line.startswith("| id"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            rows.setdefault(cells[0], []).append(cells)
    return rows


def _fmt(value: float, spec: str) -> str:
    """A figure as docs/sites.md prints it, '-' for NaN (no such asset)."""
    return "-" if np.isnan(value) else format(value, spec)


@pytest.mark.slow
@pytest.mark.parametrize("site_id", builtin_ids())
def test_docs_sites_weather_year_section_matches_the_model(site_id: str) -> None:
    # docs/sites.md, "Weather year: PV, wind and PUE": GHI, PV and wind yield, free cooling, the
    # reference-system resource table and monthly PUE at the best level on the synthetic year (seed 0)
    rows = _docs_tables("## Weather year")[site_id]
    assert len(rows) == 3
    main, monthly, resource = rows
    site = load_site(site_id)
    weather = default_weather(site)
    summary = annual_summary(site, weather)
    assert [main[1], main[3], main[4], main[6], main[10]] == [
        f"{summary['ghi_kwh_m2']:.0f}",
        _fmt(summary["pv_kwh_per_kwp"], ".0f"),
        _fmt(100 * summary["pv_capacity_factor"], ".1f"),
        _fmt(100 * summary["wind_capacity_factor"], ".1f"),
        f"{summary['free_cooling_h']:.0f}",
    ]
    local = pd.DatetimeIndex(weather["time"].values).tz_localize("UTC").tz_convert(site.site.timezone)
    temp_c, wet_c = weather["temp_air"].to_numpy(), weather["temp_wet_bulb"].to_numpy()
    loss = site.it.electrical_loss_frac
    assert monthly[1:] == [
        f"{cooling.annual_pue(temp_c[local.month == m], wet_c[local.month == m], site.cooling, loss):.2f}"
        for m in range(1, 13)
    ]
    assert resource[1:] == [
        f"{reference_pv(site.site.latitude).tilt_deg:g}",
        f"{summary['pv_reference_kwh_per_kwp']:.0f}",
        f"{100 * summary['pv_reference_kwh_per_kwp'] / 8760:.1f}",
        f"{np.average(site.climate.wind_speed_ms, weights=DAYS_IN_MONTH):.1f}",
        f"{100 * summary['wind_reference_capacity_factor']:.1f}",
    ]


def test_profiles_of_forecast_and_actual_share_the_grid(site: Site, weather: xr.Dataset) -> None:
    forecast, actual = forecast_and_actual(weather, "2025-08-01", 48, seed=2, timezone=site.site.timezone)
    planned = site_profile(site, forecast, start="2025-08-01", end="2025-08-03", step_minutes=15)
    settled = site_profile(site, actual, start="2025-08-01", end="2025-08-03", step_minutes=15)
    np.testing.assert_array_equal(planned["time"].values, settled["time"].values)
    np.testing.assert_array_equal(planned["price_per_kwh"].values, settled["price_per_kwh"].values)
    assert not np.allclose(planned["temp_air_c"].values, settled["temp_air_c"].values)
