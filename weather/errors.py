"""The one error type for bad user input, shared by every package (weather is the lowest layer)."""

from __future__ import annotations

from pathlib import Path


class InputError(ValueError):
    """Bad input a user can fix: names the file, the field and what is allowed.

    The command line prints ``str(error)`` as one line and exits with code 2.
    """

    def __init__(self, message: str, *, file: str | Path | None = None, key: str | None = None) -> None:
        self.file = str(file) if file is not None else None
        self.key = key
        self.message = message
        parts = [p for p in (self.file, self.key) if p]
        super().__init__(": ".join([*parts, message]))
