"""Re-make the figure tables of docs/sites.md from the catalogue: ``python -m greendc.sites.tables``.

Updates, in place, every computed cell of the catalogue table (annual PUE at the baseline and at the
best level from the monthly normals, the monthly range) and its monthly-PUE table, of "Annual PUE
against published figures and caps" (synthetic year, seed 0, with the direct-liquid variants), and of
the "Weather year" section (synthetic year, seed 0: GHI, PV and wind yield, PUE, free cooling, monthly
PUE, the reference-system resource table). Text cells (province, climate, plant, assets) are left as
they are, so hand-written columns survive. ``--check`` changes nothing and exits 1 when a figure is
stale. tests/sites/test_catalogue.py and tests/sites/test_profile.py check the same figures.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from greendc.sites import builtin_ids, load_site
from greendc.sites.cooling import annual_pue, pue_from_normals
from greendc.sites.model import CoolingPlant
from greendc.sites.profile import annual_summary, default_weather
from greendc.sites.renewables import DAYS_IN_MONTH, reference_pv

#: docs/sites.md in a source checkout.
DOCS_SITES = Path(__file__).resolve().parents[1] / "docs" / "sites.md"

#: Computed cells of one table row: column index (as text) -> cell text.
Rows = dict[str, str]


def _fmt(value: float, spec: str) -> str:
    """A figure as docs/sites.md prints it, '-' for NaN (no such asset)."""
    return "-" if np.isnan(value) else format(value, spec)


def normals_cells(site_id: str) -> tuple[Rows, list[str]]:
    """Catalogue-table cells {column index: text} and the monthly PUE row at the best level."""
    site = load_site(site_id)
    best, monthly = pue_from_normals(site)
    baseline = pue_from_normals(site, site.cooling.baseline_c)[0]
    cells = {"9": f"{baseline:.3f}", "10": f"{best:.3f}", "11": f"{monthly.min():.2f}-{monthly.max():.2f}"}
    return cells, [f"{v:.2f}" for v in monthly]


def weather_year_cells(site_id: str) -> tuple[Rows, list[str], list[str]]:
    """'Weather year' main-table cells, the monthly PUE row and the reference-resource row."""
    site = load_site(site_id)
    weather = default_weather(site)
    summary = annual_summary(site, weather)
    local = pd.DatetimeIndex(weather["time"].values).tz_localize("UTC").tz_convert(site.site.timezone)
    temp_c, wet_c = weather["temp_air"].to_numpy(), weather["temp_wet_bulb"].to_numpy()
    loss = site.it.electrical_loss_frac
    normals_baseline = pue_from_normals(site, site.cooling.baseline_c)[0]
    cells = {
        "1": f"{summary['ghi_kwh_m2']:.0f}",
        "3": _fmt(summary["pv_kwh_per_kwp"], ".0f"),
        "4": _fmt(100 * summary["pv_capacity_factor"], ".1f"),
        "6": _fmt(100 * summary["wind_capacity_factor"], ".1f"),
        "8": f"{summary['pue_baseline']:.3f} ({normals_baseline:.3f})",
        "9": f"{summary['pue_best']:.3f} ({pue_from_normals(site)[0]:.3f})",
        "10": f"{summary['free_cooling_h']:.0f}",
    }
    monthly = [f"{annual_pue(temp_c[local.month == m], wet_c[local.month == m], site.cooling, loss):.2f}"
               for m in range(1, 13)]
    resource = [
        f"{reference_pv(site.site.latitude).tilt_deg:g}",
        f"{summary['pv_reference_kwh_per_kwp']:.0f}",
        f"{100 * summary['pv_reference_kwh_per_kwp'] / 8760:.1f}",
        f"{np.average(site.climate.wind_speed_ms, weights=DAYS_IN_MONTH):.1f}",
        f"{100 * summary['wind_reference_capacity_factor']:.1f}",
    ]
    return cells, monthly, resource


def pue_cap_cells(name: str) -> Rows:
    """'Annual PUE against published figures and caps' cells of a row 'id' or 'id + DLC'."""
    site_id, _, variant = name.partition(" + ")
    site = load_site(site_id)
    if variant == "DLC":
        plant = CoolingPlant.model_validate({**site.cooling.model_dump(), "plant": "direct_liquid"})
        site = site.model_copy(update={"cooling": plant})
    year = default_weather(site)
    temp_c, wet_c = year["temp_air"].to_numpy(), year["temp_wet_bulb"].to_numpy()
    loss, plant = site.it.electrical_loss_frac, site.cooling
    best = annual_pue(temp_c, wet_c, plant, loss)
    baseline = annual_pue(temp_c, wet_c, plant, loss, plant.baseline_c)
    within = "yes" if best <= site.site.pue_target else "no"
    return {"4": f"{baseline:.3f}", "5": f"{best:.3f}", "7": within}


def _section(lines: list[str], heading: str) -> range:
    """Line numbers of a section ('## ' or '### '), to the next heading of its level or above."""
    start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    level = len(heading) - len(heading.lstrip("#"))
    ends = (i for i in range(start + 1, len(lines)) if 0 < len(lines[i]) - len(lines[i].lstrip("#")) <= level)
    return range(start, next(ends, len(lines)))


def _rewrite(lines: list[str], section: range, ids: list[str],
             figures: Callable[[str, int], Rows | list[str]]) -> None:
    """Rewrite each site row of the section; ``figures(site_id, k)`` gives the k-th table's figures
    (a dict of column index -> text, or the full list of cells after the id)."""
    seen: dict[str, int] = {}
    for i in section:
        line = lines[i]
        if not line.startswith("| "):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells[0] not in ids:
            continue
        k = seen.get(cells[0], 0)
        seen[cells[0]] = k + 1
        new = figures(cells[0], k)
        if isinstance(new, dict):
            for column, text in new.items():
                cells[int(column)] = text
        else:
            cells = [cells[0], *new]
        lines[i] = "| " + " | ".join(cells) + " |"


def update(text: str, weather_year: bool = True) -> str:
    """docs/sites.md with every computed cell re-made."""
    lines = text.splitlines()
    ids = builtin_ids()
    normals = {site_id: normals_cells(site_id) for site_id in ids}
    _rewrite(lines, _section(lines, "## The catalogue"), ids,
             lambda s, k: normals[s][0] if k == 0 else normals[s][1])
    if weather_year:
        year = {site_id: weather_year_cells(site_id) for site_id in ids}
        _rewrite(lines, _section(lines, "## Weather year"), ids, lambda s, k: year[s][k])
        caps = _section(lines, "### Annual PUE against published figures")
        names = [line.strip().strip("|").split("|")[0].strip() for line in (lines[i] for i in caps)
                 if line.startswith("| ") and line.count("|") == 9]
        rows = [n for n in names if n.partition(" + ")[0] in ids]
        _rewrite(lines, caps, rows, lambda s, k: pue_cap_cells(s))
    return "\n".join(lines) + ("\n" if text.endswith("\n") else "")


def main(argv: list[str] | None = None) -> int:
    description = (__doc__ or "").splitlines()[0]
    parser = argparse.ArgumentParser(prog="python -m greendc.sites.tables", description=description)
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a figure is stale")
    parser.add_argument("--normals-only", action="store_true", help="skip the synthetic-year tables (fast)")
    parser.add_argument("--file", type=Path, default=DOCS_SITES, help="the document (default docs/sites.md)")
    args = parser.parse_args(argv)
    text = args.file.read_text()
    new = update(text, weather_year=not args.normals_only)
    if args.check:
        stale = new != text
        print(f"{args.file}: {'stale figures' if stale else 'up to date'}")
        return 1 if stale else 0
    if new != text:
        args.file.write_text(new)
    print(f"{args.file}: {'updated' if new != text else 'unchanged'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
