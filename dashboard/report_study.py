"""The study's report.html: one self-contained page (plotly.js inlined once, the map drawn from shipped data).

It opens in a browser with no network: no CDN script, no geo basemap fetch (greendc.dashboard.geo).
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd
import plotly.io as pio
import xarray as xr
from greendc.dashboard.figures_study import study_figures

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5em auto; max-width: 1150px; color: #222; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ddd; padding: 3px 7px; text-align: right; }
th { background: #f4f4f4; } td:nth-child(-n+3) { text-align: left; }
.note { color: #555; font-size: 0.9em; }
"""

#: Columns of the ranking table shown in the report, with their headings.
RANKING_COLUMNS = {
    "scenario": "scenario",
    "rank": "rank",
    "site": "site",
    "score": "score (cost/yr)",
    "carbon_kg_per_mwh_it": "kgCO2/MWh IT",
    "pue": "PUE",
    "pv_kw": "PV kWp",
    "wind_kw": "wind kW",
    "battery_kwh": "battery kWh",
    "battery_kw": "battery kW",
    "npv_vs_bau": "NPV vs BAU",
}


def ranking_html(ranking: pd.DataFrame) -> str:
    """The ranking as an HTML table with rounded numbers."""
    shown = ranking[[c for c in RANKING_COLUMNS if c in ranking.columns]].rename(columns=RANKING_COLUMNS)
    return shown.to_html(
        index=False, float_format=lambda v: f"{v:,.3f}" if abs(v) < 10 else f"{v:,.0f}", border=0
    )


def study_report_html(
    name: str,
    kpis: pd.DataFrame,
    ranking: pd.DataFrame,
    results: Path | xr.Dataset | None,
    notes: list[str] | None = None,
) -> str:
    """The whole report page as a string."""
    figures = study_figures(kpis, ranking, results)
    parts = []
    for i, figure in enumerate(figures.values()):
        parts.append(
            pio.to_html(
                figure,
                full_html=False,
                include_plotlyjs="inline" if i == 0 else False,
                config={"displaylogo": False},
            )
        )
    basis = str(ranking["score_basis"].iloc[0]) if "score_basis" in ranking.columns and len(ranking) else ""
    note_items = "".join(f"<li>{html.escape(n)}</li>" for n in (notes or []))
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>greendc study {html.escape(name)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>Site comparison: {html.escape(name)}</h1>"
        f"<p class='note'>Score: {html.escape(basis)}. Costs per year in the sites' currency. "
        "BAU = business as usual (grid only, no deferral, baseline setpoint).</p>"
        f"{'<ul class=note>' + note_items + '</ul>' if note_items else ''}"
        "<h2>Ranking</h2>" + ranking_html(ranking) + "<h2>Figures</h2>" + "".join(parts) + "</body></html>"
    )
