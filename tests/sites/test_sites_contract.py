"""The site-file contract: frozen models that forbid unknown keys, a unit on every field, the docs in step."""

from __future__ import annotations

import re
import tomllib

import pytest
from greendc.sites.model import SECTIONS, Site, SizingLimits
from greendc.sites.schema import Provenance
from greendc.sites.tariffs import TariffPeriod
from locations import ROOT
from pydantic import BaseModel, ValidationError

#: Every table of a site file and its model (docs/file-formats.md has one key table per entry).
TABLES: dict[str, type[BaseModel]] = {**SECTIONS, "sizing": SizingLimits, "grid.tariff": TariffPeriod,
                                      "provenance": Provenance}
MODELS = [Site, *TABLES.values()]
#: A field docstring ends with its unit in square brackets, as pvlib does ('-' for none).
UNIT_AT_END = re.compile(r"\[([^\]]+)\]$")


def _unit(model: type[BaseModel], name: str) -> str | None:
    """The unit at the end of a field's docstring, or None when the docstring has none."""
    match = UNIT_AT_END.search((model.model_fields[name].description or "").strip())
    return match.group(1) if match else None


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_model_is_frozen_forbids_extras_and_gives_each_field_a_unit(model: type[BaseModel]) -> None:
    assert model.model_config.get("frozen") is True
    assert model.model_config.get("extra") == "forbid"
    missing = [name for name in model.model_fields if _unit(model, name) is None]
    assert not missing, f"{model.__name__}: fields without a '[unit]' docstring: {missing}"
    assert model.__doc__ and model.__doc__.strip()


def test_a_loaded_site_cannot_be_changed_and_unknown_keys_are_refused() -> None:
    from greendc.sites import load_site

    site = load_site("zhongwei")
    with pytest.raises(ValidationError, match="frozen"):
        site.site.latitude = 10.0  # type: ignore[misc]
    with pytest.raises(ValidationError, match="frozen"):
        site.grid.tariff[0].price_per_kwh = 0.0  # type: ignore[misc]
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        TariffPeriod.model_validate({"name": "x", "price_per_kwh": 0.1, "windows": ["00:00-24:00"], "vat": 1})


def _doc_tables(text: str) -> dict[str, list[tuple[str, str]]]:
    """(key, unit) rows of each '#### `[table]`' key table of docs/file-formats.md's site-file section."""
    section = text[text.index("## Site file"):text.index("## Weather files")]
    tables: dict[str, list[tuple[str, str]]] = {}
    current = None
    for line in section.splitlines():
        header = re.match(r"#### `\[\[?([a-z_.]+)\]\]?`", line)
        if header:
            current = header.group(1)
            tables[current] = []
        row = re.match(r"\| `([a-z_0-9]+)` \| ([^|]+) \|", line)
        if current is not None and row:
            tables[current].append((row.group(1), row.group(2).strip()))
    return tables


def test_file_formats_doc_lists_every_key_with_its_unit() -> None:
    tables = _doc_tables((ROOT / "docs" / "file-formats.md").read_text())
    assert set(tables) == set(TABLES)
    for table, model in TABLES.items():
        documented = dict(tables[table])
        assert list(documented) == list(model.model_fields), table
        for name, unit in documented.items():
            assert unit == _unit(model, name), f"{table}.{name}: docs say {unit!r}"


def test_every_package_is_typed_and_ships_its_marker() -> None:
    for package in ("sites", "weather", "optimizer", "dashboard", "greendc"):
        assert (ROOT / package / "py.typed").is_file(), package
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "py.typed" in project["tool"]["setuptools"]["package-data"]["*"]
    assert "catalogue/*.toml" in project["tool"]["setuptools"]["package-data"]["*"]
    assert project["project"]["scripts"]["greendc"] == "greendc.cli:run"
    assert project["project"]["requires-python"] == ">=3.11"
