"""Tests of optimizer.day.pareto: the front runs from cheapest to cleanest, monotone both ways."""

from __future__ import annotations

import pytest
from greendc.optimizer.accounting import carbon_kg
from greendc.optimizer.day.pareto import pareto_plans
from greendc.optimizer.types import PlanSettings
from plan_cases import job, tiny_profile, tiny_site


@pytest.mark.slow
def test_front_trades_cost_for_carbon() -> None:
    # Cheap power is dirty (steps 0-1), clean power dear (steps 2-3): a 2 h job moves along the front.
    site = tiny_site(nodes=1)
    profile = tiny_profile([1.0, 1.0, 2.0, 2.0], carbon=[1.0, 1.0, 0.2, 0.2])
    plans = pareto_plans(
        profile, site, [job("a", hours=2.0)], PlanSettings(rel_gap=1e-9, step_minutes=60, horizon_h=4), 3
    )
    costs = [p.objective["total"] for p in plans]
    carbon = [carbon_kg(p.steps, 1.0) for p in plans]
    assert costs == pytest.approx([20.0, 30.0, 40.0])  # 10 kW x 2 h at 1, half and half, at 2
    assert carbon == pytest.approx([20.0, 12.0, 4.0])
    assert [p.pareto.rank for p in plans if p.pareto] == [0, 1, 2]
