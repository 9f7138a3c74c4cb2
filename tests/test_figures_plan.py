"""Plan figures and the self-contained report: the figures show the plan's own numbers, in local time."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from greendc.dashboard import figures_plan
from greendc.dashboard.report_plan import plan_report_html
from greendc.optimizer.day.baseline import baseline_plan
from greendc.optimizer.io.planfolder import write_plan_folder
from greendc.optimizer.types import PlanSettings
from test_baseline import DAY, job, tiny_profile, tiny_site

TZ = "Asia/Shanghai"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """A written plan folder of the tiny case (the baseline as the plan) and its parts."""
    site = tiny_site()
    profile = tiny_profile(site, export_limit_kw=5.0)
    jobs = [job("A", 2, 2.0, 0, 2, False), job("B", 3, 1.0, 0, 4, True), job("C", 4, 1.0, 0, 1, True),
            job("wide", 9, 1.0, 0, 4, True)]
    plan = baseline_plan(profile, site, jobs, PlanSettings())
    out = write_plan_folder(tmp_path_factory.mktemp("p") / "plan", plan=plan, baseline=plan, site=site,
                            profile=profile, settings=PlanSettings(), inputs={},
                            render_report=plan_report_html)
    meta = json.loads((out / "plan.json").read_text())
    return {"out": out, "meta": meta, "steps": plan.steps, "runs": plan.runs, "status": plan.job_status}


def test_gantt_has_one_bar_per_run_in_local_time(folder: dict[str, object]) -> None:
    """Bars start at the runs' local start times, coloured by status; a not-run job is in the title."""
    runs = folder["runs"]
    fig = figures_plan.figure_gantt(runs, folder["meta"])  # type: ignore[arg-type]
    assert sum(len(t.y) for t in fig.data) == len(runs)  # type: ignore[arg-type]
    names = {t.name for t in fig.data}
    assert names == {"on time", "late"}  # C waits for nodes: late
    starts = sorted(pd.Timestamp(b) for t in fig.data for b in t.base)
    assert starts[0] == pd.Timestamp("2026-01-15 00:00")  # local midnight, not 16:00 UTC
    assert "1 not run" in fig.layout.title.text
    late = next(t for t in fig.data if t.name == "late")
    assert all(row[3].startswith(", late by ") for row in late.customdata)  # the hover says how late
    assert fig.layout.template.data.to_plotly_json() == {}  # layout-only look: no per-trace-type defaults
    same = figures_plan.figure_gantt(runs, folder["status"], TZ)  # type: ignore[arg-type]
    assert [list(t.y) for t in same.data] == [list(t.y) for t in fig.data]


def test_power_stack_nets_to_the_facility_load(folder: dict[str, object]) -> None:
    """Supply traces minus the sinks below zero equal the facility line at every step (energy balance)."""
    fig = figures_plan.figure_power(folder["steps"], TZ)  # type: ignore[arg-type]
    stacked = sum(np.asarray(t.y, dtype=float) for t in fig.data if t.stackgroup in ("supply", "sinks"))
    facility = next(np.asarray(t.y, dtype=float) for t in fig.data if t.name == "facility")
    np.testing.assert_allclose(stacked, facility, atol=1e-9)
    assert any(t.name == "export" and min(t.y) < 0 for t in fig.data)  # the 5 kW export shows below zero


def test_setpoint_and_signals_figures(folder: dict[str, object]) -> None:
    """The setpoint trace is the plan's setpoint; the signals figure carries price and carbon on two axes."""
    steps = folder["steps"]
    fig = figures_plan.figure_setpoint(steps, TZ)  # type: ignore[arg-type]
    setpoint = next(t for t in fig.data if t.name == "setpoint")
    assert list(setpoint.y) == list(steps["setpoint_c"])  # type: ignore[index]
    assert figures_plan.figure_cooling is figures_plan.figure_setpoint
    signals = figures_plan.figure_signals(steps, TZ)  # type: ignore[arg-type]
    carbon = next(t for t in signals.data if t.name == "carbon intensity")
    assert carbon.yaxis == "y2" and list(carbon.y) == list(steps["carbon_kg_per_kwh"])  # type: ignore[index]


def test_kpis_and_job_rows_from_plan_json(folder: dict[str, object]) -> None:
    """KPI cards read plan.json (baseline as plan: zero saving); the job table has one row per job."""
    meta = folder["meta"]
    kpis = {k.key: k for k in figures_plan.plan_kpis(meta)}  # type: ignore[arg-type]
    assert kpis["total"].plan == kpis["total"].baseline == pytest.approx(meta["objective"]["total"])  # type: ignore[index]
    assert "better by 0" in kpis["total"].detail
    assert kpis["late_jobs"].value == "2"  # C late, wide not run
    rows = figures_plan.job_rows(folder["runs"], meta)  # type: ignore[arg-type]
    assert len(rows) == 4 and tuple(rows.columns) == figures_plan.JOB_ROW_COLUMNS
    a = rows.set_index("job_id").loc["A"]
    assert a["first_start"] == "2026-01-15 00:00" and a["run_h"] == 2.0
    assert rows.set_index("job_id").loc["wide", "finish"] == ""


def test_report_is_self_contained(folder: dict[str, object]) -> None:
    """report.html inlines plotly.js once, loads nothing from the network, shows KPIs and late jobs."""
    text = Path(folder["out"], "report.html").read_text()  # type: ignore[arg-type]
    assert "<script src" not in text and "<link" not in text  # nothing fetched (plotly.js names URLs inside)
    assert text.count("* plotly.js v") == 1  # the library's banner: inlined once
    assert text.count("<div id=") >= 4 and text.count("Plotly.newPlot(") >= 4
    assert "Against today's practice" in text and "wide" in text and "needs 9 nodes" in text
    assert len(text) > 3_000_000  # plotly.js itself (~4.5 MB) is in the file


def test_report_flags_a_fallback(folder: dict[str, object]) -> None:
    """A fallback plan says so, with the reason, at the top of the report."""
    meta = json.loads(json.dumps(folder["meta"]))
    meta["solver"].update(fallback=True, fallback_reason="no answer from HiGHS within 5 s")
    html = plan_report_html(meta, folder["steps"], folder["runs"])  # type: ignore[arg-type]
    assert "Fallback plan" in html and "no answer from HiGHS within 5 s" in html
    assert html.index("Fallback plan") < html.index("Against today")
    assert DAY.isoformat() in html
