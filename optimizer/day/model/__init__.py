"""The daily planning MILP: inputs (data), sets and variables, constraint families, objective.

``build_model`` assembles them in a fixed order (oemof-solph / PyPSA style) and times each family.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import pyomo.environ as pyo
import xarray as xr
from greendc.optimizer.day.model import constraints, objective, variables
from greendc.optimizer.day.model.data import ModelData, model_data
from greendc.optimizer.types import Job, PlanSettings
from greendc.sites.model import Site
from pyomo.common.gc_manager import PauseGC

__all__ = ["FAMILIES", "ModelData", "build", "build_model", "model_data"]

#: Constraint families in build order.
FAMILIES: tuple[Callable[[pyo.ConcreteModel, ModelData], None], ...] = (
    constraints.preemptible_work,
    constraints.whole_slot_work,
    constraints.checkpoint_resumes,
    constraints.block_starts,
    constraints.block_running,
    constraints.node_capacity,
    constraints.it_load,
    constraints.cooling_levels,
    constraints.setpoint_rate,
    constraints.facility_power,
    constraints.energy_balance,
    constraints.battery,
    constraints.grid_exchange,
    objective.job_lateness,
    objective.objective,
)


def build(data: ModelData, timings: dict[str, float] | None = None) -> pyo.ConcreteModel:
    """The Pyomo model of a plan from its data, each stage's build seconds added to ``timings``."""
    m = pyo.ConcreteModel(name="greendc_plan")
    stages: list[Callable[[pyo.ConcreteModel, ModelData], None]] = [
        variables.add_sets,
        variables.add_job_variables,
        variables.add_site_variables,
        *FAMILIES,
    ]
    with PauseGC():  # the cyclic garbage collector otherwise rescans the growing expression graph
        for stage in stages:
            start = time.perf_counter()
            stage(m, data)
            if timings is not None:
                timings[stage.__name__] = time.perf_counter() - start
    return m


def build_model(
    profile: xr.Dataset,
    site: Site,
    jobs: Sequence[Job],
    settings: PlanSettings,
    timings: dict[str, float] | None = None,
) -> tuple[pyo.ConcreteModel, ModelData]:
    """Inputs -> model: the model data and the Pyomo model built from it."""
    data = model_data(profile, site, jobs, settings)
    return build(data, timings), data
