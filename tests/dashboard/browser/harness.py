"""Real headless Chromium against a real `greendc dashboard` process, for tests, benchmark and screenshots.

Chromium and chromedriver are Debian's (`/usr/bin/chromium`, `/usr/bin/chromedriver`); nothing is
downloaded. The browser's name resolution maps every host except 127.0.0.1 to "not found", so a
page that would fetch anything from the internet (a CDN script, a map's topojson) fails visibly in
the console log instead of quietly working online.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--window-size=1400,1000",
    # network off: only loopback resolves
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
)


def missing_browser() -> str | None:
    """Why browser tests cannot run here, or None when chromium, chromedriver and selenium are present."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not (os.path.exists(path) or shutil.which(Path(path).name)):
            return f"{path} not installed (as root: `make browser` installs chromium and chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium not installed (pip install -e '.[dev]')"
    return None


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_http(url: str, process: subprocess.Popen[bytes], log: Path, timeout_s: float) -> None:
    """Block until ``url`` answers 200, or fail with the server's output."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = log.read_text(errors="replace")
            raise RuntimeError(f"dashboard exited with {process.returncode}:\n{output}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    output = log.read_text(errors="replace")
    raise TimeoutError(f"dashboard did not answer at {url} in {timeout_s} s:\n{output}")


@contextlib.contextmanager
def serve(data_dir: Path, timeout_s: float = 60.0) -> Iterator[str]:
    """Run `greendc dashboard --data DIR` on a free loopback port; yield its base URL; stop it after.

    The server's log goes to a file, not a pipe: an undrained pipe fills up after some hundred
    requests and then blocks the server's threads.
    """
    port = free_port()
    command = [sys.executable, "-m", "greendc", "dashboard", "--data", str(data_dir), "--port", str(port)]
    log = Path(tempfile.mkdtemp(prefix="greendc-dashboard-")) / "server.log"
    with open(log, "wb") as sink:
        process = subprocess.Popen(command, cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_http(url + "/plan", process, log, timeout_s)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def new_driver(width: int = 1400, height: int = 1000) -> Any:
    """A headless Chromium WebDriver with a fresh profile, console and performance logs enabled."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM if os.path.exists(CHROMIUM) else str(shutil.which("chromium"))
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--window-size={width},{height}")
    options.add_argument(f"--user-data-dir={tempfile.mkdtemp(prefix='greendc-chromium-')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver_path = CHROMEDRIVER if os.path.exists(CHROMEDRIVER) else str(shutil.which("chromedriver"))
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(60)
    return driver


def console_errors(driver: Any) -> list[dict[str, Any]]:
    """Browser console entries of level SEVERE since the last call (the log is drained)."""
    return [entry for entry in driver.get_log("browser") if entry.get("level") == "SEVERE"]


def wait_for(driver: Any, css: str, timeout_s: float = 30.0, count: int = 1) -> list[Any]:
    """Wait until at least ``count`` elements match ``css``; return them."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def enough(d: Any) -> Any:
        found = d.find_elements(By.CSS_SELECTOR, css)
        return found if len(found) >= count else False

    result: list[Any] = WebDriverWait(driver, timeout_s, poll_frequency=0.05).until(enough)
    return result


def wait_text(driver: Any, css: str, predicate: Any, timeout_s: float = 30.0) -> str:
    """Wait until the text of the first element matching ``css`` satisfies ``predicate``; return it."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def check(d: Any) -> Any:
        found = d.find_elements(By.CSS_SELECTOR, css)
        text = found[0].text if found else ""
        return text if found and predicate(text) else False

    return str(WebDriverWait(driver, timeout_s, poll_frequency=0.1).until(check))


def navigate_in_app(driver: Any, path: str, ready: Any, timeout_s: float = 60.0) -> float:
    """Follow an in-app link to ``path`` as dcc.Link does (history push, no reload); seconds to ``ready``."""
    from selenium.webdriver.support.ui import WebDriverWait

    start = time.perf_counter()
    driver.execute_script("window.history.pushState({}, '', arguments[0]);"
                          "window.dispatchEvent(new CustomEvent('_dashprivate_pushstate'));", path)
    WebDriverWait(driver, timeout_s, poll_frequency=0.02).until(ready)
    return time.perf_counter() - start


def gantt_jobs(driver: Any, graph_id: str) -> int:
    """How many distinct jobs the Gantt chart in the Graph ``graph_id`` has drawn (0 before it is drawn)."""
    script = ("const el = document.querySelector('#' + arguments[0] + ' .js-plotly-plot');"
              "if (!el || !el.data || !el.querySelector('.barlayer .point')) return 0;"
              "return new Set(el.data.flatMap(t => Array.from(t.y || []))).size;")
    return int(driver.execute_script(script, graph_id) or 0)


def greendc(*args: str, timeout_s: float = 600.0) -> subprocess.CompletedProcess[str]:
    """Run the real `greendc` command line; raise with its output when it fails."""
    command = [sys.executable, "-m", "greendc", *args]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout_s, check=False)
    if done.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done


def write_job_queue(path: Path, n_jobs: int, date: str, timezone: str, max_nodes: int, seed: int = 6) -> Path:
    """A job queue CSV (the input format of `greendc plan --jobs`) of ``n_jobs`` batches within the day."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    start = pd.Timestamp(date, tz=timezone)
    release_h = rng.integers(0, 16, n_jobs) + rng.choice([0.0, 0.25, 0.5, 0.75], n_jobs)
    duration_h = rng.choice([0.25, 0.5, 0.75, 1.0, 1.5, 2.0], n_jobs)
    slack_h = rng.choice([2.0, 4.0, 8.0], n_jobs)
    frame = pd.DataFrame({
        "job_id": [f"job{i:04d}" for i in range(n_jobs)],
        "nodes": rng.integers(1, max(2, max_nodes // 40), n_jobs),
        "duration_h": duration_h,
        "release": [(start + pd.Timedelta(hours=h)).isoformat() for h in release_h],
        "deadline": [(start + pd.Timedelta(hours=min(24.0, h + d + s))).isoformat()
                     for h, d, s in zip(release_h, duration_h, slack_h, strict=True)],
        "preemptible": rng.random(n_jobs) < 0.7,
    })
    frame.to_csv(path, index=False)
    return path


def make_data(root: Path, sites: tuple[str, ...], date: str, *, study: bool = True, nightly: bool = True,
              big_jobs: int = 0) -> Path:
    """A data folder filled by the real commands: a plan per site, a study, a nightly history.

    With ``big_jobs``, the first site also gets a plan of that many jobs in ``plans/<site>/<date>-<n>jobs``.
    """
    root.mkdir(parents=True, exist_ok=True)
    for site in sites:
        greendc("plan", "--site", site, "--date", date, "--time-limit", "20",
                "--out", str(root / "plans" / site / date))
    if big_jobs:
        from greendc.sites import load_site

        big = load_site(sites[0])
        queue = write_job_queue(root.parent / f"queue-{big_jobs}.csv", big_jobs, date, big.site.timezone,
                                big.it.nodes)
        greendc("plan", "--site", sites[0], "--date", date, "--jobs", str(queue), "--time-limit", "30",
                "--out", str(root / "plans" / sites[0] / f"{date}-{big_jobs}jobs"))
    if nightly:
        fleet = root.parent / "fleet.toml"
        entries = "\n".join(f'[[site]]\nid = "{s}"\n' for s in sites)
        fleet.write_text(f'[fleet]\nname = "test"\noutput_root = "{root}"\nworkers = 1\n\n'
                         f'[defaults]\njobs = "sample"\ntime_limit_s = 20\n\n{entries}')
        import pandas as pd

        next_day = (pd.Timestamp(date) + pd.Timedelta(days=1)).strftime("%Y-%m-%d")
        greendc("nightly", "--fleet", str(fleet), "--date", next_day)
    if study:
        greendc("compare", "--sites", ",".join(sites), "--out", str(root / "studies" / "demo"))
    return root
