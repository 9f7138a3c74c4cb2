"""`greendc dashboard`: serve the Dash app over a data folder on loopback, debug off."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from greendc.optimizer.io.publish import DEFAULT_DATA_DIR
from greendc.weather.errors import InputError


def check_data_dir(data_dir: Path) -> Path:
    """The resolved data folder; a path that exists but is not a folder is bad input."""
    if data_dir.exists() and not data_dir.is_dir():
        raise InputError("not a folder; give the data folder holding plans/, studies/ and runs.sqlite",
                         file=data_dir, key="--data")
    return data_dir.resolve()


def dashboard(
    data: Annotated[Path, typer.Option("--data", help="Data folder with plans/, studies/, runs.sqlite.")]
    = DEFAULT_DATA_DIR,
    host: Annotated[str, typer.Option("--host", help="Interface to bind; loopback unless you say so.")]
    = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="TCP port.")] = 8050,
    debug: Annotated[bool, typer.Option("--debug", help="Dash debug mode (dev tools); never in production.")]
    = False,
) -> None:
    """Serve the dashboard: Plan, What-if, Sites and Runs pages for the plans under --data."""
    from greendc.dashboard.app import create_app

    root = check_data_dir(data)
    app = create_app(root)
    typer.echo(f"greendc dashboard on http://{host}:{port}/ reading {root} (Ctrl+C to stop)")
    app.run(host=host, port=port, debug=debug, use_reloader=False, threaded=True)
