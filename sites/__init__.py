"""Sites: what a site is, the built-in catalogue, and its physics (cooling, grid signals, PV, wind)."""

from greendc.sites.loader import builtin_ids, load_site, parse_site
from greendc.sites.model import Site

__all__ = ["Site", "builtin_ids", "load_site", "parse_site"]
