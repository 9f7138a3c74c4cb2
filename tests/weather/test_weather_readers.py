"""Weather readers on pvlib's shipped TMY files and on small EPW, CSV and NetCDF files written here."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pvlib
import pytest
import xarray as xr
from greendc.weather.dataset import VARIABLES, WeatherWarning, check_location, distance_km
from greendc.weather.errors import InputError
from greendc.weather.readers import (
    read_csv,
    read_epw,
    read_netcdf,
    read_tmy2,
    read_tmy3,
    read_weather,
    write_netcdf,
)
from weather_cases import hourly_frame, write_epw

PVLIB_DATA = Path(pvlib.__file__).parent / "data"
GREENSBORO = PVLIB_DATA / "723170TYA.CSV"
SAND_POINT = PVLIB_DATA / "703165TY.csv"
MIAMI = PVLIB_DATA / "12839.tm2"



@pytest.fixture(scope="module")
def greensboro() -> xr.Dataset:
    return read_tmy3(GREENSBORO)[0]


def assert_standard(
    ds: xr.Dataset, meta: dict[str, object], fmt: str, location: tuple[float, float, float], timezone: str
) -> None:
    """The weather Dataset contract of docs/architecture.md: names, units, wind height, location attrs."""
    assert meta["format"] == fmt
    assert list(ds.data_vars) == list(VARIABLES)
    assert {name: ds[name].attrs["units"] for name in VARIABLES} == {n: u for n, (u, _) in VARIABLES.items()}
    assert ds["wind_speed"].attrs["height_m"] > 0
    assert ds["time"].dtype == np.dtype("datetime64[ns]")
    assert (ds.attrs["latitude"], ds.attrs["longitude"], ds.attrs["altitude_m"]) == pytest.approx(location)
    assert (meta["latitude"], meta["longitude"], meta["altitude_m"]) == pytest.approx(location)
    assert ds.attrs["timezone"] == meta["timezone"] == timezone
    assert ds.attrs["step_minutes"] == 60 and ds.attrs["source"]
    assert all(bool(np.isfinite(ds[name]).all()) for name in VARIABLES)
    assert bool((ds["temp_dew"] <= ds["temp_wet_bulb"] + 1e-6).all())
    assert bool((ds["temp_wet_bulb"] <= ds["temp_air"] + 1e-6).all())


def test_tmy3_greensboro_standard_names_units_and_location() -> None:
    ds, meta = read_weather(GREENSBORO)
    assert_standard(ds, meta, "tmy3", (36.1, -79.95, 273.0), "Etc/GMT+5")
    assert ds.sizes["time"] == 8760
    # local midnight (EST, UTC-5) on 1 January labels the first interval
    assert pd.Timestamp(ds["time"].values[0]) == pd.Timestamp("2025-01-01 05:00")
    assert ds["pressure"].attrs["units"] == "Pa" and 95000 < float(ds["pressure"].mean()) < 100000
    assert float(ds["temp_air"].mean()) == pytest.approx(14.42, abs=0.01)
    assert ds["wind_speed"].attrs["height_m"] == 10.0
    # first record of 723170TYA.CSV (01/01/1988 01:00): dry-bulb 10.0 C, dew point 6.1 C, RH 77 %,
    # pressure 993 mbar, wind 6.2 m/s, GHI 0
    first = ds.isel(time=0)
    names = ("temp_air", "temp_dew", "relative_humidity", "pressure", "wind_speed", "ghi")
    assert [float(first[n]) for n in names] == [10.0, 6.1, 77.0, 99300.0, 6.2, 0.0]


def test_tmy3_sand_point_time_zone() -> None:
    ds, meta = read_weather(SAND_POINT)
    assert_standard(ds, meta, "tmy3", (55.317, -160.517, 7.0), "Etc/GMT+9")
    assert pd.Timestamp(ds["time"].values[0]) == pd.Timestamp("2025-01-01 09:00")


def test_tmy2_miami_tenths_converted() -> None:
    ds, meta = read_tmy2(MIAMI)  # pvlib's TMY2 parser takes about 1 s
    assert_standard(ds, meta, "tmy2", (25.8, -80.2667, 2.0), "Etc/GMT+5")
    assert pd.Timestamp(ds["time"].values[0]) == pd.Timestamp("2025-01-01 05:00")  # local midnight, EST
    # first record of 12839.tm2: dry-bulb 200 (tenths of deg C), pressure 1017 mbar, wind 67 (tenths of m/s)
    first = ds.isel(time=0)
    assert (float(first["temp_air"]), float(first["pressure"]), float(first["wind_speed"])) == (
        20.0,
        101700.0,
        6.7,
    )
    assert float(ds["temp_air"].mean()) == pytest.approx(24.31, abs=0.01)


def test_epw_round_trip_keeps_values_and_times(tmp_path: Path, greensboro: xr.Dataset) -> None:
    path = write_epw(tmp_path / "small.epw", greensboro, hours=72)
    ds, meta = read_epw(path)
    assert_standard(ds, meta, "epw", (36.1, -79.95, 273.0), "Etc/GMT+5")
    assert ds.sizes["time"] == 72 and meta["raw"]["city"] == "TESTVILLE"
    np.testing.assert_array_equal(ds["time"].values, greensboro["time"].values[:72])
    np.testing.assert_allclose(ds["temp_air"], greensboro["temp_air"][:72], atol=0.051)
    np.testing.assert_allclose(ds["ghi"], greensboro["ghi"][:72], atol=0.51)


def test_epw_short_gap_is_interpolated_with_a_warning(tmp_path: Path, greensboro: xr.Dataset) -> None:
    path = write_epw(tmp_path / "gap.epw", greensboro, hours=48)
    lines = path.read_text().splitlines()
    for i in (8 + 10, 8 + 11, 8 + 12):  # hours 10-12: temperature missing (EPW marker 99.9)
        fields = lines[i].split(",")
        fields[6] = "99.9"
        lines[i] = ",".join(fields)
    path.write_text("\n".join(lines) + "\n")
    with pytest.warns(WeatherWarning, match=r"gap\.epw: interpolated 3 missing hour\(s\) in 1 gap"):
        ds, _ = read_epw(path)
    before, after = float(ds["temp_air"][9]), float(ds["temp_air"][13])
    assert float(ds["temp_air"][11]) == pytest.approx(before + (after - before) * 2 / 4)


def test_epw_long_gap_is_refused(tmp_path: Path, greensboro: xr.Dataset) -> None:
    path = write_epw(tmp_path / "long.epw", greensboro, hours=48)
    lines = path.read_text().splitlines()
    del lines[8 + 20 : 8 + 30]  # ten hourly rows gone
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match=r"long\.epw: time: gap of 10 h"):
        read_epw(path)


def test_csv_with_column_mapping_derives_dni_dhi(tmp_path: Path) -> None:
    table = hourly_frame().rename(columns={"time": "Timestamp", "temp_air": "T2m", "ghi": "GHI"})
    path = tmp_path / "station.csv"
    table.to_csv(path, index=False)
    ds, meta = read_weather(
        path,
        columns={"temp_air": "T2m", "ghi": "GHI"},
        time_column="Timestamp",
        latitude=36.1,
        longitude=-79.95,
        altitude_m=273,
        timezone="Etc/GMT+5",
    )
    assert_standard(ds, meta, "csv", (36.1, -79.95, 273.0), "Etc/GMT+5")
    assert ds.sizes["time"] == 48
    assert pd.Timestamp(ds["time"].values[0]) == pd.Timestamp("2025-06-01 05:00")
    np.testing.assert_allclose(ds["temp_air"], table["T2m"])  # the mapped column, by its standard name
    # Erbs split closes the balance GHI = DNI cos(zenith) + DHI at the interval midpoints
    times = pd.DatetimeIndex(ds["time"].values).tz_localize("UTC") + pd.Timedelta(minutes=30)
    zenith = pvlib.solarposition.get_solarposition(times, 36.1, -79.95, 273)["zenith"].to_numpy()
    day = zenith < 85
    closure = ds["dni"].values * np.cos(np.radians(zenith)) + ds["dhi"].values
    np.testing.assert_allclose(closure[day], ds["ghi"].values[day], atol=1.0)


def test_csv_missing_column_names_file_and_column(tmp_path: Path) -> None:
    path = tmp_path / "nowind.csv"
    hourly_frame().drop(columns="wind_speed").to_csv(path, index=False)
    with pytest.raises(InputError, match=r"nowind\.csv: wind_speed: required column 'wind_speed' is missing"):
        read_csv(path, latitude=36.1, longitude=-79.95, altitude_m=0)
    with pytest.raises(
        InputError, match=r"nowind\.csv: Wind10m: column 'Wind10m' \(for wind_speed\) is missing"
    ):
        read_csv(path, columns={"wind_speed": "Wind10m"}, latitude=36.1, longitude=-79.95, altitude_m=0)


def test_csv_duplicate_and_unordered_times_are_refused(tmp_path: Path) -> None:
    table = hourly_frame()
    duplicated = pd.concat([table.iloc[:5], table.iloc[4:]])
    duplicated.to_csv(tmp_path / "dup.csv", index=False)
    with pytest.raises(
        InputError, match=r"dup\.csv: time: 1 duplicate timestamp\(s\), first at 2025-06-01 04:00"
    ):
        read_csv(tmp_path / "dup.csv", latitude=0, longitude=0, altitude_m=0)
    swapped = table.iloc[[0, 2, 1, *range(3, 48)]]
    swapped.to_csv(tmp_path / "order.csv", index=False)
    with pytest.raises(InputError, match=r"order\.csv: time: timestamps are not in order"):
        read_csv(tmp_path / "order.csv", latitude=0, longitude=0, altitude_m=0)


def test_csv_kelvin_temperatures_are_refused(tmp_path: Path) -> None:
    table = hourly_frame()
    table["temp_air"] += 273.15
    table.to_csv(tmp_path / "kelvin.csv", index=False)
    with pytest.raises(InputError, match=r"kelvin\.csv: temp_air: values look like kelvin \(median 29"):
        read_csv(tmp_path / "kelvin.csv", latitude=0, longitude=0, altitude_m=0)
    dew_in_kelvin = hourly_frame().drop(columns="relative_humidity").assign(temp_dew=285.15)
    dew_in_kelvin.to_csv(tmp_path / "dew.csv", index=False)
    with pytest.raises(InputError, match=r"dew\.csv: temp_dew: values look like kelvin \(median 285\.1"):
        read_csv(tmp_path / "dew.csv", latitude=0, longitude=0, altitude_m=0)


def test_csv_missing_rows_short_warned_long_refused(tmp_path: Path) -> None:
    table = hourly_frame()
    table.drop(index=[20, 21]).to_csv(tmp_path / "short.csv", index=False)
    with pytest.warns(WeatherWarning, match=r"interpolated 2 missing hour"):
        ds, _ = read_csv(tmp_path / "short.csv", latitude=0, longitude=0, altitude_m=0)
    assert ds.sizes["time"] == 48
    table.drop(index=range(10, 20)).to_csv(tmp_path / "long.csv", index=False)
    with pytest.raises(InputError, match=r"gap of 10 h from 2025-06-01 10:00"):
        read_csv(tmp_path / "long.csv", latitude=0, longitude=0, altitude_m=0)


def test_netcdf_round_trip(tmp_path: Path, greensboro: xr.Dataset) -> None:
    path = write_netcdf(greensboro, tmp_path / "greensboro.nc")
    ds, meta = read_netcdf(path)
    assert_standard(ds, meta, "netcdf", (36.1, -79.95, 273.0), "Etc/GMT+5")
    assert ds.attrs["typical_year"] == 1
    np.testing.assert_array_equal(ds["time"].values, greensboro["time"].values)
    for name in VARIABLES:
        np.testing.assert_allclose(ds[name].values, greensboro[name].values, atol=1e-9)


def test_netcdf_mapped_names_and_kelvin_units_attribute_are_converted(tmp_path: Path) -> None:
    # reanalysis-style names (ERA5: t2m, d2m in K; si10 wind at 10 m) mapped to the standard ones
    times = pd.date_range("2025-01-01", periods=24, freq="h")
    raw = xr.Dataset(
        {
            "t2m": ("time", np.full(24, 288.15), {"units": "K"}),
            "d2m": ("time", np.full(24, 278.15), {"units": "K"}),
            "ghi": ("time", np.zeros(24)),
            "si10": ("time", np.full(24, 2.0)),
        },
        coords={"time": times},
        attrs={"latitude": 40.0, "longitude": 116.0},
    )
    raw.to_netcdf(tmp_path / "k.nc")
    mapping = {"temp_air": "t2m", "temp_dew": "d2m", "wind_speed": "si10"}
    ds, meta = read_netcdf(tmp_path / "k.nc", altitude_m=50.0, timezone="Asia/Shanghai", variables=mapping)
    assert_standard(ds, meta, "netcdf", (40.0, 116.0, 50.0), "Asia/Shanghai")
    assert float(ds["temp_air"][0]) == pytest.approx(15.0) and float(ds["temp_dew"][0]) == pytest.approx(5.0)


def test_netcdf_location_in_the_file_beats_the_options(tmp_path: Path, greensboro: xr.Dataset) -> None:
    path = write_netcdf(greensboro.isel(time=slice(0, 48)), tmp_path / "g.nc")
    ds, _ = read_weather(path, latitude=37.5, longitude=105.2, altitude_m=1225.0, timezone="Asia/Shanghai")
    assert (ds.attrs["latitude"], ds.attrs["longitude"], ds.attrs["timezone"]) == (36.1, -79.95, "Etc/GMT+5")


def test_netcdf_without_time_axis_is_refused(tmp_path: Path) -> None:
    xr.Dataset({"temp_air": ("step", np.zeros(5))}).to_netcdf(tmp_path / "notime.nc")
    with pytest.raises(
        InputError,
        match=r"notime\.nc: time: no time axis; need a dimension named 'time' "
        r"\(found dims: step\)",
    ):
        read_weather(tmp_path / "notime.nc", latitude=0.0, longitude=0.0)


def test_far_away_file_warns_with_distance(greensboro: xr.Dataset) -> None:
    # Greensboro to Zhongwei (37.5 N, 105.2 E): about 11,000 km
    with pytest.warns(
        WeatherWarning, match=r"723170TYA\.CSV: weather is for 36\.10, -79\.95, 11,\d{3} km from zw"
    ):
        km = check_location(greensboro, 37.5, 105.2, site_id="zw", file="723170TYA.CSV")
    assert 10_000 < km < 12_500
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check_location(greensboro, 36.2, -80.0) < 100


def test_distance_one_degree_of_longitude_on_equator() -> None:
    # 2 pi R / 360 with the mean Earth radius 6371.0088 km
    assert distance_km(0.0, 0.0, 0.0, 1.0) == pytest.approx(111.195, abs=1e-3)


def test_unknown_suffix_and_missing_file(tmp_path: Path) -> None:
    (tmp_path / "w.xlsx").write_text("x")
    with pytest.raises(InputError, match=r"unknown weather file type \.xlsx; use one of \.epw"):
        read_weather(tmp_path / "w.xlsx")
    with pytest.raises(InputError, match=r"nothere\.epw: no such weather file"):
        read_weather(tmp_path / "nothere.epw")


def test_importing_the_error_type_stays_cheap() -> None:
    # sites.loader and the CLI import weather.errors at start-up; pvlib must load only when used
    code = ("import sys, greendc.weather as weather, greendc.weather.errors; "
            "assert 'pvlib' not in sys.modules; weather.read_weather")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_tmy3_as_a_vendor_writes_it_latin1_header_misnamed_dni_empty_columns(tmp_path: Path) -> None:
    # SolarAnywhere's TMY3 files: a registered sign in Latin-1 in the station line, "DNI (W/m^2))" as the
    # DNI header, no dew point and no pressure (RH given); they used to fail on the encoding, then on a
    # KeyError traceback. Now: DNI kept, dew point from RH, pressure from the altitude.
    lines = GREENSBORO.read_text().splitlines()
    header = lines[1].split(",")
    dew, pressure = header.index("Dew-point (C)"), header.index("Pressure (mbar)")
    rows = []
    for line in lines[2:]:
        cells = line.split(",")
        cells[dew] = cells[pressure] = ""
        rows.append(",".join(cells))
    station = lines[0].replace("GREENSBORO PIEDMONT TRIAD INT", "Greensboro Clean Power Research\u00ae")
    text = "\n".join([station, lines[1].replace("DNI (W/m^2)", "DNI (W/m^2))", 1), *rows]) + "\n"
    path = tmp_path / "vendor.csv"
    path.write_bytes(text.encode("latin-1"))
    ds, _ = read_weather(path)
    reference = read_tmy3(GREENSBORO)[0]
    np.testing.assert_allclose(ds["dni"], reference["dni"])
    # from RH in whole per cent; the file's own RH and dew point disagree by up to 6 K in a few hours
    dew_error = (ds["temp_dew"] - reference["temp_dew"]).to_numpy()
    assert np.median(np.abs(dew_error)) < 0.15 and abs(dew_error.mean()) < 0.2
    assert float(ds["pressure"].mean()) == pytest.approx(98093, abs=5)  # standard atmosphere at 273 m
