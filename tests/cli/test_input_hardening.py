"""Issue 13, bad input: every reproduction is one line naming the file and the key, exit code 2.

Each case failed before its fix (a traceback, an implausible value accepted or a wrong reading);
most run through ``greendc.cli.main``, a few through the installed script to prove no traceback.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from greendc.sites import load_site
from locations import DATA

from greendc.cli import main

GOOD_SITE = (DATA / "sites" / "good.toml").read_text()
GREENDC = Path(sys.executable).parent / "greendc"


def one_error_line(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """The CLI's stderr for argv, after checking it is exit code 2 and exactly one 'error:' line."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: "), err
    return err.strip()


def script_error(argv: list[str], cwd: Path | None = None) -> str:
    """The installed script's stderr for argv: exit code 2, no traceback, at most two lines."""
    done = subprocess.run([str(GREENDC), *argv], capture_output=True, text=True, check=False, cwd=cwd,
                          timeout=300)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.splitlines()) <= 2, done.stderr
    return done.stderr.strip()


def site_file(tmp: Path, old: str, new: str, name: str = "site.toml") -> Path:
    """The good test site with one text replacement, written to tmp."""
    assert old in GOOD_SITE
    path = tmp / name
    path.write_text(GOOD_SITE.replace(old, new, 1))
    return path


# --- site files -----------------------------------------------------------------------------------

SITE_CASES = {
    "infinite firm load": ("firm_load_kw = 20.0", "firm_load_kw = inf", "it.firm_load_kw",
                           "finite number (got inf); allowed: 0 <= firm_load_kw <= 5,000,000 [kW]"),
    "infinite demand charge": ("[grid]", "[grid]\ndemand_charge_per_kw_month = inf",
                               "grid.demand_charge_per_kw_month", "finite number (got inf)"),
    "terawatt node": ("node_busy_kw = 7.8", "node_busy_kw = 1e12", "it.node_busy_kw",
                      "allowed: 0 < node_busy_kw <= 200 [kW]"),
    "int64 nodes": ("nodes = 10", "nodes = 9223372036854775807", "it.nodes",
                    "allowed: 0 < nodes <= 100,000"),
    "boolean nodes": ("nodes = 10", "nodes = true", "it.nodes", "valid integer (got True)"),
    "quoted number": ("nodes = 10", 'nodes = "100"', "it.nodes", "valid integer (got '100')"),
    "quoted power": ("node_busy_kw = 7.8", 'node_busy_kw = "7.8"', "it.node_busy_kw",
                     "valid number (got '7.8')"),
    "NaN humidity": ("rh_pct = [50.0,", "rh_pct = [nan,", "climate.rh_pct.0", "finite number (got nan)"),
    "200 deg C climate": ("temp_max_c = [1.0,", "temp_max_c = [200.0,", "climate.temp_max_c",
                          "month 1: 200 deg C is outside [-90, 65]"),
    "huge firm profile": ("firm_load_kw = 20.0",
                          "firm_load_kw = 20.0\nfirm_load_profile = [1e9" + ", 1.0" * 23 + "]",
                          "it.firm_load_profile", "hour 0: 1e+09 is outside [0, 5]"),
    "battery of a terawatt-hour": ("[pv]", "[battery]\nenergy_kwh = 1e9\npower_kw = 10.0\n\n[pv]",
                                   "battery.energy_kwh", "<= 20,000,000 [kWh]"),
}


@pytest.mark.parametrize("case", list(SITE_CASES))
def test_implausible_site_value_is_one_line_naming_file_and_key(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old, new, key, fragment = SITE_CASES[case]
    path = site_file(tmp_path, old, new)
    err = one_error_line(["sites", "validate", str(path)], capsys)
    assert err.startswith(f"error: {path}: {key}: ") and fragment in err


def test_200_deg_c_climate_is_refused_before_the_synthetic_year(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """It used to reach the weather checks and say only 'temp_air: values look like kelvin'."""
    path = site_file(tmp_path, "temp_mean_c = [-5.0,", "temp_mean_c = [200.0,")
    err = one_error_line(["weather", "show", str(path)], capsys)
    assert err.startswith(f"error: {path}: climate.temp_mean_c: month 1: 200 deg C")


DEEP = "deep = " + "[" * 5000 + "]" * 5000


@pytest.mark.parametrize("argv", [["sites", "validate"], ["sites", "show"], ["weather", "show"],
                                  ["plan", "--date", "2026-12-01", "--site"]])
def test_deeply_nested_site_file_is_one_line_not_a_recursion_error(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = site_file(tmp_path, "kwp = 100.0", f"kwp = 100.0\n{DEEP}")
    err = one_error_line([*argv, str(path), *(["--out", str(tmp_path / "p")] if argv[0] == "plan" else [])],
                         capsys)
    assert err.startswith(f"error: {path}: pv.deep: arrays or inline tables nested too deeply (line 43)")


def test_deep_site_file_from_the_installed_script(tmp_path: Path) -> None:
    path = site_file(tmp_path, "[site]", f"{DEEP}\n[site]")
    assert script_error(["sites", "validate", str(path)]).startswith(f"error: {path}: deep: arrays")


def test_quoted_number_from_the_installed_script(tmp_path: Path) -> None:
    path = site_file(tmp_path, "nodes = 10", "nodes = true")
    assert script_error(["sites", "validate", str(path)]).startswith(f"error: {path}: it.nodes: ")


def test_relative_emission_series_is_read_from_the_site_files_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "sites"
    folder.mkdir()
    times = pd.date_range("2026-11-30", periods=72, freq="h", tz="UTC")
    pd.DataFrame({"time": times.strftime("%Y-%m-%dT%H:%M:%SZ"), "carbon_kg_per_kwh": 0.321}).to_csv(
        folder / "carbon.csv", index=False)
    path = site_file(folder, "[grid]", '[grid]\nemission_series_file = "carbon.csv"')
    monkeypatch.chdir(tmp_path)  # not the site file's folder
    site = load_site("sites/site.toml")
    assert Path(site.grid.emission_series_file or "") == path.parent.resolve() / "carbon.csv"
    from greendc.sites.profile import site_profile

    profile = site_profile(site, start="2026-12-01", end="2026-12-02")
    assert float(profile["carbon_kg_per_kwh"].mean()) == pytest.approx(0.321)


# --- weather files --------------------------------------------------------------------------------

WEATHER_SITE = DATA / "weather" / "test_site.toml"  # Greensboro NC, like the EPW files written here


@pytest.fixture(scope="module")
def greensboro_epw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A full-year EPW at Greensboro (UTC-5), from pvlib's TMY3."""
    import pvlib
    from greendc.weather.readers import read_tmy3
    from weather_cases import write_epw

    tmy = read_tmy3(Path(pvlib.__file__).parent / "data" / "723170TYA.CSV")[0]
    return write_epw(tmp_path_factory.mktemp("epw") / "full.epw", tmy)


def edited(source: Path, tmp: Path, name: str, old: str, new: str) -> Path:
    """A copy of a text file with one replacement."""
    text = source.read_text()
    assert old in text
    (tmp / name).write_text(text.replace(old, new, 1))
    return tmp / name


def netcdf(tmp: Path, name: str, *, times: object = None, **attrs: object) -> Path:
    """A small NetCDF weather file at Greensboro, with its time axis or attributes replaced."""
    import xarray as xr
    from weather_cases import hourly_frame

    table = hourly_frame()
    axis = pd.to_datetime(table["time"]).to_numpy() if times is None else times
    data = {k: ("time", table[k].to_numpy()) for k in ("temp_air", "relative_humidity", "ghi", "wind_speed")}
    ds = xr.Dataset(data, coords={"time": axis}, attrs={"latitude": 36.1, "longitude": -79.95, **attrs})
    (ds.isel(time=slice(0, 1)) if name.startswith("one") else ds).to_netcdf(tmp / name)
    return tmp / name


def test_text_in_an_epw_temperature_names_the_line(
    greensboro_epw: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = greensboro_epw.read_text().splitlines()
    fields = lines[18].split(",")
    fields[6] = "warm"
    lines[18] = ",".join(fields)
    path = tmp_path / "text.epw"
    path.write_text("\n".join(lines) + "\n")
    err = one_error_line(["weather", "show", str(path)], capsys)
    assert err == f"error: {path}: temp_air: 'warm' on line 19 is not a number"


@pytest.mark.parametrize(("name", "options", "message"), [
    ("int.nc", {"times": list(range(48))}, "time: time values are int64 without CF units"),
    ("one.nc", {}, "time: need at least two time steps"),
    ("lat.nc", {"latitude": "north"}, "latitude: 'north' is not a number; need -90..90 deg"),
    ("tz.nc", {"timezone": "Mars/Olympus"}, "timezone: unknown time zone 'Mars/Olympus'"),
    ("lat137.nc", {"latitude": 137.0}, "latitude: 137 is outside -90..90 deg"),
])
def test_bad_netcdf_is_one_line(name: str, options: dict[str, object], message: str, tmp_path: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    path = netcdf(tmp_path, name, **options)
    assert one_error_line(["weather", "show", str(path)], capsys).startswith(f"error: {path}: {message}")


def test_bad_netcdf_from_the_installed_script(tmp_path: Path) -> None:
    path = netcdf(tmp_path, "one.nc")
    assert script_error(["weather", "show", str(path)]) == \
        f"error: {path}: time: need at least two time steps"


def test_epw_latitude_137_is_refused_not_warned(
    greensboro_epw: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = edited(greensboro_epw, tmp_path, "lat.epw", "36.10,-79.95", "137.00,-79.95")
    assert one_error_line(["weather", "show", str(path)], capsys) == \
        f"error: {path}: latitude: 137 is outside -90..90 deg"


def test_half_hour_time_zone_is_read_as_such(greensboro_epw: Path, tmp_path: Path) -> None:
    """An EPW at UTC+8.5 used to be read as UTC; its local midnight is 15:30 UTC the day before."""
    from greendc.weather.readers import read_epw
    from greendc.weather.timegrid import on_year

    path = edited(greensboro_epw, tmp_path, "tz.epw", "-79.95,-5.0", "-79.95,8.5")
    ds, meta = read_epw(path)
    assert meta["timezone"] == "+08:30"
    assert pd.Timestamp(ds["time"].values[0]) == pd.Timestamp("2024-12-31 15:30")
    assert pd.Timestamp(on_year(ds, 2026)["time"].values[0]) == pd.Timestamp("2025-12-31 15:30")


def test_part_year_epw_gives_no_january_weather_to_a_december_plan(
    greensboro_epw: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """4,000 of 8,760 hours used to be wrapped around as a whole year; now the dates must be in it."""
    lines = greensboro_epw.read_text().splitlines()
    part = tmp_path / "part.epw"
    part.write_text("\n".join(lines[:8 + 4000]) + "\n")
    from greendc.sites.profile import site_profile
    from greendc.weather.readers import read_epw

    site, (weather, _) = load_site(WEATHER_SITE), read_epw(part)
    march = site_profile(site, weather, "2026-03-01", "2026-03-02")  # inside the file's months: fine
    full = site_profile(site, read_epw(greensboro_epw)[0], "2026-03-01", "2026-03-02")
    assert march["temp_air_c"].values.tolist() == full["temp_air_c"].values.tolist()
    err = one_error_line(["plan", "--site", str(WEATHER_SITE), "--date", "2026-12-01", "--weather", str(part),
                          "--out", str(tmp_path / "plan")], capsys)
    assert err.startswith(f"error: {part}: time: the weather (4,000 h, months 1-6) has no steps for "
                          "2026-12-01 05:00:00 to 2026-12-02 05:00:00 UTC")


def test_weather_in_another_time_zone_is_refused_with_the_offset(
    greensboro_epw: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Greensboro's data labelled UTC-8 (Pacific) would move the site's PV output three hours late."""
    path = edited(greensboro_epw, tmp_path, "west.epw", "-79.95,-5.0", "-79.95,-8.0")
    err = one_error_line(["plan", "--site", str(WEATHER_SITE), "--date", "2026-12-01", "--weather", str(path),
                          "--out", str(tmp_path / "plan")], capsys)
    assert err.startswith(f"error: {path}: time: the weather's daylight is centred on ")
    assert "+3.0 h off (at most 1 h allowed)" in err


def test_far_away_weather_is_refused_from_the_installed_script(tmp_path: Path) -> None:
    import pvlib

    sand_point = Path(pvlib.__file__).parent / "data" / "703165TY.csv"  # Alaska, 80 deg further west
    err = script_error(["plan", "--site", str(WEATHER_SITE), "--date", "2026-12-01", "--weather",
                        str(sand_point), "--out", str(tmp_path / "plan")])
    assert "h off (at most 1 h allowed); the file's time zone or location does not match the site" in err


# --- job queues -----------------------------------------------------------------------------------

HEADER = "job_id,nodes,duration_h,release,deadline,preemptible,node_kw,penalty_per_h_late"
ROW = "j1,2,1.0,2026-12-01T02:00+08:00,2026-12-01T20:00+08:00,true,,"


def queue(tmp: Path, name: str, text: str) -> Path:
    """A queue file with this text."""
    (tmp / name).write_text(text)
    return tmp / name


def plan_argv(jobs: Path, tmp: Path) -> list[str]:
    """greendc plan of the test site on 1 December 2026 with this queue."""
    return ["plan", "--site", str(DATA / "sites" / "good.toml"), "--date", "2026-12-01", "--jobs", str(jobs),
            "--out", str(tmp / "plan"), "--time-limit", "10"]


@pytest.mark.parametrize(("when", "extra"), [
    ("01/12/2026", " (is it 1 December or 12 January?)"), ("now", ""), ("today", ""), ("2026", ""),
])
def test_job_times_only_as_iso_8601(when: str, extra: str, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    path = queue(tmp_path, "q.csv", f"{HEADER}\n{ROW.replace('2026-12-01T02:00+08:00', when)}\n")
    err = one_error_line(plan_argv(path, tmp_path), capsys)
    assert err == (f"error: {path}: job j1, release: {when!r}: must be an ISO 8601 time "
                   f"YYYY-MM-DDTHH:MM[:SS][+HH:MM], e.g. 2026-12-01T08:00+08:00{extra}")


def test_hash_in_a_job_id_is_part_of_the_id(tmp_path: Path) -> None:
    from greendc.optimizer.io.jobs import read_jobs

    path = queue(tmp_path, "q.csv", f"{HEADER}\n{ROW.replace('j1', 'run#7')}\n")
    (job,) = read_jobs(path, "Asia/Shanghai")
    assert job.job_id == "run#7" and job.preemptible and job.deadline.hour == 20


def test_extra_trailing_field_is_refused_not_shifted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = queue(tmp_path, "q.csv", f"{HEADER}\n{ROW}\n{ROW.replace('j1', 'j2')},9\n")
    err = one_error_line(plan_argv(path, tmp_path), capsys)
    assert err.startswith(f"error: {path}: line 3: 9 fields but the header has 8 (job_id, nodes,")


@pytest.mark.parametrize(("text", "message"), [
    ('[{"job_id": "a", "nodes": ' + "9" * 5000 + "}]", "not valid JSON: a number of 5,000 digits"),
    ("[" * 100_000 + "]" * 100_000, "not valid JSON: arrays or objects nested too deeply"),
])
def test_pathological_json_queue_is_one_line(text: str, message: str, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = queue(tmp_path, "q.json", text)
    assert one_error_line(plan_argv(path, tmp_path), capsys).startswith(f"error: {path}: {message}")


def test_huge_json_number_from_the_installed_script(tmp_path: Path) -> None:
    path = queue(tmp_path, "q.json", '[{"job_id": "a", "nodes": ' + "9" * 5000 + "}]")
    assert script_error(plan_argv(path, tmp_path)).startswith(f"error: {path}: not valid JSON: a number")
