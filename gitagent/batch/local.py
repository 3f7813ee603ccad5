"""The local backend: `jobs` long-lived worker processes (`python -m gitagent.batch.worker`), each running one
task at a time in a forked child, so a task pays neither Python's start nor the model SDK's import, and a
task's in-flight turn is owned by a process that is gone once the task is (a retry may resume it anywhere).
Each worker is its own process group: a timeout kills the worker and everything its task started."""

import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections import deque
from typing import Any

from gitagent.batch.backend import Finished

WARM_UP = 120
"""Seconds to wait for a worker's imports before giving it a task anyway."""


class _Worker:
    """One worker process and the task it is running (None: idle)."""

    def __init__(self, done: "queue.Queue[Finished]", preload: list[str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gitagent.batch.worker", *preload], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, start_new_session=True,
        )  # fmt: skip
        self.key: str | None = None
        self.ready = threading.Event()
        """Set once the worker has imported what tasks need (a task's timeout starts after that)."""
        self.done = done
        self.errors: deque[str] = deque(maxlen=3)
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._drain, daemon=True).start()

    def run(self, key: str, spec: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.key = key
        self.proc.stdin.write(json.dumps(spec) + "\n")
        self.proc.stdin.flush()

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if not self.ready.is_set():
                self.ready.set()
                continue
            key, self.key = self.key, None
            self.done.put(Finished(key or "", json.loads(line), ""))
        status = self.proc.wait()
        self.ready.set()
        if self.key is not None:
            how = f"signal {-status}" if status < 0 else f"status {status}"
            last = f": {self.errors[-1]}" if self.errors else ""
            self.done.put(Finished(self.key, None, f"the worker process ended with {how}{last}"))

    def _drain(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            if line.strip():
                self.errors.append(line.strip())

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)


class LocalBackend:
    """Up to `jobs` tasks at once, in worker processes started as they are needed."""

    name = "local"

    def __init__(self, jobs: int, preload: list[str] | None = None, tasks: int | None = None) -> None:
        self.slots = jobs
        self.preload = preload or []
        self._done: queue.Queue[Finished] = queue.Queue()
        self._workers = [_Worker(self._done, self.preload) for _ in range(min(jobs, tasks or jobs))]
        for worker in self._workers:
            worker.ready.wait(WARM_UP)

    def start(self, key: str, spec: dict[str, Any]) -> None:
        """Give task `key` to an idle worker (a new one if none is idle)."""
        self._workers = [w for w in self._workers if w.alive or w.key is not None]
        idle = next((w for w in self._workers if w.key is None and w.alive), None)
        if idle is None:
            idle = _Worker(self._done, self.preload)
            self._workers.append(idle)
            idle.ready.wait(WARM_UP)
        idle.run(key, spec)

    def finished(self, wait: float) -> list[Finished]:
        """The tasks that ended since the last call, waiting up to `wait` seconds for the first."""
        try:
            done = [self._done.get(timeout=wait)] if wait > 0 else [self._done.get_nowait()]
        except queue.Empty:
            return []
        while not self._done.empty():
            done.append(self._done.get())
        return done

    def stop(self, key: str) -> None:
        """Kill the worker running task `key` and every process it started."""
        for worker in self._workers:
            if worker.key == key:
                worker.kill()

    def close(self) -> None:
        """End the workers (killing any still running a task: an interrupted driver)."""
        for worker in self._workers:
            if worker.key is not None:
                worker.kill()
            elif worker.proc.stdin is not None:
                with contextlib.suppress(OSError):
                    worker.proc.stdin.close()
        for worker in self._workers:
            with contextlib.suppress(subprocess.TimeoutExpired):
                worker.proc.wait(timeout=10)
