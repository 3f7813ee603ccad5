"""The process that makes the `anthropic` SDK's requests for gitagent commands (`python -m gitagent.models.sdkserver`).

It is given a listening Unix socket (`--fd`), already bound by the command that started it, so requests can be
sent before it has loaded the SDK; it loads it, then answers each connection in a thread of its own (see
`sdkproc` for the protocol and `sdkplace` for where the socket lives). Two lifetimes:

- shared (`--idle SECONDS`): kept warm between commands, detached from the one that started it; exits once no
  request has come for that long, or once its socket is gone (the runtime directory cleaned, say);
- private (no `--idle`): one command's own, exiting when that command closes its standard input.

It never holds a key but in memory: each request brings the client's options and the environment to build it in.
It answers only its own user's processes outside any sandbox (`sdkplace.same_namespaces`): a command the agent
runs, which may see the socket when the runtime directory is not hidden from it, cannot make requests through it.
"""

import argparse
import json
import os
import signal
import socket
import sys
import threading
import time
from contextlib import suppress
from typing import IO, Any

from gitagent.models import sdkplace
from gitagent.models.sdkproc import SdkError, client_for, local_events

TICK = 5.0
"""How often (seconds) an idle shared server looks whether its socket is still there."""


def main(argv: list[str] | None = None) -> None:
    """Serve requests on the inherited socket until idle (shared) or until standard input closes (private)."""
    parser = argparse.ArgumentParser(prog="python -m gitagent.models.sdkserver")
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--idle", type=float)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the asking command decides what Ctrl-C does
    os.dup2(2, 1)  # whatever prints cannot land anywhere a reply could
    listener = socket.socket(fileno=args.fd)
    server = _Server(listener, args.key, args.path)
    if args.idle is None:
        threading.Thread(target=_exit_with_parent, args=(args.path,), daemon=True).start()
    threading.Thread(target=warm, daemon=True).start()
    server.serve(args.idle)


def warm() -> None:
    """Load what the first streamed request uses (the client class, the messages resource, the stream's types).

    No client is built: the first request's own is (from `prepare`), and a throwaway one would hold the lock it
    waits on."""
    import importlib

    from gitagent.models.lazyimport import lazy_import

    lazy_import("anthropic").Anthropic  # noqa: B018 (first: a plain import of a submodule would run every __init__)
    for module in ("anthropic.resources.messages", "anthropic.types.raw_message_stream_event"):
        importlib.import_module(module)


def _exit_with_parent(path: str) -> None:
    for _ in sys.stdin.buffer:
        pass
    sdkplace.unlink(path)
    os._exit(0)


class _Server:
    """Accepts connections, one thread each, and counts those in progress to know when it is idle."""

    def __init__(self, listener: socket.socket, key: str, path: str) -> None:
        self.listener, self.key, self.path = listener, key, path
        self.identity = self._identity()  # bound by the command that started this one, which holds its lock meanwhile
        self.lock = threading.Lock()
        self.busy = 0
        self.last = time.monotonic()

    def serve(self, idle: float | None) -> None:
        self.listener.settimeout(None if idle is None else min(TICK, idle))
        while True:
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                if idle is not None and self._done(idle):
                    return
                continue
            self._start(conn)

    def _start(self, conn: socket.socket) -> None:
        with self.lock:
            self.busy += 1
        threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _done(self, idle: float) -> bool:
        """Whether to exit: nothing in progress, and idle long enough or its socket's name no longer its own (the
        directory removed, say). Closes the socket, and removes its name if still its own, if so."""
        with self.lock:
            busy, quiet_for = self.busy, time.monotonic() - self.last
        if busy or (quiet_for < idle and self._named()):
            return False
        try:
            with sdkplace.locked(self.path):
                self.listener.setblocking(False)
                try:
                    conn, _ = self.listener.accept()  # one came just now: keep serving
                except (BlockingIOError, TimeoutError):
                    if self._named():
                        sdkplace.unlink(self.path)
                    self.listener.close()
                    return True
        except OSError:  # its directory is gone
            self.listener.close()
            return True
        self.listener.settimeout(min(TICK, idle))
        self._start(conn)
        return False

    def _named(self) -> bool:
        """Whether the socket's name still leads to this server's socket (not removed, nor another's since)."""
        return self.identity is not None and self._identity() == self.identity

    def _identity(self) -> tuple[int, int] | None:
        try:
            info = os.stat(self.path)
        except OSError:
            return None  # gone already
        return info.st_dev, info.st_ino

    def _handle(self, conn: socket.socket) -> None:
        try:
            with conn, conn.makefile("rb") as inbox, conn.makefile("wb") as out:
                pid, uid = sdkplace.peer(conn)
                if uid == os.getuid() and sdkplace.same_namespaces(pid):
                    line = inbox.readline()
                    if line:
                        self._answer(json.loads(line), out)
        except (OSError, ValueError):
            pass  # the asking command went away, or sent nothing useful: nothing to answer
        finally:
            with self.lock:
                self.busy -= 1
                self.last = time.monotonic()

    def _answer(self, message: dict[str, Any], out: IO[bytes]) -> None:
        if message.get("key") != self.key:
            _send(out, {"taken": False, "stale": True})
            return
        _send(out, {"taken": True})
        if "params" not in message:
            with suppress(Exception):  # the request that needs this client will say what failed
                client_for(message["client"], message["env"])
            return
        try:
            for event in local_events(message["client"], message["env"], message["params"]):
                _send(out, {"event": event})
            _send(out, {"end": True})
        except SdkError as e:
            _send(out, {"error": e.info})


def _send(out: IO[bytes], reply: dict[str, Any]) -> None:
    out.write(json.dumps(reply, default=str).encode() + b"\n")
    out.flush()


if __name__ == "__main__":
    main()
