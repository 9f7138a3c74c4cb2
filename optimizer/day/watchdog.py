"""Run work in a forked child under a hard wall-clock limit, keeping the last progress it reported.

A solver's own time limit is not enough: HiGHS 1.16 was seen to stay in presolve long past it
(docs/sources.md, "Solver performance figures": a dense 192-step x 200-job model, 15 minutes). The work
runs in a forked child that shares the parent's memory copy-on-write (a handed-over model needs no
pickling) and
sends its progress and its answer back through a pipe as length-prefixed pickles. The parent waits
at most the limit and kills the child if it has not answered: whatever the work does, control
returns in time.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

Ending = Literal["answered", "timeout", "eof"]
"""How the wait ended: the child answered, the limit passed, or the child died without answering."""

Report = Callable[[Any], None]
"""Sends one progress message (any picklable value) from the child to the parent."""


@dataclass(frozen=True)
class Watched:
    """What came back from the child: its answer or why there is none, and its last progress."""

    ending: Ending
    answer: Any
    """The work's return value; None unless ``ending`` is answered or the work raised. [-]"""
    error: str
    """``Type: message`` of an exception the work raised in the child, else empty. [-]"""
    progress: Any
    """The last progress message the child sent, or None. [-]"""
    elapsed_s: float
    """Wall-clock time from the fork to the end of the wait, the kill included. [s]"""


def run_with_hard_limit(work: Callable[[Report], Any], limit_s: float) -> Watched:
    """Run ``work(report)`` in a forked child; return by ``limit_s`` after the fork whatever it does."""
    start = time.perf_counter()
    deadline = start + limit_s
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: run, send the answer, exit without the parent's cleanup
        os.close(read_fd)
        _child(work, write_fd)
    os.close(write_fd)
    try:
        final, progress, ending = _read_messages(read_fd, deadline)
    finally:
        os.close(read_fd)
        _reap(pid)
    elapsed_s = time.perf_counter() - start
    answer, error = (final["answer"], final["error"]) if final is not None else (None, "")
    return Watched(ending, answer, error, progress, elapsed_s)


def _child(work: Callable[[Report], Any], fd: int) -> None:
    """The child's whole life: run the work, send its answer or its exception, and exit."""
    code = 0
    try:
        final = {"answer": work(lambda message: _send(fd, {"progress": message})), "error": ""}
    except BaseException as exc:  # report anything to the parent, never raise in the child
        final = {"answer": None, "error": f"{type(exc).__name__}: {exc}"}
        code = 1
    try:
        _send(fd, {**final, "final": True})
    finally:
        os._exit(code)


def _send(fd: int, payload: dict[str, Any]) -> None:
    """Write one length-prefixed pickled message to ``fd``."""
    data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(struct.pack("!Q", len(data)) + data)
    while view:
        view = view[os.write(fd, view) :]


def _read_messages(fd: int, deadline: float) -> tuple[dict[str, Any] | None, Any, Ending]:
    """Messages from ``fd`` until the final one or the deadline: (final, last progress, ending)."""
    buf = bytearray()
    progress: Any = None
    while True:
        while len(buf) >= 8:
            need = struct.unpack("!Q", bytes(buf[:8]))[0]
            if len(buf) < 8 + need:
                break
            message = pickle.loads(bytes(buf[8 : 8 + need]))
            del buf[: 8 + need]
            if message.get("final"):
                return message, progress, "answered"
            progress = message["progress"]
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            return None, progress, "timeout"
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            return None, progress, "timeout"
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return None, progress, "eof"
        buf.extend(chunk)


def _reap(pid: int) -> None:
    """Kill the child if it still runs and collect its exit status (no zombie left)."""
    done, _ = os.waitpid(pid, os.WNOHANG)
    if done == 0:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
