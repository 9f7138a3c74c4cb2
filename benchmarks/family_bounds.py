"""Where an instance's root gap comes from: LP relaxations of the day model with more and more decisions
fixed at the best plan's values (``python -m benchmarks.family --bounds``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from benchmarks.family import Instance, inputs_for


def bound_breakdown(inst: Instance, time_limit_s: float) -> dict[str, Any]:
    """Where the root gap of an instance comes from (benchmarks/root_bounds.py's method, per term).

    Solves the MILP (as make_plan does, to ``time_limit_s``) for the best plan known, then LP
    relaxations of the same model: without the meter cuts, as built (with them), with the meter
    directions fixed as in the best plan, with the checkpoint run binaries fixed too, with the block
    starts fixed too. The steps between them attribute the root gap to the meter binaries, the
    checkpoint rows and the non-preemptible starts (and what they couple: the demand charge's peak).
    ``terms_*`` is the per-term difference (best plan minus LP as built) of the objective.
    """
    import pyomo.environ as pyo
    from greendc.optimizer.day.inputs import profile_for
    from greendc.optimizer.day.model import build, model_data
    from greendc.optimizer.day.solve import solve_model

    inputs = inputs_for(inst, time_limit_s)
    profile = profile_for(inputs)
    data = model_data(profile, inputs.site, inputs.jobs, inputs.settings)
    m = build(data)
    best = solve_model(m, time_limit_s=time_limit_s, rel_gap=1e-4)
    if best.objective is None:
        raise SystemExit(f"{inst.name}: no incumbent in {time_limit_s:g} s ({best.message})")
    fixed = {name: {k: v.value for k, v in getattr(m, name).items()}
             for name in ("grid_mode", "bat_mode", "w", "n", "v", "y") if hasattr(m, name)}
    terms = ("energy_cost", "demand_charge", "export_revenue", "carbon_cost", "lateness_penalty")
    best_terms = {t: float(pyo.value(getattr(m, t))) for t in terms}

    def lp(fix: Sequence[str], cuts: bool = True) -> tuple[float, dict[str, float]]:
        lm = build(data)
        if not cuts and hasattr(lm, "c_import_cut"):
            lm.c_import_cut.deactivate()
            lm.c_export_cut.deactivate()
        for name in fix:
            for k, val in fixed.get(name, {}).items():
                if val is not None:
                    getattr(lm, name)[k].fix(round(val))
        pyo.TransformationFactory("core.relax_integer_vars").apply_to(lm)
        out = solve_model(lm, time_limit_s=120.0, rel_gap=1e-9, rounding=False)
        assert out.objective is not None, out.message
        return out.objective, {t: float(pyo.value(getattr(lm, t))) for t in terms}

    no_cuts, _ = lp([], cuts=False)
    root, root_terms = lp([])
    meter, _ = lp(["grid_mode", "bat_mode"])
    ckpt, _ = lp(["grid_mode", "bat_mode", "w"])
    starts, _ = lp(["grid_mode", "bat_mode", "w", "n", "v", "y"])
    obj = best.objective
    res: dict[str, Any] = {
           "best": obj, "best_status": best.status, "best_gap": best.gap or 0.0, "lp_no_cuts": no_cuts,
           "lp": root, "lp_meter_fixed": meter, "lp_meter_ckpt_fixed": ckpt, "lp_all_fixed": starts,
           "binaries_meter": len(fixed.get("grid_mode", {})), "binaries_ckpt": len(fixed.get("w", {})),
           "integers_starts": len(fixed.get("n", {}))}
    for t in terms:
        res[f"terms_{t}"] = best_terms[t] - root_terms[t]
    return res


def print_bounds(inst: Instance, b: dict[str, Any]) -> None:
    """One instance's bound breakdown, in % of the best objective."""
    obj = b["best"]

    def below(x: float) -> str:
        return f"{100 * (obj - x) / abs(obj):+.3f} %"

    print(f"{inst.name} ({100 * inst.np_share:.0f} % np, load {100 * inst.load:.0f} %, {inst.window}, "
          f"ck {60 * inst.checkpoint_h:.0f} min): best {obj:,.2f} ({b['best_status']}, gap "
          f"{100 * b['best_gap']:.3f} %); meter binaries {b['binaries_meter']}, checkpoint binaries "
          f"{b['binaries_ckpt']}, start integers {b['integers_starts']}")
    print(f"  root gap below best: LP no meter cuts {below(b['lp_no_cuts'])}, LP as built {below(b['lp'])}, "
          f"meter fixed {below(b['lp_meter_fixed'])}, + checkpoint fixed {below(b['lp_meter_ckpt_fixed'])}, "
          f"+ starts and levels fixed {below(b['lp_all_fixed'])}")
    parts = ", ".join(f"{t[6:]} {v:+,.0f}" for t, v in b.items() if t.startswith("terms_"))
    print(f"  best minus LP, per term (currency): {parts}")
