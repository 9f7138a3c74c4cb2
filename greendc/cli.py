"""The `greendc` command line: one Typer app, one sub-module per command group.

The app is built once, when this module is imported; ``main`` only runs it, so calling ``main``
many times in one process (tests, a notebook) never registers a command twice. Every way a command
line can be wrong (an unknown option or command, a missing or badly typed value, bad input in a
file) ends as one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import sys
from importlib import metadata
from typing import Annotated

import typer

from greendc.commands import compare as compare_cmd
from greendc.commands import dashboard as dashboard_cmd
from greendc.commands import fleet as fleet_cmd
from greendc.commands import nightly as nightly_cmd
from greendc.commands import plan as plan_cmd
from greendc.commands import runs as runs_cmd
from greendc.commands import sites as sites_cmd
from greendc.commands import weather as weather_cmd
from greendc.weather.errors import InputError

PROG = "greendc"
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def version() -> str:
    """The installed distribution's version (the package's own when run from a source tree)."""
    try:
        return metadata.version(PROG)
    except metadata.PackageNotFoundError:
        import greendc

        return greendc.__version__


def _print_version(value: bool) -> None:
    """Eager --version: print and stop before any command is looked at."""
    if value:
        typer.echo(f"{PROG} {version()}")
        raise typer.Exit(0)


def _root(
    show_version: Annotated[
        bool, typer.Option("--version", is_eager=True, callback=_print_version, help="Print the version.")
    ] = False,
) -> None:
    """Plan deferrable AI training and cooling for cheaper, cleaner data-centre power."""


def build_app() -> typer.Typer:
    """The Typer app with every command group attached, each from its module under greendc/commands/.

    Plain (not rich) help: Typer's rich help prints a type such as ``<bool>`` after every flag.
    """
    app = typer.Typer(name=PROG, no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                      rich_markup_mode=None)
    app.callback()(_root)
    app.add_typer(sites_cmd.app, name="sites")
    app.add_typer(fleet_cmd.app, name="fleet")
    app.command("dashboard")(dashboard_cmd.dashboard)
    app.add_typer(weather_cmd.app, name="weather")
    app.command("runs")(runs_cmd.runs)
    app.command("nightly")(nightly_cmd.nightly)
    app.command("plan")(plan_cmd.plan)
    app.command("compare")(compare_cmd.compare)
    return app


app = build_app()


def _class_names(exc: BaseException) -> set[str]:
    """Names of an exception's classes: Typer raises its bundled click's or click's own, by version."""
    return {cls.__name__ for cls in type(exc).__mro__}


def _one_line(text: str) -> str:
    """Text on one line, whitespace collapsed."""
    return " ".join(str(text).split())


def command_line_error(exc: BaseException) -> int | None:
    """Report an exception of the command-line layer and return the exit code; None for anything else.

    Matched by class name, so it works whichever click (Typer's bundled copy, or click itself)
    raised it: Exit carries its code, Abort is an interruption, NoArgsIsHelpError prints the help on
    stdout, any UsageError / ClickException becomes one line naming the command's --help.
    """
    names = _class_names(exc)
    if "Exit" in names:
        return int(getattr(exc, "exit_code", 0) or 0)
    if "Abort" in names:
        typer.echo("aborted", err=True)
        return EXIT_INTERRUPTED
    if "NoArgsIsHelpError" in names:
        ctx = getattr(exc, "ctx", None)
        typer.echo(ctx.get_help() if ctx is not None else str(exc))
        return EXIT_USAGE
    if "ClickException" not in names:
        return None
    message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
    ctx = getattr(exc, "ctx", None)
    hint = f" (see `{ctx.command_path} --help`)" if ctx is not None and "UsageError" in names else ""
    typer.echo(f"error: {_one_line(message)}{hint}", err=True)
    return EXIT_USAGE if "UsageError" in names else int(getattr(exc, "exit_code", 1))


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app; bad input and usage errors become one line on stderr and exit code 2."""
    try:
        result = app(args=argv, prog_name=PROG, standalone_mode=False)
    except InputError as exc:
        typer.echo(f"error: {exc}", err=True)
        return EXIT_USAGE
    except KeyboardInterrupt:
        typer.echo("aborted", err=True)
        return EXIT_INTERRUPTED
    except Exception as exc:
        code = command_line_error(exc)
        if code is None:
            raise  # a bug: keep its traceback
        return code
    return result if isinstance(result, int) else 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    run()
