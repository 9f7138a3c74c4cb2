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


def _computed_study(monkeypatch: pytest.MonkeyPatch) -> None:
    """`greendc compare` with its computation replaced by a small made-up outcome (the write is real)."""
    import contextlib

    import pandas as pd
    import xarray as xr
    from greendc.dashboard import report_study
    from greendc.optimizer.study.assembly import StudyOutcome

    from greendc.workflows import compare

    def outcome(*_args: object, **_kwargs: object) -> StudyOutcome:
        done = StudyOutcome()
        done.results[("zhongwei", "grid-only")] = object()
        return done

    monkeypatch.setattr(compare, "study_client", lambda *_a: contextlib.nullcontext())
    monkeypatch.setattr(compare, "run_study", outcome)
    monkeypatch.setattr(compare, "assemble_results", lambda *_a: xr.Dataset({"pue": ("site", [1.2])}))
    monkeypatch.setattr(compare, "kpi_table", lambda *_a: pd.DataFrame({"site": ["zhongwei"], "pue": [1.2]}))
    monkeypatch.setattr(compare, "ranking_table", lambda kpis: kpis.assign(rank=1))
    monkeypatch.setattr(compare, "report_notes", lambda *_a: [])
    monkeypatch.setattr(report_study, "study_report_html", lambda *_a, **_k: "<html>study</html>")


def _tree(folder: Path) -> dict[str, bytes]:
    """Every file under a folder with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


@pytest.mark.parametrize("failing", ["kpis.csv", "results.nc"])
def test_a_full_disk_while_writing_the_study_is_one_line_and_leaves_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    """issue 13: ENOSPC while writing the study folder printed a traceback; now the plan's one path
    (publish.staged_folder): one line naming the folder and the error, exit 2, the older study kept.
    results.nc is made in memory and written as bytes: netCDF-C writing a file on a full disk says
    only "NetCDF: HDF error" (RuntimeError), which no errno names."""
    import errno

    import pandas as pd

    _computed_study(monkeypatch)
    study = tmp_path / "study"
    assert main(["compare", "--sites", "zhongwei", "--out", str(study)]) == 0
    before = _tree(study)
    capsys.readouterr()

    def full(*_args: object, **_kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    if failing == "kpis.csv":
        monkeypatch.setattr(pd.DataFrame, "to_csv", full)  # the lowest write of kpis.csv
    else:
        write_bytes = Path.write_bytes
        monkeypatch.setattr(Path, "write_bytes", lambda path, data: full() if path.name == failing
                            else write_bytes(path, data))
    assert main(["compare", "--sites", "zhongwei", "--out", str(study)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == (f"error: {study}: --out: could not write the greendc study folder (ENOSPC: No space "
                       "left on device); nothing was published and what was there is unchanged")
    assert "Traceback" not in "\n".join(err)
    assert _tree(study) == before and [p.name for p in tmp_path.iterdir()] == ["study"]  # no staging left

    fresh = tmp_path / "new-study"
    assert main(["compare", "--sites", "zhongwei", "--out", str(fresh)]) == 2
    assert not fresh.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["study"]
