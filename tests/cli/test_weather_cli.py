"""`greendc weather show` and `export` on a built-in site, a site file and a user's EPW file."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pvlib
import pytest
import xarray as xr
from greendc.sites import builtin_ids, load_site
from greendc.sites.profile import default_weather
from greendc.weather.readers import read_netcdf, read_tmy3
from locations import DATA
from weather_cases import hourly_frame, write_epw

from greendc.cli import main

SITE_FILE = DATA / "weather" / "test_site.toml"
GREENSBORO = Path(pvlib.__file__).parent / "data" / "723170TYA.CSV"


@pytest.fixture(scope="module")
def epw_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A full-year EPW file written from the Greensboro TMY3."""
    return write_epw(tmp_path_factory.mktemp("epw") / "greensboro.epw", read_tmy3(GREENSBORO)[0])


def test_show_builtin_site_prints_twelve_months_and_a_year(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["weather", "show", "zhongwei"]) == 0
    out = capsys.readouterr().out
    assert "zhongwei: synthetic typical year (seed 0)" in out
    rows = [line for line in out.splitlines() if line.startswith("│")]
    assert len(rows) == 13 and "year" in rows[-1]
    assert "PV kWh/kWp" in out and "free-cool h" in out


def test_show_user_epw_file(capsys: pytest.CaptureFixture[str], epw_file: Path) -> None:
    assert main(["weather", "show", str(epw_file)]) == 0
    out = capsys.readouterr().out
    assert "greensboro.epw: EPW TESTVILLE, 36.10, -79.95, 273 m" in out
    year_row = next(line for line in out.splitlines() if "year" in line)
    assert "14.4" in year_row  # annual mean temperature of the Greensboro TMY3
    # the same file as a site's weather: the site's PV and plant, no distance warning (same place)
    assert main(["weather", "show", str(SITE_FILE), "--weather", str(epw_file)]) == 0
    shown = capsys.readouterr()
    assert shown.err == "" and "greensboro-test: EPW TESTVILLE" in shown.out
    assert "14.4" in next(line for line in shown.out.splitlines() if "year" in line)


def test_show_site_with_far_weather_file_warns(capsys: pytest.CaptureFixture[str]) -> None:
    sand_point = Path(pvlib.__file__).parent / "data" / "703165TY.csv"
    assert main(["weather", "show", str(SITE_FILE), "--weather", str(sand_point)]) == 0
    err = capsys.readouterr().err
    # Sand Point AK (55.32 N, 160.52 W) to Greensboro NC: about 6,200 km, stated in one warning line
    assert err.count("\n") == 1
    assert re.fullmatch(
        rf"warning: {re.escape(str(sand_point))}: weather is for 55\.32, -160\.52, 6,2\d\d km from "
        r"greensboro-test \(36\.10, -79\.95\); its climate may not represent the site\n",
        err,
    )


def _epw_with(tmp: Path, name: str, edit: Callable[[list[str]], None]) -> Path:
    """A 72-hour Greensboro EPW file with its data rows (from line 9) edited in place."""
    path = write_epw(tmp / name, read_tmy3(GREENSBORO)[0], hours=72)
    lines = path.read_text().splitlines()
    edit(lines)
    path.write_text("\n".join(lines) + "\n")
    return path


def _blank_temperature(lines: list[str], rows: range) -> None:
    """Put EPW's missing-value marker (99.9) in the dry-bulb field of these data rows."""
    for i in rows:
        fields = lines[8 + i].split(",")
        fields[6] = "99.9"
        lines[8 + i] = ",".join(fields)


def _csv_with(tmp: Path, name: str, table: pd.DataFrame) -> Path:
    """A station CSV in the standard names (times local to the test site)."""
    table.to_csv(tmp / name, index=False)
    return tmp / name


def test_short_gap_is_one_warning_line_with_the_hours(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _epw_with(tmp_path, "gap.epw", lambda lines: _blank_temperature(lines, range(30, 34)))
    assert main(["weather", "show", str(path)]) == 0
    err = capsys.readouterr().err
    assert err == f"warning: {path}: interpolated 4 missing hour(s) in 1 gap(s) (longest 4 h)\n"


def _bad_files(tmp: Path) -> dict[str, tuple[Path, str]]:
    """Each bad-input case of the issue: (file, the problem its one-line error must state)."""
    table = hourly_frame()
    kelvin = table.assign(temp_air=table["temp_air"] + 273.15)
    notime = tmp / "notime.nc"
    xr.Dataset({"temp_air": ("step", np.zeros(5))}).to_netcdf(notime)
    return {
        "long gap": (
            _epw_with(tmp, "long.epw", lambda lines: _blank_temperature(lines, range(20, 30))),
            "time: gap of 10 h from 2025-01-02 01:00:00 to 2025-01-02 10:00:00 UTC; "
            "gaps up to 6 h are interpolated, longer ones must be filled in the file",
        ),
        "duplicate": (
            _csv_with(tmp, "dup.csv", pd.concat([table.iloc[:5], table.iloc[4:]])),
            "time: 1 duplicate timestamp(s), first at 2025-06-01 08:00:00 UTC; each time must appear once",
        ),
        "unordered": (
            _csv_with(tmp, "order.csv", table.iloc[[0, 2, 1, *range(3, 48)]]),
            "time: timestamps are not in order: 2025-06-01 05:00:00 follows 2025-06-01 06:00:00 (UTC); "
            "sort the file",
        ),
        "kelvin": (
            _csv_with(tmp, "kelvin.csv", kelvin),
            "temp_air: values look like kelvin (median 293.1); give degrees Celsius (subtract 273.15)",
        ),
        "missing column": (
            _csv_with(tmp, "nowind.csv", table.drop(columns="wind_speed")),
            "wind_speed: required column 'wind_speed' is missing",
        ),
        "no time axis": (notime, "time: no time axis; need a dimension named 'time' (found dims: step)"),
    }


BAD_CASES = ["long gap", "duplicate", "unordered", "kelvin", "missing column", "no time axis"]


@pytest.mark.parametrize("case", BAD_CASES)
def test_bad_weather_file_is_one_error_line_and_exit_2(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, problem = _bad_files(tmp_path)[case]
    argv = ["weather", "show", str(path)] if path.suffix != ".csv" else ["weather", "show", str(SITE_FILE)]
    if path.suffix == ".csv":
        argv += ["--weather", str(path)]  # a station CSV carries no location: the site gives it
    assert main(argv) == 2  # an InputError; anything else would raise here with its traceback
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"error: {path}: {problem}")


@pytest.mark.slow
def test_bad_file_from_the_console_script_has_no_traceback(tmp_path: Path) -> None:
    path, problem = _bad_files(tmp_path)["no time axis"]
    greendc = Path(sys.executable).parent / "greendc"
    done = subprocess.run([greendc, "weather", "export", str(path), "--out", str(tmp_path / "x.nc")],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == f"error: {path}: {problem}\n" and "Traceback" not in done.stderr


def test_export_quarter_hours_round_trips(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_file = tmp_path / "year.nc"
    assert (
        main(["weather", "export", str(SITE_FILE), "--out", str(out_file), "--step", "15", "--seed", "3"])
        == 0
    )
    assert "35040 steps of 15 min" in capsys.readouterr().out
    ds, _ = read_netcdf(out_file)
    assert ds.attrs["step_minutes"] == 15 and ds.attrs["source"] == "synthetic typical year (seed 3)"
    assert ds.sizes["time"] == 35040


def test_export_year_option_gives_a_leap_year_from_local_midnight(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "leap.nc"
    assert main(["weather", "export", str(SITE_FILE), "--out", str(out_file), "--year", "2028"]) == 0
    assert "8784 steps of 60 min" in capsys.readouterr().out  # 366 days
    ds, _ = read_netcdf(out_file)
    assert pd.Timestamp(ds["time"].values[0]) == pd.Timestamp("2028-01-01 05:00")  # 00:00 EST in UTC


def test_export_epw_keeps_its_values(tmp_path: Path, epw_file: Path) -> None:
    out_file = tmp_path / "epw.nc"
    assert main(["weather", "export", str(epw_file), "--out", str(out_file)]) == 0
    with xr.open_dataset(out_file) as written:
        assert float(written["temp_air"].mean()) == pytest.approx(14.42, abs=0.01)
        assert np.isfinite(written["temp_wet_bulb"]).all()


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["weather", "show", "atlantis"]) == 2
    assert capsys.readouterr().err.startswith("error: atlantis: no such site id or file")
    assert main(["weather", "export", "zhongwei", "--out", str(tmp_path / "x.csv")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--out: the output must be a NetCDF file" in err
    assert main(["weather", "export", "zhongwei", "--out", str(tmp_path / "x.nc"), "--step", "7"]) == 2
    assert "--step: step of 7 min is not allowed" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.parametrize("site_id", builtin_ids())
def test_show_and_export_every_builtin_site(
    site_id: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["weather", "show", site_id]) == 0
    assert f"{site_id}: synthetic typical year" in capsys.readouterr().out
    assert main(["weather", "export", site_id, "--out", str(tmp_path / f"{site_id}.nc")]) == 0
    ds, _ = read_netcdf(tmp_path / f"{site_id}.nc")
    assert ds.sizes["time"] == 8760 and bool(np.isfinite(ds["temp_wet_bulb"]).all())
    # the exported year is the site's default weather, the one its profile and plans use
    default = default_weather(load_site(site_id))
    for name in ("temp_air", "temp_wet_bulb", "ghi", "wind_speed", "pressure"):
        np.testing.assert_array_equal(ds[name].values, default[name].values)
