"""Dashboard benchmark: a 500-job plan page in real headless Chromium, and 20 concurrent loopback clients.

    .venv/bin/python benchmarks/bench_dashboard.py [--data DIR] [--clients 20] [--loads 10] [--write-docs]

Without ``--data``, a fresh data folder is made by the real commands (`greendc plan` on a 500-job
queue at zhongwei). The browser figures are the times until the Gantt chart's bars and the job table
are drawn, opening the plan by an in-app link (the issue's < 1.5 s) and by a full page reload
(median of 5 warm loads each). The concurrency
figure replays what a browser asks for on a plan page (the HTML, the layout, the callback graph and
Dash's page-routing callback, whose answer is the page with the 500-job plan drawn) from 20 threads at
once, each repeating it ``--loads`` times: latency per page load, p50 / p95 / max, errors.
``--write-docs`` replaces the "Dashboard" section of docs/performance.md with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "dashboard" / "browser"))
sys.path.insert(0, str(ROOT))

import harness  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from benchmarks.docs_section import replace_section  # noqa: E402

SITE = "zhongwei"
DATE = "2026-07-15"
N_JOBS = 500
#: The Gantt chart counts as drawn when it shows at least this many distinct jobs (some may not run).
MIN_JOBS_DRAWN = 400
RENDER_TARGET_S = 1.5
#: Figures recorded before the template, table and one-round-trip changes (docs/performance.md, 9fe4dfe).
BEFORE = {"in_app": 0.97, "reload": 1.62, "p50": 1.34, "p95": 1.63, "throughput": 14.7}
SECTION = "## Dashboard"


def make_data(root: Path) -> tuple[Path, str]:
    """A data folder with the 500-job plan, written by `greendc plan`; returns it and the plan folder name."""
    harness.make_data(root, (SITE,), DATE, study=False, nightly=False, big_jobs=N_JOBS)
    return root, f"{DATE}-{N_JOBS}jobs"


def browser_render_s(base_url: str, folder: str, repeats: int = 5) -> tuple[list[float], list[float]]:
    """Seconds until the 500-job plan's Gantt bars and job table are drawn, per load of the plan page.

    Two ways in: following an in-app link from the small plan (how a user moves between plans: the
    app is loaded, the page is rendered from the server's answer) and a full page reload (the
    JavaScript of Dash, React and plotly.js is parsed again, from the browser's cache).
    """
    driver = harness.new_driver()
    small = f"{base_url}/plan?site={SITE}&date={DATE}"
    big = f"/plan?site={SITE}&date={folder}"

    def drawn(d: Any) -> bool:
        return harness.gantt_jobs(d, "plan-gantt") >= MIN_JOBS_DRAWN and bool(
            d.find_elements("css selector", "#plan-job-table table"))

    try:
        in_app, reload = [], []
        for _ in range(repeats + 1):
            driver.get(small)
            harness.wait_for(driver, "#plan-gantt .main-svg .barlayer .point", timeout_s=60)
            in_app.append(harness.navigate_in_app(driver, big, drawn))
            start = time.perf_counter()
            driver.get(base_url + big)
            harness.wait_for(driver, "#plan-job-table table", timeout_s=60)
            WebDriverWait(driver, 60, poll_frequency=0.02).until(drawn)
            reload.append(time.perf_counter() - start)
        errors = harness.console_errors(driver)
        if errors:
            raise RuntimeError(f"console errors: {errors}")
        return in_app[1:], reload[1:]  # the first round warms the server's memo and the browser's cache
    finally:
        driver.quit()


def _request(url: str, body: dict[str, Any] | None = None, referer: str | None = None) -> bytes:
    """One HTTP request (POST JSON when ``body`` is given); raises on a non-200 answer."""
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if referer:
        headers["Referer"] = referer
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            if response.status != 200:
                raise RuntimeError(f"{url}: HTTP {response.status}")
            return bytes(response.read())
    except OSError as exc:
        raise RuntimeError(f"{url}: {exc!r}") from exc


def routing_answer(base_url: str, folder: str) -> bytes:
    """Dash's page-routing callback for the plan page: the page with the plan drawn on the server."""
    search = f"?site={SITE}&date={folder}"
    body = {
        "output": ".._pages_content.children..._pages_store.data..",
        "outputs": [{"id": "_pages_content", "property": "children"},
                    {"id": "_pages_store", "property": "data"}],
        "inputs": [{"id": "_pages_location", "property": "pathname", "value": "/plan"},
                   {"id": "_pages_location", "property": "search", "value": search}],
        "changedPropIds": ["_pages_location.pathname"], "state": [],
    }
    answer = _request(base_url + "/_dash-update-component", body)
    if b"plan-gantt" not in answer:
        raise RuntimeError("the plan page has no Gantt chart")
    return answer


def page_load(base_url: str, folder: str) -> float:
    """One plan-page load as a browser makes it: page, layout, callback graph, routing callback; seconds."""
    start = time.perf_counter()
    page = f"{base_url}/plan?site={SITE}&date={folder}"
    _request(page)
    _request(base_url + "/_dash-layout", referer=page)
    _request(base_url + "/_dash-dependencies", referer=page)
    routing_answer(base_url, folder)
    return time.perf_counter() - start


def concurrent_loads(base_url: str, folder: str, clients: int, loads: int) -> tuple[list[float], list[str]]:
    """Latencies of ``clients`` threads each loading the plan page ``loads`` times at once, and errors."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients)

    def client() -> None:
        barrier.wait()
        for _ in range(loads):
            try:
                elapsed = page_load(base_url, folder)
                with lock:
                    latencies.append(elapsed)
            except Exception as exc:  # every failure is counted and reported
                with lock:
                    errors.append(repr(exc))

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation between order statistics."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100.0
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def section_text(render: tuple[list[float], list[float]], latencies: list[float], errors: list[str],
                 clients: int, loads: int, wall_s: float, answer_mb: float) -> str:
    """The Markdown of the Dashboard section of docs/performance.md."""
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg()) + " (1, 5, 15 min) on 2 cores"
    in_app, reload = statistics.median(render[0]), statistics.median(render[1])
    return "\n".join([
        SECTION,
        "",
        "`.venv/bin/python benchmarks/bench_dashboard.py --write-docs` (2-core machine, Flask's threaded",
        "server as `greendc dashboard` runs it, Debian Chromium headless; measured while other engineers'",
        "jobs ran on the same cores, so the figures are pessimistic).",
        "",
        "| measure | figure | before (commit 9fe4dfe) | target |",
        "|---|---|---|---|",
        f"| {N_JOBS}-job plan page in the browser, opened by an in-app link (to the Gantt bars and job "
        f"table drawn), median of {len(render[0])} | {in_app:.2f} s (max {max(render[0]):.2f} s) "
        f"| {BEFORE['in_app']:.2f} s | < {RENDER_TARGET_S} s |",
        f"| same, full page reload (Dash, React, plotly.js parsed again from cache), median | "
        f"{reload:.2f} s (max {max(render[1]):.2f} s) | {BEFORE['reload']:.2f} s | < {RENDER_TARGET_S} s |",
        f"| {clients} concurrent loopback clients x {loads} plan-page loads: p50 | "
        f"{percentile(latencies, 50):.2f} s | {BEFORE['p50']:.2f} s | |",
        f"| same: p95 | {percentile(latencies, 95):.2f} s | {BEFORE['p95']:.2f} s | reported |",
        f"| same: max, errors | {max(latencies):.2f} s, {len(errors)} errors of {clients * loads} "
        "| | no errors |",
        f"| same: throughput | {len(latencies) / wall_s:.1f} page loads/s | {BEFORE['throughput']:.1f} | |",
        "",
        "Where the time went (Chromium CPU profile of a reload, main-thread task time from the DevTools",
        "`Performance.getMetrics`, and `Plotly.newPlot` timed per figure in the page): the server answered",
        "in about 0.05 s; plotly.js spent most of its drawing time applying the `plotly_white` template,",
        "whose defaults for every trace type (3-D, maps, polar, ...) it coerces for each figure; the",
        "`dash_table.DataTable` took about 0.2 s of main-thread time; and the browser waited for three",
        "chained callbacks (site options, plan dates, plan body) before it could start. Three changes:",
        "the plan figures use `figures_plan.LIGHT_TEMPLATE`, the same look as the layout part alone",
        "(plotly.js time of a reload 0.80 -> 0.40 s; Gantt 0.12-0.20 -> 0.05-0.09 s, power 0.07-0.12 ->",
        "0.03 s); tables are `dashboard/tables.py`, one page of plain HTML rows sorted and paged on the",
        "server (main-thread time of a reload 0.93 -> 0.68-0.77 s); and the Plan page's layout builds the",
        "chosen plan on the server, so its first answer already holds it (one round trip, not four). The",
        "Gantt was already one bar trace per status (a line trace with None-separated segments drew no",
        "faster: 0.05-0.09 s either way, and the page's main-thread time was the same), and its height",
        "(500 rows, 6120 px) made no difference.",
        "",
        "A plan-page load is what the browser asks for: the page, `/_dash-layout`, `/_dash-dependencies`",
        f"and Dash's page-routing callback, whose answer is the page with the {N_JOBS}-job plan's KPI",
        f"cards, four figures and job table ({answer_mb:.2f} MB of JSON; before, in its place, the three",
        "plan-page callbacks, the last with the plan). The server builds a plan's",
        "components once per process and keeps them while the plan files are unchanged",
        "(`dashboard/pages/plan.py`, `_rendered_plan`); the first load of a plan costs about 0.3-0.5 s",
        f"more. Load average during the run: {load}.",
        "",
    ])


def main(argv: list[str] | None = None) -> int:
    """Run both measurements and print them (and write the docs section when asked)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="data folder with plans/zhongwei/<date>-500jobs")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--loads", type=int, default=10)
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args(argv)
    if harness.missing_browser():
        print(f"cannot run: {harness.missing_browser()}")
        return 2
    if args.data:
        root, folder = args.data, f"{DATE}-{N_JOBS}jobs"
    else:
        root, folder = make_data(Path(tempfile.mkdtemp(prefix="greendc-bench-")) / "greendc-data")
    with harness.serve(root) as base_url:
        render = browser_render_s(base_url, folder)
        page_load(base_url, folder)  # warm-up
        start = time.perf_counter()
        latencies, errors = concurrent_loads(base_url, folder, args.clients, args.loads)
        wall_s = time.perf_counter() - start
        answer_mb = len(routing_answer(base_url, folder)) / 1e6
    text = section_text(render, latencies, errors, args.clients, args.loads, wall_s, answer_mb)
    print(text)
    if errors:
        print("errors:", *errors[:5], sep="\n  ")
    if args.write_docs:
        replace_section(SECTION, text)
    in_time = max(statistics.median(render[0]), statistics.median(render[1])) < RENDER_TARGET_S
    return 0 if not errors and in_time else 1


if __name__ == "__main__":
    sys.exit(main())
