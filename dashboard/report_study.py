"""The study's report.html: one page (plotly.js shared or inlined once, the map drawn from shipped data).

It opens in a browser with no network: no CDN script, no geo basemap fetch (greendc.dashboard.geo);
plotly.js comes from the data folder's shared file when the caller gives its ``plotly_src``
(greendc.dashboard.report_assets), else it is inlined with the first figure.
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd
import plotly.io as pio
import xarray as xr
from greendc.dashboard.figures_study import study_figures
from greendc.dashboard.report_assets import script_tag

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
    "net_cost_per_gpu_hour": "net cost / GPU-h",
    "carbon_kg_per_mwh_it": "kgCO2/MWh IT",
    "pue": "PUE",
    "pv_kw": "PV kWp",
    "wind_kw": "wind kW",
    "battery_kwh": "battery kWh",
    "battery_kw": "battery kW",
    "at_limit": "at limit",
    "npv_vs_bau": "NPV vs BAU",
}

#: Columns of the investment table (kpis.csv), with their headings.
INVESTMENT_COLUMNS = {
    "scenario": "scenario",
    "site": "site",
    "capex_pv": "capex PV",
    "capex_wind": "capex wind",
    "capex_battery": "capex battery",
    "capex_net": "capex after subsidy",
    "annual_om": "O&M/yr",
    "annual_saving": "saving/yr vs BAU",
    "npv_vs_bau": "NPV",
    "irr": "IRR",
    "simple_payback_years": "payback yr",
    "discounted_payback_years": "disc. payback yr",
    "lcoe_onsite_per_kwh": "LCOE on-site /kWh",
    "cost_per_gpu_hour": "cost / GPU-h",
    "voucher": "voucher/yr",
    "net_cost_per_gpu_hour": "net cost / GPU-h",
    "pv_kw_shadow_per_year": "PV limit value /kWp/yr",
    "wind_kw_shadow_per_year": "wind limit value /kW/yr",
    "battery_kwh_shadow_per_year": "battery limit value /kWh/yr",
    "pue": "PUE",
    "pue_cap": "PUE cap",
}


#: Columns of the demand-growth table (scenarios with horizon_years > 1), with their headings.
GROWTH_COLUMNS = {
    "scenario": "scenario",
    "site": "site",
    "horizon_years": "years",
    "it_growth_per_year": "IT growth / yr",
    "staged_sizes": "cumulative sizes by year",
    "npv_vs_bau": "NPV of the staged builds",
    "irr": "IRR",
    "discounted_payback_years": "disc. payback yr",
    "net_cost_per_gpu_hour": "net cost / GPU-h (last year)",
}


def growth_html(kpis: pd.DataFrame) -> str:
    """The demand-growth section: one row per site and scenario planned over several years, or ''."""
    if "horizon_years" not in kpis or not (kpis["horizon_years"] > 1).any():
        return ""
    grown = kpis[kpis["horizon_years"] > 1]
    return (
        "<h2>Demand growth</h2><p class='note'>Planned year by year, each year's builds kept as lower "
        "bounds; NPV over the analysis period from the staged builds; the other figures are the last, "
        "grown year's (docs/compare.md, 'Demand growth').</p>" + table_html(grown, GROWTH_COLUMNS)
    )


def _number(value: float) -> str:
    """Three decimals below 10, thousands separators above."""
    return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.0f}"


def table_html(frame: pd.DataFrame, columns: dict[str, str]) -> str:
    """Some columns of a table as HTML with rounded numbers and the given headings."""
    shown = frame[[c for c in columns if c in frame.columns]].rename(columns=columns)
    return shown.to_html(index=False, float_format=_number, border=0, na_rep="-")


def ranking_html(ranking: pd.DataFrame) -> str:
    """The ranking as an HTML table with rounded numbers."""
    return table_html(ranking.fillna({"at_limit": ""}), RANKING_COLUMNS)


def pue_flags(kpis: pd.DataFrame) -> list[str]:
    """One note per site-scenario whose annual PUE exceeds the policy cap that applies to it."""
    if "pue_over_cap" not in kpis:
        return []
    over = kpis[kpis["pue_over_cap"] > 0]
    return [
        f"PUE over its cap: site {r.site}, scenario {r.scenario}: PUE {r.pue:.3f} > cap {r.pue_cap:.2f}"
        for r in over.itertuples()
    ]


def study_report_html(
    name: str,
    kpis: pd.DataFrame,
    ranking: pd.DataFrame,
    results: Path | xr.Dataset | None,
    notes: list[str] | None = None,
    plotly_src: str | None = None,
) -> str:
    """The whole report page as a string; plotly.js from ``plotly_src`` (relative), else inlined."""
    figures = study_figures(kpis, ranking, results)
    parts = []
    for i, figure in enumerate(figures.values()):
        parts.append(
            pio.to_html(
                figure,
                full_html=False,
                include_plotlyjs="inline" if i == 0 and plotly_src is None else False,
                config={"displaylogo": False},
            )
        )
    basis = str(ranking["score_basis"].iloc[0]) if "score_basis" in ranking.columns and len(ranking) else ""
    note_items = "".join(f"<li>{html.escape(n)}</li>" for n in [*(notes or []), *pue_flags(kpis)])
    currency = str(kpis["currency"].iloc[0]) if "currency" in kpis.columns and len(kpis) else "the sites'"
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>greendc study {html.escape(name)}</title><style>{_STYLE}</style>"
        f"{script_tag(plotly_src) if plotly_src is not None else ''}</head><body>"
        f"<h1>Site comparison: {html.escape(name)}</h1>"
        f"<p class='note'>Score: {html.escape(basis)}. Costs per year in {html.escape(currency)}. "
        "BAU = business as usual (grid only, no deferral, baseline setpoint). 'at limit' names the "
        "size limit an optimum sits at; its value is what one more unit of it would save a year.</p>"
        f"{'<ul class=note>' + note_items + '</ul>' if note_items else ''}"
        "<h2>Ranking</h2>"
        + ranking_html(ranking)
        + "<h2>Investment case</h2>"
        + "<p class='note'>Against business as usual over each scenario's analysis period "
        "(docs/compare.md, 'Investment case').</p>"
        + table_html(kpis, INVESTMENT_COLUMNS)
        + growth_html(kpis)
        + "<h2>Figures</h2>"
        + "".join(parts)
        + "</body></html>"
    )
