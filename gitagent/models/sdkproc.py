"""The `anthropic` SDK's streamed Messages requests, made in a helper process that loads the SDK while gitagent
sets up, or in this process when that one is busy.

Loading the SDK takes half a second of CPU even lazily (see `lazyimport`), more than the rest of a headless turn.
`prestart` starts `python -m gitagent.models.sdkproc` as soon as a command knows it will probably ask Claude:
the helper loads the SDK on the other core while this process imports, reads its settings and makes the worktree,
so the SDK is ready when the first request is. Requests go to it as JSON lines (the client's options, this
process's environment, the Messages parameters) and the SDK's stream events come back as JSON lines; a failure
comes back described (`describe`) and is raised here as `SdkError`. The helper ignores Ctrl-C (this process
decides), and exits when its standard input closes, so it never outlives the command.

One request at a time goes to the helper; a second one made meanwhile runs in this process, through the same
`describe` and event dictionaries, so callers see no difference. Only a command that calls `prestart` has a helper
(`run` and `chat`); elsewhere (a review asking for its parts in parallel, the library) every request runs here, so
parallel requests never wait on one process's SDK load while the others load it here.
"""

import importlib
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import IO, Any

Options = dict[str, Any]
"""The `anthropic.Anthropic(...)` keyword arguments (api_key, base_url, timeout, max_retries)."""


class SdkError(Exception):
    """A request failed; `info` says how (`describe`): kind timeout, connection, credentials, status or other."""

    def __init__(self, info: dict[str, Any]) -> None:
        super().__init__(f"{info.get('name', info['kind'])}: {info.get('message', '')}")
        self.info = info


def stream(options: Options, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The Messages stream events of `params` as dictionaries, from the helper when it is free, else from here."""
    helper = _Helper.take()
    if helper is None:
        yield from local_events(options, dict(os.environ), params)
        return
    try:
        yield from helper.stream(options, params)
    finally:
        _Helper.give_back(helper)


def prestart() -> None:
    """Start the helper now, so the SDK is loaded by the time the first request is made (idempotent)."""
    _Helper.start()


def prepare(options: Options) -> None:
    """Have the helper, if the command started one, build the client for `options` before the first request."""
    with _Helper.lock:
        helper = _Helper.idle
    if helper is not None:
        helper.send({"client": options, "env": dict(os.environ)})


class _Helper:
    """The helper process. At most one: `idle` when started and free, `in_use` while a request streams."""

    lock = threading.Lock()
    idle: "_Helper | None" = None
    in_use = False

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self.proc = proc
        self.stdin: IO[bytes] = proc.stdin  # type: ignore[assignment]
        self.stdout: IO[bytes] = proc.stdout  # type: ignore[assignment]

    @classmethod
    def spawn(cls) -> "_Helper | None":
        # The SDK's warnings and logs would land on the user's screen (or the chat's): shown only when asked for.
        errors = None if os.environ.get("ANTHROPIC_LOG") else subprocess.DEVNULL
        command = [sys.executable, "-m", "gitagent.models.sdkproc"]
        try:
            proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors,
                                    start_new_session=True)  # fmt: skip
        except OSError:
            return None  # requests then run in this process
        return cls(proc)

    @classmethod
    def start(cls) -> None:
        with cls.lock:
            if cls.idle is None and not cls.in_use:
                cls.idle = cls.spawn()

    @classmethod
    def take(cls) -> "_Helper | None":
        with cls.lock:
            if cls.in_use:
                return None
            helper, cls.idle = cls.idle, None
            cls.in_use = helper is not None
            return helper

    @classmethod
    def give_back(cls, helper: "_Helper") -> None:
        with cls.lock:
            cls.in_use = False
            if helper.proc.poll() is None:
                cls.idle = helper
            else:
                helper.close()

    def send(self, message: dict[str, Any]) -> None:
        try:
            self.stdin.write(json.dumps(message).encode() + b"\n")
            self.stdin.flush()
        except (BrokenPipeError, ValueError):
            pass  # it exited; the next read says so

    def stream(self, options: Options, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        self.send({"client": options, "env": dict(os.environ), "params": params})
        finished = False
        try:
            for line in self.stdout:
                reply = json.loads(line)
                if "event" in reply:
                    yield reply["event"]
                elif "error" in reply:
                    finished = True
                    raise SdkError(reply["error"])
                else:
                    finished = True
                    return
            finished = True
            raise SdkError({"kind": "connection", "name": "HelperExited", "message": "the SDK's process exited"})
        finally:
            if not finished:
                self.close()  # abandoned mid-stream (interrupted): the request dies with the process

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.stdin.close()
        self.stdout.close()


_clients: dict[str, Any] = {}


def client_for(options: Options, env: dict[str, str]) -> Any:
    """An `anthropic.Anthropic` for `options`, built in environment `env` (the SDK reads its variables)."""
    key = json.dumps([options, env], sort_keys=True)
    if key not in _clients:
        from gitagent.models.lazyimport import lazy_import

        anthropic = lazy_import("anthropic")
        if env != os.environ:
            os.environ.clear()
            os.environ.update(env)
        anthropic._setup_logging()  # what `import anthropic` does: honour ANTHROPIC_LOG
        _clients[key] = anthropic.Anthropic(**options)
    return _clients[key]


def local_events(options: Options, env: dict[str, str], params: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The stream events of `params` as dictionaries, asked from this process; failures raise `SdkError`."""
    try:
        client = client_for(options, env)
        with client.messages.create(**params, stream=True) as events:
            for event in events:
                yield event.to_dict(mode="json")
    except Exception as e:
        raise SdkError(describe(e)) from e


def describe(error: Exception) -> dict[str, Any]:
    """What went wrong, as data the asking process can classify without the SDK."""
    from gitagent.models.lazyimport import lazy_import
    from gitagent.models.retry import is_transport_error

    anthropic = lazy_import("anthropic")
    if isinstance(error, anthropic.APITimeoutError):
        return {"kind": "timeout"}
    if isinstance(error, anthropic.APIConnectionError) or is_transport_error(error):
        return {"kind": "connection", "name": type(error).__name__}
    no_key = isinstance(error, TypeError) and "authentication method" in str(error)
    # Newer SDKs raise CredentialsError when no key, profile or federation config is found.
    if no_key or isinstance(error, getattr(anthropic, "CredentialsError", ())):
        return {"kind": "credentials"}
    if isinstance(error, anthropic.APIStatusError):
        headers = dict(error.response.headers)
        return {"kind": "status", "status": error.status_code, "body": error.body, "message": error.message,
                "headers": headers}  # fmt: skip
    return {"kind": "other", "name": type(error).__name__, "message": str(error)}


def _warm() -> None:
    """Load what the first streamed request uses, before it comes."""
    from gitagent.models.lazyimport import lazy_import

    lazy_import("anthropic").Anthropic  # noqa: B018 (loads the client and the SDK's core)
    for module in ("anthropic.resources.messages", "anthropic.types.raw_message_stream_event"):
        importlib.import_module(module)


def _serve(out: IO[bytes], message: dict[str, Any]) -> None:
    if "params" not in message:
        client_for(message["client"], message["env"])
        return
    try:
        for event in local_events(message["client"], message["env"], message["params"]):
            out.write(json.dumps({"event": event}).encode() + b"\n")
            out.flush()
        out.write(b'{"end": true}\n')
    except SdkError as e:
        out.write(json.dumps({"error": e.info}, default=str).encode() + b"\n")
    out.flush()


def main() -> None:
    """The helper: load the SDK, then answer requests from standard input until it closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # whatever else prints cannot corrupt the replies
    inbox: list[dict[str, Any]] = []
    ready = threading.Condition()

    def read() -> None:
        for line in sys.stdin.buffer:
            with ready:
                inbox.append(json.loads(line))
                ready.notify()
        os._exit(0)  # the asking process is gone or done

    threading.Thread(target=read, daemon=True).start()
    _warm()
    while True:
        with ready:
            ready.wait_for(lambda: inbox)
            message = inbox.pop(0)
        try:
            _serve(out, message)
        except Exception as e:  # building the client failed: say so for the request that needs it
            if "params" in message:
                out.write(json.dumps({"error": describe(e)}, default=str).encode() + b"\n")
                out.flush()


if __name__ == "__main__":
    main()
