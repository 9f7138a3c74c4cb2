"""The plan workflow: the plan service (``greendc.optimizer.day.service``) with the dashboard's report.

Everything about planning a day lives in the optimizer's plan service, the one path the CLI, the
nightly, What-if and the rolling year take; this module only supplies what the optimizer may not
import: the HTML report renderer of ``greendc.dashboard.report_plan``.
"""

from __future__ import annotations

from pathlib import Path

from greendc.dashboard.report_plan import plan_report_html
from greendc.optimizer.day.inputs import PlanInputs
from greendc.optimizer.day.plan import Progress
from greendc.optimizer.day.service import Exports, PlanOutcome, plan_site_day


def plan_with_report(inputs: PlanInputs, out: Path, *, pareto: int = 0, progress: Progress | None = None,
                     heuristic_only: bool = False, exports: Exports | None = None,
                     run_times: bool = True) -> PlanOutcome:
    """The plan service's folder at ``out`` with report.html rendered by the dashboard's report."""
    return plan_site_day(inputs, out, pareto=pareto, progress=progress, heuristic_only=heuristic_only,
                         render_report=plan_report_html, exports=exports, run_times=run_times)
