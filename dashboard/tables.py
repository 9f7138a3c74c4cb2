"""A light sortable, searchable, paged table: plain HTML rows, sorted and paged on the server.

It replaces ``dash_table.DataTable`` (deprecated in Dash 4, and about a third of a 500-job plan page's
drawing time in Chromium, docs/performance.md "Dashboard"): the browser draws one page of rows as an
``html.Table``, and the table's rows travel once, in a ``dcc.Store`` beside it. One pattern-matching
callback (``register``) serves every table of the app: a click on a column header sorts by it (again:
the other way), the search box keeps the rows containing its text in any column, the arrows page.
The view logic is pure functions of a DataFrame (``apply_view``, ``page_of``, ``next_view``), which
the unit tests call directly. No state lives outside the page: the rows and the view are in Stores.
A browser may send anything in them (a crafted request): ``refreshed`` reads each payload through
``stored_rows``, ``stored_view`` and ``checked_action`` and answers a wrong shape with an error card.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

import dash
import pandas as pd
from dash import ALL, MATCH, Dash, Input, Output, State, dcc, html
from greendc.dashboard.pages._common import bad_value_card

#: Pattern-matching id types of a table's parts (each id also carries ``"table": <table id>``).
FILTER, SORT, PAGE, ROWS, VIEW, BODY = ("tbl-filter", "tbl-sort", "tbl-page", "tbl-rows", "tbl-view",
                                        "tbl-body")
#: Rows shown per page.
PAGE_SIZE = 20
#: Most rows per page a rows Store may ask for.
MAX_PAGE_SIZE = 1000
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
        up = not view.descending
        try:
            rows = rows.sort_values(view.sort, ascending=up, na_position="last", kind="stable")
        except TypeError:  # text and numbers in one column: sorted as text
            rows = rows.sort_values(view.sort, ascending=up, na_position="last", kind="stable",
                                    key=lambda column: column.where(column.isna(), column.astype(str)))
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


class StoreError(ValueError):
    """A Store or control of a table holds what this app never puts there (a crafted request)."""

    def __init__(self, control: str, value: Any, allowed: str) -> None:
        super().__init__(f"{control}: not a value this page sends; allowed: {allowed}")
        self.control, self.value, self.allowed = control, value, allowed


@dataclass(frozen=True)
class Rows:
    """A table's rows and how it draws them, as ``table`` stored them."""

    frame: pd.DataFrame
    links: tuple[str, ...]
    page_size: int
    colours: RowColours | None


def _is_int(value: Any) -> bool:
    """A whole number as JSON gives one (a bool is not one)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _texts_of(value: Any, control: str) -> tuple[str, ...]:
    """A list of texts from a Store, or StoreError."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise StoreError(control, value, "a list of texts")
    return tuple(value)


def _colours_of(value: Any) -> RowColours | None:
    """The rows Store's colouring: None, or a column and a colour for each of its values."""
    if value is None:
        return None
    if (not isinstance(value, list) or len(value) != 2 or not isinstance(value[0], str)
            or not isinstance(value[1], Mapping)
            or not all(isinstance(v, str) for item in value[1].items() for v in item)):
        raise StoreError("Table colours", value, "none, or a column and a colour for each value")
    return value[0], dict(value[1])


def stored_rows(stored: Any) -> Rows:
    """The rows Store read back: columns, rows of plain values, links, page size, colours; or StoreError."""
    if not isinstance(stored, Mapping):
        raise StoreError("Table rows", stored, "the rows this page stored")
    columns = _texts_of(stored.get("columns"), "Table columns")
    rows = stored.get("rows")
    plain = (str, int, float, bool, type(None))
    if not isinstance(rows, list) or not all(
            isinstance(row, Mapping) and all(isinstance(v, plain) for v in row.values()) for row in rows):
        raise StoreError("Table rows", rows, "a list of rows of texts and numbers")
    size = stored.get("page_size")
    if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= MAX_PAGE_SIZE:
        raise StoreError("Table page size", size, f"a whole number from 1 to {MAX_PAGE_SIZE}")
    links, colours = _texts_of(stored.get("links"), "Table links"), _colours_of(stored.get("colours"))
    return Rows(pd.DataFrame(rows, columns=list(columns)), links, size, colours)


def stored_view(data: Any) -> View:
    """The view Store read back (nothing stored: the first view), or StoreError."""
    if data is None:
        return View()
    kinds: dict[str, type | tuple[type, ...]] = {"sort": (str, type(None)), "descending": bool, "text": str,
                                                  "page": int}
    if (not isinstance(data, Mapping) or not set(data) <= set(kinds)
            or not all(isinstance(data[k], kinds[k]) for k in data) or isinstance(data.get("page"), bool)):
        raise StoreError("Table view", data, "sort (a column), descending (true/false), text, page (number)")
    return View(**data)


def checked_action(trigger: Any, text: Any) -> tuple[Mapping[str, Any] | None, str | None]:
    """The user action as the callback got it: a header or pager id and the search text, or StoreError."""
    if text is not None and not isinstance(text, str):
        raise StoreError("Table search", text, "a text")
    if not isinstance(trigger, Mapping):
        return None, text
    if trigger.get("type") == SORT and not isinstance(trigger.get("column"), str):
        raise StoreError("Table header", trigger, "a column's header")
    if trigger.get("type") == PAGE and not _is_int(trigger.get("step")):
        raise StoreError("Table pager", trigger, "the pager's arrows")
    return trigger, text


def refreshed(table_id: str, stored: Any, view_data: Any, trigger: Any,
              text: Any) -> tuple[html.Div, dict[str, Any]]:
    """The table's new page and view after a user action (what the callback returns); for a Store or
    control holding what this page never sends, an error card and the first view."""
    try:
        rows, view = stored_rows(stored), stored_view(view_data)
        action, search = checked_action(trigger, text)
    except StoreError as exc:
        return bad_value_card(exc.control, exc.value, exc.allowed), asdict(View())
    view = next_view(view, action, search)
    _rows, page, _pages = page_of(apply_view(rows.frame, view), view.page, rows.page_size)
    view = replace(view, page=page)
    body = view_table(table_id, rows.frame, view, links=rows.links, page_size=rows.page_size,
                      colours=rows.colours)
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
    def _refresh(text: Any, _sorts: Any, _pages: Any, stored: Any,
                 view: Any) -> tuple[html.Div, dict[str, Any]]:
        trigger = dash.ctx.triggered_id
        table_id = str(trigger.get("table", "")) if isinstance(trigger, Mapping) else ""
        return refreshed(table_id, stored, view, trigger, text)
