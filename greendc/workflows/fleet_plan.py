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

import html
import time
import tomllib
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from greendc.fleet import FleetSection, SiteEntry, SiteInputs, output_root
from greendc.sites.loader import validation_to_input_error
from greendc.weather.errors import InputError


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class JointSection(_Model):
    """The [joint] table: the fleet queue, the network and the inference demand."""

    jobs: str = "builtin"
    """'builtin' (the built-in fleet queue) or a CSV/JSON queue with the fleet columns. [-]"""
    n_jobs: int = Field(default=2000, ge=1, le=100_000)
    """Jobs in the built-in fleet queue. [-]"""
    seed: int = 0
    """Seed of the built-in fleet queue. [-]"""
    price_per_gb: float = Field(default=0.05, ge=0, le=100)
    """Transfer price on the built-in links (an estimate). [currency/GB]"""
    bandwidth_gbps: float = Field(default=100.0, gt=0, le=100_000)
    """Bandwidth of the built-in links, each direction. [Gbit/s]"""
    inference_peak_kw: float = Field(default=1500.0, ge=0, le=1_000_000)
    """Peak inference load of each built-in demand region. [kW]"""
    inference_latency_ms: float = Field(default=10.0, gt=0, le=1000)
    """Latency limit of the built-in regions' inference. [ms]"""
    lp_time_limit_s: float = Field(default=300.0, gt=0, le=7200)
    """Time limit of the joint LP (the bound). [s]"""
    candidates: list[str] = Field(default_factory=lambda: ["independent", "greedy", "joint"])
    """Plans compared; the fleet plan is the cheapest. [-]"""
    hub_reports: bool = False
    """Write each hub folder's report.html (plotly inlined in each: about 4 MB a hub). [-]"""


class LinkEntry(_Model):
    """A [[link]]: replaces (or adds) the link between hubs a and b."""

    a: str
    b: str
    bandwidth_gbps: float = Field(gt=0, le=100_000)
    latency_ms: float = Field(ge=0, le=1000)
    price_per_gb: float = Field(ge=0, le=100)
    source: str = ""
    estimate: bool = True


class RegionEntry(_Model):
    """A [[region]]: inference demand of a region (one of the built-in regions' ids)."""

    id: str
    kw: list[float] = Field(min_length=24, max_length=24)
    """24 hourly values from local midnight. [kW]"""
    latency_ms: float = Field(gt=0, le=1000)


class JointFleet(_Model):
    """A joint fleet file."""

    fleet: FleetSection = FleetSection()
    defaults: SiteInputs = SiteInputs()
    site: list[SiteEntry] = Field(min_length=1)
    joint: JointSection = JointSection()
    link: list[LinkEntry] = Field(default_factory=list)
    region: list[RegionEntry] = Field(default_factory=list)


def load_joint_fleet(path: Path) -> JointFleet:
    """Read and validate a joint fleet file (one InputError naming the file and key)."""
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("fleet file not found", file=path) from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"cannot read the fleet file: {exc}", file=path) from None
    try:
        return JointFleet.model_validate(raw)
    except ValidationError as exc:
        error = validation_to_input_error(exc, path, root=JointFleet)
        raise InputError(error.message, file=path, key=error.key) from None


def build_problem(fleet: JointFleet, path: Path, plan_date: date, say: Callable[[str], None]) -> Any:
    """The FleetProblem of a joint fleet file for a date."""
    from greendc.optimizer.day.inputs import read_site
    from greendc.optimizer.fleet import inputs as fi
    from greendc.optimizer.fleet.network import Link, Network
    from greendc.optimizer.types import PlanSettings

    base = path.resolve().parent
    d = fleet.defaults
    settings = PlanSettings(step_minutes=d.step_minutes or 15, horizon_h=d.horizon_h or 24.0,
                            carbon_price_per_t=d.carbon_price_per_t or 0.0, time_limit_s=d.time_limit_s or 20.0,
                            rel_gap=d.rel_gap or 1e-3)
    sites = []
    for entry in fleet.site:
        ref = entry.id if entry.id is not None else str((base / str(entry.file)).resolve())
        sites.append(read_site(ref)[0])
    say(f"{len(sites)} hubs; site profiles for {plan_date.isoformat()}")
    net = fi.builtin_network(sites, bandwidth_gbps=fleet.joint.bandwidth_gbps, price_per_gb=fleet.joint.price_per_gb)
    if fleet.link:
        links = {frozenset((lk.a, lk.b)): lk for lk in net.links}
        ids = {s.site.id for s in sites}
        for n, e in enumerate(fleet.link, start=1):
            if e.a not in ids or e.b not in ids or e.a == e.b:
                raise InputError(f"link between {e.a!r} and {e.b!r}: both must be hubs of the fleet, and differ",
                                 file=path, key=f"link[{n}]")
            links[frozenset((e.a, e.b))] = Link(e.a, e.b, e.bandwidth_gbps, e.latency_ms, e.price_per_gb,
                                                e.source, e.estimate)
        net = Network(tuple(links.values()), net.regions, net.region_latency_ms)
    if fleet.region:
        known = {r.id for r in net.regions}
        for n, r in enumerate(fleet.region, start=1):
            if r.id not in known:
                raise InputError(f"unknown region {r.id!r}; built-in regions are {', '.join(sorted(known))}",
                                 file=path, key=f"region[{n}].id")
        demands = tuple(fi.InferenceDemand(r.id, tuple(r.kw), r.latency_ms) for r in fleet.region)
    else:
        lim = fleet.joint.inference_latency_ms
        reach = [r.id for r in net.regions
                 if any(net.latency(r.id, s.site.id) <= lim for s in sites)]  # regions this fleet can serve
        demands = fi.builtin_demands(fleet.joint.inference_peak_kw, lim, regions=reach)
    if fleet.joint.jobs == "builtin":
        jobs = fi.builtin_fleet_queue(sites, plan_date, n_jobs=fleet.joint.n_jobs, seed=fleet.joint.seed,
                                      horizon_h=settings.horizon_h)
    else:
        jobs = fi.read_fleet_queue(base / fleet.joint.jobs, sites[0].site.timezone)
    problem = fi.make_problem(sites, plan_date, jobs, settings, network=net, demands=demands)
    return problem, replace(settings)


def run_fleet_plan(fleet_path: Path, plan_date: date | None, out: Path | None, *,
                   say: Callable[[str], None] = print, workers: int | None = None) -> tuple[Path, dict[str, Any]]:
    """Plan the fleet jointly; write the fleet plan folder; return it and fleet.json's content."""
    from greendc.cluster import dask_client
    from greendc.optimizer.fleet.check import check_fleet_plan
    from greendc.optimizer.fleet.folder import fleet_summary, write_fleet_folder
    from greendc.optimizer.fleet.solve import plan_fleet

    fleet = load_joint_fleet(fleet_path)
    day = plan_date or date.today()
    start = time.perf_counter()
    problem, settings = build_problem(fleet, fleet_path, day, say)
    folder = out or (output_root(fleet, fleet_path) / "fleet" / fleet.fleet.name / day.isoformat())  # type: ignore[arg-type]
    n_workers = workers or fleet.fleet.workers
    with dask_client(n_workers, 3 * len(problem.hubs), fleet.fleet.scheduler) as client:
        def mapper(fn: Any, items: Any) -> list[Any]:
            return client.gather(client.map(fn, list(items), pure=False))

        result = plan_fleet(problem, mapper=mapper, progress=say, hub_settings=settings,
                            candidates=fleet.joint.candidates, lp_time_limit_s=fleet.joint.lp_time_limit_s)
    result.timings["wall_s"] = time.perf_counter() - start
    say("checking the fleet plan")
    facts = check_fleet_plan(problem, result.best)
    render = None
    if fleet.joint.hub_reports:
        from greendc.dashboard.report_plan import plan_report_html

        render = plan_report_html
    write_fleet_folder(folder, result, facts, render_report=render, fleet_report=fleet_report_html)
    return folder, fleet_summary(result, facts)


def fleet_report_html(summary: dict[str, Any], folder: Path) -> str:
    """The fleet report: comparisons, flows between hubs, each hub's load (plotly, inlined once)."""
    import pandas as pd
    import plotly.graph_objects as go

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
        fig = go.Figure(go.Sankey(node={"label": hubs},
                                  link={"source": [idx[a] for a in flows["from_hub"]],
                                        "target": [idx[b] for b in flows["to_hub"]], "value": list(flows["gb"])}))
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
    table = ("<table><tr><th>plan</th><th>cost</th><th>tCO2</th><th>MWh</th><th>GB moved</th><th>jobs moved</th>"
             f"<th>lateness penalty</th><th>latency violations</th></tr>{rows}</table>")
    plots = "".join(f.to_html(full_html=False, include_plotlyjs=i == 0, div_id=f"fleet-figure-{i}")
                    for i, f in enumerate(figs))
    checks = "".join(f"<li>{esc(c)}</li>" for c in summary["checks"])
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>greendc fleet plan</title>"
            "<style>body{font-family:sans-serif;margin:2em}td,th{padding:2px 8px;text-align:right}</style></head>"
            f"<body><h1>greendc fleet plan, {esc(summary['plan_date'])}</h1>"
            f"<p>{len(summary['hubs'])} hubs, {summary['jobs']} jobs, {summary['steps']} steps. Chosen plan: "
            f"<b>{esc(summary['chosen'])}</b>, objective {summary['objective']:,.0f}; lower bound "
            f"{summary['bound']:,.0f} ({esc(summary['bound_method'])}); proven gap {100 * summary['gap']:.2f} %.</p>"
            f"<h2>Comparisons</h2>{table}{plots}<h2>Independent check</h2><ul>{checks}</ul></body></html>\n")
