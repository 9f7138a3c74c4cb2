"""Plan page: one saved plan of one site: KPIs against the baseline, Gantt, power, cooling, signals, jobs.

Callbacks only connect the controls to pure functions of this module (``site_choice``,
``date_choice``, ``plan_body``, ``download``), which the unit tests call directly.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import dash
from dash import Dash, Input, Output, State, dcc, html, no_update
from greendc.dashboard import data, figures_plan, ids, tables
from greendc.dashboard.pages._common import date_choice, empty_card, error_card, graph, kpi_card, site_choice
from greendc.dashboard.report_assets import self_contained

PATH = "/plan"
#: Id of the savings waterfall (today's practice -> each part of the saving -> the plan).
SAVINGS_GRAPH = "plan-savings"


def layout(data_dir: Path | None = None, /, site: str | None = None, date: str | None = None,
           **_query: Any) -> html.Div:
    """The page with its plan already drawn: ``?site=..&date=..`` (e.g. from the Runs page) or the newest.

    Building the chosen plan's body here, in the answer that brings the page, saves the browser three
    callback round trips before it can draw (docs/performance.md, "Dashboard"); the controls' own
    callbacks only fire when the user changes them. Without a data folder (Dash's layout check) the
    frame is empty. ``data_dir`` is positional-only, so a URL's ``?data_dir=..`` lands in ``_query``.
    """
    sites, site_value = site_choice(data_dir, site) if data_dir else ([], None)
    dates, date_value = date_choice(data_dir, site_value, date) if data_dir else ([], None)
    return html.Div(
        [
            html.Div(
                [
                    html.Label(["Site", dcc.Dropdown(id=ids.PLAN_SITE, options=sites, value=site_value,
                                                     clearable=False)], className="control"),
                    html.Label(["Plan", dcc.Dropdown(id=ids.PLAN_DATE, options=dates, value=date_value,
                                                     clearable=False)], className="control"),
                    html.Button("steps.csv", id=ids.PLAN_DOWNLOAD_STEPS_BTN, className="button"),
                    html.Button("jobs.csv", id=ids.PLAN_DOWNLOAD_JOBS_BTN, className="button"),
                    dcc.Download(id=ids.PLAN_DOWNLOAD),
                ],
                className="controls",
            ),
            html.Div(plan_body(data_dir, site_value, date_value) if data_dir else None, id=ids.PLAN_BODY),
        ]
    )


def solver_card(meta: dict[str, Any]) -> html.Div:
    """How the plan was made: solver status and gap, or the fallback and its reason."""
    solver = meta.get("solver", {})
    gap = solver.get("gap")
    status = str(solver.get("status", "?"))
    timing = f"build {solver.get('build_s', 0):.1f} s · solve {solver.get('solve_s', 0):.1f} s"
    reason = str(solver.get("fallback_reason", ""))
    detail = f"gap {100 * gap:.2f} % · {timing}" if gap is not None else reason
    return kpi_card("solver", status, detail, card_id="kpi-solver")


def kpi_row(meta: dict[str, Any]) -> html.Div:
    """KPI cards from plan.json: cost, carbon, PUE, renewable share, ... against today's practice."""
    cards = [kpi_card(k.label, k.value, k.detail, card_id=f"kpi-{k.key}")
             for k in figures_plan.plan_kpis(meta)]
    return html.Div([*cards, solver_card(meta)], id=ids.PLAN_KPIS, className="kpis")


def job_table(plan: data.PlanData) -> html.Div:
    """A sortable, searchable table of the jobs: status, first start, finish, run hours, lateness."""
    return tables.table(ids.PLAN_JOB_TABLE, figures_plan.job_rows(plan.runs, plan.meta, plan.steps))


def figures(plan: data.PlanData) -> list[dcc.Graph]:
    """The plan's charts on the site's local clock: where the saving comes from, then the day."""
    timezone = str(plan.meta["site"]["timezone"])
    currency = str(plan.meta["site"].get("currency", "CNY"))
    return [
        graph(SAVINGS_GRAPH, figures_plan.figure_savings_waterfall(plan.meta)),
        graph(ids.PLAN_GANTT, figures_plan.figure_gantt(plan.runs, plan.meta, timezone)),
        graph(ids.PLAN_POWER, figures_plan.figure_power(plan.steps, timezone)),
        graph(ids.PLAN_COOLING, figures_plan.figure_cooling(plan.steps, timezone)),
        graph(ids.PLAN_SIGNALS, figures_plan.figure_signals(plan.steps, timezone, currency)),
    ]


def plan_body(data_dir: Path, site: str | None, date: str | None) -> html.Div:
    """Everything shown for one plan, an error card when it cannot be read, a guide when there is none."""
    if not site or not date:
        if data.is_empty(data_dir) or not data.plan_sites(data_dir):
            return empty_card(str(data_dir), "plans")
        return html.Div("Choose a site and a plan.", className="hint")
    try:
        return _rendered_plan(data_dir, site, date, data.plan_stamp(data_dir, site, date))
    except (data.DataError, KeyError, ValueError, TypeError) as exc:
        return error_card(f"The plan {site}/{date} cannot be shown", str(exc))


@functools.lru_cache(maxsize=16)
def _rendered_plan(data_dir: Path, site: str, date: str, _stamp: tuple[int, ...]) -> html.Div:
    """The plan's components, memoised per process on the plan files' identity (``data.plan_stamp``).

    A plan folder is written atomically and its files change only by being replaced, which changes
    the stamp, so a cached rendering is always that of the files on disk. The memo holds no user
    state: every worker process builds the same components from the same files.
    """
    plan = data.load_plan(data_dir, site, date)
    return html.Div([kpi_row(plan.meta), *figures(plan), html.H3("Jobs"), job_table(plan)])


def download(data_dir: Path, site: str | None, date: str | None, name: str) -> dict[str, Any] | None:
    """The dcc.Download payload of one plan file, or None when nothing is selected or it is refused; a
    report that loads the data folder's shared plotly.js is sent with it inlined, to open on its own."""
    if not site or not date:
        return None
    try:
        path = data.plan_file(data_dir, site, date, name)
    except data.DataError:
        return None
    if name == "report.html":
        page = self_contained(path.read_text(encoding="utf-8"), path.parent)
        return dcc.send_string(page, filename=f"{site}-{date}-{name}")
    return dcc.send_file(str(path), filename=f"{site}-{date}-{name}")


def register(app: Dash, data_dir: Path) -> None:
    """Register the page and connect its controls to this module's functions."""
    page = functools.partial(layout, data_dir)
    dash.register_page(__name__, path=PATH, name="Plan", title="greendc · plan", layout=page, order=0)
    # the home page is the plan page (a redirect would drop the ?site=..&date=.. query)
    dash.register_page(f"{__name__}.home", path="/", name="Home", title="greendc", layout=page, order=4)

    @app.callback(Output(ids.PLAN_DATE, "options"), Output(ids.PLAN_DATE, "value"),
                  Input(ids.PLAN_SITE, "value"), prevent_initial_call=True)
    def _dates(site: str | None) -> tuple[list[dict[str, str]], str | None]:
        return date_choice(data_dir, site, None)

    @app.callback(Output(ids.PLAN_BODY, "children"), Input(ids.PLAN_SITE, "value"),
                  Input(ids.PLAN_DATE, "value"), prevent_initial_call=True)
    def _body(site: str | None, date: str | None) -> html.Div:
        return plan_body(data_dir, site, date)

    @app.callback(Output(ids.PLAN_DOWNLOAD, "data"), Input(ids.PLAN_DOWNLOAD_STEPS_BTN, "n_clicks"),
                  Input(ids.PLAN_DOWNLOAD_JOBS_BTN, "n_clicks"), State(ids.PLAN_SITE, "value"),
                  State(ids.PLAN_DATE, "value"), prevent_initial_call=True)
    def _download(_steps: int | None, _jobs: int | None, site: str | None, date: str | None) -> Any:
        name = "jobs.csv" if dash.ctx.triggered_id == ids.PLAN_DOWNLOAD_JOBS_BTN else "steps.csv"
        result = download(data_dir, site, date, name)
        return no_update if result is None else result
