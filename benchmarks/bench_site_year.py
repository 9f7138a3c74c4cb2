"""Time a site-year: synthetic weather + PV + wind + site profile at hourly steps (target < 2 s).

Run: .venv/bin/python benchmarks/bench_site_year.py [SITE ...]
Prints each phase and the total per site, and the total as a ratio of the 2 s target.
Imports are timed apart: they are paid once per process.
"""

from __future__ import annotations

import sys
import time

TARGET_S = 2.0


def main(site_ids: list[str]) -> int:
    """Time every phase for each site; exit 1 if any site-year misses the target."""
    t0 = time.perf_counter()
    from sites import builtin_ids, load_site
    from sites.profile import default_weather, site_profile
    from sites.renewables import pv_ac_kw, wind_farm_kw

    print(f"imports {time.perf_counter() - t0:.2f} s (once per process)")
    worst = 0.0
    for site_id in site_ids or builtin_ids():
        site = load_site(site_id)
        loc = site.site
        start = time.perf_counter()
        weather = default_weather(site)
        t_weather = time.perf_counter()
        if site.pv:
            pv_ac_kw(
                site.pv, weather, latitude=loc.latitude, longitude=loc.longitude, altitude_m=loc.altitude_m
            )
        t_pv = time.perf_counter()
        if site.wind:
            wind_farm_kw(site.wind, weather)
        t_wind = time.perf_counter()
        profile = site_profile(site, weather)  # computes PV and wind again, with prices, carbon, cooling
        end = time.perf_counter()
        total = end - start
        worst = max(worst, total)
        print(
            f"{site_id:12s} weather {t_weather - start:.2f} s  pv {t_pv - t_weather:.2f} s  "
            f"wind {t_wind - t_pv:.2f} s  profile {end - t_wind:.2f} s  total {total:.2f} s "
            f"({total / TARGET_S:.2f} x target, {profile.sizes['time']} steps)"
        )
    print(f"worst site-year {worst:.2f} s = {worst / TARGET_S:.2f} x the {TARGET_S:g} s target")
    return 0 if worst < TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
