"""Capital recovery, annualised cost and NPV against hand-worked numbers."""

from __future__ import annotations

import pytest
from greendc.optimizer.study.sizing import (
    annualised_cost_per_unit,
    annuity_factor,
    capital_recovery_factor,
    horizon_cost_per_unit,
    npv_against_baseline,
)


def test_capital_recovery_factor_by_hand() -> None:
    # 6 %, 20 years: 0.06 x 1.06^20 / (1.06^20 - 1) = 0.06 x 3.207135 / 2.207135 = 0.0871846
    assert capital_recovery_factor(0.06, 20) == pytest.approx(0.0871846, abs=1e-7)
    # one year: repay the cost plus one year's interest
    assert capital_recovery_factor(0.1, 1) == pytest.approx(1.1)


def test_crf_tends_to_straight_line_as_the_rate_falls() -> None:
    assert capital_recovery_factor(1e-9, 25) == pytest.approx(1 / 25, rel=1e-6)


@pytest.mark.parametrize("rate, life", [(0.0, 20), (-0.1, 20), (0.05, 0)])
def test_crf_refuses_meaningless_inputs(rate: float, life: float) -> None:
    with pytest.raises(ValueError):
        capital_recovery_factor(rate, life)


def test_annualised_cost_with_subsidy_by_hand() -> None:
    # 3500 per kWp, 30 % voucher, 6 %, 25 years (CRF 0.0782267), O&M 45: 2450 x 0.0782267 + 45 = 236.655
    assert annualised_cost_per_unit(3500, 45, 0.06, 25, 0.3) == pytest.approx(2450 * 0.0782267 + 45, rel=1e-6)


def test_horizon_cost_is_pro_rata() -> None:
    assert horizon_cost_per_unit(876.0, 24) == pytest.approx(2.4)


def test_npv_is_saving_times_annuity_factor() -> None:
    # saving 100 a year for 10 years at 8 %: 100 x 6.710081
    assert annuity_factor(0.08, 10) == pytest.approx(6.710081, abs=1e-6)
    assert npv_against_baseline(1100, 1000, 0.08, 10) == pytest.approx(671.0081, abs=1e-3)
    assert npv_against_baseline(1000, 1100, 0.08, 10) < 0
