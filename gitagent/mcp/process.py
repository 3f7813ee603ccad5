"""A stdio MCP server's process, started the moment a turn knows where it runs.

It is started with the sandbox's `start_process`, before the MCP SDK is even imported (a second or more of
Python), so the servers' own start-up and gitagent's loading of the SDK happen at the same time. It runs in a
session of its own, its sandbox tied to gitagent's life by a lifeline; stopping it closes its stdin (the MCP way
to ask a server to exit), waits a little, then kills its whole process group and lets go of the lifeline.
Its standard error goes to an unnamed temporary file, whose end explains a failure; once the server has
stopped, that end is kept and the file closed.
"""

import contextlib
import os
import subprocess
import tempfile
import time

from gitagent.mcp.launch import Launch
from gitagent.sandbox.process import start_process
from gitagent.sandbox.sessions import kill_session

STDERR_TAIL = 600
STOP_GRACE_S = 2.0


class ServerProcess:
    """A running stdio server: its pipes, its exit status, the end of its stderr."""

    def __init__(self, launch: Launch) -> None:
        self.errlog = tempfile.TemporaryFile()  # noqa: SIM115 - it lives as long as the server
        self.lifeline = launch.lifeline
        self._final_tail: str | None = None
        try:
            self.proc = start_process(
                [launch.command, *launch.args], cwd=launch.cwd, env=launch.env, lifeline=launch.lifeline,
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.errlog,
            )  # fmt: skip
        except BaseException:
            self.errlog.close()
            if self.lifeline is not None:
                self.lifeline.close()
            raise

    def exited(self) -> str:
        """`exit status N` (or the signal) once the process has ended, else ""."""
        code = self.proc.poll()
        if code is None:
            return ""
        return f"killed by signal {-code}" if code < 0 else f"exit status {code}"

    def stderr_tail(self) -> str:
        """The last lines the server wrote to stderr, on one line."""
        if self._final_tail is not None:
            return self._final_tail
        with contextlib.suppress(OSError, ValueError):
            fd = self.errlog.fileno()
            size = os.fstat(fd).st_size
            tail = os.pread(fd, STDERR_TAIL, max(0, size - STDERR_TAIL)).decode("utf-8", "replace").strip()
            return " | ".join(tail.splitlines()[-4:])
        return ""

    def stop(self, grace: float = STOP_GRACE_S) -> None:
        """Close its stdin, give it `grace` seconds to exit, then kill its process group (blocking)."""
        with contextlib.suppress(OSError):
            self.proc.stdin.close()  # type: ignore[union-attr]
        deadline = time.monotonic() + grace
        while self.proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        kill_session(self.proc.pid)  # what went to a process group of its own too, unconfined
        self.proc.wait()
        if self._final_tail is None:
            self._final_tail = self.stderr_tail()
            self.errlog.close()
        if self.lifeline is not None:
            self.lifeline.close()
