"""Render a PNG of each dashboard page for the README, in headless Chromium with the network off.

    .venv/bin/python scripts/screenshots.py [--data DIR] [--out docs/img]

Without ``--data``, a data folder is made first by the real commands (`greendc plan` for two sites,
`greendc nightly`, `greendc compare`), so the pictures show what a user gets.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "dashboard" / "browser"))

import harness  # noqa: E402

SITES = ("zhongwei", "shenzhen")
DATE = "2026-07-15"
#: (file name, URL path, CSS selector that says the page is drawn)
PAGES = (
    ("dashboard-plan.png", f"/plan?site={SITES[0]}&date={DATE}", "#plan-gantt .main-svg"),
    ("dashboard-whatif.png", f"/whatif?site={SITES[0]}&date={DATE}", "#whatif-saved .hint"),
    ("dashboard-sites.png", "/sites", "#sites-map .main-svg"),
    ("dashboard-runs.png", "/runs", "#runs-table table"),
)


def shoot(base_url: str, out_dir: Path, whatif_carbon_price: bool = True) -> list[Path]:
    """One full-page PNG per page; the What-if page is shown after a re-plan at the top carbon price."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    out_dir.mkdir(parents=True, exist_ok=True)
    driver = harness.new_driver(width=1400, height=1000)
    written = []
    try:
        for name, path, ready in PAGES:
            driver.get(base_url + path)
            harness.wait_for(driver, ready, timeout_s=60)
            if name == "dashboard-whatif.png" and whatif_carbon_price:
                driver.find_element(By.CSS_SELECTOR, "#whatif-carbon-price [role=slider]").send_keys(Keys.END)
                harness.wait_for(driver, "#whatif-diff", timeout_s=180)
            time.sleep(1.0)  # let plotly finish its transitions
            height = driver.execute_script("return document.body.scrollHeight")
            driver.set_window_size(1400, min(max(1000, int(height) + 40), 4000))
            target = out_dir / name
            driver.save_screenshot(str(target))
            written.append(target)
            driver.set_window_size(1400, 1000)
    finally:
        driver.quit()
    return written


def main(argv: list[str] | None = None) -> int:
    """Make (or take) a data folder, serve it, and write the screenshots."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="existing data folder (default: made by the real commands)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    args = parser.parse_args(argv)
    if harness.missing_browser():
        print(f"cannot run: {harness.missing_browser()}")
        return 2
    root = args.data or harness.make_data(Path(tempfile.mkdtemp(prefix="greendc-shots-")) / "greendc-data",
                                          SITES, DATE)
    with harness.serve(root) as base_url:
        for path in shoot(base_url, args.out):
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
