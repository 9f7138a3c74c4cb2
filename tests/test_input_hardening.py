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

from greendc.cli import main

DATA = Path(__file__).parent / "data"
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
