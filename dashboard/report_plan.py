"""The plan's report.html: one page (no network) from the plan folder; plotly.js shared or inlined once.

plotly.js is loaded from the data folder's shared file when the caller gives its ``plotly_src``
(greendc.dashboard.report_assets), else inlined with the first figure.

Made only from what the plan folder holds (plan.json's dict, the steps and the runs), so a saved plan
can be re-rendered at any time: KPIs against the baseline, the saving's parts and its waterfall,
solver facts, the cost-carbon front with the chosen plan marked (``--pareto``), the job Gantt, stacked
power, setpoint against outdoor temperature, price and carbon, the late jobs with their reasons and
the action table (every run of every job, start and end on the site's clock, its nodes).
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from greendc.dashboard import figures_plan
from greendc.dashboard.report_assets import script_tag
from greendc.optimizer.accounting import gap_words

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5rem auto; max-width: 1200px; color: #1d3557; }
h1 { margin-bottom: 0.2rem; } .sub { color: #6c757d; margin-top: 0; }
table { border-collapse: collapse; margin: 0.8rem 0; font-size: 0.9rem; }
th, td { border-bottom: 1px solid #dee2e6; padding: 0.3rem 0.7rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.flag { background: #fff3cd; border: 1px solid #e9c46a; padding: 0.6rem 1rem; border-radius: 6px; }
"""


def _esc(value: Any) -> str:
    """HTML-escaped text of a value."""
    return html.escape(str(value))


def kpi_table_html(meta: Mapping[str, Any]) -> str:
    """KPIs of the plan against the baseline as an HTML table."""
    rows = "".join(
        f"<tr><td>{_esc(k.label)}</td><td>{_esc(k.value)}</td><td>{_esc(k.detail)}</td></tr>"
        for k in figures_plan.plan_kpis(meta)
    )
    return f"<table><tr><th>KPI</th><th>plan</th><th>against the baseline</th></tr>{rows}</table>"


#: Objective terms in the order the report lists them.
TERMS = ("energy_cost", "demand_charge", "export_revenue", "carbon_cost", "lateness_penalty", "total")


def objective_table_html(meta: Mapping[str, Any]) -> str:
    """Objective terms of the plan and the baseline (currency) as an HTML table."""
    currency = _esc(meta.get("site", {}).get("currency", ""))
    plan, base = meta.get("objective", {}), meta.get("baseline", {}).get("objective", {})
    rows = "".join(
        f"<tr><td>{_esc(term.replace('_', ' '))}</td><td>{plan.get(term, 0.0):,.2f}</td>"
        f"<td>{base.get(term, 0.0):,.2f}</td></tr>"
        for term in TERMS
    )
    return f"<table><tr><th>term ({currency})</th><th>plan</th><th>baseline</th></tr>{rows}</table>"


def savings_html(meta: Mapping[str, Any]) -> str:
    """The saving split into its parts (they add up to the total), how, and the lateness of both plans."""
    currency = _esc(meta.get("site", {}).get("currency", ""))
    savings = meta.get("savings") or {}
    rows = figures_plan.savings_rows(meta)
    text = ""
    if rows:
        body = "".join(f"<tr><td>{_esc(label)}</td><td>{value:,.0f}</td></tr>" for label, value in rows)
        text += f"<table><tr><th>part of the saving</th><th>{currency}</th></tr>{body}</table>"
        if savings.get("method"):
            text += f"<p class='sub'>How: {_esc(savings['method'])}.</p>"
        text += "".join(f"<p class='flag'>{_esc(note)}</p>" for note in savings.get("notes") or [])
    late = savings.get("job_hours_late") or {}
    if late:
        node = savings.get("node_hours_late") or {}
        base_pen = float(meta.get("baseline", {}).get("objective", {}).get("lateness_penalty") or 0.0)
        plan_pen = float(meta.get("objective", {}).get("lateness_penalty") or 0.0)
        text += (f"<p>Late work: {float(late.get('plan', 0.0)):,.2f} job-hours late in the plan, "
                 f"{float(late.get('baseline', 0.0)):,.2f} in today's practice "
                 f"({float(node.get('plan', 0.0)):,.0f} and {float(node.get('baseline', 0.0)):,.0f} "
                 f"node-hours); lateness penalties {plan_pen:,.0f} and {base_pen:,.0f} {currency} "
                 "are not counted as savings.</p>")
    return text


def solver_html(meta: Mapping[str, Any]) -> str:
    """Solver status, gap, times and the fallback flag; a warning box when the plan is a fallback."""
    solver = meta.get("solver", {})
    gap = None if solver.get("fallback") or solver.get("gap") is None else float(solver["gap"])
    total = meta.get("objective", {}).get("total")
    currency = meta.get("site", {}).get("currency", "")
    gap_text = gap_words(gap, None if total is None else float(total), currency)
    times = (f"build {float(solver['build_s']):.2f} s, solve {float(solver['solve_s']):.2f} s"
             if solver.get("build_s") is not None else "times in the nightly run history")
    text = f"<p>Solver: <b>{_esc(solver.get('status', '?'))}</b>, {_esc(gap_text)}, {times}.</p>"
    if solver.get("fallback"):
        text = (f"<p class='flag'>Fallback plan (today's practice): "
                f"{_esc(solver.get('fallback_reason', ''))}</p>") + text
    warnings = meta.get("warnings", [])
    if warnings:
        text += "<ul>" + "".join(f"<li>{_esc(w)}</li>" for w in warnings) + "</ul>"
    return text


def late_jobs_html(meta: Mapping[str, Any]) -> str:
    """The jobs that are late or not run, with lateness and reason."""
    late = [j for j in meta.get("jobs", []) if j.get("status") != "on_time"]
    if not late:
        return "<p>Every job finishes by its deadline.</p>"
    rows = "".join(
        f"<tr><td>{_esc(j['job_id'])}</td><td>{_esc(j['status'])}</td><td>{float(j['lateness_h']):.2f}</td>"
        f"<td>{_esc(j.get('reason', ''))}</td></tr>" for j in late
    )
    return f"<table><tr><th>job</th><th>status</th><th>late h</th><th>reason</th></tr>{rows}</table>"


def action_table_html(runs: pd.DataFrame, meta: Mapping[str, Any]) -> str:
    """Every run of every job in start order: job, which run, start and end (site-local), hours, nodes."""
    rows = figures_plan.action_rows(runs, meta)
    if rows.empty:
        return "<p>No job runs in this plan.</p>"
    tz = _esc(meta.get("site", {}).get("timezone", "UTC"))
    body = "".join(
        f"<tr><td>{_esc(r.job_id)}</td><td>{_esc(r.run)}</td><td>{_esc(r.start)}</td><td>{_esc(r.end)}</td>"
        f"<td>{float(r.hours):.2f}</td><td>{int(r.nodes)}</td></tr>"
        for r in rows.itertuples(index=False)
    )
    jobs = rows["job_id"].nunique()
    return (f"<p class='sub'>{len(rows)} runs of {jobs} jobs; times on the site's clock ({tz}).</p>"
            f"<table class='actions'><tr><th>job</th><th>run</th><th>start</th><th>end</th><th>h</th>"
            f"<th>nodes</th></tr>{body}</table>")


def _figure_html(fig: go.Figure, index: int, inline_plotly: bool) -> str:
    """A figure as an HTML fragment; plotly.js is inlined with the first one only, when inlined at all.

    A fixed ``div_id`` (plotly draws a random one) keeps the same plan's report byte-identical.
    """
    return fig.to_html(full_html=False, include_plotlyjs=inline_plotly and index == 0, include_mathjax=False,
                       div_id=f"plan-figure-{index}", config={"displaylogo": False, "responsive": True})


def plan_report_html(meta: dict[str, Any], steps: pd.DataFrame, runs: pd.DataFrame, *,
                     plotly_src: str | None = None) -> str:
    """The whole report page as HTML text (the plan folder's report.html); plotly.js from ``plotly_src``
    (relative to the folder) when given, else inlined."""
    site = meta.get("site", {})
    tz = site.get("timezone")
    horizon = meta.get("horizon", {})
    front = figures_plan.figure_front(meta)
    figures = [
        figures_plan.figure_savings_waterfall(meta),
        *([front] if front is not None else []),
        figures_plan.figure_gantt(runs, meta, tz),
        figures_plan.figure_power(steps, tz),
        figures_plan.figure_setpoint(steps, tz),
        figures_plan.figure_signals(steps, tz, str(site.get("currency", "CNY"))),
    ]
    plots = "".join(_figure_html(fig, i, plotly_src is None) for i, fig in enumerate(figures))
    title = f"greendc plan: {site.get('name', site.get('id', ''))}, {meta.get('plan_date', '')}"
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{_esc(title)}</title><style>{_STYLE}</style>"
        f"{script_tag(plotly_src) if plotly_src is not None else ''}</head><body>"
        f"<h1>{_esc(title)}</h1>"
        f"<p class='sub'>{_esc(horizon.get('hours', ''))} h from {_esc(horizon.get('start_local', ''))}, "
        f"{_esc(horizon.get('step_minutes', ''))}-minute steps; times on the site's clock ({_esc(tz)}); "
        f"weather: {_esc(meta.get('weather_source', ''))}</p>"
        f"{solver_html(meta)}<h2>Against today's practice</h2>{kpi_table_html(meta)}"
        f"{objective_table_html(meta)}{savings_html(meta)}{plots}<h2>Late jobs</h2>{late_jobs_html(meta)}"
        f"<h2>Actions: when each job runs</h2>{action_table_html(runs, meta)}"
        "</body></html>\n"
    )


def write_plan_report(path: str | Path, meta: dict[str, Any], steps: pd.DataFrame,
                      runs: pd.DataFrame) -> Path:
    """Write report.html for a plan (e.g. to re-render a saved plan folder)."""
    target = Path(path)
    target.write_text(plan_report_html(meta, steps, runs), encoding="utf-8")
    return target
