"""The local backend: at most `jobs` worker processes, each running one task at a time and then the next.

Workers are forked from a fork server that loaded and warmed what a turn uses (multiprocessing's `forkserver`
preloading `gitagent.batch.warm`), so a worker pays neither Python's start nor the SDK's import, and a worker
kept for the next task pays none of a process's first-use costs again (its SDK client, its first stream).
Anthropic's SDK is the exception: the driver's SDK server loads it while the fork server loads gitagent, on the
other core, and the workers ask Claude through that server.
Each worker leads its own session: a task over the timeout is stopped by killing that session (the worker and
everything its task started), and the next task gets a new worker. The in-flight turn a killed task leaves is
owned by a process that is gone, so a retry resumes it.
"""

import contextlib
import multiprocessing
import os
import signal
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any

from gitagent.batch.backend import Finished


def _serve(conn: Connection, sdk_server: tuple[str, str] | None) -> None:
    """A worker: run each task spec received on `conn`, send back its summary, until the driver hangs up; Claude is
    asked through the driver's SDK server `sdk_server` if there is one."""
    os.setsid()
    from gitagent.batch import clones
    from gitagent.batch.worker import run_task
    from gitagent.models import sdkproc

    if sdk_server is not None:
        sdkproc.attach(*sdk_server)

    while True:
        try:
            spec = conn.recv()
        except EOFError:
            clones.close()
            return
        conn.send(run_task(spec))


def _nothing() -> None:
    pass


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection
    task: str | None = None
    """The key of the task it runs (None: idle)."""
    killed: bool = False


class LocalBackend:
    """Up to `jobs` tasks at once, each in a worker process forked from a warm fork server."""

    name = "local"

    def __init__(
        self, jobs: int, providers: list[str] | None = None, sdk_server: tuple[str, str] | None = None
    ) -> None:
        """`jobs` workers forked from a fork server that loaded gitagent and `providers`' SDKs, except Anthropic's
        when the workers ask Claude through the driver's SDK server `sdk_server` (loading while this one does)."""
        self.slots = jobs
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(
            [
                "gitagent.batch.warm",
                *(f"gitagent.batch.warm.{p}" for p in providers or [] if not (p == "anthropic" and sdk_server)),
                "gitagent.batch.warm.forkserver",
            ]
        )
        warm = self._context.Process(target=_nothing)  # starts the fork server now, not in the first task's time
        warm.start()
        warm.join()
        self._workers: list[_Worker] = []
        self._sdk_server = sdk_server

    def start(self, key: str, spec: dict[str, Any]) -> None:
        """Start task `key` on an idle worker, or on a new one."""
        worker = next((w for w in self._workers if w.task is None), None) or self._spawn()
        worker.task = key
        with contextlib.suppress(OSError):  # it died while idle: `finished` reports the task lost, to retry
            worker.conn.send(spec)

    def _spawn(self) -> _Worker:
        ours, theirs = self._context.Pipe()
        process = self._context.Process(
            target=_serve, args=(theirs, self._sdk_server), name="gitagent-batch-worker", daemon=True
        )
        process.start()
        theirs.close()
        worker = _Worker(process, ours)
        self._workers.append(worker)
        return worker

    def finished(self, wait_s: float) -> list[Finished]:
        """The tasks that ended since the last call, waiting up to `wait_s` seconds for the first."""
        busy = [w for w in self._workers if w.task is not None]
        if not busy or not wait([h for w in busy for h in (w.process.sentinel, w.conn)], timeout=wait_s):
            return []
        return [done for w in busy if (done := self._collect(w)) is not None]

    def _collect(self, worker: _Worker) -> Finished | None:
        summary = None
        with contextlib.suppress(EOFError, OSError):
            if worker.conn.poll():
                summary = worker.conn.recv()
        key = worker.task
        assert key is not None
        if summary is not None and not worker.killed:
            worker.task = None
            return Finished(key, summary, "")
        if summary is None and worker.process.is_alive() and not worker.killed:
            return None  # still running
        self._retire(worker)
        if summary is not None:
            return Finished(key, summary, "")
        code = worker.process.exitcode or 0
        how = f"signal {-code}" if code < 0 else f"status {code}"
        return Finished(key, None, f"the task's process ended with {how}")

    def _retire(self, worker: _Worker) -> None:
        self._workers.remove(worker)
        worker.process.join()
        worker.conn.close()

    def stop(self, key: str) -> None:
        """Kill task `key`'s worker and every process it started."""
        for worker in self._workers:
            if worker.task == key:
                worker.killed = True
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(worker.process.pid or 0, signal.SIGKILL)
                worker.process.kill()  # one just started may not lead its session yet

    def close(self) -> None:
        """Let idle workers exit; kill the ones still running a task (an interrupted driver)."""
        for worker in list(self._workers):
            if worker.task is not None:
                self.stop(worker.task)
            worker.conn.close()  # an idle worker's `recv` ends, and so does the worker
        for worker in self._workers:
            worker.process.join(10)
        self._workers.clear()
        from gitagent.batch import clones

        clones.sweep()  # the clones of workers killed for their timeout
