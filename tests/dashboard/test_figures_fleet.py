"""The moves of the latest joint fleet plan on the Sites page's map: flows, line widths, hover, reading."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from greendc.dashboard import data, figures_fleet, ids
from greendc.dashboard.pages.sites import fleet_flows
from greendc.optimizer.io.publish import publish_version

HUBS = pd.DataFrame({"site": ["wuhu", "zhongwei", "guian"], "latitude": [31.3, 37.5, 26.6],
                     "longitude": [118.4, 105.2, 106.6]})
TRANSFERS = pd.DataFrame({
    "link": ["wuhu~zhongwei"] * 3 + ["guian~wuhu"],
    "from_hub": ["wuhu", "wuhu", "wuhu", "wuhu"], "to_hub": ["zhongwei", "zhongwei", "zhongwei", "guian"],
    "time": ["t0", "t1", "t2", "t0"], "gb": [3000.0, 1000.0, 2000.0, 1500.0],
    "capacity_gb": [45000.0] * 4,
})
ASSIGNMENTS = pd.DataFrame({
    "job_id": ["a", "b", "c", "d", "e"], "home_hub": ["wuhu", "wuhu", "wuhu", "wuhu", "zhongwei"],
    "hub": ["zhongwei", "zhongwei", "guian", "wuhu", "zhongwei"], "moved": [True, True, True, False, False],
    "gb": [4000.0, 2000.0, 1500.0, 0.0, 0.0],
})


def test_flows_sum_each_direction_and_count_its_moved_jobs() -> None:
    flows = figures_fleet.flow_frame(TRANSFERS, ASSIGNMENTS)
    assert flows.to_dict("records") == [
        {"from_hub": "wuhu", "to_hub": "zhongwei", "tb": pytest.approx(6.0), "jobs": 2},
        {"from_hub": "wuhu", "to_hub": "guian", "tb": pytest.approx(1.5), "jobs": 1},
    ]
    assert figures_fleet.flow_frame(TRANSFERS.iloc[:0], ASSIGNMENTS).empty


def test_each_flow_is_a_line_as_wide_as_its_share_of_the_largest_with_hover() -> None:
    flows = figures_fleet.flow_frame(TRANSFERS, ASSIGNMENTS)
    figure = figures_fleet.figure_fleet_flows(HUBS, flows)
    lines = [t for t in figure.data if t.mode == "lines" and t.name != "coastlines and borders"]
    assert len(lines) == 2
    widths = {t.hovertext[0]: t.line.width for t in lines}
    assert widths["wuhu → zhongwei: 6.0 TB, 2 jobs moved"] == figures_fleet.MAX_WIDTH_PX
    share = 1.5 / 6.0
    assert widths["wuhu → guian: 1.5 TB, 1 jobs moved"] == pytest.approx(figures_fleet.MAX_WIDTH_PX * share)
    to_zhongwei = next(t for t in lines if "zhongwei" in t.hovertext[0])
    assert (to_zhongwei.x[0], to_zhongwei.y[0]) == (118.4, 31.3)  # from the home hub
    assert (to_zhongwei.x[-1], to_zhongwei.y[-1]) == (105.2, 37.5)  # to where the work runs
    assert len(figure.layout.annotations) == 2  # one arrow head a flow
    hubs = next(t for t in figure.data if t.name == "hubs")
    assert "wuhu: 7.5 TB sent, 0.0 TB received" in hubs.hovertext
    assert "7.5 TB, 3 jobs moved" in figure.layout.title.text


def test_a_flow_to_a_hub_without_a_place_is_left_out_and_small_flows_stay_visible() -> None:
    flows = figures_fleet.flow_frame(TRANSFERS, ASSIGNMENTS)
    figure = figures_fleet.figure_fleet_flows(HUBS[HUBS["site"] != "guian"], flows)
    assert [t.hovertext[0] for t in figure.data if t.name and "→" in t.name] == [
        "wuhu → zhongwei: 6.0 TB, 2 jobs moved"]
    assert figures_fleet.line_width_px(0.001, 100.0) == figures_fleet.MIN_WIDTH_PX


def test_each_hubs_marker_area_follows_its_mean_it_load() -> None:
    """Zhongwei at 20 MW has the largest marker; Wuhu at 5 MW a quarter of its area (half its diameter)."""
    flows = figures_fleet.flow_frame(TRANSFERS, ASSIGNMENTS)
    figure = figures_fleet.figure_fleet_flows(HUBS, flows, load_mw={"wuhu": 5.0, "zhongwei": 20.0})
    hubs = next(t for t in figure.data if t.name == "hubs")
    sizes = dict(zip(hubs.text, hubs.marker.size, strict=True))
    assert sizes["zhongwei"] == figures_fleet.MAX_MARKER_PX
    assert sizes["wuhu"] == pytest.approx(figures_fleet.MAX_MARKER_PX / 2)
    assert sizes["guian"] == figures_fleet.MIN_MARKER_PX  # no load known
    assert "wuhu: 7.5 TB sent, 0.0 TB received, mean IT load 5.0 MW" in hubs.hovertext
    assert "marker area by mean IT load" in figure.layout.title.text


def _publish_fleet_plan(root: Path, name: str, day: str) -> None:
    staged = root / "staging" / name
    staged.mkdir(parents=True)
    (staged / "hubs" / "wuhu").mkdir(parents=True)
    pd.DataFrame({"time": ["t0", "t1"], "it_kw": [4000.0, 6000.0]}).to_csv(
        staged / "hubs" / "wuhu" / "steps.csv", index=False)
    (staged / "fleet.json").write_text(json.dumps({"plan_date": day, "hubs": ["wuhu", "zhongwei", "guian"]}))
    TRANSFERS.to_csv(staged / "transfers.csv", index=False)
    ASSIGNMENTS.to_csv(staged / "assignments.csv", index=False)
    publish_version(staged, root / "fleet" / name, day)


def test_the_sites_page_draws_the_newest_fleet_plans_moves(tmp_path: Path) -> None:
    assert data.latest_fleet_plan(tmp_path) is None
    assert fleet_flows(tmp_path, HUBS) == []  # no fleet plan: no map of moves
    _publish_fleet_plan(tmp_path, "old", "2026-11-30")
    _publish_fleet_plan(tmp_path, "hubs", "2026-12-01")
    plan = data.latest_fleet_plan(tmp_path)
    assert plan is not None and (plan.name, plan.date) == ("hubs", "2026-12-01")
    assert plan.transfers["gb"].sum() == pytest.approx(7500.0)
    assert plan.hub_it_mw == {"wuhu": pytest.approx(5.0)}  # zhongwei and guian have no plan here
    night = tmp_path / "plans" / "zhongwei" / "2026-12-01"  # a joint night publishes hubs as plans
    night.mkdir(parents=True)
    pd.DataFrame({"time": ["t0"], "it_kw": [20000.0]}).to_csv(night / "steps.csv", index=False)
    assert data.latest_fleet_plan(tmp_path).hub_it_mw == {"wuhu": pytest.approx(5.0),  # type: ignore[union-attr]
                                                          "zhongwei": pytest.approx(20.0)}
    (graph,) = fleet_flows(tmp_path, HUBS)
    assert graph.id == ids.SITES_FLOWS


def test_an_unreadable_fleet_plan_is_an_error_card(tmp_path: Path) -> None:
    _publish_fleet_plan(tmp_path, "hubs", "2026-12-01")
    (tmp_path / "fleet" / "hubs" / "latest" / "transfers.csv").write_text("nothing,useful\n1,2\n")
    (card,) = fleet_flows(tmp_path, HUBS)
    assert "cannot be read" in str(card) and "missing columns" in str(card)
