"""`greendc compare` on bad input: one line naming file, scenario and key, exit code 2, nothing computed."""

from __future__ import annotations

from pathlib import Path

import pytest
from locations import ROOT

from greendc.cli import main


def run_bad(argv: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path) -> str:
    code = main(["compare", *argv, "--out", str(tmp_path / "study")])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1 and err.startswith("error: ")
    assert not (tmp_path / "study").exists()
    return err


def test_unknown_site_id(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    err = run_bad(["--sites", "zhongwei,atlantis"], capsys, tmp_path)
    assert "--sites" in err and "atlantis" in err and "built-in ids are" in err


def test_bad_scenario_file_names_file_scenario_and_key(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    file = tmp_path / "s.toml"
    file.write_text('[[scenario]]\nname = "cheap"\n[scenario.costs]\nbattery_capex_per_kwh = -5\n')
    err = run_bad(["--scenarios", str(file)], capsys, tmp_path)
    assert str(file) in err and "scenario 'cheap'" in err and "costs.battery_capex_per_kwh" in err


def test_impossible_battery_limit(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    file = tmp_path / "s.toml"
    file.write_text('[[scenario]]\nname = "big"\n[scenario.limits]\nbattery_min_kw = 30000\n')
    err = run_bad(["--scenarios", str(file)], capsys, tmp_path)
    assert "battery_min_kw = 30000 exceeds battery_max_kw" in err


def test_discount_rate_of_150_percent(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    file = tmp_path / "s.toml"
    file.write_text('[[scenario]]\nname = "x"\ndiscount_rate = 1.5\n')
    assert "discount_rate" in run_bad(["--scenarios", str(file)], capsys, tmp_path)


def test_missing_site_file_and_bad_options(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert "--site-file" in run_bad(["--site-file", str(tmp_path / "none.toml")], capsys, tmp_path)
    assert "--fidelity" in run_bad(["--sites", "zhongwei", "--fidelity", "weekly"], capsys, tmp_path)
    assert "--workers" in run_bad(["--sites", "zhongwei", "--workers", "0"], capsys, tmp_path)
    assert "--year" in run_bad(["--sites", "zhongwei", "--year", "1800"], capsys, tmp_path)


def _site_with_sizing(tmp_path: Path, sizing: str) -> Path:
    from greendc.sites.loader import resolve_site_path

    text = resolve_site_path("zhongwei").read_text()
    path = tmp_path / "small_land.toml"
    path.write_text(text.replace('id = "zhongwei"', 'id = "small-land"') + f"\n[sizing]\n{sizing}\n")
    return path


def test_a_scenario_minimum_above_a_sites_own_limit_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    site = _site_with_sizing(tmp_path, "pv_max_kw = 2000")
    file = tmp_path / "s.toml"
    file.write_text('[[scenario]]\nname = "pv10"\n[scenario.limits]\npv_min_kw = 10000\n')
    err = run_bad(["--site-file", str(site), "--scenarios", str(file)], capsys, tmp_path)
    assert "scenario 'pv10' at site 'small-land'" in err and "sizing.pv_max_kw 2000" in err
    assert str(file) in err


def test_a_sites_own_limits_cap_the_scenarios() -> None:
    from greendc.optimizer.study.scenarios import default_scenarios
    from greendc.optimizer.study.site_problem import size_bounds
    from greendc.sites.loader import load_site
    from greendc.sites.model import SizingLimits

    scenario = next(s for s in default_scenarios() if s.renewables)
    site = load_site("zhongwei")
    free = size_bounds(scenario, site)
    capped = size_bounds(scenario, site.model_copy(update={"sizing": SizingLimits(pv_max_kw=2000.0)}))
    assert capped.pv_kw == (free.pv_kw[0], 2000.0)
    assert (capped.wind_kw, capped.battery_kwh, capped.battery_kw) == (free.wind_kw, free.battery_kwh,
                                                                      free.battery_kw)


def test_a_growth_horizon_only_with_the_aggregate_fidelity(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    file = tmp_path / "s.toml"
    file.write_text('[[scenario]]\nname = "grow"\nhorizon_years = 2\nit_growth_per_year = 2\n')
    err = run_bad(["--sites", "zhongwei", "--scenarios", str(file), "--fidelity", "daily"], capsys, tmp_path)
    assert "--fidelity" in err and "scenario 'grow' has a growth horizon" in err


def test_growth_without_a_horizon_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    file = tmp_path / "s.toml"
    file.write_text('[[scenario]]\nname = "grow"\nit_growth_per_year = 2\n')
    err = run_bad(["--sites", "zhongwei", "--scenarios", str(file)], capsys, tmp_path)
    assert "scenario 'grow': it_growth_per_year" in err and "needs horizon_years > 1" in err


def test_the_example_scenarios_parse_with_their_growth_scenario() -> None:
    from greendc.optimizer.study.scenarios import load_scenarios

    parsed = load_scenarios(ROOT / "examples" / "scenarios.toml")
    grown = {s.name: s for s in parsed.scenario}["scale-2x"]
    assert (grown.horizon_years, grown.it_growth_per_year, grown.it_mw) == (3, 2.0, 10.0)
