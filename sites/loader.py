"""Loading site files: built-in ids and user paths go through the same TOML -> pydantic path."""

from __future__ import annotations

import re
import tomllib
import types
import typing
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ValidationError

from sites.model import Site
from weather.errors import InputError

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
    return parse_site(path.read_bytes(), file=path)


def parse_site(data: bytes | str, *, file: str | Path = "<string>") -> Site:
    """Parse and validate TOML text of a site file; errors name the file and the key."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"malformed TOML: {exc}", file=file, key=_key_at_error(text, str(exc))) from None
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
    allowed = _allowed_keys(root if exc.title == root.__name__ else None, error["loc"][:-1])
    if kind == "extra_forbidden":
        message = f"unknown key; allowed here: {allowed or 'see docs/file-formats.md'}"
    elif kind == "missing":
        message = f"required key is missing (keys here: {allowed})" if allowed else "required key is missing"
    else:
        message = str(error["msg"]).removeprefix("Value error, ")
        if "input" in error and kind not in {"value_error"} and not isinstance(error["input"], dict | list):
            message = f"{message} (got {error['input']!r})"
    return InputError(message, file=file, key=key)


def _allowed_keys(root: type[BaseModel] | None, loc: tuple[int | str, ...]) -> str | None:
    """Comma-separated field names of the model (table) found at loc inside the root model."""
    model = root
    for part in loc:
        if model is None:
            break
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        model = _model_in(field.annotation) if field is not None else None
    return ", ".join(model.model_fields) if model is not None else None


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
