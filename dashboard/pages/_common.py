"""Small building blocks shared by the pages: cards, error cards, the empty-folder guide."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dash import dcc, html
from greendc.dashboard import data

#: Shown when the data folder has nothing in it yet.
FIRST_PLAN_COMMANDS = (
    "greendc plan --site zhongwei --out {data_dir}/plans/zhongwei/$(date -d tomorrow +%F)",
    "greendc compare --sites all --out {data_dir}/studies/default",
    "greendc nightly --fleet examples/fleet.toml",
)


def error_card(title: str, message: str) -> html.Div:
    """A red card that says what could not be shown and why, instead of a crash."""
    return html.Div([html.H4(title), html.P(message, className="error-text")], className="card error-card")


def empty_card(data_dir: str, what: str) -> html.Div:
    """How to make a first plan (or study, or run), shown when the data folder has none."""
    commands = "\n".join(c.format(data_dir=data_dir) for c in FIRST_PLAN_COMMANDS)
    return html.Div(
        [
            html.H4(f"No {what} yet in {data_dir}"),
            html.P("Make a first plan, a study and a nightly run with:"),
            html.Pre(commands, className="commands"),
            html.P("then reload this page."),
        ],
        className="card empty-card",
    )


def kpi_card(label: str, value: str, detail: str = "", *, card_id: str | None = None) -> html.Div:
    """One KPI: a label, a big value and a small detail line (e.g. the baseline and the saving)."""
    props: dict[str, Any] = {"className": "card kpi-card"}
    if card_id is not None:
        props["id"] = card_id
    return html.Div(
        [html.Div(label, className="kpi-label"), html.Div(value, className="kpi-value"),
         html.Div(detail, className="kpi-detail")],
        **props,
    )


def graph(graph_id: str, figure: Any) -> dcc.Graph:
    """A plotly figure in a Graph that never reaches out to a CDN (no mathjax, no topojson fetch)."""
    return dcc.Graph(id=graph_id, figure=figure, config={"displaylogo": False},
                     mathjax=False)


def free_text(value: Any) -> str | None:
    """A callback value as text, else None: a crafted one (a number, a list) never reaches the readers."""
    return value if isinstance(value, str) and value and "\x00" not in value else None


def query_value(query: Any, key: str) -> str | None:
    """One text value of a page's query Store (a dict from the URL; anything else counts as empty)."""
    return free_text(query.get(key)) if isinstance(query, dict) else None


def bad_value_card(control: str, value: Any, allowed: str) -> html.Div:
    """The answer to a value no control offers (a crafted request): what was sent and what is allowed."""
    return error_card(f"{control}: not a value this page offers", f"got {_short(value)}; allowed: {allowed}")


def _short(value: Any, limit: int = 60) -> str:
    """repr of a value cut to ``limit`` characters, for messages about crafted input."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def options(values: list[str]) -> list[dict[str, str]]:
    """Dropdown options whose label is the value."""
    return [{"label": v, "value": v} for v in values]


def site_choice(data_dir: Path, wanted: str | None) -> tuple[list[dict[str, str]], str | None]:
    """Sites with plans as dropdown options, and the one to select (the wanted one if it has plans)."""
    sites, wanted = data.plan_sites(data_dir), free_text(wanted)
    return options(sites), (wanted if wanted in sites else (sites[0] if sites else None))


def date_choice(
    data_dir: Path, site: str | None, wanted: str | None
) -> tuple[list[dict[str, str]], str | None]:
    """Plan dates of a site, newest first, and the one to select."""
    site, wanted = free_text(site), free_text(wanted)
    if not site:
        return [], None
    try:
        dates = data.plan_dates(data_dir, site)
    except data.DataError:
        return [], None
    return options(dates), (wanted if wanted in dates else (dates[0] if dates else None))
