"""The local backend: each task in a worker process of its own (`python -m gitagent.batch.worker`), at most
`jobs` at once, each in its own process group so a timeout stops the task and everything it started."""

import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
from typing import Any

from gitagent.batch.backend import Finished


class LocalBackend:
    """A pool of `jobs` worker processes, one per running task."""

    name = "local"

    def __init__(self, jobs: int) -> None:
        self.slots = jobs
        self._procs: dict[str, subprocess.Popen[str]] = {}
        self._done: queue.Queue[Finished] = queue.Queue()

    def start(self, key: str, spec: dict[str, Any]) -> None:
        """Start task `key` in a new worker process."""
        proc = subprocess.Popen(
            [sys.executable, "-m", "gitagent.batch.worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, start_new_session=True,
        )  # fmt: skip
        self._procs[key] = proc
        threading.Thread(target=self._wait, args=(key, proc, json.dumps(spec)), daemon=True).start()

    def _wait(self, key: str, proc: subprocess.Popen[str], spec: str) -> None:
        out, err = proc.communicate(spec)
        lines = out.strip().splitlines()
        if proc.returncode == 0 and lines:
            self._done.put(Finished(key, json.loads(lines[-1]), ""))
            return
        how = f"signal {-proc.returncode}" if proc.returncode < 0 else f"status {proc.returncode}"
        last = err.strip().splitlines()[-1] if err.strip() else ""
        self._done.put(Finished(key, None, f"the worker process ended with {how}" + (f": {last}" if last else "")))

    def finished(self, wait: float) -> list[Finished]:
        """The tasks that ended since the last call, waiting up to `wait` seconds for the first."""
        try:
            done = [self._done.get(timeout=wait)]
        except queue.Empty:
            return []
        while not self._done.empty():
            done.append(self._done.get())
        for item in done:
            self._procs.pop(item.key, None)
        return done

    def stop(self, key: str) -> None:
        """Kill task `key`'s worker and every process it started."""
        proc = self._procs.get(key)
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)

    def close(self) -> None:
        """Stop whatever still runs (an interrupted driver)."""
        for key in list(self._procs):
            self.stop(key)
