"""Reports and their plotly.js (issue 13): one shared file per data folder, loaded by a relative path that
works from the date, ``latest`` and the version folder; inlined only for a folder outside a data folder."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from baseline_cases import job, tiny_profile, tiny_site
from greendc.dashboard import report_assets
from greendc.dashboard.report_plan import plan_report_html
from greendc.optimizer.day.baseline import baseline_plan
from greendc.optimizer.io.planfolder import plan_metadata
from greendc.optimizer.types import PlanSettings
from plotly.offline import get_plotlyjs

Parts = tuple[dict[str, Any], pd.DataFrame, pd.DataFrame]
#: The first characters of plotly.js as plotly ships it: found in a page that inlines it.
PLOTLY_HEAD = get_plotlyjs()[:300]


@pytest.fixture(scope="module")
def plan_parts() -> Parts:
    """plan.json's dict, the steps and the runs of the tiny case (the baseline as the plan)."""
    site = tiny_site()
    profile = tiny_profile(site)
    plan = baseline_plan(profile, site, [job("A", 2, 2.0, 0, 2, False)], PlanSettings())
    meta = plan_metadata(plan=plan, baseline=plan, site=site, profile=profile, settings=PlanSettings(),
                         inputs={})
    return meta.to_json(), plan.steps, plan.runs


def _src(page: str) -> str:
    """The src of a page's first script tag."""
    found = re.search(r'<script src="([^"]+)"', page)
    assert found is not None, "the page loads no script"
    return found.group(1)


def test_outside_a_data_folder_plotly_is_inline_and_nothing_written(
        tmp_path: Path, plan_parts: Parts) -> None:
    assert report_assets.plotly_src(tmp_path / "my-plan", "plan") is None
    assert report_assets.plotly_src(tmp_path / "my-study", "study") is None
    assert list(tmp_path.iterdir()) == []
    page = plan_report_html(*plan_parts)
    assert PLOTLY_HEAD in page and "<script src=" not in page


def test_in_a_data_folder_the_report_loads_the_shared_file(tmp_path: Path, plan_parts: Parts) -> None:
    data = tmp_path / "greendc-data"
    site = data / "plans" / "zhongwei"
    src = report_assets.plotly_src(site / "2026-12-01", "plan")
    assert src == f"../../../assets/{report_assets.plotly_js_name()}"
    shared = data / "assets" / report_assets.plotly_js_name()
    assert shared.read_bytes() == get_plotlyjs().encode("utf-8")
    page = plan_report_html(*plan_parts, plotly_src=src)
    assert PLOTLY_HEAD not in page and len(page.encode()) < 500_000
    head = page[: page.index("</head>")]
    assert _src(head) == src and f'"../{src}"' in head  # the version folder's path, one level deeper
    assert report_assets.plotly_src(data / "studies" / "s", "study") == f"../../assets/{shared.name}"
    assert sorted(p.name for p in (data / "assets").iterdir()) == [shared.name]  # written once


def test_a_download_gets_the_report_with_plotly_inlined(tmp_path: Path, plan_parts: Parts) -> None:
    data = tmp_path / "greendc-data"
    site = data / "plans" / "zhongwei"
    version = site / ".versions" / "2026-12-01-0123456789ab"
    version.mkdir(parents=True)
    os.symlink(".versions/2026-12-01-0123456789ab", site / "2026-12-01")
    page = plan_report_html(*plan_parts, plotly_src=report_assets.plotly_src(site / "2026-12-01", "plan"))
    for folder in (site / "2026-12-01", version, (site / "2026-12-01").resolve()):
        alone = report_assets.self_contained(page, folder)
        assert PLOTLY_HEAD in alone and "<script src=" not in alone and "document.write" not in alone
    (data / "assets" / report_assets.plotly_js_name()).unlink()
    assert report_assets.self_contained(page, version) == page  # no shared file: the page as it is
