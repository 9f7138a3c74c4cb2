"""Shared by the workflows: the Dask client (nightly, compare) and the one-JSON-line-per-event log."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any


def utc_now() -> str:
    """Current UTC time, ISO 8601 with milliseconds (logs and history only, never plan files)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def emit(event: str, **fields: object) -> None:
    """One JSON log line on stderr per event: ``ts``, ``event`` and the event's fields."""
    sys.stderr.write(json.dumps({"ts": utc_now(), "event": event, **fields}, default=str) + "\n")
    sys.stderr.flush()


@contextlib.contextmanager
def dask_client(workers: int, n_tasks: int, scheduler: str | None) -> Iterator[Any]:
    """A Dask client on a local cluster of processes (one thread each), or on a given scheduler.

    Dask's own INFO logging is turned down first: it would break the one-JSON-line-per-event log.
    """
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "error")
    logging.getLogger("distributed").setLevel(logging.ERROR)
    import dask
    from distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    n_workers = max(1, min(workers, n_tasks))
    # Non-daemonic workers, so they may start site processes (a daemonic process may not have children).
    with dask.config.set({"distributed.worker.daemon": False}):
        # The scheduler's HTTP server always starts: a free local port, not 8787 (a warning when taken).
        cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                               dashboard_address="127.0.0.1:0")
        with cluster, Client(cluster) as client:
            yield client
