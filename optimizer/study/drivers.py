"""Why this rank: each site's score gap to the best site of its scenario, split into its drivers.

With import energy I, facility energy F, average import price p = energy cost / I and energy not
imported R = F - I (renewables used on site net of battery losses), the energy cost p I changes
between site s and the best b by exactly (the midpoint, or Shapley, split of a product)

    Delta(p I) = Delta p (I_s + I_b) / 2 + (p_s + p_b) / 2 (Delta F - Delta R)

so the gap in score (energy + demand + carbon + capital + O&M + green purchases - subsidy -
export - vouchers) is the sum of

=============  ====================================================================
energy_price   Delta p (I_s + I_b) / 2
pue            (p_s + p_b) / 2 Delta F       (facility energy: PUE and IT load)
renewables     -(p_s + p_b) / 2 Delta R - Delta export revenue + Delta green purchases
demand_charge  Delta demand cost
carbon         Delta carbon cost
capex          Delta (capital annuity + O&M - subsidy)
vouchers       -Delta voucher
=============  ====================================================================

and the drivers add up to the gap (a test checks it).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: The drivers of a score gap, in the order of the waterfall. [-]
DRIVERS = ("energy_price", "pue", "renewables", "demand_charge", "carbon", "capex", "vouchers")


def _column(frame: pd.DataFrame, name: str) -> np.ndarray:
    """A column as floats, zeros when the study has none of it. [-]"""
    return frame[name].to_numpy(dtype=float) if name in frame else np.zeros(len(frame))


def gap_drivers(site: pd.DataFrame, best: pd.DataFrame) -> pd.DataFrame:
    """The drivers of site rows' score gap to the matching best rows (same length, same order). [currency]"""
    imp_s, imp_b = _column(site, "import_mwh"), _column(best, "import_mwh")
    with np.errstate(invalid="ignore", divide="ignore"):
        p_s = np.where(imp_s > 0, _column(site, "energy_cost") / imp_s, 0.0)
        p_b = np.where(imp_b > 0, _column(best, "energy_cost") / imp_b, 0.0)
    p_mid = (p_s + p_b) / 2.0
    fac_s, fac_b = _column(site, "facility_energy_mwh"), _column(best, "facility_energy_mwh")

    def delta(name: str) -> np.ndarray:
        return _column(site, name) - _column(best, name)

    out = {
        "energy_price": (p_s - p_b) * (imp_s + imp_b) / 2.0,
        "pue": p_mid * (fac_s - fac_b),
        "renewables": -p_mid * ((fac_s - imp_s) - (fac_b - imp_b))
        - delta("export_revenue")
        + delta("green_purchase_cost"),
        "demand_charge": delta("demand_cost"),
        "carbon": delta("carbon_cost"),
        "capex": delta("capital_annuity") + delta("om_cost") - delta("subsidy"),
        "vouchers": -delta("voucher"),
    }
    return pd.DataFrame(out, index=site.index)


def with_gap_drivers(kpis: pd.DataFrame) -> pd.DataFrame:
    """kpis with ``gap_to_best`` and a ``gap_<driver>`` column per driver, within each scenario. [currency]"""
    best_row = kpis.groupby("scenario", sort=False)["score"].transform("idxmin")
    best = kpis.loc[best_row.to_numpy()].set_index(kpis.index)
    drivers = gap_drivers(kpis, best).add_prefix("gap_")
    out = kpis.copy()
    out["gap_to_best"] = kpis["score"] - best["score"]
    return pd.concat([out, drivers], axis=1)
