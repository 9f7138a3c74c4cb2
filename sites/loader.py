"""Loading site files: built-in ids and user paths go through the same TOML -> pydantic path."""

from __future__ import annotations

import re
import tomllib
import types
import typing
from functools import lru_cache
from pathlib import Path

from greendc.sites.model import Site
from greendc.weather.errors import InputError
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

CATALOGUE_DIR = Path(__file__).resolve().parent / "catalogue"


def builtin_ids() -> list[str]:
    """Ids of the built-in catalogue, in file-name order."""
    return sorted(p.stem for p in CATALOGUE_DIR.glob("*.toml"))


def resolve_site_path(id_or_path: str | Path) -> Path:
    """The site file for a built-in id or a path; raises InputError naming what is allowed."""
    text = str(id_or_path)
    candidate = CATALOGUE_DIR / f"{text}.toml"
    if "/" not in text and not text.endswith(".toml") and candidate.exists():
        return candidate
    path = Path(text)
    if path.is_file():
        return path
    raise InputError(
        f"no such site id or file; built-in ids are {', '.join(builtin_ids())}", file=text
    )


def load_site(id_or_path: str | Path) -> Site:
    """A validated Site from a built-in id or a TOML file path."""
    path = resolve_site_path(id_or_path)
    return _load_path(path.resolve(), path.stat().st_mtime_ns)


@lru_cache(maxsize=64)
def _load_path(path: Path, _mtime_ns: int) -> Site:
    """The Site in one file, cached by path and modification time (catalogue files are read often)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the site file ({exc.strerror or exc})", file=path) from None
    return anchor_files(parse_site(data, file=path), path.parent)


def anchor_files(site: Site, folder: Path) -> Site:
    """The site with a relative ``grid.emission_series_file`` made absolute from the site file's folder.

    A site file names its CSV relative to itself (docs/file-formats.md), wherever the user runs from.
    """
    series = site.grid.emission_series_file
    if series is None or Path(series).is_absolute():
        return site
    grid = site.grid.model_copy(update={"emission_series_file": str(folder / series)})
    return site.model_copy(update={"grid": grid})


def parse_site(data: bytes | str, *, file: str | Path = "<string>") -> Site:
    """Parse and validate TOML text of a site file; errors name the file and the key."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start}); a site file is TOML, which must be UTF-8",
                         file=file) from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"malformed TOML: {exc}", file=file, key=_key_at_error(text, str(exc))) from None
    except RecursionError:  # tomllib parses nested arrays and tables recursively
        line = _most_nested_line(text)
        key = _key_at_error(text, f"at line {line}")
        raise InputError(f"arrays or inline tables nested too deeply (line {line}); site-file values are "
                         "numbers, text or flat lists", file=file, key=key) from None
    try:
        return Site.model_validate(raw)
    except ValidationError as exc:
        raise validation_to_input_error(exc, file) from None


def validation_to_input_error(exc: ValidationError, file: str | Path,
                              root: type[BaseModel] = Site) -> InputError:
    """The most telling pydantic error as one InputError line: file, dotted key, what is allowed.

    ``root`` is the model that was validated (its keys are listed for unknown or missing keys); if
    the error came from another model the listing falls back to pointing at the docs.
    """
    errors = exc.errors()
    # A misspelt key shows up as unknown *and* as missing: name the misspelling first.
    error = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    key = ".".join(str(part) for part in error["loc"]) or "(top level)"
    kind = error["type"]
    known_root = root if exc.title == root.__name__ else None
    allowed = _allowed_keys(known_root, error["loc"][:-1])
    if kind == "extra_forbidden":
        message = f"unknown key; allowed here: {allowed or 'see docs/file-formats.md'}"
    elif kind == "missing":
        message = f"required key is missing (keys here: {allowed})" if allowed else "required key is missing"
    else:
        message = str(error["msg"]).removeprefix("Value error, ")
        if "input" in error and kind not in {"value_error"} and not isinstance(error["input"], dict | list):
            message = f"{message} (got {error['input']!r})"
        if kind in BOUND_ERRORS | NUMBER_ERRORS:
            bounds = _allowed_range(known_root, error["loc"])
            message = f"{message}; allowed: {bounds}" if bounds else message
    return InputError(message, file=file, key=key)


#: pydantic error types of a number outside a field's bounds (ge, gt, le, lt).
BOUND_ERRORS = frozenset({"greater_than", "greater_than_equal", "less_than", "less_than_equal"})
#: pydantic error types of a value that is not a (finite) number of the field's type: quoted,
#: a boolean, NaN or infinity. The field's range tells the user what to write instead.
NUMBER_ERRORS = frozenset({"int_type", "float_type", "finite_number", "int_from_float"})


def _allowed_range(root: type[BaseModel] | None, loc: tuple[int | str, ...]) -> str | None:
    """The field's whole allowed range with its unit, e.g. '-90 <= latitude <= 90 [deg]', if known.

    pydantic names only the bound that was broken; a user fixing a value wants both ends.
    """
    model = _model_at(root, loc[:-1])
    name = loc[-1] if loc else None
    if model is None or not isinstance(name, str) or name not in model.model_fields:
        return None
    field = model.model_fields[name]
    low = _bound(field, {"ge": "<=", "gt": "<"})
    high = _bound(field, {"le": "<=", "lt": "<"})
    if low and high:
        text = f"{_number(low[1])} {low[0]} {name} {high[0]} {_number(high[1])}"
    elif low:
        text = f"{name} {low[0].replace('<', '>')} {_number(low[1])}"
    elif high:
        text = f"{name} {high[0]} {_number(high[1])}"
    else:
        return None
    unit = re.search(r"\[([^\]]+)\]\s*$", field.description or "")
    return f"{text} [{unit.group(1)}]" if unit and unit.group(1) != "-" else text


def _number(value: float) -> str:
    """A bound as people write it: 5,000,000 rather than 5e+06, 0.3 as 0.3."""
    return f"{value:,.0f}" if value.is_integer() else f"{value:g}"


def _bound(field: FieldInfo, operators: dict[str, str]) -> tuple[str, float] | None:
    """The field's first constraint among ``operators`` (ge, gt, le or lt -> symbol) as (symbol, value)."""
    for constraint in field.metadata:
        for attr, symbol in operators.items():
            value = getattr(constraint, attr, None)
            if value is not None:
                return symbol, float(value)
    return None


def _allowed_keys(root: type[BaseModel] | None, loc: tuple[int | str, ...]) -> str | None:
    """Comma-separated field names of the model (table) found at loc inside the root model."""
    model = _model_at(root, loc)
    return ", ".join(model.model_fields) if model is not None else None


def _model_at(root: type[BaseModel] | None, loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The model (table) found at loc inside the root model; list indices are stepped over."""
    model = root
    for part in loc:
        if model is None:
            break
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        model = _model_in(field.annotation) if field is not None else None
    return model


def _model_in(annotation: object) -> type[BaseModel] | None:
    """The pydantic model inside an annotation such as ``X``, ``X | None`` or ``list[X]``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) in (typing.Union, list):
        for arg in typing.get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None


def _most_nested_line(text: str) -> int:
    """1-based number of the line with the most opening brackets and braces (where nesting ran away)."""
    counts = [line.count("[") + line.count("{") for line in text.splitlines()] or [0]
    return counts.index(max(counts)) + 1


def _key_at_error(text: str, message: str) -> str | None:
    """Dotted key of the line a TOML error points at ('(at line N, column M)'), if it has one."""
    match = re.search(r"at line (\d+)", message)
    if match is None:
        return None
    lines = text.splitlines()
    number = int(match.group(1))
    if not 1 <= number <= len(lines):
        return None
    table = ""
    for line in lines[:number - 1]:
        header = re.match(r"\s*\[\[?\s*([^\]]+?)\s*\]\]?", line)
        if header:
            table = header.group(1)
    name = re.match(r"\s*([A-Za-z0-9_.-]+)\s*=", lines[number - 1])
    if name is None:
        return table or None
    return f"{table}.{name.group(1)}" if table else name.group(1)
