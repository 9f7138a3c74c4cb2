"""Issue 16 in the study's outputs: wind data basis in kpis.csv and the report's notes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from greendc.optimizer.study.assembly import (
    StudyOutcome,
    StudySpec,
    assemble_results,
    kpi_table,
    ranking_table,
    report_notes,
)
from greendc.optimizer.study.cases import site_inputs, site_scenario_year, wind_station_normals_only
from greendc.optimizer.study.scenarios import Limits, Scenario
from greendc.sites import load_site

from greendc.workflows.compare import write_outcome

GRID = Scenario(name="grid", renewables=False)
#: PV and wind, no battery (a quick LP): Shanghai's roof (1,800 kWp) holds its PV.
ROOF = Scenario(name="roof", limits=Limits(battery_max_kwh=0.0, battery_max_kw=0.0))


@pytest.fixture(scope="module")
def grid_study() -> tuple[StudyOutcome, StudySpec]:
    """Zhongwei (a wind farm on a hub-height resource) and Shanghai (10 m normals only, roof-limited)."""
    spec = StudySpec(name="t16", sites=("zhongwei", "shanghai"), scenarios=(GRID, ROOF), year=2025)
    outcome = StudyOutcome()
    for site in spec.sites:
        inputs = site_inputs(site, 2025, 0)
        for scenario in spec.scenarios:
            outcome.results[(site, scenario.name)] = site_scenario_year(inputs, scenario)
    return outcome, spec


def test_the_flag_follows_the_wind_resource() -> None:
    assert not wind_station_normals_only(load_site("zhongwei"))  # farm with resource_mean_speed_ms
    assert wind_station_normals_only(load_site("shanghai"))  # no farm: the city station's 10 m normals


def test_kpis_and_notes_say_where_wind_rests_on_station_normals(grid_study) -> None:
    outcome, spec = grid_study
    kpis = kpi_table(assemble_results(outcome, spec), outcome, spec)
    kpis = kpis[kpis["scenario"] == "grid"].set_index("site")
    assert kpis.loc["shanghai", "wind_station_normals_only"] == 1.0
    assert kpis.loc["zhongwei", "wind_station_normals_only"] == 0.0
    assert "only 10 m station normals" in kpis.loc["shanghai", "wind_data"]
    assert kpis.loc["zhongwei", "wind_data"].startswith("hub-height resource")
    notes = report_notes(outcome, spec)
    wind_notes = [n for n in notes if n.startswith("Wind data")]
    assert len(wind_notes) == 1 and wind_notes[0].startswith("Wind data, site shanghai: ")


def test_written_study_carries_the_wind_column_and_note(grid_study, tmp_path: Path) -> None:
    outcome, spec = grid_study
    folder = write_outcome(tmp_path / "study", outcome, spec)
    kpis = pd.read_csv(folder / "kpis.csv")
    assert (kpis.loc[kpis["site"] == "shanghai", "wind_station_normals_only"] == 1).all()
    assert "Wind data, site shanghai" in (folder / "report.html").read_text()
    assert len(ranking_table(kpis)) == 4


def test_the_roof_holds_shanghai_and_not_zhongwei(grid_study) -> None:
    outcome, _ = grid_study
    shanghai, zhongwei = outcome.results[("shanghai", "roof")], outcome.results[("zhongwei", "roof")]
    assert float(shanghai["pv_kw"]) == pytest.approx(1800.0, rel=0.005)  # 12,000 m2 x 150 W/m2
    assert float(shanghai["wind_kw"]) == 0.0  # no turbines in the city
    assert shanghai.attrs["at_limit"] == "sizing.pv_max_kw; sizing.wind_max_kw"  # roof full, no room for wind
    assert float(shanghai["pv_kw_shadow_per_year"]) > 0  # one more kWp of roof would pay
    assert np.isnan(float(shanghai["wind_kw_shadow_per_year"]))  # at a zero limit the dual says nothing
    assert "sizing." not in zhongwei.attrs["at_limit"]  # the desert sets no limit of its own


def test_the_dashboard_shows_the_investment_columns(grid_study, tmp_path: Path) -> None:
    import json

    from greendc.dashboard.pages import sites as sites_page

    outcome, spec = grid_study
    write_outcome(tmp_path / "studies" / "t16", outcome, spec)
    body = sites_page.study_body(tmp_path, "t16")
    text = json.dumps(body, default=lambda o: o.to_plotly_json() if hasattr(o, "to_plotly_json") else str(o))
    assert "error-card" not in text
    for heading in ("net cost / GPU-h", "NPV vs BAU", "IRR", "payback yr", "disc. payback yr", "at limit",
                    "PV limit value /kWp/yr", "wind: 10 m normals only"):
        assert heading in text, heading
    assert "sizing.pv_max_kw" in text  # Shanghai's roof, flagged on the page
    kpis = pd.read_csv(tmp_path / "studies" / "t16" / "kpis.csv")
    frame = sites_page.investment_frame(kpis)
    row = frame[(frame["site"] == "shanghai") & (frame["scenario"] == "roof")].iloc[0]
    expected = kpis[(kpis["site"] == "shanghai") & (kpis["scenario"] == "roof")].iloc[0]
    assert row["NPV vs BAU"] == pytest.approx(round(expected["npv_vs_bau"], 3))
    assert row["at limit"] == "sizing.pv_max_kw; sizing.wind_max_kw"


def test_a_study_in_a_data_folder_loads_the_shared_plotly_js(grid_study, tmp_path: Path) -> None:
    """issue 13: the study's report loads <data>/assets/plotly-<version>.min.js (written once, shared with
    the plans); a study elsewhere (test above) keeps plotly.js inline and writes nothing beside it."""
    import os
    import re

    outcome, spec = grid_study
    folder = write_outcome(tmp_path / "data" / "studies" / "t16", outcome, spec)
    report = (folder / "report.html").read_text()
    src = re.findall(r'<script src="([^"]+)"', report)[0]
    shared = Path(os.path.normpath(folder / src))
    assert shared.parent == tmp_path / "data" / "assets" and shared.is_file()
    assert len(report.encode()) < 1_000_000  # the figures' data, not 4.8 MB of plotly.js
    alone = write_outcome(tmp_path / "elsewhere" / "study", outcome, spec)
    assert "<script src=" not in (alone / "report.html").read_text()
    assert [p.name for p in (tmp_path / "elsewhere").iterdir()] == ["study"]
