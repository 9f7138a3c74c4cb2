"""The app factory: a multi-page Dash app over one data folder, with no state outside the app.

``create_app(data_dir)`` builds a fresh ``dash.Dash``; each page module registers itself and its
callbacks with ``register(app, data_dir)``, so the data folder reaches the callbacks as a closure
and never through a module global or from the browser. Long re-plans run as background callbacks
in a diskcache-backed manager whose cache lives in a private temporary folder, never in the data
folder (the dashboard only reads there).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import dash
from dash import Dash, dcc, html
from greendc.dashboard import ids, tables
from greendc.dashboard.pages import plan, runs, sites, whatif

#: Page modules in navigation order.
PAGES = (plan, whatif, sites, runs)


def background_manager(cache_dir: Path | None = None) -> dash.DiskcacheManager:
    """A diskcache background-callback manager in ``cache_dir`` (a fresh temporary folder by default)."""
    import diskcache

    folder = cache_dir if cache_dir is not None else Path(tempfile.mkdtemp(prefix="greendc-dash-"))
    return dash.DiskcacheManager(diskcache.Cache(str(folder)))


def shell() -> html.Div:
    """The frame around every page: title, navigation and the page container."""
    links = [
        dcc.Link(title, href=path, className="nav-link", id=f"nav-{path.strip('/') or 'plan'}")
        for title, path in (("Plan", "/plan"), ("What-if", "/whatif"), ("Sites", "/sites"), ("Runs", "/runs"))
    ]
    return html.Div(
        [
            html.Header(
                [html.Span("greendc", className="brand"), html.Nav(links, id=ids.NAV, className="nav")],
                className="topbar",
            ),
            html.Main(dash.page_container, id=ids.PAGE_CONTAINER, className="page"),
        ]
    )


def create_app(data_dir: Path | str, *, cache_dir: Path | None = None) -> Dash:
    """A Dash app serving the Plan, What-if, Sites and Runs pages for the plans under ``data_dir``."""
    root = Path(data_dir).resolve()
    app = Dash(
        __name__,
        use_pages=True,
        pages_folder="",
        serve_locally=True,
        title="greendc",
        suppress_callback_exceptions=True,
        background_callback_manager=background_manager(cache_dir),
    )
    for page in PAGES:
        page.register(app, root)
    tables.register(app)
    app.layout = shell()
    return app
