"""How good the relax-and-fix start is against today's practice, on a site's sample queue.

    .venv/bin/python -m benchmarks.bench_start [--site zhongwei] [--date 2026-07-15] [--checkpoint-h 0.05]
        [--time-limit 40]

Prints today's practice's objective, the start's objective and seconds (``relax_and_fix.rounding_start``
as ``MatrixRunner`` runs it, one thread), and HiGHS's incumbent, bound and gap after ``--time-limit``
more seconds from that start. A start above today's practice is what made plans fall back before the
start paid each resume's checkpoint overhead (docs/model.md, "The start").
"""

from __future__ import annotations

import argparse
import time

import pandas as pd
from greendc.optimizer.day.baseline import baseline_plan
from greendc.optimizer.day.highs_runner import MatrixRunner
from greendc.optimizer.day.model import build, model_data
from greendc.optimizer.day.relax_and_fix import rounding_start
from greendc.optimizer.io.sample_queue import sample_queue
from greendc.optimizer.types import PlanSettings
from greendc.sites import load_site
from greendc.sites.profile import site_profile


def main() -> None:
    """Build the day, run the start, then HiGHS from it; print the three objectives."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--site", default="zhongwei")
    parser.add_argument("--date", default="2026-07-15")
    parser.add_argument("--checkpoint-h", type=float, default=0.05)
    parser.add_argument("--carbon-price", type=float, default=73.0)
    parser.add_argument("--time-limit", type=float, default=40.0)
    args = parser.parse_args()
    site, day = load_site(args.site), pd.Timestamp(args.date)
    profile = site_profile(site, None, day, day + pd.Timedelta(hours=24), 15)
    jobs = sample_queue(site, day.tz_localize(site.site.timezone))
    settings = PlanSettings(time_limit_s=60.0, carbon_price_per_t=args.carbon_price,
                            checkpoint_overhead_h=args.checkpoint_h)
    print(f"today's practice: {baseline_plan(profile, site, jobs, settings).objective['total']:,.0f}")
    runner = MatrixRunner(build(model_data(profile, site, jobs, settings)))
    h = runner.highs
    for name, value in (("threads", 1), ("mip_rel_gap", 1e-3), ("output_flag", False)):
        h.setOptionValue(name, value)
    started = time.perf_counter()
    start = rounding_start(h, runner.hint, 60.0) if runner.hint is not None else None
    between = time.perf_counter()
    worth = "none" if start is None else f"{runner.worth(start):,.0f}"
    print(f"start: {worth} ({between - started:.1f} s)")
    h.setOptionValue("time_limit", args.time_limit)
    h.run()
    info = h.getInfo()
    best = runner.worth(h.getSolution().col_value)
    print(f"HiGHS after {time.perf_counter() - between:.1f} s: incumbent {best:,.0f}, "
          f"bound {info.mip_dual_bound:,.0f}, gap {100 * info.mip_gap:.2f} %")


if __name__ == "__main__":
    main()
