"""Running an executor's program: the prompt written to its standard input, its JSON-lines stream read in a
helper thread (so an interruption reaches the turn's thread at once, as in the chat's Esc), stderr kept in a
file for the error message, and its whole process group killed when the turn stops (its sandbox's lifeline too,
when it runs in one)."""

import contextlib
import json
import os
import queue
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from gitagent.sandbox.process import Lifeline, start_process
from gitagent.sandbox.sessions import kill_session

WAIT_SLICE_S = 0.1
STDERR_TAIL = 2000
_END = object()


class ExecutorProcess:
    """One run of an executor's program."""

    def __init__(
        self, argv: list[str], *, cwd: Path, env: dict[str, str], prompt: str, lifeline: Lifeline | None = None
    ) -> None:
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed by stop(), after the run
        self.lifeline = lifeline
        try:
            self.proc = start_process(
                argv, cwd=cwd, env=env, lifeline=lifeline, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=self.stderr,
            )  # fmt: skip
        except BaseException:
            self._release()
            raise
        self.lines: queue.Queue[object] = queue.Queue()
        threading.Thread(target=_read_lines, args=(self.proc.stdout, self.lines), daemon=True).start()
        threading.Thread(target=_write, args=(self.proc.stdin, prompt), daemon=True).start()

    def events(self) -> Iterator[dict[str, Any]]:
        """The stream's JSON objects as they come, until the program closes its output (other lines skipped)."""
        while True:
            try:
                line = self.lines.get(timeout=WAIT_SLICE_S)
            except queue.Empty:
                continue
            if line is _END:
                return
            event = _json(str(line))
            if event is not None:
                yield event

    def wait(self) -> int:
        """The exit status, once the output has ended."""
        return self.proc.wait()

    def stderr_tail(self) -> str:
        """The end of what the program wrote to stderr."""
        self.stderr.seek(0, os.SEEK_END)
        size = self.stderr.tell()
        self.stderr.seek(max(0, size - STDERR_TAIL))
        return self.stderr.read().decode(errors="replace").strip()

    def stop(self) -> None:
        """Kill what is left of the program (its whole process group) and free the stream."""
        kill_session(self.proc.pid)  # what went to a process group of its own too, unconfined
        self.proc.wait()
        self._release()

    def _release(self) -> None:
        if self.lifeline is not None:
            self.lifeline.close()
        self.stderr.close()


def _read_lines(stream: IO[bytes] | None, lines: queue.Queue[object]) -> None:
    try:
        for line in stream or []:
            lines.put(line.decode(errors="replace"))
    finally:
        lines.put(_END)


def _write(stream: IO[bytes] | None, text: str) -> None:
    if stream is None:
        return
    with contextlib.suppress(BrokenPipeError, OSError):  # it exited before reading: its error says why
        stream.write(text.encode())
    with contextlib.suppress(BrokenPipeError, OSError):
        stream.close()


def _json(line: str) -> dict[str, Any] | None:
    line = line.strip()
    if not line.startswith("{"):
        return None
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
