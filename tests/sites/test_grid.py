"""Grid signals: tariff on any time grid (midnight, DST), carbon shape and CSV, demand-charge share."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from greendc.sites import load_site
from greendc.sites.grid import (
    carbon_series,
    demand_charge_share,
    export_price_series,
    peak_valley_ratio,
    price_series,
    solar_dip_shape,
    tariff_table,
)
from greendc.sites.model import Grid
from greendc.weather.errors import InputError
from hypothesis import given, settings
from hypothesis import strategies as st
from locations import ROOT


def make_grid(periods: list[dict], **extra: object) -> Grid:
    """A Grid with the given tariff periods and otherwise minimal settings."""
    return Grid.model_validate({"import_limit_kw": 1000.0, "emission_factor_kg_per_kwh": 0.6,
                                "tariff": periods, **extra})


#: Price = local hour / 2, so a price names the local clock hour that set it.
HOURLY = make_grid([{"name": f"h{h}", "price_per_kwh": h / 2, "windows": [f"{h:02d}:00-{h + 1:02d}:00"]}
                    for h in range(24)])


def test_every_hour_of_a_year_priced_exactly_once_with_eight_hours_per_period() -> None:
    site = load_site("shanghai")  # east shape: 8 h valley, 8 h flat, 8 h peak (6 h + 2 h critical in Jul-Aug)
    local_year = pd.date_range("2025-01-01", "2026-01-01", freq="h", inclusive="left", tz="Asia/Shanghai")
    times = local_year.tz_convert("UTC")
    prices = price_series(site.grid, times, site.site.timezone)
    assert len(prices) == len(times) == 8760 and prices.index.equals(times)
    assert not prices.isna().any()
    local_day = pd.DatetimeIndex(prices.index).tz_convert("Asia/Shanghai").normalize()
    hours_at_price = prices.groupby([local_day, prices.to_numpy()]).size()
    assert set(hours_at_price.to_numpy()) <= {8, 6, 2}
    flat = {p.name: p.price_per_kwh for p in site.grid.tariff}["flat"]
    # a whole day of constant load pays the flat price on average outside July-August
    april = prices[pd.DatetimeIndex(prices.index).tz_convert("Asia/Shanghai").month == 4]
    assert april.mean() == pytest.approx(flat, rel=1e-9)


def test_peak_valley_ratio_as_stated() -> None:
    assert peak_valley_ratio(load_site("shanghai").grid) == pytest.approx(4.0)
    assert peak_valley_ratio(load_site("zhongwei").grid) == pytest.approx(3.0)
    assert peak_valley_ratio(HOURLY) == float("inf")  # the 00:00 hour costs 0


def test_price_around_midnight_in_china() -> None:
    grid = make_grid([{"name": "late", "price_per_kwh": 1.0, "windows": ["22:00-24:00"]},
                      {"name": "early", "price_per_kwh": 0.1, "windows": ["00:00-02:00"]},
                      {"name": "day", "price_per_kwh": 0.5, "windows": ["02:00-22:00"]}])
    # 15:45 UTC = 23:45 Beijing time, 16:00 UTC = 00:00 the next local day.
    times = pd.DatetimeIndex(["2025-03-01 15:45", "2025-03-01 16:00", "2025-03-01 17:59"])
    np.testing.assert_allclose(price_series(grid, times, "Asia/Shanghai"), [1.0, 0.1, 0.1])


def test_dst_spring_forward_new_york_skips_the_missing_local_hour() -> None:
    day = pd.date_range("2024-03-10 05:00", "2024-03-11 04:00", freq="h", inclusive="left", tz="UTC")
    prices = price_series(HOURLY, day, "America/New_York")
    assert len(day) == 23  # the local day is 23 hours long
    assert list(prices * 2) == [0, 1, *range(3, 24)]  # priced by local clock hour; 02:00 never occurs


def test_dst_fall_back_new_york_prices_the_repeated_hour_twice() -> None:
    day = pd.date_range("2024-11-03 04:00", "2024-11-04 05:00", freq="h", inclusive="left", tz="UTC")
    prices = price_series(HOURLY, day, "America/New_York")
    assert len(day) == 25
    assert list(prices * 2) == [0, 1, 1, *range(2, 24)]


def test_naive_times_are_utc_and_sub_hourly_steps_use_the_period_at_their_start() -> None:
    naive = pd.date_range("2024-07-01 00:00", periods=8, freq="15min")
    aware = naive.tz_localize("UTC")
    a = price_series(HOURLY, naive, "Asia/Shanghai")
    b = price_series(HOURLY, aware, "Asia/Shanghai")
    np.testing.assert_array_equal(a.to_numpy(), b.to_numpy())
    np.testing.assert_array_equal(a.to_numpy() * 2, [8, 8, 8, 8, 9, 9, 9, 9])  # UTC+8
    assert a.index.equals(naive)


@settings(max_examples=40, deadline=None)
@given(cuts=st.lists(st.integers(1, 95), min_size=1, max_size=6, unique=True),
       offsets=st.lists(st.integers(0, 10**6), min_size=1, max_size=30))
def test_random_partitions_price_each_step_by_its_local_quarter(cuts: list[int], offsets: list[int]) -> None:
    edges = [0, *sorted(cuts), 96]
    periods = [{"name": f"p{i}", "price_per_kwh": 0.1 * (i + 1),
                "windows": [f"{a // 4:02d}:{a % 4 * 15:02d}-{b // 4:02d}:{b % 4 * 15:02d}"]}
               for i, (a, b) in enumerate(itertools.pairwise(edges))]
    grid = make_grid(periods)
    times = pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(sorted(offsets), unit="min")
    prices = price_series(grid, pd.DatetimeIndex(times), "Europe/Berlin").to_numpy()
    local = pd.DatetimeIndex(times).tz_convert("Europe/Berlin")
    quarter = (local.hour * 60 + local.minute) // 15
    expected = [0.1 * (np.searchsorted(edges, q, side="right")) for q in quarter]
    np.testing.assert_allclose(prices, expected)
    assert tariff_table(grid).shape == (12, 96)


def test_export_price_is_flat() -> None:
    site = load_site("zhongwei")
    times = pd.date_range("2025-06-01", periods=5, freq="h", tz="UTC")
    series = export_price_series(site.grid, times)
    assert np.all(series.to_numpy() == site.grid.export_price_per_kwh) and series.index.equals(times)


@pytest.mark.parametrize("freq", ["h", "15min"])
def test_solar_dip_keeps_the_daily_mean_and_is_lowest_at_midday(freq: str) -> None:
    grid = make_grid([{"name": "flat", "price_per_kwh": 0.5, "windows": ["00:00-24:00"]}],
                     emission_dip_frac=0.25)
    local_day = pd.date_range("2025-05-01", "2025-05-02", freq=freq, inclusive="left", tz="Asia/Shanghai")
    carbon = carbon_series(grid, local_day.tz_convert("UTC"), "Asia/Shanghai")
    assert carbon.mean() == pytest.approx(0.6, rel=1e-12)
    by_hour = carbon.groupby(local_day.hour).mean()
    assert by_hour.idxmin() in (11, 12) and by_hour[3] == by_hour.max()
    assert by_hour.min() < 0.6 < by_hour.max()


def test_solar_dip_shape_depth() -> None:
    shape = solar_dip_shape(0.2)
    assert shape.mean() == pytest.approx(1.0)
    assert shape.min() / shape.max() == pytest.approx(1 - 0.2 * np.sin(np.pi * 5.5 / 12), rel=1e-12)
    np.testing.assert_allclose(solar_dip_shape(0.0), np.ones(24))


def test_flat_shape_is_the_annual_factor() -> None:
    site = load_site("tianfu")
    assert site.grid.emission_shape == "flat"
    times = pd.date_range("2025-01-01", periods=48, freq="h", tz="UTC")
    assert np.all(carbon_series(site.grid, times, "Asia/Shanghai").to_numpy() == 0.1404)


def _csv_grid(name: str) -> Grid:
    return make_grid([{"name": "flat", "price_per_kwh": 0.5, "windows": ["00:00-24:00"]}],
                     emission_series_file=name)


def test_user_csv_series_relative_to_the_site_file(tmp_path: Path) -> None:
    (tmp_path / "carbon.csv").write_text(
        "time,carbon_kg_per_kwh\n2025-01-01T00:00Z,0.5\n2025-01-01T01:00Z,0.4\n2025-01-01T02:00Z,0.3\n")
    times = pd.date_range("2025-01-01 00:00", periods=12, freq="15min", tz="UTC")
    carbon = carbon_series(_csv_grid("carbon.csv"), times, "Asia/Shanghai", base_dir=tmp_path)
    np.testing.assert_allclose(carbon.to_numpy(), [0.5] * 4 + [0.4] * 4 + [0.3] * 4)


@pytest.mark.parametrize(("content", "fragment"), [
    ("when,carbon_kg_per_kwh\n2025-01-01T00:00Z,0.5\n", "missing column"),
    ("time,carbon_kg_per_kwh\n2025-01-01T00:00Z,-0.5\n", "line 2"),
    ("time,carbon_kg_per_kwh\n2025-01-01T00:00Z,abc\n", "line 2"),
    ("time,carbon_kg_per_kwh\nyesterday,0.5\n", "ISO 8601"),
    ("time,carbon_kg_per_kwh\n2024-01-01T00:00Z,0.5\n2024-01-01T01:00Z,0.5\n", "covers"),
])
def test_bad_user_csv_is_an_input_error_naming_file_and_key(tmp_path: Path, content: str,
                                                            fragment: str) -> None:
    (tmp_path / "carbon.csv").write_text(content)
    times = pd.date_range("2025-01-01", periods=3, freq="h", tz="UTC")
    with pytest.raises(InputError, match=fragment) as info:
        carbon_series(_csv_grid("carbon.csv"), times, "Asia/Shanghai", base_dir=tmp_path)
    assert info.value.key == "grid.emission_series_file" and "carbon.csv" in str(info.value.file)


def test_missing_csv_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        carbon_series(_csv_grid("nope.csv"), pd.date_range("2025-01-01", periods=2, freq="h", tz="UTC"),
                      "Asia/Shanghai", base_dir=tmp_path)


def test_demand_charge_share_counts_months() -> None:
    tz = "Asia/Shanghai"
    april_day = pd.date_range("2025-04-10", periods=96, freq="15min", tz=tz).tz_convert("UTC")
    assert demand_charge_share(april_day, tz, 15) == pytest.approx(1 / 30)
    january = pd.date_range("2025-01-01", "2025-02-01", freq="h", inclusive="left", tz=tz)
    assert demand_charge_share(january.tz_convert("UTC"), tz, 60) == pytest.approx(1.0)
    year = pd.date_range("2025-01-01", "2026-01-01", freq="h", inclusive="left", tz=tz)
    assert demand_charge_share(year.tz_convert("UTC"), tz, 60) == pytest.approx(12.0)


CATALOGUE = sorted(p.stem for p in (ROOT / "sites" / "catalogue").glob("*.toml"))


def _docs_peak_valley() -> dict[str, float]:
    """The peak:valley column of docs/sites.md's catalogue table, e.g. '4:1' -> 4.0, by site id."""
    text = (ROOT / "docs" / "sites.md").read_text()
    rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in text.splitlines()]
    return {r[0]: float(r[6].split(":")[0]) for r in rows if len(r) == 12 and r[0] in CATALOGUE}


@pytest.mark.parametrize("site_id", CATALOGUE)
def test_each_catalogue_tariff_prices_every_hour_once_at_its_stated_peak_valley_ratio(site_id: str) -> None:
    site = load_site(site_id)
    tz = site.site.timezone
    local_year = pd.date_range("2025-01-01", "2026-01-01", freq="h", inclusive="left", tz=tz)
    prices = price_series(site.grid, local_year.tz_convert("UTC"), tz)
    assert len(prices) == 8760 and prices.index.is_unique and not prices.isna().any()
    critical = {p.price_per_kwh for p in site.grid.tariff if p.name.startswith("critical")}
    ordinary = prices[~prices.isin(critical)]
    by_day = ordinary.groupby(pd.DatetimeIndex(ordinary.index).tz_convert(tz).date)
    ratios = (by_day.max() / by_day.min()).to_numpy()
    tariff_note = next(e.note for e in site.provenance if e.fact == "grid.tariff")
    stated = float(tariff_note.split("peak:valley ")[1].split(":")[0])
    assert stated == _docs_peak_valley()[site_id]
    np.testing.assert_allclose(ratios, stated, rtol=1e-12)  # every day, not just the tariff table
    assert peak_valley_ratio(site.grid) == pytest.approx(stated)
    # docs/sites.md: eight hours per period, so a flat load pays the flat price on a day without critical peak
    flat = next(p.price_per_kwh for p in site.grid.tariff if p.name == "flat")
    local = pd.DatetimeIndex(prices.index).tz_convert(tz)
    no_critical = prices[~local.month.isin([7, 8])]
    daily_mean = no_critical.groupby(pd.DatetimeIndex(no_critical.index).tz_convert(tz).date).mean()
    np.testing.assert_allclose(daily_mean.to_numpy(), flat, rtol=1e-12)
