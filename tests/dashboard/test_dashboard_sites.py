"""Sites page: the built-in catalogue on the offline map, a study's results or why they cannot be shown."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from greendc.dashboard.pages import sites as sites_page
from greendc.sites import builtin_ids


def _json(component: object) -> str:
    """A component tree as JSON text."""
    return json.dumps(component, default=lambda o: o.to_plotly_json() if hasattr(o, "to_plotly_json")
                      else str(o))


def test_map_and_table_show_every_built_in_site(tmp_path: Path) -> None:
    body = sites_page.sites_body(tmp_path, None)
    graph = next(c for c in body.children if getattr(c, "id", None) == "sites-map")
    markers = [t for t in graph.figure.data if t.mode and "markers" in t.mode]
    assert sorted(markers[0].text) == builtin_ids()
    table = next(c for c in body.children if getattr(c, "id", None) == "sites-table")
    assert [row["site"] for row in table.children[1].data["rows"]] == builtin_ids()


def test_no_study_says_how_to_make_one(tmp_path: Path) -> None:
    assert "greendc compare" in _json(sites_page.study_body(tmp_path, None))


def test_half_written_study_is_an_error_card(tmp_path: Path) -> None:
    folder = tmp_path / "studies" / "demo"
    folder.mkdir(parents=True)
    (folder / "kpis.csv").write_text("site,scenario,pue\nzhongwei,low,1.13\n")
    body = sites_page.study_body(tmp_path, "demo")
    assert "error-card" in body.className and "ranking.csv" in _json(body)
    assert "error-card" in sites_page.study_body(tmp_path, "../..").className


def test_ranking_caption_replaces_a_repeated_explanation() -> None:
    basis = "total annual cost at the scenario's carbon price (energy + demand + carbon + capital)"
    ranking = pd.DataFrame({"rank": [1, 2], "site": ["zhongwei", "shenzhen"], "score_basis": [basis, basis]})
    caption, table = sites_page.ranking_parts(ranking)
    assert basis in caption.children
    assert table.children[1].data["columns"] == ["rank", "site"]
