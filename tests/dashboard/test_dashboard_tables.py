"""The light table: sorting, searching and paging as pure functions, and the callback's answer."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
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
