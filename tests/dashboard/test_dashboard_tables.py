"""The light table: sorting, searching and paging as pure functions, and the callback's answer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from greendc.dashboard import tables
from greendc.dashboard.tables import PAGE, SORT, View
from hypothesis import given
from hypothesis import strategies as st

JOBS = pd.DataFrame({"job_id": ["a", "b", "c", "d"], "status": ["on_time", "late", "on_time", "not_run"],
                     "lateness_h": [0.0, 2.5, 0.0, None], "reason": ["", "waits for nodes", "", "64 nodes"]})


def _texts(component: Any) -> list[str]:
    """The first column's cell texts of a rendered table page."""
    tree = json.loads(json.dumps(component.to_plotly_json(), default=lambda o: o.to_plotly_json()))
    body = tree["props"]["children"][0]["props"]["children"][1]["props"]["children"]
    return [row["props"]["children"][0]["props"]["children"] for row in body]


def test_sort_is_numeric_and_puts_empty_cells_last() -> None:
    latest_first = tables.apply_view(JOBS, View(sort="lateness_h", descending=True))
    assert list(latest_first["job_id"]) == ["b", "a", "c", "d"]  # 2.5 first, the empty lateness last
    assert list(tables.apply_view(JOBS, View(sort="lateness_h"))["job_id"]) == ["a", "c", "b", "d"]


def test_search_matches_any_column_in_any_case() -> None:
    assert list(tables.apply_view(JOBS, View(text="LATE"))["job_id"]) == ["b"]
    assert list(tables.apply_view(JOBS, View(text="nodes"))["job_id"]) == ["b", "d"]
    assert tables.apply_view(JOBS, View(text="nothing like it")).empty


def test_header_click_sorts_then_reverses_and_a_search_goes_back_to_page_one() -> None:
    click = {"type": SORT, "table": "t", "column": "lateness_h"}
    first = tables.next_view(View(page=3), click, "")
    assert first == View(sort="lateness_h", descending=False, page=0)
    assert tables.next_view(first, click, "").descending
    assert tables.next_view(View(page=2), {"type": PAGE, "table": "t", "step": 1}, "").page == 3
    assert tables.next_view(View(page=2), None, "late") == View(text="late", page=0)


@given(n_rows=st.integers(0, 95), page=st.integers(-3, 9), size=st.integers(1, 30))
def test_pages_cover_every_row_once(n_rows: int, page: int, size: int) -> None:
    frame = pd.DataFrame({"i": range(n_rows)})
    shown, clamped, pages = tables.page_of(frame, page, size)
    assert 0 <= clamped < pages and len(shown) <= size
    every = pd.concat([tables.page_of(frame, p, size)[0] for p in range(pages)])
    assert list(every["i"]) == list(range(n_rows))


def test_callback_answer_pages_the_sorted_rows() -> None:
    frame = pd.DataFrame({"job_id": [f"j{i:02d}" for i in range(45)],
                          "run_h": [float(i % 7) for i in range(45)]})
    widget = tables.table("jobs", frame)
    stored = widget.children[1].data
    body, view = tables.refreshed("jobs", stored, widget.children[2].data,
                                  {"type": SORT, "table": "jobs", "column": "run_h"}, None)
    assert view == {"sort": "run_h", "descending": False, "text": "", "page": 0}
    ascending = frame.sort_values("run_h", kind="stable")["job_id"].tolist()
    assert _texts(body) == ascending[:20]
    body, view = tables.refreshed("jobs", stored, view, {"type": PAGE, "table": "jobs", "step": 5}, None)
    assert view["page"] == 2 and _texts(body) == ascending[40:]  # a step past the end stops at the last page


def test_link_column_renders_in_app_links() -> None:
    frame = pd.DataFrame({"plan": ["[open](/plan?site=x&date=2026-07-15)", None]})
    tree = json.dumps(tables.view_table("t", frame, View(), links=("plan",)).to_plotly_json(),
                      default=lambda o: o.to_plotly_json())
    assert '"href": "/plan?site=x&date=2026-07-15"' in tree and '"type": "Link"' in tree


# --- issue 13: a crafted Store payload or control value is an error card, never an HTTP 500 -----------

GOOD = tables.table("jobs", JOBS).children[1].data


@pytest.mark.parametrize(("stored", "view", "trigger", "text"), [
    ("abc", None, None, "x"),
    (None, None, None, "x"),
    (5, None, None, "x"),
    ([1], None, None, "x"),
    ({"columns": 5}, None, None, "x"),
    ({**GOOD, "rows": "abc"}, None, None, "x"),
    ({**GOOD, "rows": [{"job_id": {"a": 1}}]}, None, None, "x"),
    ({**GOOD, "page_size": "x"}, None, None, "x"),
    ({**GOOD, "page_size": 0}, None, None, "x"),
    ({**GOOD, "page_size": True}, None, None, "x"),
    ({**GOOD, "links": "plan"}, None, None, "x"),
    ({**GOOD, "colours": ["status", 5]}, None, None, "x"),
    (GOOD, "abc", None, "x"),
    (GOOD, [1], None, "x"),
    (GOOD, {"bogus": 1}, None, "x"),
    (GOOD, {"page": "x"}, None, None),
    (GOOD, {"page": True}, None, None),
    (GOOD, {"sort": 5}, None, None),
    (GOOD, None, {"type": PAGE, "table": "jobs", "step": "x"}, None),
    (GOOD, None, {"type": SORT, "table": "jobs", "column": [1]}, None),
    (GOOD, None, None, 5),
    (GOOD, None, None, ["late"]),
])
def test_a_crafted_store_or_control_value_is_an_error_card(stored: Any, view: Any, trigger: Any,
                                                          text: Any) -> None:
    body, new_view = tables.refreshed("jobs", stored, view, trigger, text)
    shown = json.dumps(body.to_plotly_json(), default=lambda o: o.to_plotly_json())
    assert "error-card" in shown and "not a value this page offers" in shown
    assert new_view == {"sort": None, "descending": False, "text": "", "page": 0}


def test_text_and_numbers_in_one_column_sort_as_text() -> None:
    mixed = pd.DataFrame({"v": ["b", 2, "a", None]})
    assert list(tables.apply_view(mixed, View(sort="v"))["v"][:3]) == [2, "a", "b"]


def _post_table(app: Any, stored: Any, view: Any, text: Any) -> Any:
    """A search in the table, as the browser calls its callback (pattern-matching ids), through Dash."""
    key = next(k for k in app.callback_map if '"tbl-body"' in k)
    ids = {kind: {"type": kind, "table": "plan-jobs"} for kind in (tables.BODY, tables.VIEW, tables.FILTER,
                                                                   tables.ROWS)}
    body = {
        "output": key,
        "outputs": [{"id": ids[tables.BODY], "property": "children"},
                    {"id": ids[tables.VIEW], "property": "data"}],
        "inputs": [{"id": ids[tables.FILTER], "property": "value", "value": text}, [], []],
        "changedPropIds": [json.dumps(ids[tables.FILTER], separators=(",", ":"), sort_keys=True) + ".value"],
        "state": [{"id": ids[tables.ROWS], "property": "data", "value": stored},
                  {"id": ids[tables.VIEW], "property": "data", "value": view}],
    }
    return app.server.test_client().post("/_dash-update-component", json=body)


@pytest.mark.parametrize(("stored", "view", "text"), [
    ("abc", None, "x"), ({"columns": ["a"], "rows": [], "links": [], "page_size": "x"}, None, "x"),
    (GOOD, {"bogus": 1}, "x"), (GOOD, "abc", "x"), (GOOD, None, 7),
])
def test_crafted_table_callbacks_through_http_answer_200_with_an_error_card(
        tmp_path: Path, caplog: pytest.LogCaptureFixture, stored: Any, view: Any, text: Any) -> None:
    """issue 13: a tbl-rows Store of the wrong shape was an HTTP 500 with a traceback in the log."""
    from greendc.dashboard.app import create_app

    answer = _post_table(create_app(tmp_path), stored, view, text)
    assert answer.status_code == 200, answer.data[:300]
    assert b"error-card" in answer.data and b"not a value this page offers" in answer.data
    assert "Traceback" not in caplog.text and not [r for r in caplog.records if r.levelname == "ERROR"]


def test_a_good_table_callback_through_http_still_pages(tmp_path: Path) -> None:
    from greendc.dashboard.app import create_app

    answer = _post_table(create_app(tmp_path), GOOD, None, "nodes")
    assert answer.status_code == 200 and b"error-card" not in answer.data and b"1-2 of 2" in answer.data
