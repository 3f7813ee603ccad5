"""Where MCP servers are configured, which entry wins, and `gitagent mcp add` / `remove` writing them.

Four places, the first to name a server winning (Claude Code's order: local, project, user):

| scope | file | shared | trusted |
| --- | --- | --- | --- |
| local | `mcp.json` in the user's config dir, under this checkout's path | no | yes |
| project | `.mcp.json` at the repository root (Claude Code's file) | in git | once trusted |
| repo-config | `[mcp_servers.NAME]` in `.gitagent/config.toml` | in git | once trusted |
| user | `[mcp_servers.NAME]` in the user's `config.toml` (Codex's shape) | no | yes |

A `.mcp.json` server named in the `disabledMcpjsonServers` of a Claude Code settings file (the repository's
`.claude/settings.json` or `.claude/settings.local.json`, or the user's) does not start, as in Claude Code.

Files are read from the user's checkout, never from a conversation's worktree (which the agent can write).
The local scope lives in the user's config dir rather than in `.git`, because the agent's sandbox can read
`.git` and a local entry may hold a token.
"""

import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitagent.errors import GitagentError
from gitagent.mcp.config import ConfigProblem, ServerConfig, parse_server
from gitagent.userdir import claude_config_dir, user_config_dir

SCOPES = ("local", "project", "user")
LOCAL_FILE = "mcp.json"


@dataclass
class Discovery:
    """The servers in effect (in precedence order), those another scope shadows, and unusable entries."""

    servers: list[ServerConfig] = field(default_factory=list)
    shadowed: list[ServerConfig] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    disabled: dict[str, str] = field(default_factory=dict)
    """`.mcp.json` servers a Claude Code settings file disables, by name: the file that does."""

    def get(self, name: str) -> ServerConfig:
        """The server called `name`, or an error that lists the configured ones."""
        for server in self.servers:
            if server.name == name:
                return server
        known = ", ".join(s.name for s in self.servers) or "none"
        raise GitagentError(f"no MCP server named {name!r} (configured: {known})", "add one with `gitagent mcp add`")


def discover_servers(checkout: Path) -> Discovery:
    """Every configured MCP server for the repository checked out at `checkout`."""
    found = Discovery()
    seen: set[str] = set()
    disabled = disabled_project_servers(checkout, found.problems)
    for source, origin, entries in _read_all(checkout, found.problems):
        for name, raw in entries.items():
            if source == "project" and str(name) in disabled:
                found.disabled[str(name)] = disabled[str(name)]
                continue
            try:
                server = parse_server(str(name), raw, source, origin)
            except ConfigProblem as e:
                found.problems.append(str(e))
                continue
            if server.unknown_keys:
                found.problems.append(f"{origin}: MCP server {name!r}: unknown keys {', '.join(server.unknown_keys)}")
            (found.shadowed if server.name in seen else found.servers).append(server)
            seen.add(server.name)
    return found


def disabled_project_servers(checkout: Path, problems: list[str]) -> dict[str, str]:
    """The `.mcp.json` servers Claude Code settings files disable (`disabledMcpjsonServers`), each with its file."""
    files = [checkout / ".claude" / "settings.json", checkout / ".claude" / "settings.local.json"]
    disabled: dict[str, str] = {}
    for path in [*files, claude_config_dir() / "settings.json"]:
        try:
            names = _read_json(path).get("disabledMcpjsonServers", [])
        except ConfigProblem as e:
            problems.append(str(e))
            continue
        if not isinstance(names, list):
            problems.append(f"{path}: `disabledMcpjsonServers` must be a list of server names")
            continue
        disabled.update({name: str(path) for name in names if isinstance(name, str) and name not in disabled})
    return disabled


def _read_all(checkout: Path, problems: list[str]) -> list[tuple[str, str, dict[str, Any]]]:
    local = local_file()
    sources = [
        ("local", str(local), lambda: _read_json(local).get("projects", {}).get(str(checkout), {})),
        ("project", ".mcp.json", lambda: _read_json(checkout / ".mcp.json")),
        ("repo-config", ".gitagent/config.toml", lambda: _read_toml(checkout / ".gitagent" / "config.toml")),
        ("user", str(user_config_dir() / "config.toml"), lambda: _read_toml(user_config_dir() / "config.toml")),
    ]
    out = []
    for source, origin, read in sources:
        try:
            data = read()
        except ConfigProblem as e:
            problems.append(str(e))
            continue
        key = "mcp_servers" if origin.endswith(".toml") else "mcpServers"
        entries = data.get(key, {})
        if not isinstance(entries, dict):
            problems.append(f"{origin}: `{key}` must map server names to their settings")
            continue
        out.append((source, origin, entries))
    return out


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigProblem(f"{path}: cannot read it: {e}") from e
    except json.JSONDecodeError as e:
        raise ConfigProblem(f"{path}:{e.lineno}:{e.colno}: invalid JSON: {e.msg}") from e
    if not isinstance(data, dict):
        raise ConfigProblem(f"{path}: must hold a JSON object")
    return data


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ConfigProblem(f"{path}: {e}") from e


def local_file() -> Path:
    """The user's file of local-scope servers, keyed by checkout."""
    return user_config_dir() / LOCAL_FILE


def scope_file(scope: str, checkout: Path) -> Path:
    """The file `gitagent mcp add --scope SCOPE` writes."""
    if scope == "local":
        return local_file()
    if scope == "project":
        return checkout / ".mcp.json"
    if scope == "user":
        return user_config_dir() / "config.toml"
    raise GitagentError(f"unknown scope {scope!r}", f"choose one of: {', '.join(SCOPES)}")


def add_server(scope: str, checkout: Path, name: str, entry: dict[str, Any]) -> Path:
    """Write `entry` as server `name` in `scope`'s file (validated first); returns the file."""
    check_new_name(name)
    path = scope_file(scope, checkout)
    try:
        parse_server(name, entry, scope, str(path))
    except ConfigProblem as e:
        raise GitagentError(str(e)) from e
    if name in _names_in(scope, checkout):
        hint = f"remove it first: gitagent mcp remove {name} --scope {scope}"
        raise GitagentError(f"{path} already has an MCP server {name!r}", hint)
    path.parent.mkdir(parents=True, exist_ok=True)
    if scope == "user":
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        separator = "" if not text or text.endswith("\n\n") else ("\n" if text.endswith("\n") else "\n\n")
        path.write_text(text + separator + toml_table(name, entry), encoding="utf-8")
        return path
    data = _read_json(path)
    servers = _json_servers(data, scope, checkout, create=True)
    servers[name] = entry
    _write_json(path, data)
    return path


NEW_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*")
NEW_NAME_LIMIT = 32
"""Room for the tool's own name in `mcp__NAME__TOOL`, which providers cut at 64 characters (`NAME_LIMIT`)."""


def check_new_name(name: str) -> None:
    """Refuse a name `mcp add` should not write: Claude Code's characters (letters, digits, `-`, `_`), not
    starting with `-` (it would read as an option to `gitagent mcp remove NAME`), at most `NEW_NAME_LIMIT` long.
    Entries already in a file are read more loosely (`parse_server`), so one written for Claude Code still works."""
    if NEW_NAME.fullmatch(name) and len(name) <= NEW_NAME_LIMIT:
        return
    shown = name if len(name) <= 40 else f"{name[:40]}… ({len(name)} characters)"
    raise GitagentError(
        f"invalid MCP server name {shown!r}",
        f"use 1 to {NEW_NAME_LIMIT} letters, digits, '-' and '_', not starting with '-' (as in Claude Code; its "
        "tools are named mcp__NAME__TOOL, which must fit in 64 characters)",
    )


def remove_server(scope: str, checkout: Path, name: str) -> Path:
    """Remove server `name` from `scope`'s file; returns the file."""
    path = scope_file(scope, checkout)
    if name not in _names_in(scope, checkout):
        raise GitagentError(f"{path} has no MCP server {name!r}", "`gitagent mcp list` shows where each one is")
    if scope == "user":
        path.write_text(_without_table(path.read_text(encoding="utf-8"), name), encoding="utf-8")
        if name in _names_in(scope, checkout):
            raise GitagentError(f"could not remove {name!r} from {path}", "edit the file by hand")
        return path
    data = _read_json(path)
    del _json_servers(data, scope, checkout, create=False)[name]
    _write_json(path, data)
    return path


def _names_in(scope: str, checkout: Path) -> set[str]:
    path = scope_file(scope, checkout)
    try:
        if scope == "user":
            return set(_read_toml(path).get("mcp_servers", {}))
        return set(_json_servers(_read_json(path), scope, checkout, create=False))
    except ConfigProblem as e:
        raise GitagentError(str(e), "fix the file first") from e


def _json_servers(data: dict[str, Any], scope: str, checkout: Path, create: bool) -> dict[str, Any]:
    if scope == "local":
        projects = data.setdefault("projects", {}) if create else data.get("projects", {})
        data = projects.setdefault(str(checkout), {}) if create else projects.get(str(checkout), {})
    return data.setdefault("mcpServers", {}) if create else data.get("mcpServers", {})


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if path.parent == user_config_dir():
        path.chmod(0o600)  # a local entry may hold a token


_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def toml_key(key: str) -> str:
    """A TOML key, quoted when it is not a bare key."""
    return key if _BARE_KEY.match(key) else json.dumps(key)


def toml_value(value: Any) -> str:
    """A TOML value for the JSON-like values an entry holds (JSON strings are valid TOML basic strings)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{toml_key(str(k))} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise GitagentError(f"cannot write {value!r} to TOML")


def toml_table(name: str, entry: dict[str, Any]) -> str:
    """`[mcp_servers.NAME]` and its keys."""
    lines = [f"[mcp_servers.{toml_key(name)}]"] + [f"{toml_key(k)} = {toml_value(v)}" for k, v in entry.items()]
    return "\n".join(lines) + "\n"


def _without_table(text: str, name: str) -> str:
    """`text` without the `[mcp_servers.NAME]` table and its sub-tables (`[mcp_servers.NAME.env]`)."""
    heads = {f"mcp_servers.{name}", f"mcp_servers.{json.dumps(name)}"}
    kept: list[str] = []
    skipping = False
    for line in text.splitlines(keepends=True):
        header = re.match(r"^\s*\[+\s*([^\]]+?)\s*\]+\s*(#.*)?$", line)
        if header:
            key = header[1].replace(" ", "")
            skipping = any(key == head or key.startswith(head + ".") for head in heads)
        if not skipping:
            kept.append(line)
    return re.sub(r"\n{3,}", "\n\n", "".join(kept))
