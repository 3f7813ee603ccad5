"""The local backend: each task in a process of its own, at most `jobs` at once, forked from a fork server
that imported gitagent and the model SDKs once (multiprocessing's `forkserver`), so a task pays neither
Python's start nor the SDK's import. Each task's process leads its own session: a timeout kills it and
everything it started, and the in-flight turn a killed task leaves is owned by a process that is gone, so a
retry resumes it."""

import contextlib
import multiprocessing
import os
import signal
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any

from gitagent.batch.backend import Finished


def _run(spec: dict[str, Any], conn: Connection) -> None:
    os.setsid()
    from gitagent.batch.worker import run_task

    conn.send(run_task(spec))
    conn.close()


def _nothing() -> None:
    pass


class LocalBackend:
    """Up to `jobs` tasks at once, each in a process forked from a warm fork server."""

    name = "local"

    def __init__(self, jobs: int, preload: list[str] | None = None) -> None:
        self.slots = jobs
        self._context = multiprocessing.get_context("forkserver")
        modules = ["gitagent.batch.worker", *(f"gitagent.models.{p}" for p in preload or [])]
        self._context.set_forkserver_preload(modules)
        warm = self._context.Process(target=_nothing)  # starts the fork server now, not in the first task's time
        warm.start()
        warm.join()
        self._running: dict[str, tuple[BaseProcess, Connection]] = {}

    def start(self, key: str, spec: dict[str, Any]) -> None:
        """Start task `key` in a new process."""
        receive, send = self._context.Pipe(duplex=False)
        process = self._context.Process(target=_run, args=(spec, send), name=f"gitagent-batch-{key}", daemon=True)
        process.start()
        send.close()
        self._running[key] = (process, receive)

    def finished(self, wait_s: float) -> list[Finished]:
        """The tasks that ended since the last call, waiting up to `wait_s` seconds for the first."""
        handles = [h for process, conn in self._running.values() for h in (process.sentinel, conn)]
        if not handles or not wait(handles, timeout=wait_s):
            return []
        done = []
        for key, (process, conn) in list(self._running.items()):
            if conn.poll() or not process.is_alive():
                done.append(self._collect(key, process, conn))
        return done

    def _collect(self, key: str, process: BaseProcess, conn: Connection) -> Finished:
        del self._running[key]
        summary = None
        with contextlib.suppress(EOFError, OSError):
            summary = conn.recv() if conn.poll() else None
        process.join()
        conn.close()
        if summary is not None:
            return Finished(key, summary, "")
        code = process.exitcode or 0
        how = f"signal {-code}" if code < 0 else f"status {code}"
        return Finished(key, None, f"the task's process ended with {how}")

    def stop(self, key: str) -> None:
        """Kill task `key`'s process and every process it started."""
        if key in self._running:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._running[key][0].pid or 0, signal.SIGKILL)

    def close(self) -> None:
        """Kill whatever still runs (an interrupted driver)."""
        for key in list(self._running):
            self.stop(key)
            self._running[key][0].join(10)
