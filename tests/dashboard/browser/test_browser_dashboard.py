"""End-to-end: `greendc dashboard` in real headless Chromium over data made by the real commands.

Skipped (with the reason) only when chromium, chromedriver or selenium are absent; `make test`
installs them. The browser resolves no host but 127.0.0.1, so every page is checked with the
network off.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import harness
import pandas as pd
import pytest

MISSING = harness.missing_browser()
pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(MISSING is not None, reason=str(MISSING))]

DATE = "2026-07-15"
BIG_JOBS = 500


@pytest.fixture(scope="module")
def sites() -> tuple[str, str]:
    """Two built-in sites: a cold western hub with PV, wind and a battery, and a hot southern city."""
    return "zhongwei", "shenzhen"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory, sites: tuple[str, str]) -> Path:
    """A data folder written by `greendc plan`, `greendc nightly` and `greendc compare`.

    GREENDC_BROWSER_DATA names a folder made earlier by ``harness.make_data`` with these arguments
    (to iterate on the tests without re-running the commands for several minutes).
    """
    reuse = os.environ.get("GREENDC_BROWSER_DATA")
    if reuse:
        return Path(reuse)
    root = tmp_path_factory.mktemp("browser") / "greendc-data"
    return harness.make_data(root, sites, DATE, big_jobs=BIG_JOBS)


@pytest.fixture(scope="module")
def base_url(data_dir: Path) -> Iterator[str]:
    """The dashboard served from a `greendc dashboard` process on a free loopback port."""
    with harness.serve(data_dir) as url:
        yield url


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    """One headless Chromium for the module."""
    browser = harness.new_driver()
    yield browser
    browser.quit()


def _plotly_data(driver: Any, graph_id: str) -> list[dict[str, Any]]:
    """The traces plotly drew in the Graph with this id (read back from the page)."""
    script = ("const el = document.querySelector('#' + arguments[0] + ' .js-plotly-plot');"
              "return el && el.data ? JSON.parse(JSON.stringify(el.data)) : null;")
    return driver.execute_script(script, graph_id) or []


def _strings(traces: list[dict[str, Any]]) -> set[str]:
    """Every string value in the traces' y, text, customdata and hovertext arrays."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, str):
            found.add(value)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)

    for trace in traces:
        for key in ("y", "text", "customdata", "hovertext", "name"):
            walk(trace.get(key))
    return found


@pytest.mark.parametrize("path, ready", [
    ("/plan", "#plan-gantt .main-svg"),
    ("/whatif", "#whatif-saved .hint"),
    ("/sites", "#sites-map .main-svg"),
    ("/runs", "#runs-table table"),
])
def test_every_page_loads_without_console_errors(base_url: str, driver: Any, path: str, ready: str) -> None:
    driver.get(base_url + path)
    harness.wait_for(driver, ready)
    time.sleep(0.5)  # let late callbacks and resource loads report
    assert harness.console_errors(driver) == []


def _click(driver: Any, selector: str) -> None:
    """Click an element, finding it again if a re-render replaced it between finding and clicking."""
    from selenium.common.exceptions import StaleElementReferenceException

    for _ in range(20):
        try:
            driver.find_element("css selector", selector).click()
            return
        except StaleElementReferenceException:
            time.sleep(0.1)
    raise AssertionError(f"{selector} kept being replaced; not clicked")


def test_gantt_shows_the_plans_jobs(base_url: str, driver: Any, data_dir: Path,
                                    sites: tuple[str, str]) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    jobs = pd.read_csv(data_dir / "plans" / sites[0] / DATE / "jobs.csv")
    driver.get(f"{base_url}/plan?site={sites[0]}&date={DATE}")
    harness.wait_for(driver, "#plan-gantt .main-svg")
    shown = _strings(_plotly_data(driver, "plan-gantt"))
    assert set(jobs["job_id"].astype(str)) <= shown
    assert len(jobs) > 10
    # the job table sorts on the server when a header is clicked: job ids up, then down
    ids = sorted(jobs["job_id"].astype(str).unique())
    first_cell = "#plan-job-table tbody tr:first-child td:first-child"
    for expected in (ids[0], ids[-1]):
        _click(driver, "#plan-job-table th:first-child button")
        WebDriverWait(driver, 30, poll_frequency=0.05).until(  # read in the page: rows are replaced whole
            lambda d, want=expected: d.execute_script(
                "const c = document.querySelector(arguments[0]); return c && c.textContent;",
                first_cell) == want)
    assert harness.console_errors(driver) == []


def test_500_job_plan_draws_every_job(base_url: str, driver: Any, data_dir: Path,
                                      sites: tuple[str, str]) -> None:
    # How fast it draws (issue 6: under 1.5 s) is benchmarks/bench_dashboard.py's figure, not a test's:
    # a loaded host would make a time limit flaky. Here: both ways in draw every job, without errors.
    folder = f"{DATE}-{BIG_JOBS}jobs"
    jobs = pd.read_csv(data_dir / "plans" / sites[0] / folder / "jobs.csv", dtype={"job_id": str})
    assert jobs["job_id"].nunique() >= 400
    n_jobs = jobs["job_id"].nunique()

    def drawn(d: Any) -> bool:
        return harness.gantt_jobs(d, "plan-gantt") >= n_jobs and bool(
            d.find_elements("css selector", "#plan-job-table table"))

    from selenium.webdriver.support.ui import WebDriverWait

    # a link from the small plan (dcc.Link: history push, no reload), then a full load of the big plan's URL
    driver.get(f"{base_url}/plan?site={sites[0]}&date={DATE}")
    harness.wait_for(driver, "#plan-gantt .main-svg .barlayer .point")
    harness.navigate_in_app(driver, f"/plan?site={sites[0]}&date={folder}", drawn)
    assert set(jobs["job_id"]) <= _strings(_plotly_data(driver, "plan-gantt"))
    driver.get(f"{base_url}/plan?site={sites[0]}&date={folder}")
    WebDriverWait(driver, 60, poll_frequency=0.02).until(drawn)
    assert set(jobs["job_id"]) <= _strings(_plotly_data(driver, "plan-gantt"))
    assert harness.console_errors(driver) == []


def test_carbon_price_slider_makes_a_new_plan(base_url: str, driver: Any, sites: tuple[str, str]) -> None:
    from selenium.webdriver.common.by import By

    driver.get(f"{base_url}/whatif?site={sites[0]}&date={DATE}")
    harness.wait_for(driver, "#whatif-saved .hint")
    from selenium.webdriver.common.keys import Keys

    thumb = driver.find_element(By.CSS_SELECTOR, "#whatif-carbon-price [role=slider]")
    thumb.send_keys(Keys.END)  # move the carbon price to the top of its range, as a user would
    harness.wait_for(driver, "#whatif-diff", timeout_s=180)
    cells = [[td.text for td in row.find_elements(By.TAG_NAME, "td")]
             for row in driver.find_elements(By.CSS_SELECTOR, "#whatif-diff tr")]
    table = {row[0]: row for row in cells if row}
    assert "Carbon price" in table and table["Carbon price"][1] != table["Carbon price"][2]
    changed = [k for k, (_, saved, new, _) in table.items() if k != "Carbon price" and saved != new]
    assert changed, f"no KPI changed: {table}"
    assert harness.console_errors(driver) == []


def test_map_renders_its_sites_offline(base_url: str, driver: Any) -> None:
    from greendc.sites import builtin_ids

    driver.get(base_url + "/sites")
    harness.wait_for(driver, "#sites-map .main-svg")
    traces = _plotly_data(driver, "sites-map")
    assert set(builtin_ids()) <= _strings(traces)
    points = driver.find_elements("css selector", "#sites-map .point")
    assert len(points) >= len(builtin_ids())
    assert harness.console_errors(driver) == []
