"""Which tool calls may run: approval modes and allow/deny rules (`Bash(git push *)`, `Edit`, `Read(.env)`).

Rules come from `.gitagent/config.toml` in the repository and `config.toml` in the user's config dir:

    [permissions]
    mode = "ask"                      # or "auto" (the default: the sandbox confines every edit and command)
    allow = ["Bash(npm test*)", "Glob"]
    deny = ["Bash(git push *)", "Read(.env)"]

A rule is a tool name, or a tool name with a glob (`*` matches anything, `/` included) on the call's main
argument: the command for Bash, the path for file tools, the pattern for Glob and Grep. Deny rules win
in every mode. In `ask` mode a command or an edit needs an allow rule or a person's approval; reads never
need one. The repository's allow rules count only once its config is trusted (a repository must not
pre-approve its own commands); its deny rules always count.
"""

import fnmatch
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pygit2

from gitagent.agent.trust import content_id, trusted_ids
from gitagent.errors import GitagentError
from gitagent.store.repo import config_value, workdir
from gitagent.userdir import user_config_dir

MODES = ("auto", "ask")
NEEDS_APPROVAL = frozenset({"Bash", "Write", "Edit"})
_RULE = re.compile(r"^(?P<tool>[A-Za-z][\w-]*)(?:\((?P<pattern>.*)\))?$")
HEADLESS_ASK = (
    "ask mode: this needs approval and no one can approve it in a headless run; pre-allow it with a rule "
    'in .gitagent/config.toml (e.g. allow = ["Bash(make test*)"]) or run with --approval auto'
)
_SUBJECT_KEYS = ("command", "file_path", "pattern", "path", "name")


@dataclass(frozen=True)
class Rule:
    """One allow or deny rule, and where it came from."""

    tool: str
    pattern: str | None
    text: str
    origin: str

    def matches(self, name: str, tool_input: dict[str, Any]) -> bool:
        """Whether a call of tool `name` with `tool_input` falls under this rule."""
        if name != self.tool:
            return False
        if self.pattern is None:
            return True
        subject = call_subject(tool_input)
        return subject is not None and fnmatch.fnmatchcase(subject, self.pattern)


@dataclass(frozen=True)
class Decision:
    """Whether a call may run, who or what decided, and why (recorded in the turn's events)."""

    allowed: bool
    by: str
    reason: str


Approver = Callable[[dict[str, Any]], Decision]
"""Asks a person about a tool call (the TUI's dialog); headless runs have none."""


@dataclass
class Permissions:
    """The mode and rules in force for a turn."""

    mode: str = "auto"
    allow: list[Rule] = field(default_factory=list)
    deny: list[Rule] = field(default_factory=list)

    def decide(
        self, call: dict[str, Any], approver: Approver | None = None, hook: str | None = None, hook_reason: str = ""
    ) -> Decision:
        """The decision for one tool_use block; `hook` is a PreToolUse hook's `allow`, `deny` or `ask`."""
        name, tool_input = call["name"], call.get("input") or {}
        if denial := self.rule_denial(call):
            return denial
        if hook in ("allow", "deny"):
            return Decision(hook == "allow", "hook", hook_reason or f"{hook} by a PreToolUse hook")
        if hook != "ask" and (self.mode == "auto" or name not in NEEDS_APPROVAL):
            return Decision(True, "mode", f"{self.mode} mode")
        for rule in self.allow:
            if rule.matches(name, tool_input):
                return Decision(True, "rule", f"allowed by rule {rule.text} ({rule.origin})")
        if approver is not None:
            return approver(call)
        return Decision(False, "mode", HEADLESS_ASK)

    def rule_denial(self, call: dict[str, Any]) -> Decision | None:
        """The refusal of the first deny rule that matches `call` (checked before any hook runs), or None."""
        for rule in self.deny:
            if rule.matches(call["name"], call.get("input") or {}):
                return Decision(False, "rule", f"denied by rule {rule.text} ({rule.origin})")
        return None


def call_subject(tool_input: dict[str, Any]) -> str | None:
    """The argument a rule's pattern is matched against."""
    for key in _SUBJECT_KEYS:
        if isinstance(tool_input.get(key), str):
            return tool_input[key]
    return None


def parse_rule(text: str, origin: str) -> Rule:
    """Read `Tool` or `Tool(pattern)`."""
    match = _RULE.match(text.strip())
    if not match:
        raise GitagentError(f"{origin}: cannot read permission rule {text!r}", "write Tool or Tool(pattern)")
    return Rule(match["tool"], match["pattern"], text.strip(), origin)


def load_permissions(files: list[tuple[Path, bool]], mode: str | None) -> Permissions:
    """Merge the `[permissions]` of config files (path, trusted), later files winning; `mode` overrides."""
    permissions = Permissions()
    for path, trusted in files:
        table = read_config(path).get("permissions", {})
        origin = str(path)
        permissions.deny += [parse_rule(text, origin) for text in table.get("deny", [])]
        if trusted:
            permissions.allow += [parse_rule(text, origin) for text in table.get("allow", [])]
        if "mode" in table and (trusted or table["mode"] == "ask"):  # an untrusted file may only tighten
            permissions.mode = table["mode"]
    permissions.mode = mode or permissions.mode
    if permissions.mode not in MODES:
        raise GitagentError(f"unknown approval mode {permissions.mode!r}", f"choose one of: {', '.join(MODES)}")
    return permissions


def read_config(path: Path) -> dict[str, Any]:
    """A TOML config file as a dict ({} when absent); a syntax error names the file and line."""
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as e:
        raise GitagentError(f"{path}: {e}") from e


def permissions_for(repo: pygit2.Repository, mode: str | None) -> Permissions:
    """The permissions of a turn: `.gitagent/config.toml` of the user's checkout (never the agent's worktree,
    which the agent can write), then the user's `config.toml`; the mode from `mode`, else `gitagent.approval`."""
    repo_config = workdir(repo) / ".gitagent" / "config.toml"
    trusted = repo_config.exists() and content_id(repo_config.read_bytes()) in trusted_ids(repo)
    files = [(repo_config, trusted), (user_config_dir() / "config.toml", True)]
    return load_permissions(files, mode or config_value(repo, "gitagent.approval"))
