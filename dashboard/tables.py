"""A light sortable, searchable, paged table: plain HTML rows, sorted and paged on the server.

It replaces ``dash_table.DataTable`` (deprecated in Dash 4, and about a third of a 500-job plan page's
drawing time in Chromium, docs/performance.md "Dashboard"): the browser draws one page of rows as an
``html.Table``, and the table's rows travel once, in a ``dcc.Store`` beside it. One pattern-matching
callback (``register``) serves every table of the app: a click on a column header sorts by it (again:
the other way), the search box keeps the rows containing its text in any column, the arrows page.
The view logic is pure functions of a DataFrame (``apply_view``, ``page_of``, ``next_view``), which
the unit tests call directly. No state lives outside the page: the rows and the view are in Stores.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

import dash
import pandas as pd
from dash import ALL, MATCH, Dash, Input, Output, State, dcc, html

#: Pattern-matching id types of a table's parts (each id also carries ``"table": <table id>``).
FILTER, SORT, PAGE, ROWS, VIEW, BODY = ("tbl-filter", "tbl-sort", "tbl-page", "tbl-rows", "tbl-view",
                                        "tbl-body")
#: Rows shown per page.
PAGE_SIZE = 20
#: A column and a background colour for each of its values.
RowColours = tuple[str, Mapping[str, str]]


@dataclass(frozen=True)
class View:
    """How a table is shown: sort column and direction, search text, page (from 0)."""

    sort: str | None = None
    descending: bool = False
    text: str = ""
    page: int = 0


def apply_view(frame: pd.DataFrame, view: View) -> pd.DataFrame:
    """The rows containing ``view.text`` (any column, any case), sorted by ``view.sort``, empty cells last."""
    rows = frame
    if view.text.strip():
        needle = view.text.strip().lower()
        text = rows.astype(str).apply(lambda column: column.str.lower().str.contains(needle, regex=False))
        rows = rows[text.any(axis=1)]
    if view.sort is not None and view.sort in rows.columns:
        rows = rows.sort_values(view.sort, ascending=not view.descending, na_position="last", kind="stable")
    return rows


def page_of(frame: pd.DataFrame, page: int, page_size: int = PAGE_SIZE) -> tuple[pd.DataFrame, int, int]:
    """The rows of one page, the page number clamped to the pages there are, and the number of pages."""
    pages = max(1, math.ceil(len(frame) / page_size))
    page = min(max(0, page), pages - 1)
    return frame.iloc[page * page_size:(page + 1) * page_size], page, pages


def next_view(view: View, trigger: Mapping[str, Any] | None, text: str | None) -> View:
    """The view after a user action: a header click sorts (again: reversed), a page step, a new search."""
    text = text or ""
    if text != view.text:
        return replace(view, text=text, page=0)
    if trigger and trigger.get("type") == SORT:
        column = str(trigger["column"])
        return replace(view, sort=column, descending=(not view.descending) if view.sort == column else False,
                       page=0)
    if trigger and trigger.get("type") == PAGE:
        return replace(view, page=view.page + int(trigger["step"]))
    return view


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """DataFrame rows as JSON-ready dicts, NaN as None."""
    return [{str(k): v for k, v in row.items()}
            for row in frame.astype(object).where(frame.notna(), None).to_dict("records")]


def _cell(value: Any, link: bool) -> Any:
    """A cell's content: text, or an in-app link for a ``[label](href)`` value of a link column."""
    if value is None:
        return ""
    if link and isinstance(value, str) and value.startswith("[") and "](" in value and value.endswith(")"):
        label, href = value[1:-1].split("](", 1)
        return dcc.Link(label, href=href)
    return str(value)


def _row_style(row: Mapping[str, Any], colours: RowColours | None) -> dict[str, str]:
    """A row's background colour when its value in the colouring column has one."""
    if colours is None:
        return {}
    column, by_value = colours
    colour = by_value.get(str(row.get(column)))
    return {"backgroundColor": colour} if colour else {}


def view_table(table_id: str, frame: pd.DataFrame, view: View, *, links: Sequence[str] = (),
               page_size: int = PAGE_SIZE, colours: RowColours | None = None) -> html.Div:
    """One page of the table with its sortable header and the pager, for the view."""
    shown, page, pages = page_of(apply_view(frame, view), view.page, page_size)
    total = len(apply_view(frame, View(text=view.text)))
    arrows = {c: (" ▼" if view.descending else " ▲") if c == view.sort else "" for c in frame.columns}
    header = html.Tr([html.Th(html.Button(f"{c}{arrows[c]}", className="sort", title=f"sort by {c}",
                                          id={"type": SORT, "table": table_id, "column": c}))
                      for c in frame.columns])
    body = [html.Tr([html.Td(_cell(row[c], c in links)) for c in frame.columns],
                    style=_row_style(row, colours)) for row in records(shown)]
    first = page * page_size + 1 if total else 0
    pager = html.Div(
        [html.Button("‹", id={"type": PAGE, "table": table_id, "step": -1}, className="button",
                     disabled=page == 0),
         html.Span(f"{first}-{first + len(shown) - 1 if total else 0} of {total}", className="pager-text"),
         html.Button("›", id={"type": PAGE, "table": table_id, "step": 1}, className="button",
                     disabled=page >= pages - 1)],
        className="pager",
    )
    return html.Div([html.Table([html.Thead(header), html.Tbody(body)], className="table"), pager])


def table(table_id: str, frame: pd.DataFrame, *, links: Sequence[str] = (), page_size: int = PAGE_SIZE,
          colours: RowColours | None = None) -> html.Div:
    """The whole widget: search box, first page of ``frame`` and the stores of its rows and view.

    ``links`` are columns of ``[label](href)`` values shown as in-app links; ``colours`` is a column
    and a background colour for each of its values (e.g. a run's status).
    """
    view = View()
    return html.Div(
        [
            dcc.Input(id={"type": FILTER, "table": table_id}, type="search", placeholder="search",
                      debounce=0.4, className="table-search"),
            dcc.Store(id={"type": ROWS, "table": table_id},
                      data={"columns": list(frame.columns), "rows": records(frame), "links": list(links),
                            "page_size": page_size, "colours": list(colours) if colours else None}),
            dcc.Store(id={"type": VIEW, "table": table_id}, data=asdict(view)),
            html.Div(view_table(table_id, frame, view, links=links, page_size=page_size, colours=colours),
                     id={"type": BODY, "table": table_id}),
        ],
        id=table_id, className="table-widget",
    )


def refreshed(table_id: str, stored: Mapping[str, Any], view_data: Mapping[str, Any] | None,
              trigger: Mapping[str, Any] | None, text: str | None) -> tuple[html.Div, dict[str, Any]]:
    """The table's new page and view after a user action (what the callback returns)."""
    frame = pd.DataFrame(list(stored["rows"]), columns=list(stored["columns"]))
    view = next_view(View(**(view_data or {})), trigger, text)
    _rows, page, _pages = page_of(apply_view(frame, view), view.page, int(stored["page_size"]))
    view = replace(view, page=page)
    colours = stored.get("colours")
    body = view_table(table_id, frame, view, links=list(stored["links"]), page_size=int(stored["page_size"]),
                      colours=(str(colours[0]), dict(colours[1])) if colours else None)
    return body, asdict(view)


def register(app: Dash) -> None:
    """One callback for every table of the app: sort, search and page on the server from the stored rows."""

    @app.callback(
        Output({"type": BODY, "table": MATCH}, "children"), Output({"type": VIEW, "table": MATCH}, "data"),
        Input({"type": FILTER, "table": MATCH}, "value"),
        Input({"type": SORT, "table": MATCH, "column": ALL}, "n_clicks"),
        Input({"type": PAGE, "table": MATCH, "step": ALL}, "n_clicks"),
        State({"type": ROWS, "table": MATCH}, "data"), State({"type": VIEW, "table": MATCH}, "data"),
        prevent_initial_call=True,
    )
    def _refresh(text: str | None, _sorts: list[int | None], _pages: list[int | None],
                 stored: dict[str, Any], view: dict[str, Any] | None) -> tuple[html.Div, dict[str, Any]]:
        trigger = dash.ctx.triggered_id
        table_id = str(trigger["table"]) if isinstance(trigger, Mapping) else ""
        return refreshed(table_id, stored, view, trigger if isinstance(trigger, Mapping) else None, text)
