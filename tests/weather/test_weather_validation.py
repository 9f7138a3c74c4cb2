"""Issue 14 validation: every real typical year offline, the limits each meets; a wrong year fails."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from greendc.weather.normals import daily_mean_spread_c
from greendc.weather.readers import read_weather
from greendc.weather.validation import (
    ENSEMBLE_HEADER,
    REFERENCE_YEARS,
    Comparison,
    compare_years,
    ensemble_rows,
    figures,
    main,
    markdown,
    mean_figures,
    monthly_table,
    synthetic_twin,
)
from locations import ROOT

#: Limits a file's seed-0 twin misses, as docs/weather.md reports them.
KNOWN_MISSES: dict[str, set[str]] = {
    "723170TYA.CSV": {"monthly GHI"},
    "703165TY.csv": {"monthly GHI"},
    "12839.tm2": set(),
}


@pytest.fixture(scope="module", params=REFERENCE_YEARS, ids=lambda p: p.name)
def real(request: pytest.FixtureRequest) -> xr.Dataset:
    return read_weather(request.param)[0]


def test_each_real_year_meets_every_limit_but_its_documented_misses(real: xr.Dataset) -> None:
    name = Path(str(real.attrs["file"])).name
    comparison = compare_years(real, synthetic_twin(real, seed=0))
    assert set(comparison.failures) <= KNOWN_MISSES[name]
    # what every file meets: means, annual GHI and PV within 5 %, persistence within 0.15
    assert comparison.monthly_mean_error_c < 0.5 and abs(comparison.lag1_error) < 0.15
    assert abs(comparison.ghi_error) < 0.05 and abs(comparison.pv_error) < 0.05


def test_sand_point_twins_keep_its_persistence() -> None:
    # lag-one of daily anomalies 0.79 in the file, the most persistent of the three; the twins used to
    # measure 0.61-0.68 (seeds 1 and 3 missed by more than 0.15) while days could not drift within a month
    real = read_weather(REFERENCE_YEARS[1])[0]
    lags = [compare_years(real, synthetic_twin(real, seed)).synthetic.lag1 for seed in range(5)]
    assert all(abs(lag - 0.79) < 0.15 for lag in lags) and float(np.mean(lags)) > 0.7


def test_the_real_year_against_itself_passes(real: xr.Dataset) -> None:
    assert compare_years(real, real).accepted


def test_comparison_fails_deliberately_wrong_years(real: xr.Dataset) -> None:
    # warmer and brighter: means, tails, GHI, PV
    wrong = real.assign(temp_air=real["temp_air"] + 2.0, ghi=real["ghi"] * 1.2, dni=real["dni"] * 1.2)
    failures = compare_years(real, wrong).failures
    assert {"monthly mean", "percentiles", "annual GHI", "monthly GHI", "PV"} <= set(failures)
    # days in random order: each month's mean is kept, the persistence is lost
    days = real["temp_air"].to_numpy().reshape(-1, 24)
    order = np.random.default_rng(0).permutation(len(days))
    shuffled = real.assign(temp_air=(("time",), days[order].ravel()))
    assert "lag-1" in compare_years(real, shuffled).failures
    # day-to-day swings doubled around each day's level (the old generator's December)
    daily = days.mean(axis=1, keepdims=True)
    swung = real.assign(temp_air=(("time",), (days + (daily - daily.mean())).ravel()))
    assert "daily sd" in compare_years(real, swung).failures


@pytest.mark.slow
def test_docs_weather_md_shows_the_current_validation_tables() -> None:
    # docs/weather.md, "Validation": the tables exactly as `python -m greendc.weather.validation` prints them
    docs = (ROOT / "docs" / "weather.md").read_text()
    reals = {path.name: read_weather(path)[0] for path in REFERENCE_YEARS}
    twins = {name: {seed: synthetic_twin(real, seed) for seed in range(10)} for name, real in reals.items()}
    tables = [block for block in markdown(reals, twins).split("\n\n") if block.startswith("|")]
    assert len(tables) == 5 and all(table in docs for table in tables)
    # and the seeds together with each file's monthly spread given (`--spread-given`), and its
    # irradiation too (`--spread-given --ghi-given`)
    for ghi in (False, True):
        given = list(ENSEMBLE_HEADER)
        for name, real in reals.items():
            twins_given = {seed: synthetic_twin(real, seed, spread=True, ghi=ghi) for seed in range(10)}
            given += ensemble_rows(name, {seed: compare_years(real, t) for seed, t in twins_given.items()})
        assert "\n".join(given) in docs


def test_command_exits_one_when_a_limit_is_missed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(REFERENCE_YEARS[0]), "--seeds", "0"]) == 1  # Greensboro's worst month GHI, 11 %
    assert "monthly GHI" in capsys.readouterr().out


def test_mean_of_the_seeds_figures_and_the_ensemble_row(real: xr.Dataset) -> None:
    one = figures(real)
    warm = figures(real.assign(temp_air=real["temp_air"] + 2.0))
    mean = mean_figures([one, warm])
    np.testing.assert_allclose(mean.monthly_mean_c, np.add(one.monthly_mean_c, 1.0), atol=1e-9)
    assert mean.cold_wet_h == pytest.approx(0.5 * (one.cold_wet_h + warm.cold_wet_h))
    # two seeds, one the real year and one 2 K warm: the mean misses the monthly means by 1 K and
    # the warm seed alone misses them, so the row says 1 of 2 seeds meets that limit
    row = ensemble_rows("x", {0: Comparison(one, one), 1: Comparison(one, warm)})[0]
    assert "| x | 2 | monthly mean" in row and "monthly mean 1/2" in row
    assert ensemble_rows("x", {0: Comparison(one, one)})[0].startswith("| x | 1 | pass | all |")


def test_a_given_spread_is_the_files_and_the_twin_holds_it(real: xr.Dataset) -> None:
    # the weather part of the file's spread (its season's course through each month taken out, which the
    # generator adds itself): never above the whole spread; a twin given it has the file's spread month by
    # month within 15 % (given the whole spread instead, Greensboro's August measured 2.2 K against 1.8 K,
    # Sand Point's 1.5 against 1.1; by the default rule Greensboro's January 6.8 against 5.2 K)
    spread = np.asarray(daily_mean_spread_c(real))
    table = monthly_table(real, synthetic_twin(real, seed=0, spread=True))
    assert np.all(spread <= table.sd_file.to_numpy() + 0.006)
    assert np.all(np.abs(table.sd_synth / table.sd_file - 1.0) < 0.15)


def test_with_the_irradiation_given_the_twin_holds_it_and_its_pv_is_the_files(real: xr.Dataset) -> None:
    # the month's irradiation given (ghi_kwh_m2) bypasses the sunshine model: what is left to test is the
    # days, the hours and the beam-diffuse split, which PV on a tilted plane feels (seed 0: Greensboro
    # -0.0 %, Sand Point -4.0 %, Miami +0.9 %; from sunshine -1.1, -0.4, -3.0 % with GHI off by up to 11 %)
    comparison = compare_years(real, synthetic_twin(real, seed=0, spread=True, ghi=True))
    assert comparison.monthly_ghi_error < 0.005 and abs(comparison.pv_error) < 0.05
