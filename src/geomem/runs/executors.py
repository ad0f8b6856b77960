"""Where runs execute: in this process, in local worker processes, or on a Dask cluster.

Every executor is a context manager with ``map(fn, tasks)`` yielding ``(task, result)`` pairs as
runs finish, where ``result`` is ``fn(task)`` or the exception that escaped it (a dead worker,
an unreachable file system); the sweep turns such exceptions into failed rows.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool

from geomem import _validate

KINDS = ("inline", "local", "dask")


def make_executor(
    kind: str = "local",
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    processes: bool = True,
):
    """The executor called ``kind``; starting it is deferred to ``__enter__``.

    ``scheduler`` (dask only) is the address of a running scheduler, e.g. ``tcp://host:8786``;
    without it ``dask`` starts a ``LocalCluster`` of ``workers`` workers (``processes=False``
    runs them as threads of this process).
    """
    if kind not in KINDS:
        _validate.fail("--executor", f"one of {', '.join(KINDS)}", kind)
    if workers is not None:
        _validate.positive_int("--workers", workers)
    if scheduler is not None and kind != "dask":
        _validate.fail("--scheduler", "--executor dask", f"--executor {kind}")
    if kind == "inline":
        return InlineExecutor()
    if kind == "local":
        return LocalExecutor(workers)
    return DaskExecutor(scheduler, workers, processes)


class InlineExecutor:
    """Runs every task in this process, one after another (for debugging)."""

    name = "inline"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def map(self, fn: Callable, tasks: Iterable) -> Iterator[tuple]:
        for task in tasks:
            try:
                yield task, fn(task)
            except Exception as exc:
                yield task, exc


class LocalExecutor:
    """A pool of local worker processes (forkserver where available, else spawn)."""

    name = "local"

    def __init__(self, workers: int | None = None):
        self.workers = workers or os.cpu_count() or 1

    def __enter__(self):
        self._pool = self._start()
        return self

    def _start(self) -> ProcessPoolExecutor:
        methods = multiprocessing.get_all_start_methods()
        ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
        if ctx.get_start_method() == "forkserver":
            ctx.set_forkserver_preload(["geomem.runs.worker", "torch"])  # import torch once
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=ctx,
            initializer=exit_with_parent,
            initargs=(os.getpid(),),
        )

    def __exit__(self, *exc):
        self._pool.shutdown(wait=True, cancel_futures=True)
        return False

    def map(self, fn: Callable, tasks: Iterable) -> Iterator[tuple]:
        """Run the tasks; when a worker dies (the pool breaks), start a fresh pool and submit
        the runs it took down again, each up to its ``retries`` times."""
        pending, broken_tries = list(tasks), {}
        while pending:
            futures = {self._pool.submit(fn, task): task for task in pending}
            pending, broken = [], False
            for fut in as_completed(futures):
                task, exc = futures[fut], fut.exception()
                if isinstance(exc, BrokenProcessPool):
                    broken = True
                    key = id(task)
                    if broken_tries.get(key, 0) < getattr(task, "retries", 0):
                        broken_tries[key] = broken_tries.get(key, 0) + 1
                        pending.append(task)
                        continue
                yield task, exc if exc is not None else fut.result()
            if broken:
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = self._start()


class DaskExecutor:
    """Dask distributed: an existing scheduler (``scheduler``) or a fresh ``LocalCluster``."""

    name = "dask"

    def __init__(
        self,
        scheduler: str | None = None,
        workers: int | None = None,
        processes: bool = True,
        timeout: float = 10.0,
    ):
        self.scheduler, self.workers, self.processes = scheduler, workers, processes
        self.timeout = timeout
        self._cluster = self._client = None

    def __enter__(self):
        distributed = import_distributed()
        try:
            if self.scheduler is None:
                self._cluster = distributed.LocalCluster(
                    n_workers=self.workers or os.cpu_count() or 1,
                    threads_per_worker=1,
                    processes=self.processes,
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                )
            address = self.scheduler or self._cluster
            self._client = distributed.Client(address, timeout=f"{self.timeout}s")
        except Exception as exc:
            self.__exit__()
            what = f"a Dask scheduler at {self.scheduler}" if self.scheduler else "a LocalCluster"
            _validate.fail(
                "--scheduler" if self.scheduler else "--executor dask",
                f"{what} to connect to",
                f"{type(exc).__name__}: {exc}",
            )
        return self

    def __exit__(self, *exc):
        for obj in (self._client, self._cluster):
            if obj is not None:
                obj.close()
        self._cluster = self._client = None
        return False

    def map(self, fn: Callable, tasks: Iterable) -> Iterator[tuple]:
        from distributed import as_completed as dask_completed

        tasks = list(tasks)
        futures = self._client.map(
            fn,
            tasks,
            pure=False,
            retries=max((t.retries for t in tasks), default=0),  # also after a worker dies
            key=[f"geomem-run-{t.run_id}-{os.urandom(4).hex()}" for t in tasks],
        )
        by_key = {f.key: t for f, t in zip(futures, tasks, strict=True)}
        for fut in dask_completed(futures):
            task = by_key[fut.key]
            try:
                yield task, fut.result()
            except Exception as exc:
                yield task, exc


def exit_with_parent(pid: int, interval: float = 0.5) -> None:
    """In a pool worker: exit when process ``pid`` (the sweep) is gone, e.g. after kill -9.

    Without this, orphaned workers would finish the runs already queued to them and hold
    their run locks while a restarted sweep wants them.
    """

    def watch():
        while True:
            time.sleep(interval)
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                os._exit(70)

    threading.Thread(target=watch, daemon=True, name="geomem-exit-with-parent").start()


def import_distributed():
    """``distributed``, or one line saying how to install the optional dask extra."""
    try:
        import distributed
    except ImportError:
        _validate.fail(
            "--executor dask",
            "the optional dask extra (pip install 'geomem[dask]')",
            "no module 'distributed'",
        )
    return distributed
