"""`greendc fleet plan`: one joint plan for a fleet of hubs (issue 17, docs/fleet.md).

The joint fleet file is a nightly fleet file (``[fleet]``, ``[defaults]``, ``[[site]]``, read with the
same models) plus a ``[joint]`` table, optional ``[[link]]`` overrides and ``[[region]]`` demands:

```toml
[joint]
jobs = "builtin"            # the built-in fleet queue, or a CSV/JSON queue with home_hub, data_gb, ...
n_jobs = 2000               # built-in queue size
price_per_gb = 0.05         # built-in network: transfer price (estimate) [CNY/GB]
bandwidth_gbps = 100        # built-in network: link bandwidth [Gbit/s]
inference_peak_kw = 1500    # built-in regions' inference peak [kW]
inference_latency_ms = 10   # their latency limit [ms]

[[link]]                    # replaces the built-in link between two hubs
a = "shanghai"
b = "zhongwei"
bandwidth_gbps = 400
latency_ms = 12
price_per_gb = 0.03
source = "operator contract 2026"
estimate = false
```

The hubs' day MILPs run on Dask (``greendc.cluster.dask_client``: a local cluster of ``workers``
processes, or ``scheduler = "tcp://..."``).
"""

from __future__ import annotations

import contextlib
import html
import os
import shutil
import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from greendc.fleet import Fleet, load_fleet, output_root
from greendc.optimizer.io import publish
from greendc.weather.errors import InputError

if TYPE_CHECKING:
    from greendc.optimizer.fleet.inputs import FleetJob, FleetProblem, InferenceDemand
    from greendc.optimizer.fleet.network import Network
    from greendc.optimizer.fleet.solve import FleetResult
    from greendc.optimizer.types import PlanSettings
    from greendc.sites.model import Site

#: A joint fleet file is a fleet file (greendc/fleet.py reads both; [joint], [[link]], [[region]] there).
JointFleet = Fleet


def load_joint_fleet(path: Path) -> Fleet:
    """Read and validate a joint fleet file (one InputError naming the file and key)."""
    return load_fleet(path)


def settings_of(fleet: Fleet) -> PlanSettings:
    """Every hub's day settings: the fleet file's [defaults] over the nightly's built-in values."""
    from greendc.optimizer.types import PlanSettings

    d = fleet.defaults
    return PlanSettings(step_minutes=d.step_minutes or 15, horizon_h=d.horizon_h or 24.0,
                        carbon_price_per_t=d.carbon_price_per_t or 0.0, time_limit_s=d.time_limit_s or 20.0,
                        rel_gap=d.rel_gap or 1e-3)


def hub_sites(fleet: Fleet, path: Path) -> list[Site]:
    """The hubs' site models, in fleet-file order (built-in ids or site files next to the fleet file)."""
    from greendc.optimizer.day.inputs import read_site

    base = path.resolve().parent
    refs = [entry.id if entry.id is not None else str((base / str(entry.file)).resolve())
            for entry in fleet.site]
    return [read_site(ref)[0] for ref in refs]


def fleet_network(fleet: Fleet, path: Path, sites: Sequence[Site]) -> Network:
    """The built-in network at the [joint] price and bandwidth, with the [[link]] overrides."""
    from greendc.optimizer.fleet import inputs as fi
    from greendc.optimizer.fleet.network import Link, Network

    net = fi.builtin_network(sites, bandwidth_gbps=fleet.joint.bandwidth_gbps,
                             price_per_gb=fleet.joint.price_per_gb)
    if not fleet.link:
        return net
    links = {frozenset((lk.a, lk.b)): lk for lk in net.links}
    ids = {s.site.id for s in sites}
    for n, e in enumerate(fleet.link, start=1):
        if e.a not in ids or e.b not in ids or e.a == e.b:
            raise InputError(f"link between {e.a!r} and {e.b!r}: both must be hubs of the fleet, and differ",
                             file=path, key=f"link[{n}]")
        links[frozenset((e.a, e.b))] = Link(e.a, e.b, e.bandwidth_gbps, e.latency_ms, e.price_per_gb,
                                            e.source, e.estimate)
    return Network(tuple(links.values()), net.regions, net.region_latency_ms)


def fleet_demands(fleet: Fleet, path: Path, net: Network,
                  sites: Sequence[Site]) -> tuple[InferenceDemand, ...]:
    """The [[region]] demands, or the built-in regions this fleet can serve within the latency limit."""
    from greendc.optimizer.fleet import inputs as fi

    if fleet.region:
        known = {r.id for r in net.regions}
        for n, r in enumerate(fleet.region, start=1):
            if r.id not in known:
                raise InputError(f"unknown region {r.id!r}; built-in regions are {', '.join(sorted(known))}",
                                 file=path, key=f"region[{n}].id")
        return tuple(fi.InferenceDemand(r.id, tuple(r.kw), r.latency_ms) for r in fleet.region)
    lim = fleet.joint.inference_latency_ms
    reach = [r.id for r in net.regions if any(net.latency(r.id, s.site.id) <= lim for s in sites)]
    return fi.builtin_demands(fleet.joint.inference_peak_kw, lim, regions=reach)


def fleet_jobs(fleet: Fleet, path: Path, plan_date: date, sites: Sequence[Site],
               settings: PlanSettings) -> list[FleetJob]:
    """The fleet queue: the built-in one, or the [joint] jobs file (relative to the fleet file)."""
    from greendc.optimizer.fleet import inputs as fi

    if fleet.joint.jobs == "builtin":
        return fi.builtin_fleet_queue(sites, plan_date, n_jobs=fleet.joint.n_jobs, seed=fleet.joint.seed,
                                      horizon_h=settings.horizon_h)
    return fi.read_fleet_queue(path.resolve().parent / fleet.joint.jobs, sites[0].site.timezone)


def build_problem(fleet: Fleet, path: Path, plan_date: date,
                  say: Callable[[str], None]) -> tuple[FleetProblem, PlanSettings]:
    """The FleetProblem of a joint fleet file for a date, and the hubs' day settings."""
    from greendc.optimizer.fleet import inputs as fi

    settings = settings_of(fleet)
    sites = hub_sites(fleet, path)
    say(f"{len(sites)} hubs; site profiles for {plan_date.isoformat()}")
    net = fleet_network(fleet, path, sites)
    demands = fleet_demands(fleet, path, net, sites)
    jobs = fleet_jobs(fleet, path, plan_date, sites, settings)
    problem = fi.make_problem(sites, plan_date, jobs, settings, network=net, demands=demands)
    return problem, settings


def solve_fleet(fleet: Fleet, problem: FleetProblem, settings: PlanSettings, say: Callable[[str], None],
                workers: int | None = None) -> FleetResult:
    """The joint plan and its comparisons, the hub MILPs on Dask (local processes or the scheduler)."""
    from greendc.cluster import dask_client
    from greendc.optimizer.fleet.solve import plan_fleet

    n_workers = workers or fleet.fleet.workers
    kwargs: dict[str, Any] = {"progress": say, "hub_settings": settings, "candidates": fleet.joint.candidates,
              "lp_time_limit_s": fleet.joint.lp_time_limit_s}
    if n_workers == 1 and not fleet.fleet.scheduler:  # one process: no cluster to start
        return plan_fleet(problem, **kwargs)
    with dask_client(n_workers, 3 * len(problem.hubs), fleet.fleet.scheduler) as client:
        def mapper(fn: Any, items: Any) -> list[Any]:
            return client.gather(client.map(fn, list(items), pure=False))

        return plan_fleet(problem, mapper=mapper, **kwargs)


def run_fleet_plan(fleet_path: Path, plan_date: date | None, out: Path | None, *,
                   say: Callable[[str], None] = print,
                   workers: int | None = None) -> tuple[Path, dict[str, Any]]:
    """Plan the fleet jointly; write the fleet plan folder; return it and fleet.json's content.

    Without ``out`` the folder is published as ``<data>/fleet/<name>/<date>`` (versions and pointers, as
    the nightly's: optimizer/io/publish.py), so a reader never sees half of it.
    """
    fleet = load_fleet(fleet_path)
    day = plan_date or date.today()
    start = time.perf_counter()
    problem, settings = build_problem(fleet, fleet_path, day, say)
    result = solve_fleet(fleet, problem, settings, say, workers)
    result.timings["wall_s"] = time.perf_counter() - start
    if out is not None:
        return out, write_plan(out, result, fleet, say)
    target = fleet_folder(fleet, fleet_path)
    staged = publish.staging_dir(target, f"plan-{os.getpid()}")
    summary = write_plan(staged / "plan", result, fleet, say, published_at=target / day.isoformat())
    publish.publish_version(staged / "plan", target, day.isoformat())
    shutil.rmtree(staged, ignore_errors=True)
    with contextlib.suppress(OSError):  # another run's staging may still be there
        staged.parent.rmdir()
    return target / day.isoformat(), summary


def fleet_folder(fleet: Fleet, fleet_path: Path) -> Path:
    """Where a fleet's plans are published: ``<data>/fleet/<name>/`` (``<date>`` and ``latest`` pointers)."""
    return output_root(fleet, fleet_path) / "fleet" / fleet.fleet.name


def write_plan(folder: Path, result: FleetResult, fleet: Fleet, say: Callable[[str], None], *,
               nightly: bool = False, published_at: Path | None = None,
               hub_plans: Path | None = None) -> dict[str, Any]:
    """Check the fleet plan independently and write its folder; fleet.json's content.

    ``nightly``: each hub folder also gets setpoints.csv (for the BMS), as the nightly's plans do, and
    fleet.json leaves out run times (equal inputs, equal bytes). The reports load plotly.js from where
    they will be read (greendc.dashboard.report_assets): the fleet's from ``published_at`` (when ``folder``
    is a staging folder), each hub's from ``<hub_plans>/<hub>/<date>`` (the nightly publishes them there)
    or else from the fleet folder's ``hubs/<hub>``; outside a data folder, from the fleet folder's own
    ``assets/`` (13 hub reports would otherwise inline 4.9 MB each).
    """
    from greendc.dashboard.report_assets import plotly_src, shared_plotly_src
    from greendc.optimizer.fleet.check import check_fleet_plan
    from greendc.optimizer.fleet.folder import fleet_summary, write_fleet_folder
    from greendc.optimizer.io.planfolder import ReportRenderer

    say("checking the fleet plan")
    facts = check_fleet_plan(result.problem, result.best)
    at, day = published_at or folder, result.problem.plan_date.isoformat()
    fleet_src = plotly_src(at, "fleet") or shared_plotly_src(folder, folder)  # --out elsewhere: its own

    def hub_report(hub: str) -> ReportRenderer:
        from greendc.dashboard.report_plan import plan_report_html

        if hub_plans is not None:  # the nightly publishes each hub as a plan
            src = plotly_src(hub_plans / hub / day, "plan")
        else:
            src = plotly_src(at / "hubs" / hub, "fleet_hub") or "../../" + fleet_src
        return lambda meta, steps, runs: plan_report_html(meta, steps, runs, plotly_src=src)

    def report(summary: dict[str, Any], written: Path) -> str:
        return fleet_report_html(summary, written, plotly_src=fleet_src)

    write_fleet_folder(folder, result, facts, hub_report=hub_report if fleet.joint.hub_reports else None,
                       fleet_report=report, exports=nightly, run_times=not nightly)
    return fleet_summary(result, facts, run_times=not nightly)


def fleet_report_html(summary: dict[str, Any], folder: Path, *, plotly_src: str | None = None) -> str:
    """The fleet report: comparisons, flows between hubs, each hub's load; plotly.js from ``plotly_src``
    (relative, the data folder's shared file: report_assets), else inlined once."""
    import pandas as pd
    import plotly.graph_objects as go

    from greendc.dashboard.report_assets import script_tag

    comp = summary["comparisons"]
    names = list(comp)
    esc = html.escape
    figs = []
    fig = go.Figure()
    for key, label in (("cost", "cost"), ("baseline_cost", "same assignment, today's practice at each hub")):
        fig.add_bar(name=label, x=names, y=[comp[n][key] for n in names])
    fig.update_layout(title="Fleet cost by plan (currency)", barmode="group", height=380)
    figs.append(fig)
    fig = go.Figure(go.Bar(x=names, y=[comp[n]["carbon_kg"] / 1000 for n in names]))
    fig.update_layout(title="Fleet emissions by plan (tCO2)", height=320)
    figs.append(fig)
    transfers = pd.read_csv(folder / "transfers.csv")
    if len(transfers):
        flows = transfers.groupby(["from_hub", "to_hub"], as_index=False)["gb"].sum()
        hubs = sorted(set(flows["from_hub"]) | set(flows["to_hub"]))
        idx = {h: i for i, h in enumerate(hubs)}
        link = {"source": [idx[a] for a in flows["from_hub"]], "target": [idx[b] for b in flows["to_hub"]],
                "value": list(flows["gb"])}
        fig = go.Figure(go.Sankey(node={"label": hubs}, link=link))
        fig.update_layout(title="Data moved between hubs (GB)", height=420)
        figs.append(fig)
    load = []
    for hub in summary["hubs"]:
        steps = pd.read_csv(folder / "hubs" / hub / "steps.csv", usecols=["time", "it_kw"])
        load.append(go.Scatter(x=steps["time"], y=steps["it_kw"], name=hub, mode="lines"))
    fig = go.Figure(load)
    fig.update_layout(title="IT load per hub (kW)", height=420)
    figs.append(fig)
    rows = "".join(
        f"<tr><td>{esc(n)}</td><td>{comp[n]['cost']:,.0f}</td><td>{comp[n]['carbon_kg'] / 1000:,.1f}</td>"
        f"<td>{comp[n]['energy_kwh'] / 1000:,.1f}</td><td>{comp[n]['transfer_gb']:,.0f}</td>"
        f"<td>{comp[n]['moved_jobs']:.0f}</td><td>{comp[n]['lateness_penalty']:,.0f}</td>"
        f"<td>{comp[n]['latency_violations']:.0f}</td></tr>" for n in names)
    heads = ("plan", "cost", "tCO2", "MWh", "GB moved", "jobs moved", "lateness penalty",
             "latency violations")
    table = f"<table><tr>{''.join(f'<th>{h}</th>' for h in heads)}</tr>{rows}</table>"
    plots = "".join(f.to_html(full_html=False, include_plotlyjs=i == 0 and plotly_src is None,
                              div_id=f"fleet-figure-{i}") for i, f in enumerate(figs))
    checks = "".join(f"<li>{esc(c)}</li>" for c in summary["checks"])
    style = "body{font-family:sans-serif;margin:2em}td,th{padding:2px 8px;text-align:right}"
    gap = f"proven gap {100 * summary['gap']:.2f} %"
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>greendc fleet plan</title>"
            f"<style>{style}</style>{script_tag(plotly_src) if plotly_src is not None else ''}</head>"
            f"<body><h1>greendc fleet plan, {esc(summary['plan_date'])}</h1>"
            f"<p>{len(summary['hubs'])} hubs, {summary['jobs']} jobs, {summary['steps']} steps. Chosen plan: "
            f"<b>{esc(summary['chosen'])}</b>, objective {summary['objective']:,.0f}; lower bound "
            f"{summary['bound']:,.0f} ({esc(summary['bound_method'])}); {gap}.</p>"
            f"<h2>Comparisons</h2>{table}{plots}<h2>Independent check</h2><ul>{checks}</ul></body></html>\n")
