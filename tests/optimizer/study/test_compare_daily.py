"""`greendc compare --fidelity daily [--forecast-error E]`: agreement with aggregate, bad input, folder."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import xarray as xr
from greendc.optimizer.study.cases import SiteInputs, site_inputs
from greendc.optimizer.study.daily_cases import daily_month, daily_setup, daily_year
from greendc.optimizer.study.scenarios import Scenario, default_scenarios

from greendc.cli import main
from greendc.workflows.compare import resolve_study

#: Stated tolerance of the daily fidelity against the aggregate LP on the shared case (docs/compare.md).
AGREEMENT_TOL = 0.05


def run_bad(argv: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path) -> str:
    """Run the command expecting bad input: exit 2, one line on stderr, nothing written."""
    code = main(["compare", "--sites", "zhongwei", *argv, "--out", str(tmp_path / "study")])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1 and err.startswith("error: ")
    assert not (tmp_path / "study").exists()
    return err


def test_negative_forecast_error_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    err = run_bad(["--fidelity", "daily", "--forecast-error", "-0.2"], capsys, tmp_path)
    assert "--forecast-error" in err and "-0.2 is outside 0-5" in err


def test_forecast_error_needs_the_daily_fidelity(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    err = run_bad(["--forecast-error", "0.5"], capsys, tmp_path)
    assert "--forecast-error" in err and "only to --fidelity daily" in err
    err = run_bad(["--fidelity", "hourly"], capsys, tmp_path)
    assert "--fidelity" in err and "aggregate, daily" in err


def test_resolve_study_keeps_fidelity_and_error() -> None:
    spec = resolve_study("zhongwei", None, None, None, fidelity="daily", forecast_error=0.0)
    assert (spec.fidelity, spec.forecast_error) == ("daily", 0.0)
    assert resolve_study("zhongwei", None, None, None).fidelity == "aggregate"


def shared_case(days: int) -> tuple[SiteInputs, Scenario]:
    """The shared agreement case: zhongwei from 1 July for ``days`` days, scenario high-onsite (sized)."""
    full = site_inputs("zhongwei", 2025, 0)
    times = pd.DatetimeIndex(full.profile["time"].to_numpy()).tz_localize("UTC").tz_convert("Asia/Shanghai")
    first = int((times < pd.Timestamp("2025-07-01", tz="Asia/Shanghai")).sum())
    window = slice(first, first + 24 * days)
    inputs = SiteInputs(
        full.site, full.profile.isel(time=window), full.pv_kw_per_kw[window], full.wind_kw_per_kw[window]
    )
    scenario = next(s for s in default_scenarios() if s.name == "high-onsite")
    return inputs, scenario


@pytest.mark.slow
def test_daily_agrees_with_aggregate_and_aggregate_is_a_lower_bound() -> None:
    """14 July days, PV + wind + battery sized by the aggregate LP, perfect forecast.

    The aggregate LP sees the fortnight at once (perfect foresight, cyclic battery); the daily MILP
    plans a day at a time on the same windows, sizes and prices, so it costs at least as much (up
    to its MIP gap) and, measured, at most AGREEMENT_TOL more.
    """
    inputs, scenario = shared_case(14)
    setup = daily_setup(inputs, scenario, None, 0)
    ds = daily_year(inputs, scenario, setup, *[daily_month(setup, m) for m in range(12)])
    daily, aggregate = float(ds["total_cost"]), float(ds["aggregate_total_cost"])
    gap = float(ds["daily_max_gap"])
    assert daily >= aggregate * (1 - gap) - 1e-6 * abs(aggregate)
    assert daily <= aggregate * (1 + AGREEMENT_TOL)
    assert float(ds["unmet_work_kwh"]) == 0.0
    assert float(ds["daily_fallbacks"]) == 0.0
    assert float(ds["daily_solves"]) == 14
    # the sizes are the aggregate optimum's; the daily plan still beats business as usual
    assert {k: float(ds[k]) for k in setup.case.sizes} == setup.case.sizes
    assert float(ds["total_cost"]) < float(ds["bau_total_cost"])


@pytest.mark.slow
def test_daily_study_with_forecast_error_writes_the_folder(tmp_path: Path) -> None:
    scenarios = tmp_path / "s.toml"
    scenarios.write_text('[[scenario]]\nname = "grid"\ncarbon_price_per_t = 100\nrenewables = false\n')
    out = tmp_path / "study"
    code = main(
        [
            "compare",
            "--sites",
            "tianfu",
            "--scenarios",
            str(scenarios),
            "--fidelity",
            "daily",
            "--forecast-error",
            "0.5",
            "--workers",
            "2",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    assert {p.name for p in out.iterdir()} == {"results.nc", "kpis.csv", "ranking.csv", "report.html"}
    kpis = pd.read_csv(out / "kpis.csv")
    row = kpis.iloc[0]
    assert (row["site"], row["scenario"], row["fidelity"], row["forecast_error"]) == (
        "tianfu",
        "grid",
        "daily",
        0.5,
    )
    assert row["daily_solves"] == 365 and row["unmet_work_kwh"] == 0
    assert row["total_cost"] >= row["aggregate_total_cost"] * (1 - row["daily_max_gap"])
    assert pd.read_csv(out / "ranking.csv")["fidelity"].tolist() == ["daily"]
    with xr.open_dataset(out / "results.nc") as cube:
        assert cube.attrs["fidelity"] == "daily" and cube.attrs["forecast_error"] == "0.5"
        assert cube.sizes["step"] == 8760
    assert "Fidelity: daily" in (out / "report.html").read_text(encoding="utf-8")
