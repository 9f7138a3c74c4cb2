r"""The aggregate year LP's model: its variable families, objective and constraint families.

REopt-like (Anderson et al., *REopt Lite technical manual*, NREL 2021): grid import and export,
PV and wind whose per-kW output is scaled by size variables, a battery with energy and power size
variables, deferrable training energy in flexibility classes, the cooling level of each hour, a
time-of-use tariff with monthly demand charges and a price on location-based carbon; capital enters
as an annuity (``greendc.optimizer.study.sizing``) pro rata to the horizon.

Following PyPSA, there is one function per constraint family; each returns a
:class:`~greendc.optimizer.study.matrix.RowBlock` and states its maths in its docstring;
:func:`build_lp` stacks them into one HiGHS model (``greendc.optimizer.study.matrix``).
Notation: t steps of length dt [h], m months, j flexibility classes; variables are

=========  ============================================  =======
imp_t      grid import                                   kW
exp_t      grid export                                   kW
ren_t      renewable power taken from PV and wind        kW
ch_t       battery charge (grid side)                    kW
dis_t      battery discharge (grid side)                 kW
soc_t      usable battery energy above the minimum        kWh
x_jt       deferrable training power of class j          kW (nominal IT)
peak_m     the month's peak import                       kW
S_pv       PV size                                       kWp
S_w        wind size                                     kW
E          battery energy                                kWh
P          battery power                                 kW
G          imported energy bought as green power         kWh
=========  ============================================  =======

f_t is the facility power per kW of nominal IT load at the hour's best cooling level
(``greendc.optimizer.study.site_problem.cooling_choice`` says why one level is exact).
"""

from __future__ import annotations

import highspy
import numpy as np
from greendc.optimizer.study.matrix import INF, Layout, RowBlock, highs_lp, per_step_block, stacked
from greendc.optimizer.study.problem import MeterFix, YearProblem

#: Column family of each size variable, by its name in SizeBounds and YearResult.sizes. [-]
SIZE_COLUMNS = {"pv_kw": "S_pv", "wind_kw": "S_w", "battery_kwh": "E", "battery_kw": "P"}
#: Steps per copy of a size variable (see size_copies). [h]
COPY_BLOCK_H = 24.0


def build_columns(p: YearProblem) -> Layout:
    """All variable families with their bounds and objective coefficients.

    Objective (currency over the horizon):
    sum_t dt [(price_t + cp carbon_t) imp_t - eprice_t exp_t - g (ren_t - exp_t)]
    + dc sum_m peak_m + (H / 8760) (c_pv S_pv + c_w S_w + c_E E + c_P P) + gp G.
    """
    T, dt = p.steps, p.step_h
    share = p.year_share
    lay = Layout()
    lay.add(
        "imp", T, 0.0, p.import_limit_kw, dt * (p.price_per_kwh + p.carbon_price_per_kg * p.carbon_kg_per_kwh)
    )
    if p.export_limit_kw > 0 and (p.has_renewables or (p.storage_export and p.has_battery)):  # export_source
        # the green-power premium is paid on renewables used on site, ren - exp: an exported kWh forgoes it
        earned = p.export_price_per_kwh - p.green_power_price_per_kwh
        lay.add("exp", T, 0.0, p.export_limit_kw, -dt * earned)
    if p.has_renewables and not p.free_disposal:
        lay.add("ren", T, 0.0, INF, -dt * p.green_power_price_per_kwh)
    if p.has_battery:
        lay.add("ch", T, 0.0, INF)
        lay.add("dis", T, 0.0, INF)
        lay.add("soc", T, 0.0, INF)
    if p.has_flex:  # no upper bound: it_capacity bounds the sum (fewer rows for the interior point)
        for j in range(len(p.flex_windows_h)):
            lay.add(f"x{j}", T, 0.0, INF)
    if p.demand_charge_per_kw_month > 0:
        lay.add("peak", 12, 0.0, INF, p.demand_charge_per_kw_month)
    if p.can_buy_green:
        lay.add("G", 1, 0.0, INF, p.green_purchase_price_per_kwh)
    c = p.unit_costs
    unit_cost = {
        "S_pv": c.pv_per_kw_year,
        "S_w": c.wind_per_kw_year,
        "E": c.battery_per_kwh_year,
        "P": c.battery_per_kw_year,
    }
    for size, name in SIZE_COLUMNS.items():
        bounds = getattr(p.sizes, size)
        lay.add(name, 1, bounds[0], bounds[1], unit_cost[name] * share)
        lay.add(f"{name}@", n_blocks(p), bounds[0], bounds[1])
    return lay


def n_blocks(p: YearProblem) -> int:
    """Number of size-variable copies: one per COPY_BLOCK_H of the horizon."""
    return int(np.ceil(p.steps / _steps_per_block(p)))


def _steps_per_block(p: YearProblem) -> int:
    return max(round(COPY_BLOCK_H / p.step_h), 1)


def size_column(p: YearProblem, lay: Layout, name: str) -> np.ndarray:
    """For each step, the column of the size copy that step's rows use. [-]"""
    return lay.slices[f"{name}@"].start + np.arange(p.steps) // _steps_per_block(p)


def energy_balance(p: YearProblem, lay: Layout) -> RowBlock:
    """Power balance at the site bus each step.

    imp_t - exp_t + ren_t + dis_t - ch_t - f_t sum_j x_jt = f_t (firm_t + rigid training)
    with f_t the facility kW per kW of nominal IT at the hour's best cooling level. With free
    disposal (see YearProblem.free_disposal) ren_t is replaced by what PV and wind produce and the
    row becomes ">=": the surplus is curtailed.
    """
    T = p.steps
    t = np.arange(T)
    f = p.facility_kw_per_it_kw
    rhs = p.fixed_facility_kw
    parts = [(lay.index("imp"), np.ones(T))]
    if "exp" in lay.slices:
        parts.append((lay.index("exp"), -np.ones(T)))
    if "ren" in lay.slices:
        parts.append((lay.index("ren"), np.ones(T)))
    elif p.has_renewables:
        parts += [
            (size_column(p, lay, "S_pv"), p.pv_kw_per_kw),
            (size_column(p, lay, "S_w"), p.wind_kw_per_kw),
        ]
    if p.has_battery:
        parts += [(lay.index("dis"), np.ones(T)), (lay.index("ch"), -np.ones(T))]
    if p.has_flex:
        parts += [(lay.index(f"x{j}"), -f) for j in range(len(p.flex_windows_h))]
    return per_step_block(t, parts, rhs, np.full(T, INF) if p.free_disposal else rhs)


def renewable_availability(p: YearProblem, lay: Layout) -> RowBlock:
    """Renewable power taken is at most what the sized PV and wind produce (the rest is curtailed).

    ren_t - pv_t S_pv - wind_t S_w <= 0
    """
    T = p.steps
    t = np.arange(T)
    parts = [
        (lay.index("ren"), np.ones(T)),
        (size_column(p, lay, "S_pv"), -p.pv_kw_per_kw),
        (size_column(p, lay, "S_w"), -p.wind_kw_per_kw),
    ]
    return per_step_block(t, parts, np.full(T, -INF), np.zeros(T))


def export_source(p: YearProblem, lay: Layout) -> RowBlock:
    """Where exported power comes from: PV and wind, and the battery only with ``storage_export``;
    never the grid (the site's ``[grid] storage_export``, the day plan's meter rule, docs/model.md).

    Storage export off (the default): exp_t - ren_t <= 0 (with free disposal: exp_t - pv_t S_pv -
    wind_t S_w <= 0), and exp_t <= U_t with U_t = max(0, A_t - F_t), A_t the most PV and wind can give
    at step t (the sizes' upper bounds) and F_t the facility's least load (f_t times firm and rigid
    training load): a step without a possible PV and wind surplus exports nothing, so no grid or
    battery energy is sold there (the LP otherwise resells grid power, or exports the battery, in every
    hour the export price beats the import price, which a site's one meter does not allow).
    U_t is valid (it cuts no plan that keeps the rule); where a surplus is possible the LP still holds
    only export <= renewables taken (the one-meter "surplus only" form needs the day plan's binary).

    Storage export on: exp_t - ren_t - dis_t <= 0 (free disposal: exp_t - pv_t S_pv - wind_t S_w -
    dis_t <= 0): the battery may export, grid power still is never resold. REopt's default, storage
    not exporting, is the off case's first row.
    """
    T = p.steps
    t = np.arange(T)
    parts = [(lay.index("exp"), np.ones(T))]
    if "ren" in lay.slices:
        parts.append((lay.index("ren"), -np.ones(T)))
    elif p.has_renewables:
        parts += [
            (size_column(p, lay, "S_pv"), -p.pv_kw_per_kw),
            (size_column(p, lay, "S_w"), -p.wind_kw_per_kw),
        ]
    if p.storage_export:
        if p.has_battery:
            parts.append((lay.index("dis"), -np.ones(T)))
        return per_step_block(t, parts, np.full(T, -INF), np.zeros(T))
    source = per_step_block(t, parts, np.full(T, -INF), np.zeros(T))
    cap = per_step_block(t, [(lay.index("exp"), np.ones(T))], np.full(T, -INF), surplus_bound_kw(p))
    return stacked([source, cap])


def meter_direction(p: YearProblem, lay: Layout, fix: MeterFix) -> RowBlock:
    """The meter's direction at the steps the one-meter repair fixed (``year_solve.solve_year``).

    Exporting step: imp_t + dis_t - ch_t <= 0 (storage export on: imp_t - ch_t <= 0): grid power
    goes only into the battery, so the load is met by PV, wind (and the battery) and what is exported
    is their surplus. Importing step: exp_t <= 0. Either row alone is linear; the choice between them
    (a binary per step) is what the LP cannot make, so the repair makes it from the LP's solution.
    """
    send, shut = np.flatnonzero(fix.exporting), np.flatnonzero(fix.importing)
    parts = [(lay.index("imp")[send], np.ones(len(send)))]
    if p.has_battery:
        parts.append((lay.index("ch")[send], -np.ones(len(send))))
        if not p.storage_export:
            parts.append((lay.index("dis")[send], np.ones(len(send))))
    exporting = per_step_block(np.arange(len(send)), parts, np.full(len(send), -INF), np.zeros(len(send)))
    importing = per_step_block(
        np.arange(len(shut)), [(lay.index("exp")[shut], np.ones(len(shut)))], np.full(len(shut), -INF),
        np.zeros(len(shut)),
    )
    return stacked([exporting, importing])


def surplus_bound_kw(p: YearProblem) -> np.ndarray:
    """U_t = max(0, A_t - F_t): the largest PV and wind surplus possible at each step. [kW]

    A_t = pv_t S_pv^max + wind_t S_w^max; F_t = f_t (firm_t + rigid training), the facility's load
    with no flexible training running (the least it can be).
    """
    most = p.pv_kw_per_kw * p.sizes.pv_kw[1] + p.wind_kw_per_kw * p.sizes.wind_kw[1]
    return np.maximum(0.0, most - p.fixed_facility_kw)


def battery_state(p: YearProblem, lay: Layout) -> RowBlock:
    """Battery energy carried from step to step, cyclic over the horizon (end state = start state).

    soc_t - soc_{t-1} - eta_c dt ch_t + dt / eta_d dis_t = 0, with soc_{-1} = soc_{T-1}
    """
    T, dt = p.steps, p.step_h
    t = np.arange(T)
    soc = lay.index("soc")
    parts = [
        (soc, np.ones(T)),
        (np.roll(soc, 1), -np.ones(T)),
        (lay.index("ch"), np.full(T, -p.charge_efficiency * dt)),
        (lay.index("dis"), np.full(T, dt / p.discharge_efficiency)),
    ]
    return per_step_block(t, parts, np.zeros(T), np.zeros(T))


def battery_energy_limit(p: YearProblem, lay: Layout) -> RowBlock:
    """Usable energy stays within the capacity above the minimum state of charge.

    soc_t - (1 - soc_min) E <= 0   (soc_t is measured above soc_min E, so soc_t >= 0 is its bound)
    """
    T = p.steps
    parts = [(lay.index("soc"), np.ones(T)), (size_column(p, lay, "E"), np.full(T, p.min_soc_frac - 1.0))]
    return per_step_block(np.arange(T), parts, np.full(T, -INF), np.zeros(T))


def battery_power_limit(p: YearProblem, lay: Layout) -> RowBlock:
    """Charge plus discharge within the converter rating (also rules out simultaneous cycling at full power).

    ch_t + dis_t - P <= 0
    """
    T = p.steps
    parts = [
        (lay.index("ch"), np.ones(T)),
        (lay.index("dis"), np.ones(T)),
        (size_column(p, lay, "P"), -np.ones(T)),
    ]
    return per_step_block(np.arange(T), parts, np.full(T, -INF), np.zeros(T))


def flexible_energy(p: YearProblem, lay: Layout) -> RowBlock:
    """Each class's deferrable training energy is conserved within each of its windows.

    For class j with window length W_j, the steps are cut into consecutive windows w from the
    horizon's start (the last may be shorter): sum_{t in w} x_jt = |w| s_j phi D, where phi is the
    flexible share, s_j the class share and D the average training power above idle.
    """
    rows, cols, vals, rhs = [], [], [], []
    offset = 0
    T = p.steps
    for j, share in enumerate(p.flex_shares):
        window = np.arange(T) // p.flex_window_steps(j)
        n_windows = int(window[-1]) + 1
        rows.append(offset + window)
        cols.append(lay.index(f"x{j}"))
        vals.append(np.ones(T))
        counts = np.bincount(window, minlength=n_windows).astype(float)
        rhs.append(counts * share * p.flexible_share * p.training_kw)
        offset += n_windows
    b = np.concatenate(rhs)
    return RowBlock(b, b, np.concatenate(rows), np.concatenate(cols), np.concatenate(vals))


def it_capacity(p: YearProblem, lay: Layout) -> RowBlock:
    """Training never exceeds the fleet: rigid plus deferred power at most every node busy.

    sum_j x_jt <= C - (1 - phi) D
    """
    T = p.steps
    headroom = max(p.training_capacity_kw - p.rigid_training_kw, 0.0)
    parts = [(lay.index(f"x{j}"), np.ones(T)) for j in range(len(p.flex_windows_h))]
    return per_step_block(np.arange(T), parts, np.full(T, -INF), np.full(T, headroom))


def monthly_peak(p: YearProblem, lay: Layout) -> RowBlock:
    """The month's peak import bounds every step's import in that month (the demand-charge base).

    imp_t - peak_{m(t)} <= 0
    """
    T = p.steps
    parts = [(lay.index("imp"), np.ones(T)), (lay.slices["peak"].start + p.month.astype(int), -np.ones(T))]
    return per_step_block(np.arange(T), parts, np.full(T, -INF), np.zeros(T))


def green_share(p: YearProblem, lay: Layout) -> RowBlock:
    """Renewables used on site and green purchases cover at least the share g of facility energy.

    dt sum_t (ren_t - exp_t) + G - g dt sum_t f_t sum_j x_jt >= g dt sum_t f_t (firm_t + rigid)
    (the 2024 data-centre action plan's green-electricity share for new hub data centres).
    """
    T, dt, g = p.steps, p.step_h, p.min_green_share
    f = p.facility_kw_per_it_kw
    parts = []
    if "ren" in lay.slices:
        parts.append((lay.index("ren"), np.full(T, dt)))
    if "exp" in lay.slices:
        parts.append((lay.index("exp"), np.full(T, -dt)))
    if p.has_flex:
        parts += [(lay.index(f"x{j}"), -g * dt * f) for j in range(len(p.flex_windows_h))]
    if "G" in lay.slices:
        parts.append((lay.index("G"), np.ones(1)))
    rhs = g * dt * float(np.sum(p.fixed_facility_kw))
    cols = np.concatenate([c for c, _ in parts]) if parts else np.zeros(0, dtype=int)
    vals = np.concatenate([v for _, v in parts]) if parts else np.zeros(0)
    return RowBlock(np.array([rhs]), np.array([INF]), np.zeros(len(cols), dtype=int), cols, vals)


def green_purchase_limit(p: YearProblem, lay: Layout) -> RowBlock:
    """Green power bought is at most the energy imported: G - dt sum_t imp_t <= 0."""
    T = p.steps
    cols = np.concatenate([lay.index("G"), lay.index("imp")])
    vals = np.concatenate([np.ones(1), np.full(T, -p.step_h)])
    return RowBlock(np.array([-INF]), np.array([0.0]), np.zeros(T + 1, dtype=int), cols, vals)


def size_copies(p: YearProblem, lay: Layout) -> RowBlock:
    """Chain each size variable to daily copies of itself: S@_0 = S, S@_b = S@_{b-1}.

    The per-step rows use the day's copy instead of S itself. Mathematically nothing changes; but a
    column present in all 8760 rows makes the interior-point normal equations A D A^T dense (every
    pair of steps coupled), which made the sized year LP 5-10x slower to solve.
    """
    rows, cols, vals = [], [], []
    n = n_blocks(p)
    for k, name in enumerate(SIZE_COLUMNS.values()):
        copies = lay.index(f"{name}@")
        previous = np.concatenate([[lay.slices[name].start], copies[:-1]])
        r = k * n + np.arange(n)
        rows += [r, r]
        cols += [copies, previous]
        vals += [np.ones(n), -np.ones(n)]
    zero = np.zeros(4 * n)
    return RowBlock(zero, zero, np.concatenate(rows), np.concatenate(cols), np.concatenate(vals))


def constraint_blocks(p: YearProblem, lay: Layout, fix: MeterFix | None = None) -> list[RowBlock]:
    """The constraint families that apply to this problem, in a fixed order."""
    blocks = [energy_balance(p, lay), size_copies(p, lay)]
    if "ren" in lay.slices:
        blocks.append(renewable_availability(p, lay))
    if "exp" in lay.slices:
        blocks.append(export_source(p, lay))
        if fix is not None and fix.any:
            blocks.append(meter_direction(p, lay, fix))
    if p.has_battery:
        blocks += [battery_state(p, lay), battery_energy_limit(p, lay), battery_power_limit(p, lay)]
    if p.has_flex:
        blocks += [flexible_energy(p, lay), it_capacity(p, lay)]
    if p.demand_charge_per_kw_month > 0:
        blocks.append(monthly_peak(p, lay))
    if p.min_green_share > 0:
        blocks.append(green_share(p, lay))
    if "G" in lay.slices:
        blocks.append(green_purchase_limit(p, lay))
    return blocks


def build_lp(p: YearProblem, fix: MeterFix | None = None) -> tuple[highspy.HighsLp, Layout]:
    """The whole LP as a HiGHS column-wise model, and the column layout to read the solution."""
    lay = build_columns(p)
    return highs_lp(lay, constraint_blocks(p, lay, fix)), lay
