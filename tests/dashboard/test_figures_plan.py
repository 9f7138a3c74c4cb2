"""Plan figures and the self-contained report: the figures show the plan's own numbers, in local time."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from baseline_cases import DAY, job, tiny_profile, tiny_site
from greendc.dashboard import figures_plan
from greendc.dashboard.report_plan import plan_report_html
from greendc.optimizer.day.baseline import baseline_plan
from greendc.optimizer.io.planfolder import write_plan_folder
from greendc.optimizer.types import PlanSettings

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
    assert "no proven gap" in html  # the solver's gap belonged to the plan it rejected


def test_report_states_the_gap_in_money(folder: dict[str, object]) -> None:
    """A 1 % gap on the plan's objective reads as what a better plan could at most save."""
    meta = json.loads(json.dumps(folder["meta"]))
    meta["solver"].update(gap=0.01, fallback=False)
    worth = 0.01 * abs(meta["objective"]["total"])
    html = plan_report_html(meta, folder["steps"], folder["runs"])  # type: ignore[arg-type]
    assert f"gap 1.00 %: no plan can cost more than {worth:,.0f} {meta['site']['currency']} less" in html


def _many_runs(jobs: int, start: str = "2026-01-14T16:00:00Z") -> pd.DataFrame:
    """``jobs`` jobs over a day, every third in two pieces: a runs table as the plan folder's jobs.csv."""
    rows = []
    t0 = pd.Timestamp(start)
    for k in range(jobs):
        begin = t0 + pd.Timedelta(minutes=15 * (k % 80))
        rows.append((f"train-{k:03d}", begin, begin + pd.Timedelta(hours=1), 1 + k % 7))
        if k % 3 == 0:
            later = begin + pd.Timedelta(hours=3)
            rows.append((f"train-{k:03d}", later, later + pd.Timedelta(minutes=30), 1 + k % 7))
    return pd.DataFrame(rows, columns=["job_id", "start", "end", "nodes"])


@pytest.mark.parametrize("jobs", [5, 150, 500])
def test_gantt_labels_every_job_without_overlap(jobs: int) -> None:
    """At 5, 150 and 500 jobs every row is labelled, and each label's font fits its row's pitch."""
    runs = _many_runs(jobs)
    status = [{"job_id": j, "status": "on_time", "finish": None, "lateness_h": 0.0, "reason": ""}
              for j in runs["job_id"].unique()]
    meta = {"site": {"timezone": TZ}, "jobs": status}
    fig = figures_plan.figure_gantt(runs, meta)
    yaxis = fig.layout.yaxis
    assert list(yaxis.tickvals) == list(yaxis.ticktext) and len(yaxis.tickvals) == jobs  # none thinned out
    plot_px = fig.layout.height - fig.layout.margin.t - fig.layout.margin.b
    pitch = plot_px / jobs
    assert yaxis.tickfont.size >= 9  # readable
    assert pitch >= yaxis.tickfont.size + 3  # a label's glyphs stay inside its row: no overlap
    assert sum(len(t.y) for t in fig.data) == len(runs)


def test_action_table_lists_every_run_in_local_time() -> None:
    """500 jobs: one row per run (a split job's pieces numbered), start and end on the site's clock."""
    runs = _many_runs(500)
    rows = figures_plan.action_rows(runs, {"site": {"timezone": TZ}})
    assert len(rows) == len(runs) and tuple(rows.columns) == figures_plan.ACTION_COLUMNS
    got = set(zip(rows["job_id"], rows["start"], rows["end"], rows["nodes"], strict=True))
    local = runs.assign(start=pd.to_datetime(runs["start"]).dt.tz_convert(TZ).dt.strftime("%Y-%m-%d %H:%M"),
                        end=pd.to_datetime(runs["end"]).dt.tz_convert(TZ).dt.strftime("%Y-%m-%d %H:%M"))
    assert got == set(zip(local["job_id"], local["start"], local["end"], local["nodes"], strict=True))
    first = rows[rows["job_id"] == "train-000"]
    assert list(first["run"]) == ["1 of 2", "2 of 2"] and list(first["start"]) == ["2026-01-15 00:00",
                                                                                   "2026-01-15 03:00"]
    assert rows["start"].is_monotonic_increasing


def test_report_has_the_action_table_and_the_front(folder: dict[str, object]) -> None:
    """The report lists every run in its action table and, with a front, marks the chosen plan on it."""
    meta = json.loads(json.dumps(folder["meta"]))
    point = {"objective": dict(meta["objective"]), "carbon_kg": meta["kpis"]["carbon_kg"], "pue": 1.2,
             "renewable_share": 0.1, "solver_status": "optimal", "gap": 0.0, "fallback": False}
    cleaner = {**point, "objective": {**meta["objective"], "total": meta["objective"]["total"] + 5.0},
               "carbon_kg": meta["kpis"]["carbon_kg"] * 0.8}
    meta["pareto"] = [{**point, "rank": 0, "carbon_cap_kg": None},
                      {**cleaner, "rank": 1, "carbon_cap_kg": cleaner["carbon_kg"]}]
    runs = folder["runs"]
    html = plan_report_html(meta, folder["steps"], runs)  # type: ignore[arg-type]
    table = html[html.index("Actions: when each job runs"):]
    assert table.count("<tr>") == len(runs) + 1  # type: ignore[arg-type]
    fig = figures_plan.figure_front(meta)
    assert fig is not None
    chosen = next(t for t in fig.data if t.name == "chosen plan")
    assert chosen.x[0] == pytest.approx(meta["kpis"]["carbon_kg"]) and chosen.marker.symbol == "star"
    assert "chosen plan" in html and figures_plan.figure_front(folder["meta"]) is None  # type: ignore[arg-type]
