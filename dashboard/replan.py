"""What-if re-planning: a saved plan's inputs with changed settings, solved again by the real optimiser.

A what-if keeps everything of the saved plan (site, day, horizon, step, job queue, weather) and
changes only what the user moved: the carbon price, the allowed setpoint range, whether the battery
may be used, and extra deadline slack for preemptible jobs. The KPIs of both plans are recomputed
the same way (``optimizer.accounting``) so the differences are like for like.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

#: Progress stages of a re-plan, in order (the page shows stage i of len(STAGES)).
STAGES = ("reading the saved plan", "site and profile", "job queue", "solving with HiGHS", "done")

Progress = Callable[[int, str], None]


@dataclass(frozen=True)
class WhatIf:
    """What the user changed."""

    carbon_price_per_t: float
    """Price on emitted CO2 in the objective. [currency/tCO2]"""
    setpoint_min_c: float
    """Lowest allowed supply-air setpoint. [deg C]"""
    setpoint_max_c: float
    """Highest allowed supply-air setpoint. [deg C]"""
    battery: bool
    """May the battery be used (if the site has one). [-]"""
    slack_h: float
    """Extra time added to each preemptible job's deadline. [h]"""


@dataclass(frozen=True)
class Replan:
    """A what-if plan in the shapes the pages use for saved plans."""

    steps: pd.DataFrame
    runs: pd.DataFrame
    meta: dict[str, Any]
    kpis: dict[str, float]


@dataclass(frozen=True)
class KpiDiff:
    """One row of the comparison table, already formatted."""

    key: str
    label: str
    saved: str
    new: str
    diff: str
    css: str


def _noop(_stage: int, _text: str) -> None:
    """Progress sink when nobody listens."""
