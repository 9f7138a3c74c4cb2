"""Issue 16 in the study's outputs: wind data basis in kpis.csv and the report's notes."""

from __future__ import annotations

from pathlib import Path

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
from greendc.optimizer.study.scenarios import Scenario
from greendc.sites import load_site

from greendc.workflows.compare import write_outcome

GRID = Scenario(name="grid", renewables=False)


@pytest.fixture(scope="module")
def grid_study() -> tuple[StudyOutcome, StudySpec]:
    """Zhongwei (a wind farm on a hub-height resource) and Shanghai (10 m normals only), grid only."""
    spec = StudySpec(name="t16", sites=("zhongwei", "shanghai"), scenarios=(GRID,), year=2025)
    outcome = StudyOutcome()
    for site in spec.sites:
        outcome.results[(site, GRID.name)] = site_scenario_year(site_inputs(site, 2025, 0), GRID)
    return outcome, spec


def test_the_flag_follows_the_wind_resource() -> None:
    assert not wind_station_normals_only(load_site("zhongwei"))  # farm with resource_mean_speed_ms
    assert wind_station_normals_only(load_site("shanghai"))  # no farm: the city station's 10 m normals


def test_kpis_and_notes_say_where_wind_rests_on_station_normals(grid_study) -> None:
    outcome, spec = grid_study
    kpis = kpi_table(assemble_results(outcome, spec), outcome, spec).set_index("site")
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
    kpis = pd.read_csv(folder / "kpis.csv").set_index("site")
    assert kpis.loc["shanghai", "wind_station_normals_only"] == 1
    assert "Wind data, site shanghai" in (folder / "report.html").read_text()
    assert len(ranking_table(kpis.reset_index())) == 2
