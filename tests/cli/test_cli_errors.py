"""Usage errors of the command line: one line on stderr, exit code 2, never a traceback (issue 13)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import typer
from locations import DATA

from greendc import cli
from greendc.cli import main

SCRIPT = Path(sys.executable).with_name("greendc")
SITE = str(DATA / "sites" / "good.toml")
#: Command lines that are wrong before any work starts, and a word their one line must contain.
USAGE_ERRORS = [
    (["plan", "--bogus"], "--bogus"),
    (["plan"], "--site"),
    (["plan", "--site", SITE, "--step-min", "abc"], "--step-min"),
    (["dashboard", "--port", "99999"], "--port"),
    (["plann"], "plann"),
    (["runs", "--last", "0"], "--last"),
]


def _command_names() -> list[str]:
    """The commands the app's click group holds right now."""
    group = typer.main.get_command(cli.app)
    return sorted(group.commands)  # type: ignore[attr-defined]


def test_main_twice_registers_each_command_once(capsys: pytest.CaptureFixture[str]) -> None:
    """main() builds nothing: the same seven commands before and after two calls."""
    before = _command_names()
    assert main(["--help"]) == 0
    assert main(["--help"]) == 0
    assert _command_names() == before
    assert before == ["compare", "dashboard", "fleet", "nightly", "plan", "runs", "sites", "weather"]
    assert len(cli.app.registered_commands) + len(cli.app.registered_groups) == 8
    assert capsys.readouterr().out.count("Usage: greendc") == 2


@pytest.mark.parametrize(("argv", "word"), USAGE_ERRORS, ids=[" ".join(a[:2]) for a, _ in USAGE_ERRORS])
def test_usage_error_is_one_line_and_exit_2(argv: list[str], word: str,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert err.startswith("error: ") and word in err


def test_no_arguments_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    printed = capsys.readouterr()
    assert "Usage: greendc" in printed.out and "plan" in printed.out and printed.err == ""


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"greendc {cli.version()}"


def test_help_shows_no_type_after_flags(capsys: pytest.CaptureFixture[str]) -> None:
    """Flags take no value, so help names no type for them (Typer's rich help printed <bool>)."""
    for argv in (["--help"], ["plan", "--help"], ["nightly", "--help"], ["runs", "--help"]):
        assert main(argv) == 0
    assert "<bool>" not in capsys.readouterr().out


def _script(*argv: str) -> subprocess.CompletedProcess[str]:
    """The installed console script, as cron or a user runs it."""
    return subprocess.run([str(SCRIPT), *argv], capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.skipif(not SCRIPT.exists(), reason="the greendc console script is not installed")
def test_installed_script_usage_errors_have_no_traceback() -> None:
    for argv, word in [*USAGE_ERRORS, (["--version"], ""), ([], "")]:
        done = _script(*argv)
        assert "Traceback" not in done.stderr, argv
        assert len(done.stderr.strip().splitlines()) <= 2, (argv, done.stderr)
        if argv == ["--version"]:
            assert done.returncode == 0 and done.stdout.startswith("greendc ")
        elif not argv:
            assert done.returncode == 2 and "Usage: greendc" in done.stdout
        else:
            assert done.returncode == 2 and word in done.stderr, (argv, done.stderr)
