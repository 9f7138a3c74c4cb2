"""Loading site files: built-in ids and user paths go through the same TOML -> pydantic path."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from pydantic import ValidationError

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
        raise InputError(f"malformed TOML: {exc}", file=file) from None
    try:
        return Site.model_validate(raw)
    except ValidationError as exc:
        raise validation_to_input_error(exc, file) from None


def validation_to_input_error(exc: ValidationError, file: str | Path) -> InputError:
    """The first pydantic error as one InputError line: file, dotted key, what is allowed."""
    error = exc.errors()[0]
    key = ".".join(str(part) for part in error["loc"]) or "(top level)"
    kind = error["type"]
    if kind == "extra_forbidden":
        message = "unknown key; check the spelling against docs/file-formats.md"
    elif kind == "missing":
        message = "required key is missing"
    else:
        message = str(error["msg"]).removeprefix("Value error, ")
        if "input" in error and kind not in {"value_error"} and not isinstance(error["input"], dict | list):
            message = f"{message} (got {error['input']!r})"
    return InputError(message, file=file, key=key)
