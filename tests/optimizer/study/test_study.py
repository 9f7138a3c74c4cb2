"""The compare workflow on Dask: a failing site is reported by site and scenario, the rest is written."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import xarray as xr
from greendc.optimizer.study.assembly import StudySpec, ranking_table
from greendc.optimizer.study.scenarios import Scenario
from greendc.sites.loader import CATALOGUE_DIR
from locations import ROOT

from greendc.workflows.compare import resolve_study, run_study, write_outcome


def tiny_import_site(tmp_path: Path) -> Path:
    """Zhongwei with a 1 MW grid connection: its year cannot be served, every scenario fails."""
    text = (CATALOGUE_DIR / "zhongwei.toml").read_text()
    text = text.replace('id = "zhongwei"', 'id = "tiny-grid"').replace(
        "import_limit_kw = 30000.0", "import_limit_kw = 1000.0"
    )
    path = tmp_path / "tiny.toml"
    path.write_text(text)
    return path


@pytest.mark.slow
def test_study_writes_folder_and_reports_failures(tmp_path: Path) -> None:
    from distributed import Client

    spec = StudySpec(
        name="t",
        sites=("zhongwei", str(tiny_import_site(tmp_path))),
        year=2025,
        scenarios=(
            Scenario(name="cheap", renewables=False, carbon_price_per_t=0.0),
            Scenario(name="dear", renewables=False, carbon_price_per_t=500.0),
        ),
    )
    seen: list[tuple[str, str, str | None]] = []
    with Client(processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None) as client:
        outcome = run_study(spec, client, lambda site, sc, err: seen.append((site, sc, err)))
    assert set(outcome.results) == {("zhongwei", "cheap"), ("zhongwei", "dear")}
    assert set(outcome.failures) == {("tiny-grid", "cheap"), ("tiny-grid", "dear")}
    assert all("infeasible" in e for e in outcome.failures.values())
    assert len(seen) == 4

    folder = write_outcome(tmp_path / "study", outcome, spec)
    assert sorted(p.name for p in folder.iterdir()) == [
        "kpis.csv",
        "ranking.csv",
        "report.html",
        "results.nc",
    ]
    kpis = pd.read_csv(folder / "kpis.csv")
    for column in (
        "site",
        "scenario",
        "pue",
        "carbon_kg_per_mwh_it",
        "total_cost",
        "pv_kw",
        "battery_kwh",
        "free_cooling_h",
        "wue_l_per_kwh",
        "npv_vs_bau",
        "bau_total_cost",
        "deferred_mwh",
    ):
        assert column in kpis.columns
    dear = kpis.set_index("scenario").loc["dear"]
    cheap = kpis.set_index("scenario").loc["cheap"]
    assert dear["carbon_cost"] > 0 and cheap["carbon_cost"] == 0
    assert dear["total_cost"] > cheap["total_cost"]
    # the optimum never costs more than business as usual under the same prices
    assert (kpis["total_cost"] <= kpis["bau_total_cost"] * (1 + 1e-9)).all()
    assert (kpis["npv_vs_bau"] >= 0).all()
    with xr.open_dataset(folder / "results.nc") as cube:
        assert dict(cube["facility_kw"].sizes) == {"site": 1, "scenario": 2, "step": 8760}
        assert cube["total_cost"].attrs["units"] == "currency" and cube["pue"].attrs["units"] == "1"
        assert cube["monthly_pue"].sizes["month"] == 12
    html = (folder / "report.html").read_text()
    assert "Failed: site tiny-grid, scenario cheap" in html
    assert not re.search(r"<script[^>]+src=", html)  # plotly.js is inline: opens with no network


def test_ranking_orders_sites_by_score_within_each_scenario() -> None:
    kpis = pd.DataFrame(
        {
            "site": ["a", "b", "c", "a", "b", "c"],
            "scenario": ["x"] * 3 + ["y"] * 3,
            "score": [3.0, 1.0, 2.0, 1.0, 2.0, 3.0],
            "total_cost": [3.0, 1.0, 2.0, 1.0, 2.0, 3.0],
            "carbon_t": 1.0,
            "carbon_kg_per_mwh_it": 1.0,
            "pue": 1.2,
            "pv_kw": 0.0,
            "wind_kw": 0.0,
            "battery_kwh": 0.0,
            "battery_kw": 0.0,
            "npv_vs_bau": 0.0,
        }
    )
    ranking = ranking_table(kpis)
    assert ranking[ranking["scenario"] == "x"]["site"].tolist() == ["b", "c", "a"]
    assert ranking[ranking["scenario"] == "y"]["site"].tolist() == ["a", "b", "c"]
    assert ranking["rank"].tolist() == [1, 2, 3, 1, 2, 3]


def test_resolve_study_defaults_and_names(tmp_path: Path) -> None:
    spec = resolve_study(None, None, None, None)
    assert len(spec.sites) == 15 and len(spec.scenarios) == 4 and spec.name == "default" and spec.year == 2025
    example = ROOT / "examples" / "scenarios.toml"
    spec = resolve_study("zhongwei,tianfu", None, example, 2024)
    assert spec.sites == ("zhongwei", "tianfu") and spec.name == "western-vs-eastern" and spec.year == 2024
