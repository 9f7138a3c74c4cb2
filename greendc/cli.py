"""The `greendc` command line: one Typer app, one sub-module per command group."""

from __future__ import annotations

import sys

import typer

from greendc.weather.errors import InputError

app = typer.Typer(
    name="greendc",
    help="Plan deferrable AI training and cooling for cheaper, cleaner data-centre power.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register() -> None:
    """Attach the command groups; each lives in its own module under greendc/commands/."""
    from greendc.commands import sites as sites_cmd

    app.add_typer(sites_cmd.app, name="sites")
    from greendc.commands import dashboard as dashboard_cmd

    app.command("dashboard")(dashboard_cmd.dashboard)
    from greendc.commands import weather as weather_cmd

    app.add_typer(weather_cmd.app, name="weather")
    from greendc.commands import runs as runs_cmd

    app.command("runs")(runs_cmd.runs)
    from greendc.commands import nightly as nightly_cmd

    app.command("nightly")(nightly_cmd.nightly)
    from greendc.commands import plan as plan_cmd

    app.command("plan")(plan_cmd.plan)
    from greendc.commands import compare as compare_cmd

    app.command("compare")(compare_cmd.compare)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app, turning bad input into one line on stderr and exit code 2."""
    _register()
    try:
        result = app(args=argv, standalone_mode=False)
    except InputError as exc:
        typer.echo(f"error: {exc}", err=True)
        return 2
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except (typer.Abort, KeyboardInterrupt):
        typer.echo("aborted", err=True)
        return 130
    except Exception as exc:  # click usage errors carry their own exit code
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            return exc.exit_code
        raise
    return result if isinstance(result, int) else 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    run()
