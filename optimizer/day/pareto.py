"""Plans along the cost-carbon front by the epsilon-constraint method (`greendc plan --pareto N`).

The two ends are the cheapest plan (the settings' carbon price) and the cleanest one (carbon priced at
``CLEAN_CARBON_PRICE_PER_T``, lateness still penalised); between them, N - 2 plans minimise cost with
the grid emissions capped at evenly spaced levels: min cost s.t. sum_t c_t import_t dt <= eps_i
(Haimes, Lasdon and Wismer 1971; Mavrotas 2009, "Effective implementation of the epsilon-constraint
method", Appl. Math. Comput. 213:455-465). Every plan is verified like any other.

The front moves only operational levers: every point after the cheapest keeps the cheapest plan's
lateness (its lateness penalty is capped at the cheapest plan's, ``lateness_cap``), so no point is
cleaner because it leaves work late or unrun.

The plan the service keeps is the cheapest point; its tag (``FrontTag``) carries every point's plan,
so the plan folder can save each point's steps and jobs (``front_plans``; ``pareto/<k>/`` in the folder).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pyomo.environ as pyo
import xarray as xr
from greendc.optimizer.accounting import carbon_kg
from greendc.optimizer.day.model import ModelData, model_data
from greendc.optimizer.day.plan import Extra, Progress, make_plan
from greendc.optimizer.types import Job, ParetoTag, Plan, PlanSettings
from greendc.sites.model import Site

#: Carbon price that makes emissions dominate the objective for the cleanest plan. [currency/tCO2]
CLEAN_CARBON_PRICE_PER_T = 100_000.0


@dataclass(frozen=True)
class FrontTag(ParetoTag):
    """The cheapest point's tag, with every point of the front (the cheapest first)."""

    points: tuple[Plan, ...] = field(default=(), repr=False, compare=False)
    """The front's plans, rank 0 to n - 1, each with its own ParetoTag. [-]"""


def front_plans(plan: Plan) -> tuple[Plan, ...]:
    """The front's plans a plan carries (the cheapest point of ``pareto_plans``), else none."""
    return plan.pareto.points if isinstance(plan.pareto, FrontTag) else ()


def carbon_cap(cap_kg: float) -> Callable[[pyo.ConcreteModel, ModelData], None]:
    """A model hook capping the grid emissions of the horizon at ``cap_kg``. [kgCO2]"""

    def add(m: pyo.ConcreteModel, data: ModelData) -> None:
        """Add the cap as one constraint on the built model."""
        m.c_carbon_cap = pyo.Constraint(
            expr=sum(float(data.carbon[t]) * data.step_h * m.grid_import[t] for t in m.T) <= cap_kg
        )

    return add


def lateness_cap(penalty: float) -> Callable[[pyo.ConcreteModel, ModelData], None]:
    """A model hook holding the lateness penalty at most at ``penalty`` (the cheapest plan's). [currency]"""

    def add(m: pyo.ConcreteModel, data: ModelData) -> None:
        """Add the cap as one constraint on the built model."""
        m.c_lateness_cap = pyo.Constraint(expr=m.lateness_penalty <= penalty * (1 + 1e-9) + 1e-6)

    return add


def both(*hooks: Extra | None) -> Extra:
    """One model hook that applies each of ``hooks`` in turn."""

    def add(m: pyo.ConcreteModel, data: ModelData) -> None:
        for hook in hooks:
            if hook is not None:
                hook(m, data)

    return add


def with_carbon_price(data: ModelData, carbon_price_per_t: float) -> ModelData:
    """The same problem with another carbon price (it enters the model only through the rates)."""
    return replace(data, rates=replace(data.rates, carbon_price_per_t=carbon_price_per_t))


def pareto_plans(
    profile: xr.Dataset,
    site: Site,
    jobs: Sequence[Job],
    settings: PlanSettings,
    n: int,
    *,
    progress: Progress | None = None,
    data: ModelData | None = None,
) -> list[Plan]:
    """N verified plans from the cheapest to the cleanest, each tagged with its place on the front.

    ``data`` (``model_data`` of the inputs, built once by the plan service) is shared by every point.
    The first plan's tag is a FrontTag holding all n plans (``front_plans``).
    """
    if n < 1:
        raise ValueError("pareto_plans needs n >= 1")
    data = data if data is not None else model_data(profile, site, jobs, settings)

    late: Extra | None = None

    def point(rank: int, cap_kg: float | None, hook: Extra | None = None) -> Plan:
        """The cheapest plan under the cap (none: uncapped) at the cheapest plan's lateness, tagged."""
        plan = make_plan(profile, site, jobs, settings, progress=progress, extra=both(late, hook), data=data,
                         widen=late is None)
        return replace(plan, pareto=ParetoTag(rank, cap_kg))

    cheapest = point(0, None)
    if n == 1:
        return [with_front([cheapest])]
    late = lateness_cap(float(cheapest.objective.get("lateness_penalty", 0.0)))
    clean_settings = replace(settings, carbon_price_per_t=CLEAN_CARBON_PRICE_PER_T)
    cleanest = make_plan(profile, site, jobs, clean_settings, progress=progress, extra=late, widen=False,
                         data=with_carbon_price(data, CLEAN_CARBON_PRICE_PER_T))
    step_h = data.step_h
    high, low = carbon_kg(cheapest.steps, step_h), carbon_kg(cleanest.steps, step_h)
    middle = [point(rank, float(cap), carbon_cap(float(cap)))
              for rank, cap in enumerate(np.linspace(high, low, n)[1:-1], start=1)]
    # the cleanest plan re-costed at the settings' carbon price, capped at its own emissions
    last = point(n - 1, low, carbon_cap(low * (1 + 1e-9) + 1e-6))
    plans = [cheapest, *middle, last]
    return [with_front(plans), *plans[1:]]


def with_front(plans: Sequence[Plan]) -> Plan:
    """The first plan tagged with the whole front (its own tag's rank and cap kept)."""
    first = plans[0]
    tag = first.pareto or ParetoTag(0, None)
    return replace(first, pareto=FrontTag(tag.rank, tag.carbon_cap_kg, points=tuple(plans)))
