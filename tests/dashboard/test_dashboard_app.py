"""The app factory, its routes and callbacks through Dash's own HTTP endpoint, and the CLI command."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from greendc.dashboard.app import create_app
from greendc.optimizer.io import history

from greendc.cli import main


def _post(client: Any, outputs: list[tuple[str, str]], inputs: list[tuple[str, str, Any]],
          state: list[tuple[str, str, Any]] | None = None) -> dict[str, Any]:
    """Call one callback as the browser does, through /_dash-update-component."""
    names = [f"{i}.{p}" for i, p in outputs]
    out = [{"id": i, "property": p} for i, p in outputs]
    body = {
        "output": names[0] if len(names) == 1 else ".." + "...".join(names) + "..",
        "outputs": out[0] if len(out) == 1 else out,
        "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
        "changedPropIds": [f"{inputs[0][0]}.{inputs[0][1]}"],
        "state": [{"id": i, "property": p, "value": v} for i, p, v in state or []],
    }
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code in (200, 204), response.data[:500]
    return json.loads(response.data) if response.status_code == 200 else {}


def _history(root: Path, sites: list[str]) -> Path:
    """A data folder whose history has one night per site, written by greendc.optimizer.io.history."""
    with history.connect(history.default_path(root)) as conn:
        history.start_run(conn, "r1", "fleet.toml", "d", "2026-11-28T22:00:00Z")
        for site in sites:
            history.record(conn, history.SiteRun(
                run_id="r1", site=site, plan_date="2026-11-29", status="optimal", wall_s=1.0,
                started_utc="2026-11-28T22:00:00Z", finished_utc="2026-11-28T22:00:01Z"))
    return root


def test_every_page_is_served(tmp_path: Path) -> None:
    app = create_app(tmp_path)
    client = app.server.test_client()
    for path in ("/", "/plan", "/whatif", "/sites", "/runs", "/plan?site=x&date=y"):
        assert client.get(path).status_code == 200
    assert client.get("/_dash-layout").status_code == 200
    assert app.config.serve_locally is True
    layout = client.get("/_dash-dependencies").get_json()
    background = [d for d in layout if d.get("background")]
    assert background, "the What-if re-plan must be a background callback"


def test_two_apps_keep_their_own_data_folder(tmp_path: Path) -> None:
    a = create_app(_history(tmp_path / "a", ["zhongwei"]))
    b = create_app(_history(tmp_path / "b", ["shenzhen", "tianfu"]))
    for app, n in ((a, 1), (b, 2)):
        answer = _post(app.server.test_client(), [("runs-body", "children")],
                       [("runs-site", "value", None), ("runs-last", "value", 50)])
        assert f"{n} of {n} nights" in json.dumps(answer)


def test_traversal_through_a_callback_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "data"
    root.mkdir()
    (tmp_path / "plan.json").write_text("{}")
    client = create_app(root).server.test_client()
    answer = json.dumps(_post(client, [("plan-body", "children")],
                              [("plan-site", "value", ".."), ("plan-date", "value", "..")]))
    assert "refused" in answer and "error-card" in answer
    download = _post(client, [("plan-download", "data")], [("plan-download-steps-btn", "n_clicks", 1),
                     ("plan-download-jobs-btn", "n_clicks", None)],
                     [("plan-site", "value", "../.."), ("plan-date", "value", "x")])
    assert "content" not in json.dumps(download)


def test_empty_folder_guides_to_a_first_plan(tmp_path: Path) -> None:
    client = create_app(tmp_path).server.test_client()
    answer = json.dumps(_post(client, [("plan-body", "children")],
                              [("plan-site", "value", None), ("plan-date", "value", None)]))
    assert "greendc plan --site" in answer


def test_cli_refuses_a_file_as_data_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    not_a_folder = tmp_path / "plan.json"
    not_a_folder.write_text("{}")
    assert main(["dashboard", "--data", str(not_a_folder)]) == 2
    err = capsys.readouterr().err
    assert "--data" in err and len(err.strip().splitlines()) == 1


def test_cli_binds_loopback_with_debug_off_by_default() -> None:
    import inspect

    from greendc.commands.dashboard import dashboard

    defaults = {name: p.default for name, p in inspect.signature(dashboard).parameters.items()}
    assert defaults["host"] == "127.0.0.1"
    assert defaults["port"] == 8050
    assert defaults["debug"] is False
