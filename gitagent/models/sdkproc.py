"""The `anthropic` SDK's streamed Messages requests, made by a server process that has the SDK loaded already
(or that loads it while gitagent sets up), or in this process when there is none.

Loading the SDK takes half a second of CPU even lazily (see `lazyimport`), more than the rest of a headless turn.
`prestart` (called first thing by `run` and `chat` when they will probably ask Claude) finds the user's shared
server, kept warm between commands, or starts one (`sdkserver`, `sdkplace`): the SDK then loads on the other core
while this process imports, reads its settings and makes the worktree, and is already loaded for the next
command. With `git config gitagent.sdkServer false` (or `GITAGENT_SDK_SERVER=0`) the server is the command's
own and exits with it; with `ANTHROPIC_LOG` set too, so the SDK's log reaches this terminal.

Each request is one connection: a JSON line (the server's key, the client's options, this process's
environment, the Messages parameters) out; back, at once, whether the server takes it (a stale one does not),
then the SDK's stream events as JSON lines, then the end or a failure described (`describe`), raised here as
`SdkError`. Requests made at once go on connections of their own. Where no server can be reached, or none takes
the request within `ACK_S` (killed, hung, stale), it runs in this process through the same `describe` and event
dictionaries, so callers see no difference. Only commands that call `prestart` use a
server; elsewhere (a review asking for its parts in parallel, the library) every request runs here.
"""

import json
import os
import subprocess
import threading
from collections.abc import Iterator
from typing import IO, Any

ACK_S = 5.0
"""How long a server may take to say it has a request (it does at once, even while loading the SDK)."""
_FALSE = ("0", "false", "no", "off", "")
"""How git and the environment spell false."""
Options = dict[str, Any]
"""The `anthropic.Anthropic(...)` keyword arguments (api_key, base_url, timeout, max_retries)."""


class SdkError(Exception):
    """A request failed; `info` says how (`describe`): kind timeout, connection, credentials, status or other."""

    def __init__(self, info: dict[str, Any]) -> None:
        super().__init__(f"{info.get('name', info['kind'])}: {info.get('message', '')}")
        self.info = info


class _Server:
    """The server this command uses: its socket's path, and for a private one the process (alive while we are)."""

    path: str | None = None
    key = ""
    private: "subprocess.Popen[bytes] | None" = None
    lock = threading.Lock()


def stream(options: Options, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The Messages stream events of `params` as dictionaries, from the server if there is one, else from here."""
    replies = _request({"client": options, "env": dict(os.environ), "params": params})
    if replies is None:
        yield from local_events(options, dict(os.environ), params)
        return
    with replies:
        for line in replies:
            reply = json.loads(line)
            if "event" in reply:
                yield reply["event"]
            elif "error" in reply:
                raise SdkError(reply["error"])
            elif "end" in reply:
                return
        raise SdkError({"kind": "connection", "name": "ServerExited", "message": "the SDK's process exited"})


def prestart(executor_named: bool = False) -> None:
    """Find or start the server, so the SDK is loaded by the time the first request is made (idempotent); not
    when `git config gitagent.executor` names another executor and the command line (`executor_named`) does not."""
    from gitagent.models import sdkplace

    with _Server.lock:
        if _Server.path is not None:
            return
        config = _git_config()
        if not executor_named and config.get("gitagent.executor", "gitagent") != "gitagent":
            return
        where = sdkplace.runtime_dir()
        if where is None:
            return  # no safe place for a socket: requests run here
        logs = bool(os.environ.get("ANTHROPIC_LOG"))
        _Server.key = sdkplace.server_key()
        if not logs and _shared_wanted(config):
            path = str(where / f"sdk-{_Server.key}.sock")
            _Server.path = path if sdkplace.start_shared(path, _Server.key) else None
            return
        path = str(where / f"sdk-{os.getpid()}-{threading.get_ident()}.sock")
        _Server.private = sdkplace.spawn(path, _Server.key, logs=logs)
        _Server.path = path if _Server.private is not None else None


def address() -> tuple[str, str] | None:
    """The socket and key of the server `prestart` found or started, for processes on this machine (`attach`)."""
    return None if _Server.path is None else (_Server.path, _Server.key)


def attach(path: str, key: str) -> bool:
    """Use the server another process of this user's (a batch's driver) started at `path` with `key`, if this
    process reaches it (it runs on the same machine); whether it does."""
    from gitagent.models import sdkplace

    with _Server.lock:
        if _Server.path is not None:
            return True
        probe = sdkplace.connect(path, ACK_S)
        if probe is None:
            return False
        probe.close()
        _Server.path, _Server.key = path, key
        return True


def prepare(options: Options) -> None:
    """Have the server, if the command uses one, build the client for `options` before the first request."""
    replies = _request({"client": options, "env": dict(os.environ)})
    if replies is not None:
        replies.close()


def _request(message: dict[str, Any]) -> IO[bytes] | None:
    """The server's replies to `message` once it has taken it on, or None if no server takes it (none reachable,
    none answering within `ACK_S`, or a stale one), for the request to be made here."""
    from gitagent.models import sdkplace

    if _Server.path is None:
        return None
    conn = sdkplace.connect(_Server.path, ACK_S)
    if conn is None:
        return None
    replies = conn.makefile("rb")
    try:
        conn.sendall(json.dumps({"key": _Server.key, **message}).encode() + b"\n")
        taken = json.loads(replies.readline() or "{}").get("taken")
    except (OSError, ValueError):  # a hung or dying server
        taken = False
    conn.settimeout(None)  # the stream itself takes as long as the model does (the SDK's own timeout)
    conn.close()  # the connection stays open until `replies` is closed
    if not taken:
        replies.close()
        return None
    return replies


def _shared_wanted(config: dict[str, str]) -> bool:
    """`GITAGENT_SDK_SERVER` (0 or 1), else `git config gitagent.sdkServer` (default true)."""
    chosen = os.environ.get("GITAGENT_SDK_SERVER")
    if chosen is not None:
        return chosen.strip().lower() not in _FALSE
    return config.get("gitagent.sdkserver", "true").lower() not in _FALSE


def _git_config() -> dict[str, str]:
    """`gitagent.sdkServer` and `gitagent.executor` as set (keys in lower case): one git process, run before pygit2
    is imported."""
    keys = r"^gitagent\.(sdkserver|executor)$"
    try:
        done = subprocess.run(["git", "config", "--get-regexp", keys], capture_output=True,
                              text=True, timeout=5)  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return {}
    return {key: value.strip() for key, _, value in (line.partition(" ") for line in done.stdout.splitlines())}


_clients: dict[str, Any] = {}
_clients_lock = threading.Lock()
_KEPT_CLIENTS = 8


def client_for(options: Options, env: dict[str, str]) -> Any:
    """An `anthropic.Anthropic` for `options`, built in environment `env` (the SDK reads its variables)."""
    key = json.dumps([options, env], sort_keys=True)
    with _clients_lock:  # a server builds clients for several commands at once, each in its own environment
        if key not in _clients:
            from gitagent.models.lazyimport import lazy_import

            anthropic = lazy_import("anthropic")
            if env != os.environ:
                os.environ.clear()
                os.environ.update(env)
            anthropic._setup_logging()  # what `import anthropic` does: honour ANTHROPIC_LOG
            if len(_clients) >= _KEPT_CLIENTS:
                del _clients[next(iter(_clients))]
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
