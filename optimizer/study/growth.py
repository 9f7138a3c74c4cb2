r"""Demand growth: a multi-year horizon with staged PV, wind and battery builds, planned year by year.

"Which site scales best" while token demand grows: a scenario with ``horizon_years = Y > 1`` and
``it_growth_per_year = g`` plans Y years in sequence (docs/compare.md, "Demand growth"):

* year y = 1..Y is the scenario's year LP with the IT load (firm load, idle nodes, training and its
  capacity) and the grid connection scaled by g^(y-1), and every size's lower bound raised to what
  the years before built (what is built stays; the upper bounds are the scenario's and the site's);
* business as usual is the same year grid only, scaled alike;
* the sizes a year adds are bought at the start of that year (time y - 1), each build with its own
  rebuilds and salvage (``investment.capital_flows``), and each operating year saves BAU cost minus
  operating cost of its own year; after the horizon the last year repeats to the analysis period's
  end. NPV, IRR and paybacks follow from those flows.

The method is myopic (each year's LP does not see the growth to come, so it never builds ahead of
demand): an upper bound on the cost of the one-model plan with perfect foresight of the growth,
simple to state and to check, and the way a yearly budget is set in practice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np
from greendc.optimizer.study.investment import capital_flows
from greendc.optimizer.study.problem import SIZE_NAMES, SizeBounds, YearProblem, YearResult
from greendc.optimizer.study.year_solve import solve_year


def grown_problem(problem: YearProblem, factor: float, built: dict[str, float] | None = None) -> YearProblem:
    """The year LP with IT load and grid connection times ``factor`` and sizes at least ``built``.

    Scaled: firm IT, training power and its capacity, the import limit. A lower bound never
    exceeds the upper bound (a size built at its limit stays there). [-]
    """
    built = built or {}
    sizes = {}
    for name in SIZE_NAMES:
        low, high = getattr(problem.sizes, name)
        sizes[name] = (min(max(low, built.get(name, 0.0)), high), high)
    return replace(
        problem,
        firm_it_kw=problem.firm_it_kw * factor,
        training_kw=problem.training_kw * factor,
        training_capacity_kw=problem.training_capacity_kw * factor,
        import_limit_kw=problem.import_limit_kw * factor,
        sizes=SizeBounds(**sizes),
    )


def plan_stages(
    problem: YearProblem,
    years: int,
    growth: float,
    solve: Callable[[YearProblem], YearResult] = solve_year,
) -> list[tuple[YearProblem, YearResult]]:
    """Years 1..Y solved in sequence, each with the IT load grown and the builds of the years before kept.

    Raises RuntimeError naming the year whose LP is not optimal.
    """
    out: list[tuple[YearProblem, YearResult]] = []
    built: dict[str, float] = {}
    for year in range(years):
        grown = grown_problem(problem, growth**year, built)
        result = solve(grown)
        if result.status != "optimal":
            raise RuntimeError(f"growth year {year + 1} of {years}: year LP {result.status}")
        built = dict(result.sizes)
        out.append((grown, result))
    return out


def increments(sizes_by_year: Sequence[dict[str, float]]) -> list[dict[str, float]]:
    """What each year adds to the sizes of the year before (never negative). [kWp, kW, kWh]"""
    before = dict.fromkeys(SIZE_NAMES, 0.0)
    out = []
    for sizes in sizes_by_year:
        out.append({n: max(sizes[n] - before[n], 0.0) for n in SIZE_NAMES})
        before = {n: max(sizes[n], before[n]) for n in SIZE_NAMES}
    return out


def staged_cash_flows(
    capex_by_year: Sequence[dict[str, float]],
    life_years: dict[str, float],
    rate: float,
    years: int,
    savings: Sequence[float],
) -> np.ndarray:
    """The investor's yearly cash flows, t = 0..N, of builds staged over the first years. [currency]

    capex_by_year[k][tech]: outlay (after capital subsidies) of what is built at time k, the start
    of operating year k + 1; each build has its rebuilds and salvage over the N - k years left
    (``capital_flows``). savings[k]: operating year k + 1's saving against business as usual; the
    last one repeats to year N.
    """
    flows = np.zeros(years + 1)
    for start, capex in enumerate(capex_by_year):
        for tech, outlay in capex.items():
            flows[start:] -= capital_flows(outlay, life_years[tech], rate, years - start)
    per_year = list(savings)[:years]
    per_year += [per_year[-1]] * (years - len(per_year))
    flows[1:] += np.asarray(per_year, dtype=float)
    return flows
