"""Which tool calls may run: approval modes and deny / ask / allow rules in Claude Code's syntax.

Rules come from gitagent's and Claude Code's files, all merged (their syntax is in `gitagent.agent.rules`):

- `.gitagent/config.toml` of the repository and `config.toml` in gitagent's user config dir:

      [permissions]
      mode = "ask"                      # or "auto" (the default: the sandbox confines every edit and command)
      allow = ["Bash(npm run test:*)", "Edit(src/**)"]
      ask = ["Bash(git push:*)"]
      deny = ["Bash(curl:*)", "Read(./.env)"]

- the `permissions` of `.claude/settings.json`, `.claude/settings.local.json` and `~/.claude/settings.json`.

Deny wins over ask, ask over allow, in every mode. In `auto` mode everything else runs (Claude Code's
`bypassPermissions`); in `ask` mode (Claude Code's `default`) a command, an edit or any other tool that does
more than read needs an allow rule or a person's approval, reads never do. An ask rule needs a person's
approval in every mode (a headless run refuses). A repository's allow rules and mode count only once that
file is trusted (a repository must not pre-approve its own commands); its deny and ask rules always count.
A rule gitagent cannot read or act on is a warning at the start, never silently nothing.
"""

import json
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pygit2

from gitagent.agent.rules import Rule, Where, parse_rule, rule_problem, subjects
from gitagent.agent.trust import content_id, trusted_ids
from gitagent.errors import GitagentError
from gitagent.store.repo import config_value, workdir
from gitagent.userdir import claude_config_dir, user_config_dir

MODES = ("auto", "ask")
READ_ONLY = frozenset({
    "Read", "Glob", "Grep", "Outline", "RepoMap", "FindSymbol", "Skill", "StructuredOutput", "TodoWrite", "LS",
    "NotebookRead", "ToolSearch", "ListMcpResourcesTool", "ReadMcpResourceTool", "Agent", "SendMessage",
})  # fmt: skip
"""Tools that only read (or report), and, as in Claude Code, those that start or continue a subagent (whose
own calls are asked about, in its own worktree): no approval needed in ask mode. Every other tool needs one
there (MergeAgent too: it changes this worktree's files)."""
KINDS = ("deny", "ask", "allow")
CLAUDE_SETTINGS = (".claude/settings.json", ".claude/settings.local.json")
_SUBJECT_KEYS = ("command", "file_path", "pattern", "path", "name", "skill", "url")
HEADLESS_ASK = (
    "ask mode: this needs approval and no one can approve it in a headless run; pre-allow it with a rule "
    'in .gitagent/config.toml (e.g. allow = ["Bash(make test:*)"]) or run with --approval auto'
)


@dataclass(frozen=True)
class Decision:
    """Whether a call may run, who or what decided, and why (recorded in the turn's events)."""

    allowed: bool
    by: str
    reason: str
    asked: bool = False
    """Refused only because it needed a person's approval and no one could give it."""


Approver = Callable[[dict[str, Any]], Decision]
"""Asks a person about a tool call (the TUI's dialog); headless runs have none."""


@dataclass
class Permissions:
    """The mode and rules in force for a turn, and the places path rules are anchored to."""

    mode: str = "auto"
    allow: list[Rule] = field(default_factory=list)
    deny: list[Rule] = field(default_factory=list)
    ask: list[Rule] = field(default_factory=list)
    root: Path = field(default_factory=Path.cwd)
    """The user's checkout: `/path` and `./path` rules start there."""
    worktree: Path | None = None
    """Where the agent's tools work (set by the turn): its paths are matched as the checkout's."""
    warnings: list[str] = field(default_factory=list)

    def decide(
        self, call: dict[str, Any], approver: Approver | None = None, hook: str | None = None, hook_reason: str = ""
    ) -> Decision:
        """The decision for one tool_use block; `hook` is a PreToolUse hook's `allow`, `deny` or `ask`."""
        name, tool_input = call["name"], call.get("input") or {}
        if denial := self.rule_denial(call):
            return denial
        if hook in ("allow", "deny"):
            return Decision(hook == "allow", "hook", hook_reason or f"{hook} by a PreToolUse hook")
        if rule := self._first(self.ask, name, tool_input):
            asked = approver(call) if approver else Decision(False, "mode", HEADLESS_ASK, asked=True)
            why = f"rule {rule.text} ({rule.origin}) asks for approval; no one can approve it in a headless run"
            return Decision(False, "rule", why, asked=True) if asked.asked else asked
        if hook != "ask" and (self.mode == "auto" or name in READ_ONLY):
            return Decision(True, "mode", f"{self.mode} mode")
        if allowed_by := self._allowed(name, tool_input):
            return Decision(True, "rule", f"allowed by rule {allowed_by.text} ({allowed_by.origin})")
        decision = approver(call) if approver else Decision(False, "mode", HEADLESS_ASK, asked=True)
        if hook == "ask" and decision.asked:  # the model is told the hook's reason, as Claude Code tells it
            why = hook_reason or "a PreToolUse hook asks for approval"
            return Decision(False, "hook", f"{why} (a PreToolUse hook asked for approval; no one can give it in a "
                            "headless run)", asked=True)  # fmt: skip
        return decision

    def rule_denial(self, call: dict[str, Any]) -> Decision | None:
        """The refusal of the first deny rule that matches `call` (checked before any hook runs), or None."""
        rule = self._first(self.deny, call["name"], call.get("input") or {})
        return None if rule is None else Decision(False, "rule", f"denied by rule {rule.text} ({rule.origin})")

    @property
    def where(self) -> Where:
        """Where path rules are anchored for this turn."""
        return Where(self.root, self.worktree)

    def _first(self, rules: list[Rule], name: str, tool_input: dict[str, Any]) -> Rule | None:
        """The first deny or ask rule that matches any thing the call does."""
        relevant = [r for r in rules if r.covers(name)]
        if not relevant:
            return None
        found = subjects(name, tool_input, self.where, lenient=True)
        return next((r for r in relevant if any(r.matches(s, self.where) for group in found for s in group)), None)

    def _allowed(self, name: str, tool_input: dict[str, Any]) -> Rule | None:
        """An allow rule for the call when every thing it does is allowed (the first that applies), else None."""
        relevant = [r for r in self.allow if r.covers(name)]
        if not relevant:
            return None
        first = None
        for group in subjects(name, tool_input, self.where, lenient=False):
            rule = next((r for r in relevant if any(r.matches(s, self.where) for s in group)), None)
            if rule is None:
                return None
            first = first or rule
        return first or relevant[0]


def call_subject(tool_input: dict[str, Any]) -> str | None:
    """A call's main argument (the command, the path, the pattern…), as a line about the call shows it."""
    for key in _SUBJECT_KEYS:
        if isinstance(tool_input.get(key), str):
            return tool_input[key]
    return None


def load_permissions(files: list[tuple[Path, bool]], mode: str | None, root: Path | None = None) -> Permissions:
    """Merge the rules of config files (path, trusted) — TOML `[permissions]` or Claude Code settings JSON;
    `mode` overrides the files' mode. Problems with rules are collected as warnings."""
    permissions = Permissions(root=root or Path.cwd())
    for path, trusted in files:
        table = _claude_permissions(path, permissions.warnings) if path.suffix == ".json" else _toml_permissions(path)
        for kind in KINDS:
            if kind == "allow" and not trusted:
                continue
            getattr(permissions, kind).extend(_rules(table, kind, str(path), permissions.warnings))
        if "mode" in table and (trusted or table["mode"] == "ask"):  # an untrusted file may only tighten
            permissions.mode = table["mode"]
    permissions.mode = mode or permissions.mode
    if permissions.mode not in MODES:
        raise GitagentError(f"unknown approval mode {permissions.mode!r}", f"choose one of: {', '.join(MODES)}")
    return permissions


def _rules(table: dict[str, Any], kind: str, origin: str, warnings: list[str]) -> list[Rule]:
    texts = table.get(kind, [])
    if not isinstance(texts, list):
        warnings.append(f"{origin}: permissions.{kind} must be a list of rules; it is ignored")
        return []
    return parse_rules(texts, origin, warnings.append)


def parse_rules(texts: list[Any], origin: str, warn: Callable[[str], None]) -> list[Rule]:
    """The rules written as `texts` in `origin`; each that cannot be read is left out, and `warn` told why (as
    it is of a rule that reads but can never match)."""
    rules = []
    for text in texts:
        try:
            rule = parse_rule(text, origin)
        except GitagentError as e:
            warn(f"{e.message}; it is ignored ({e.hint})")
            continue
        if problem := rule_problem(rule):
            warn(problem)
        rules.append(rule)
    return rules


def _toml_permissions(path: Path) -> dict[str, Any]:
    table = read_config(path).get("permissions", {})
    return table if isinstance(table, dict) else {}


def _claude_permissions(path: Path, warnings: list[str]) -> dict[str, Any]:
    """The rules of a Claude Code settings file (its `defaultMode` is Claude Code's own and not read)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as e:
        warnings.append(f"{path}: cannot read its permission rules ({e}); none of them apply")
        return {}
    table = data.get("permissions") if isinstance(data, dict) else None
    return {k: v for k, v in table.items() if k in KINDS} if isinstance(table, dict) else {}


def read_config(path: Path) -> dict[str, Any]:
    """A TOML config file as a dict ({} when absent); a syntax error names the file and line."""
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as e:
        raise GitagentError(f"{path}: {e}") from e


def repository_rule_files(root: Path) -> list[Path]:
    """The repository's files that hold permission rules (whose allow rules need trust), existing or not."""
    return [root / ".gitagent" / "config.toml", *(root / name for name in CLAUDE_SETTINGS)]


def rule_files(root: Path, is_trusted: Callable[[str], bool]) -> list[tuple[Path, bool]]:
    """Every file rules are read from, with whether its allow rules count: the repository's (when trusted),
    then the user's own `config.toml` and `~/.claude/settings.json` (always)."""
    repository = [(p, p.is_file() and is_trusted(content_id(p.read_bytes()))) for p in repository_rule_files(root)]
    return [*repository, (user_config_dir() / "config.toml", True), (claude_config_dir() / "settings.json", True)]


def permissions_for(repo: pygit2.Repository, mode: str | None, trust_repo: bool = False) -> Permissions:
    """The permissions of a turn, read from the user's checkout (never the agent's worktree, which the agent
    can write) and the user's files; the mode from `mode`, else `gitagent.approval`."""
    trusted = trusted_ids(repo)
    root = workdir(repo)
    files = rule_files(root, lambda cid: trust_repo or cid in trusted)
    return load_permissions(files, mode or config_value(repo, "gitagent.approval"), root)
