"""One MCP server's configuration, read from either ecosystem's shape: Claude Code's `.mcp.json` entries
(`command`, `args`, `env`, `type`, `url`, `headers`) and Codex's `[mcp_servers.NAME]` tables (`command`, `args`,
`env`, `url`, `bearer_token_env_var`, `http_headers`, `startup_timeout_sec`, `tool_timeout_sec`, `enabled`,
`enabled_tools`, `disabled_tools`), plus gitagent's own confinement keys (`sandbox`, `network`, `worktree`,
`readable`). Both shapes are read by the one parser: an entry may use any of these keys.

`${VAR}` and `${VAR:-default}` in `command`, `args`, `env`, `url` and `headers` are expanded when the server
starts, never when the file is read, so listings show the references and not the secrets behind them.
"""

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gitagent.agent.trust import content_id

TRANSPORTS = ("stdio", "http", "sse")
DEFAULT_STARTUP_TIMEOUT = 10.0
DEFAULT_TOOL_TIMEOUT = 60.0
REPOSITORY_SOURCES = ("project", "repo-config")
"""Sources inside the repository: their servers are code from the repository and need trust."""

_KNOWN = frozenset(
    {"type", "transport", "command", "args", "env", "url", "headers", "http_headers", "bearer_token_env_var",
     "startup_timeout_sec", "tool_timeout_sec", "enabled", "enabled_tools", "disabled_tools", "sandbox",
     "network", "worktree", "readable", "description"}
)  # fmt: skip
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_TYPE_ALIASES = {"streamable-http": "http", "streamable_http": "http", "streamableHttp": "http"}


class ConfigProblem(ValueError):
    """An entry that cannot be used; the message names the server and the fault."""


class MissingVariable(ValueError):
    """A `${VAR}` without a default whose variable is not set."""


@dataclass(frozen=True)
class ServerConfig:
    """A configured MCP server and where its configuration came from."""

    name: str
    source: str
    """`local`, `project` (.mcp.json), `repo-config` (.gitagent/config.toml) or `user`."""
    origin: str
    """The file it was read from, for messages."""
    raw: dict[str, Any]
    transport: str = "stdio"
    command: str = ""
    args: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    url: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    bearer_token_env_var: str | None = None
    startup_timeout: float = DEFAULT_STARTUP_TIMEOUT
    tool_timeout: float = DEFAULT_TOOL_TIMEOUT
    enabled: bool = True
    enabled_tools: tuple[str, ...] | None = None
    disabled_tools: tuple[str, ...] = ()
    sandbox: str = "bwrap"
    network: bool = False
    worktree: str = "read-write"
    readable: tuple[str, ...] = ()
    unknown_keys: tuple[str, ...] = ()

    @property
    def needs_trust(self) -> bool:
        """Whether the repository supplied it (so it starts only once trusted)."""
        return self.source in REPOSITORY_SOURCES

    @property
    def content_id(self) -> str:
        """The id trust is recorded under: a changed entry needs trusting again."""
        entry = {"mcp_server": self.name, "source": self.source, "entry": self.raw}
        canonical = json.dumps(entry, sort_keys=True, default=str)  # TOML may hold dates
        return content_id(canonical.encode())

    def tool_allowed(self, tool: str) -> bool:
        """Whether `enabled_tools` / `disabled_tools` let the model see `tool` (the server's own name)."""
        if self.enabled_tools is not None and tool not in self.enabled_tools:
            return False
        return tool not in self.disabled_tools

    def resolved(self, environ: Mapping[str, str]) -> "Resolved":
        """The values to start the server with, `${VAR}` expanded from `environ`; raises MissingVariable."""
        headers = {key: expand(value, environ) for key, value in self.headers.items()}
        if self.bearer_token_env_var:
            token = environ.get(self.bearer_token_env_var)
            if not token:
                raise MissingVariable(f"${{{self.bearer_token_env_var}}} (bearer_token_env_var) is not set")
            headers["Authorization"] = f"Bearer {token}"
        return Resolved(
            command=expand(self.command, environ),
            args=[expand(arg, environ) for arg in self.args],
            env={key: expand(value, environ) for key, value in self.env.items()},
            url=expand(self.url, environ),
            headers=headers,
        )


@dataclass(frozen=True)
class Resolved:
    """A server's start values with variables expanded. `secrets` are what must never be shown or recorded."""

    command: str
    args: list[str]
    env: dict[str, str]
    url: str
    headers: dict[str, str]

    @property
    def secrets(self) -> list[str]:
        """Values given to the server that may be credentials: its environment and its headers."""
        values = [*self.env.values(), *self.headers.values()]
        values += [value.split(" ", 1)[1] for value in self.headers.values() if " " in value]
        return [value for value in values if len(value) >= MIN_SECRET_LENGTH]


NAME_LIMIT = 64
"""The longest tool name every provider accepts (OpenAI's limit; Anthropic's is 128)."""


def mcp_tool_name(server: str, tool: str) -> str:
    """`mcp__<server>__<tool>`, as Claude Code names them: characters providers refuse become `_`."""
    clean = [re.sub(r"[^A-Za-z0-9_-]", "_", part) for part in (server, tool)]
    return f"mcp__{clean[0]}__{clean[1]}"[:NAME_LIMIT]


MIN_SECRET_LENGTH = 6
"""Shorter values (`1`, `true`, a port) are not hidden: replacing them everywhere would garble every message."""


def expand(text: str, environ: Mapping[str, str]) -> str:
    """`${VAR}` and `${VAR:-default}` replaced from `environ`; raises MissingVariable for an unset one."""

    def value(match: re.Match[str]) -> str:
        name, default = match[1], match[2]
        if name in environ and (environ[name] or default is None):
            return environ[name]
        if default is not None:
            return default
        raise MissingVariable(f"${{{name}}} is not set")

    return _VARIABLE.sub(value, text)


def parse_server(name: str, raw: Any, source: str, origin: str) -> ServerConfig:
    """Read one entry of either shape; raises ConfigProblem naming what is wrong."""
    where = f"{origin}: MCP server {name!r}"
    if not isinstance(raw, dict):
        raise ConfigProblem(f"{where}: must be a table/object of settings")
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        raise ConfigProblem(f"{where}: names may use letters, digits, '_', '-' and '.'")
    get = _Reader(raw, where)
    transport = _transport(raw, where)
    config = ServerConfig(
        name=name, source=source, origin=origin, raw=raw, transport=transport,
        command=get.text("command"), args=get.texts("args") or (), env=get.table("env"),
        url=get.text("url"), headers={**get.table("http_headers"), **get.table("headers")},
        bearer_token_env_var=get.text("bearer_token_env_var") or None,
        startup_timeout=get.seconds("startup_timeout_sec", DEFAULT_STARTUP_TIMEOUT),
        tool_timeout=get.seconds("tool_timeout_sec", DEFAULT_TOOL_TIMEOUT),
        enabled=get.flag("enabled", True), enabled_tools=get.texts("enabled_tools"),
        disabled_tools=get.texts("disabled_tools") or (), sandbox=get.choice("sandbox", ("bwrap", "none")),
        network=get.flag("network", False), worktree=get.choice("worktree", ("read-write", "read-only")),
        readable=get.texts("readable") or (), unknown_keys=tuple(sorted(set(raw) - _KNOWN)),
    )  # fmt: skip
    if transport == "stdio" and not config.command:
        raise ConfigProblem(f"{where}: a stdio server needs a `command` (or give a `url` for an HTTP server)")
    if transport != "stdio" and not config.url:
        raise ConfigProblem(f"{where}: an {transport} server needs a `url`")
    return config


def _transport(raw: dict[str, Any], where: str) -> str:
    kind = raw.get("type", raw.get("transport"))
    if kind is None:
        return "stdio" if "command" in raw or "url" not in raw else "http"
    kind = _TYPE_ALIASES.get(kind, kind) if isinstance(kind, str) else kind
    if kind not in TRANSPORTS:
        raise ConfigProblem(f"{where}: unknown type {kind!r} (use one of: {', '.join(TRANSPORTS)})")
    return str(kind)


class _Reader:
    """Typed access to an entry's keys, each fault named with the entry and key."""

    def __init__(self, raw: dict[str, Any], where: str) -> None:
        self.raw = raw
        self.where = where

    def _fail(self, key: str, wanted: str) -> ConfigProblem:
        return ConfigProblem(f"{self.where}: `{key}` must be {wanted}")

    def text(self, key: str) -> str:
        value = self.raw.get(key, "")
        if not isinstance(value, str):
            raise self._fail(key, "a string")
        return value

    def texts(self, key: str) -> tuple[str, ...] | None:
        value = self.raw.get(key)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self._fail(key, "a list of strings")
        return tuple(value)

    def table(self, key: str) -> dict[str, str]:
        value = self.raw.get(key, {})
        if not isinstance(value, dict) or not all(isinstance(v, str | int | float | bool) for v in value.values()):
            raise self._fail(key, "a table of strings")
        return {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in value.items()}

    def seconds(self, key: str, default: float) -> float:
        value = self.raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise self._fail(key, "a positive number of seconds")
        return float(value)

    def flag(self, key: str, default: bool) -> bool:
        value = self.raw.get(key, default)
        if not isinstance(value, bool):
            raise self._fail(key, "true or false")
        return value

    def choice(self, key: str, choices: tuple[str, ...]) -> str:
        value = self.raw.get(key, choices[0])
        if value not in choices:
            raise self._fail(key, " or ".join(repr(c) for c in choices))
        return str(value)


def redact(text: str, secrets: list[str]) -> str:
    """`text` with every secret value replaced by `***`."""
    for secret in sorted(set(secrets), key=len, reverse=True):
        text = text.replace(secret, "***")
    return text
