"""Settling a rolling day's plan on the actual weather: IT, setpoints, battery as planned; the grid balances.

The daily fidelity (``rolling``) plans each day on a forecast (or the actual profile) and commits its
first day through :func:`commit`, which recomputes cooling from the actual weather at the planned
setpoint levels and lets :func:`settle` move the grid, then curtailment, to balance the difference.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr
from greendc.optimizer.study.site_problem import level_facility_kw_per_it_kw
from greendc.optimizer.study.work import JobPower
from greendc.optimizer.types import Plan


@dataclass(frozen=True)
class Settled:
    """Grid and renewable flows after settling a plan on the actual weather. [kW]"""

    import_kw: np.ndarray
    export_kw: np.ndarray
    renewable_kw: np.ndarray
    """PV and wind power taken (used on site or exported); the rest is curtailed. [kW]"""


def settle(
    facility_delta_kw: np.ndarray,
    plan_import_kw: np.ndarray,
    plan_export_kw: np.ndarray,
    plan_renewable_kw: np.ndarray,
    actual_available_kw: np.ndarray,
    export_limit_kw: float,
) -> Settled:
    """Balance the actual against the plan with the grid, keeping IT, setpoints and battery as planned.

    Balance: import - export + renewable + discharge - charge = facility. The plan's renewable r_p
    is taken as far as it is actually there, r = min(r_p, A); the imbalance
    d = facility_delta - (r - r_p) is met, when positive, by more renewable (up to A), then less
    export, then more import; when negative (a surplus), by less import, then more export (up to
    the limit and the renewable taken: export leaves through the renewables' meter), then
    curtailment; a surplus beyond all renewable (the plan's battery discharge above the actual
    load) is exported. With d = 0 every flow is the plan's.
    """
    imp = plan_import_kw.astype(float).copy()
    exp = plan_export_kw.astype(float).copy()
    ren = np.minimum(plan_renewable_kw, actual_available_kw)
    need = facility_delta_kw - (ren - plan_renewable_kw)
    short = np.clip(need, 0.0, None)
    more_ren = np.minimum(short, np.clip(actual_available_kw - ren, 0.0, None))
    ren, short = ren + more_ren, short - more_ren
    less_exp = np.minimum(short, exp)
    exp, short = exp - less_exp, short - less_exp
    imp = imp + short
    surplus = np.clip(-need, 0.0, None)
    less_imp = np.minimum(surplus, imp)
    imp, surplus = imp - less_imp, surplus - less_imp
    more_exp = np.minimum(surplus, np.clip(np.minimum(export_limit_kw, ren) - exp, 0.0, None))
    exp, surplus = exp + more_exp, surplus - more_exp
    curtail = np.minimum(surplus, ren)
    ren, surplus = ren - curtail, surplus - curtail
    # left over only when the battery's planned discharge exceeds the load: it leaves as export
    return Settled(imp, exp + surplus, ren)


def commit(
    plan: Plan, planned: xr.Dataset, actual: xr.Dataset, k: int, power: JobPower
) -> dict[str, np.ndarray]:
    """The first k steps of a plan settled on the actual profile: every series of a ChunkResult."""
    steps = plan.steps.iloc[:k]
    levels_c = planned["setpoint_c"].to_numpy()
    level = np.abs(steps["setpoint_c"].to_numpy()[:, None] - levels_c[None, :]).argmin(axis=1)
    rows = np.arange(k)
    flexible_kw = steps["busy_nodes"].to_numpy() * power.kw_above_idle_per_node
    coef_plan = level_facility_kw_per_it_kw(planned)[:k][rows, level]
    coef_actual = level_facility_kw_per_it_kw(actual)[:k][rows, level]
    it_nominal = steps["it_kw"].to_numpy() / (1.0 + planned["it_fan_uplift"].to_numpy()[level])
    available_plan = (planned["pv_kw"].to_numpy() + planned["wind_kw"].to_numpy())[:k]
    available_actual = (actual["pv_kw"].to_numpy() + actual["wind_kw"].to_numpy())[:k]
    renewable_plan = available_plan - steps["curtailed_kw"].to_numpy()
    flows = settle(
        (coef_actual - coef_plan) * it_nominal,
        steps["grid_import_kw"].to_numpy(),
        steps["grid_export_kw"].to_numpy(),
        renewable_plan,
        available_actual,
        float(actual.attrs["export_limit_kw"]),
    )
    return {
        "import_kw": flows.import_kw,
        "export_kw": flows.export_kw,
        "renewable_kw": flows.renewable_kw,
        "curtailed_kw": np.clip(available_actual - flows.renewable_kw, 0.0, None),
        "charge_kw": steps["battery_charge_kw"].to_numpy(),
        "discharge_kw": steps["battery_discharge_kw"].to_numpy(),
        "soc_kwh": steps["battery_soc_kwh"].to_numpy(),
        "flexible_kw": flexible_kw,
        "it_kw": it_nominal,
        "facility_kw": coef_actual * it_nominal,
        "level": level.astype(float),
    }
