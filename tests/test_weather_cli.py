"""`greendc weather show` and `export` on a built-in site, a site file and a user's EPW file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pvlib
import pytest
import xarray as xr
from test_weather_readers import write_epw

from greendc.cli import main
from sites import builtin_ids
from weather.readers import read_netcdf, read_tmy3

SITE_FILE = Path(__file__).parent / "data" / "weather" / "test_site.toml"
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


def test_show_site_with_far_weather_file_warns(capsys: pytest.CaptureFixture[str]) -> None:
    sand_point = Path(pvlib.__file__).parent / "data" / "703165TY.csv"
    assert main(["weather", "show", str(SITE_FILE), "--weather", str(sand_point)]) == 0
    err = capsys.readouterr().err
    assert err.startswith("warning: ") and "km from greensboro-test" in err


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
