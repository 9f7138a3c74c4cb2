"""The network between hubs and demand regions: links (bandwidth, latency, price per GB) with sources.

A link joins two hubs (full duplex: its bandwidth is available in each direction); a demand region
reaches a hub with a latency. Each figure carries a source or is flagged an estimate. The built-in
China network joins every pair of the 13 catalogue hubs of ``examples/fleet.toml`` and four eastern
demand regions, from the published figures of the national integrated computing network
(docs/sources.md, "Fleet network"):

* 1 ms within a city and 5 ms within a province (the "1-5-20 ms" latency circles of the MIIT
  computing-network action plan, 2023);
* about 10 ms from Wuhan to the eight hub nodes (Wuhan computing-network latency figures);
* Qinghai to Beijing, 1,600 km, under 15 ms at 100 Gbps (China Mobile / the national network).

Between those anchors a latency is estimated from the great-circle distance: 1 ms of switching plus
the fibre route (1.5 x the great-circle distance, light in fibre at 200 km per ms), which gives
13 ms for 1,600 km and 9-10 ms from Wuhan to the western hubs: both inside the published figures.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

#: Light in optical fibre: about 2/3 of c, 200 km per ms. [km/ms]
FIBRE_KM_PER_MS = 200.0
#: Fibre route length over the great-circle distance (a typical terrestrial route factor). [-]
ROUTE_FACTOR = 1.5
#: Switching and routing latency added to the fibre time. [ms]
SWITCHING_MS = 1.0
#: Within a city (published: 1 ms). [ms]
CITY_MS = 1.0
#: Within a province (published: 5 ms). [ms]
PROVINCE_MS = 5.0
#: Distance under which two places count as the same city. [km]
CITY_KM = 60.0
#: Bandwidth of a hub-to-hub link (published: 100 Gbps Qinghai-Beijing; the same assumed elsewhere). [Gbps]
DEFAULT_BANDWIDTH_GBPS = 100.0
#: Price of moving one GB between hubs (an estimate: no published tariff for the national network). [CNY/GB]
DEFAULT_PRICE_PER_GB = 0.05
SOURCE_PUBLISHED = ("national integrated computing network: 1 ms in a city, 5 ms in a province, "
                    "~10 ms Wuhan to the eight hubs, Qinghai-Beijing 1,600 km < 15 ms at 100 Gbps "
                    "(docs/sources.md, Fleet network)")


@dataclass(frozen=True)
class Link:
    """A link between two hubs, full duplex: ``bandwidth_gbps`` in each direction."""

    a: str
    b: str
    bandwidth_gbps: float
    """Capacity in each direction. [Gbit/s]"""
    latency_ms: float
    """One-way latency. [ms]"""
    price_per_gb: float
    """Transfer price. [currency/GB]"""
    source: str = ""
    """Where the figures come from. [-]"""
    estimate: bool = True
    """True when a figure is estimated rather than published. [-]"""

    @property
    def name(self) -> str:
        """``a~b``, the link's label in transfers.csv. [-]"""
        return f"{self.a}~{self.b}"

    def gb_per_s(self) -> float:
        """Capacity in GB per second. [GB/s]"""
        return self.bandwidth_gbps / 8.0


@dataclass(frozen=True)
class Region:
    """A demand region (users of inference), reached from hubs with a latency."""

    id: str
    name: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Network:
    """Links between hubs and the latency from each demand region to each hub."""

    links: tuple[Link, ...]
    regions: tuple[Region, ...] = ()
    region_latency_ms: Mapping[tuple[str, str], float] = field(default_factory=dict)
    """(region id, hub id) -> one-way latency. [ms]"""

    def link(self, a: str, b: str) -> Link | None:
        """The link joining hubs a and b (either order), or None."""
        for link in self.links:
            if {link.a, link.b} == {a, b}:
                return link
        return None

    def link_index(self) -> dict[frozenset[str], Link]:
        """Links by their pair of hubs. [-]"""
        return {frozenset((lk.a, lk.b)): lk for lk in self.links}

    def latency(self, region: str, hub: str) -> float:
        """Latency from a region to a hub (inf when unknown). [ms]"""
        return float(self.region_latency_ms.get((region, hub), math.inf))


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance on a sphere of radius 6,371 km. [km]"""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


def estimated_latency_ms(distance_km: float, same_province: bool = False) -> float:
    """One-way latency: 1 ms in a city, 5 ms in a province, else 1 ms + fibre over 1.5 x the distance. [ms]"""
    if distance_km <= CITY_KM:
        return CITY_MS
    fibre = SWITCHING_MS + ROUTE_FACTOR * distance_km / FIBRE_KM_PER_MS
    return min(PROVINCE_MS, fibre) if same_province else fibre


@dataclass(frozen=True)
class Place:
    """A hub or region location for the built-in network. [-]"""

    id: str
    latitude: float
    longitude: float
    province: str = ""


#: Eastern demand regions of the "East Data, West Computing" programme (city centres).
CHINA_REGIONS: tuple[Region, ...] = (
    Region("jingjinji", "Beijing-Tianjin-Hebei", 39.9, 116.4),
    Region("yangtze-delta", "Yangtze River Delta (Shanghai)", 31.2, 121.5),
    Region("greater-bay", "Guangdong-Hong Kong-Macao Greater Bay Area (Shenzhen)", 22.5, 114.1),
    Region("chengyu", "Chengdu-Chongqing", 30.6, 104.1),
)
#: The province of each region's centre (for the 5 ms rule).
REGION_PROVINCE = {"jingjinji": "Beijing", "yangtze-delta": "Shanghai", "greater-bay": "Guangdong",
                   "chengyu": "Sichuan"}


def china_network(hubs: Sequence[Place], *, bandwidth_gbps: float = DEFAULT_BANDWIDTH_GBPS,
                  price_per_gb: float = DEFAULT_PRICE_PER_GB,
                  regions: Iterable[Region] = CHINA_REGIONS) -> Network:
    """The built-in network: a link for every pair of hubs, latency from every region to every hub.

    Latencies are estimated from distance (``estimated_latency_ms``), calibrated on the published
    figures; bandwidth is the published 100 Gbps; the price is an estimate. All flagged ``estimate``.
    """
    links = []
    for i, a in enumerate(hubs):
        for b in hubs[i + 1:]:
            km = great_circle_km(a.latitude, a.longitude, b.latitude, b.longitude)
            same = bool(a.province) and a.province == b.province
            links.append(Link(a.id, b.id, bandwidth_gbps, round(estimated_latency_ms(km, same), 2),
                              price_per_gb, f"{SOURCE_PUBLISHED}; {km:,.0f} km great-circle", True))
    region_list = tuple(regions)
    lat: dict[tuple[str, str], float] = {}
    for region in region_list:
        for hub in hubs:
            km = great_circle_km(region.latitude, region.longitude, hub.latitude, hub.longitude)
            same = REGION_PROVINCE.get(region.id, "") == hub.province and bool(hub.province)
            lat[(region.id, hub.id)] = round(estimated_latency_ms(km, same), 2)
    return Network(tuple(links), region_list, lat)
