"""Today's battery rule, the baseline's dispatch: charge from surplus and in the valley, discharge at the
peak price and to shave the peak import, end the day at the starting charge, never export stored energy
(docs/planning.md, "The baseline")."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from greendc.optimizer.day.model.data import Battery


@dataclass(frozen=True)
class BatteryDispatch:
    """The baseline battery's schedule: charge and discharge power and the state of charge. [kW, kWh]"""

    charge_kw: np.ndarray
    discharge_kw: np.ndarray
    soc_kwh: np.ndarray
    rule: str
    """'rule': the standard rule runs; 'idle': the battery rests (none, or the rule does not pay). [-]"""


def idle_dispatch(n_steps: int, battery: Battery | None) -> BatteryDispatch:
    """The battery resting at its initial charge all day. [kW, kWh]"""
    zeros = np.zeros(n_steps)
    soc0 = battery.soc0_kwh if battery is not None else 0.0
    return BatteryDispatch(zeros, zeros.copy(), zeros + soc0, "idle")


def shave_target_kw(net_kw: np.ndarray, battery: Battery, step_h: float) -> float:
    """Peak-shaving threshold: the lowest import the battery can hold the day's net load under. [kW]

    The standard day-ahead peak-shaving setting: the smallest level L >= max(net) - power such that
    the energy above it, sum_t max(0, net_t - L) dt / eta_d, fits in the charge the day starts with
    above the minimum (soc0 - soc_min); found by bisection (the energy is decreasing in L).
    """
    peak = float(net_kw.max()) if len(net_kw) else 0.0
    budget = battery.soc0_kwh - battery.soc_min_kwh
    low, high = max(0.0, peak - battery.power_kw), max(0.0, peak)

    def needed(level: float) -> float:
        return float(np.maximum(net_kw - level, 0.0).sum() * step_h / battery.discharge_eff)

    if needed(low) <= budget:
        return low
    for _ in range(60):
        mid = 0.5 * (low + high)
        low, high = (low, mid) if needed(mid) <= budget else (mid, high)
    return high


def battery_rule(net_kw: np.ndarray, price: np.ndarray, export_price: np.ndarray, battery: Battery,
                 step_h: float, *, shave: bool = True,
                 import_limit_kw: float = float("inf")) -> BatteryDispatch:
    """The baseline battery's standard rule, a day-ahead schedule from the net load and the tariff. [kW]

    ``net_kw`` is facility minus PV and wind (negative: renewable surplus). Stated as a site's energy
    management system runs a battery without optimisation:

    1. *Peak shaving* (``shave``, when a demand charge applies): the threshold ``shave_target_kw``;
       whenever the net load exceeds it, discharge the excess.
    2. *Self-consumption*: a renewable surplus charges the battery (what is left is exported or curtailed).
    3. *Valley charging*: at the day's lowest import price the battery charges from the grid, keeping the
       import under the shaving threshold (and the import limit).
    4. *Peak discharge*: at the day's highest import price the battery covers the net load, keeping in
       reserve what later peak shaving needs.
    Valley charging and peak discharge run only when the spread pays the losses
    (valley price < eta_c eta_d x peak price). The battery never discharges more than the net load
    (stored energy is not exported) and never charges and discharges in one step.
    5. *End of day*: the battery ends at its starting charge: a shortfall is charged back in the
       cheapest steps (under the threshold and the limits), what cannot be is not discharged (the
       latest discharges are given up first); charge the day did not need is not bought (the latest
       charges are dropped first).
    """
    n = len(net_kw)
    E, P = battery.energy_kwh, battery.power_kw
    eta_c, eta_d = battery.charge_eff, battery.discharge_eff
    smin, soc0 = battery.soc_min_kwh, battery.soc0_kwh
    dt = step_h
    target = shave_target_kw(net_kw, battery, dt) if shave else float("inf")
    cap = min(target, import_limit_kw)
    p_lo, p_hi = (float(price.min()), float(price.max())) if n else (0.0, 0.0)
    arbitrage = p_hi > p_lo and p_lo < eta_c * eta_d * p_hi
    valley = np.isclose(price, p_lo) if arbitrage else np.zeros(n, dtype=bool)
    peak = np.isclose(price, p_hi) if arbitrage else np.zeros(n, dtype=bool)
    over = np.maximum(net_kw - target, 0.0) if shave else np.zeros(n)
    reserve = (over[::-1].cumsum()[::-1] - over) * dt / eta_d  # energy later shaving needs, after step t
    charge, discharge = np.zeros(n), np.zeros(n)
    soc = soc0
    for t in range(n):
        load = float(net_kw[t])
        room = max(0.0, (E - soc) / (eta_c * dt))
        if load < 0:  # renewable surplus
            charge[t] = min(P, -load, room)
        elif valley[t]:
            charge[t] = min(P, room, max(0.0, cap - load))
        else:
            avail = max(0.0, (soc - smin) * eta_d / dt)
            shaved = min(P, over[t], avail)
            extra = 0.0
            if peak[t]:
                spare = max(0.0, (soc - smin - reserve[t]) * eta_d / dt - shaved)
                extra = min(P - shaved, load - shaved, spare)
            discharge[t] = shaved + max(0.0, extra)
        soc += (eta_c * charge[t] - discharge[t] / eta_d) * dt
    charge = _refill(charge, discharge, net_kw, price, battery, dt, cap)
    discharge = _unwind(charge, discharge, battery, dt)
    charge = _trim(charge, discharge, battery, dt)
    return BatteryDispatch(charge, discharge, _soc(charge, discharge, battery, dt), "rule")


def _soc(charge: np.ndarray, discharge: np.ndarray, battery: Battery, dt: float) -> np.ndarray:
    """State of charge at the end of each step: soc_t = soc_{t-1} + (eta_c ch_t - dis_t / eta_d) dt. [kWh]"""
    delta = (battery.charge_eff * charge - discharge / battery.discharge_eff) * dt
    return battery.soc0_kwh + np.cumsum(delta)


def _refill(charge: np.ndarray, discharge: np.ndarray, net_kw: np.ndarray, price: np.ndarray,
            battery: Battery, dt: float, cap: float) -> np.ndarray:
    """Charge a shortfall of the day's end state of charge back in the cheapest steps. [kW]

    Extra charge at step s raises the state of charge from s on, so it is limited by the room left at
    every later step, by the power left, by the threshold's headroom, and is never added where the
    battery discharges.
    """
    charge = charge.copy()
    short = battery.soc0_kwh - _soc(charge, discharge, battery, dt)[-1] if len(charge) else 0.0
    for s in np.argsort(price, kind="stable"):
        if short <= 1e-9:
            break
        if discharge[s] > 0:
            continue
        soc = _soc(charge, discharge, battery, dt)
        room = float((battery.energy_kwh - soc[s:]).min())
        headroom = cap - max(float(net_kw[s]), 0.0) - (charge[s] if net_kw[s] >= 0 else 0.0)
        power = min(battery.power_kw - charge[s], max(0.0, headroom))
        add = max(0.0, min(power, room / (battery.charge_eff * dt), short / (battery.charge_eff * dt)))
        charge[s] += add
        short -= add * battery.charge_eff * dt
    return charge


def _unwind(charge: np.ndarray, discharge: np.ndarray, battery: Battery, dt: float) -> np.ndarray:
    """Give up the latest discharges while the day would still end below its starting charge. [kW]

    Less discharge at step s raises the state of charge from s on, so it is limited by the room below
    the capacity at every later step.
    """
    discharge = discharge.copy()
    if not len(discharge):
        return discharge
    short = battery.soc0_kwh - _soc(charge, discharge, battery, dt)[-1]
    for s in range(len(discharge) - 1, -1, -1):
        if short <= 1e-9:
            break
        if discharge[s] <= 0:
            continue
        room = float((battery.energy_kwh - _soc(charge, discharge, battery, dt)[s:]).min())
        cut = max(0.0, min(discharge[s], min(short, room) * battery.discharge_eff / dt))
        discharge[s] -= cut
        short -= cut * dt / battery.discharge_eff
    return discharge


def _trim(charge: np.ndarray, discharge: np.ndarray, battery: Battery, dt: float) -> np.ndarray:
    """Drop charge the day did not need (the state of charge ends above its start), latest first. [kW]

    Less charge at step s lowers the state of charge from s on, so it is limited by the margin above
    the minimum at every later step.
    """
    charge = charge.copy()
    if not len(charge):
        return charge
    excess = _soc(charge, discharge, battery, dt)[-1] - battery.soc0_kwh
    for s in range(len(charge) - 1, -1, -1):
        if excess <= 1e-9:
            break
        if charge[s] <= 0:
            continue
        soc = _soc(charge, discharge, battery, dt)
        margin = float((soc[s:] - battery.soc_min_kwh).min())
        cut = max(0.0, min(charge[s], excess / (battery.charge_eff * dt), margin / (battery.charge_eff * dt)))
        charge[s] -= cut
        excess -= cut * battery.charge_eff * dt
    return charge
