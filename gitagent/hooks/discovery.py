"""Finding every hook, where it comes from, and its content id (what trust is recorded against).

Hooks are read from the user's checkout (`repo_root`) and the user's config directory, never from a
conversation's worktree: the agent can write there, and must not be able to add or change a hook. They
also run there (their working directory is the checkout), so a relative path on a hook's command line
names a file of the checkout, never one the agent wrote.

Places, in the order their hooks run for an event:

- `.gitagent/hooks/<Event>/`: every executable file, in name order (as `run-parts`); hidden files and names
  ending in `~` are ignored, a file that is not executable is reported;
- `.gitagent/hooks.toml`, then a `[hooks]` table in `.gitagent/config.toml`;
- the `hooks` of `.claude/settings.json` and `.claude/settings.local.json` (a team's Claude Code hooks);
- the same folder and files in the user's config directory: `hooks/<Event>/`, `hooks.toml`, `config.toml`.

The declared shape is Claude Code's: event -> list of {matcher, hooks: [{type = "command", command, timeout}]}.

A repository hook's content id covers everything it can run from the repository: its own file or
declaration, every file under `.claude/hooks/` and `.gitagent/hooks/` (the helpers hooks call), and the
folder of each script its command names elsewhere in the repository. Changing any of it needs trusting again.
"""

import json
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pygit2

from gitagent.hooks.coverage import Listing, command_coverage, into_git_dir
from gitagent.hooks.events import EVENTS, matcher_problem, matches

DEFAULT_TIMEOUT = 60.0


@dataclass(frozen=True)
class Hook:
    """One hook: what runs, for which event, declared where, and its content id."""

    event: str
    source: str
    """"repo" (`.gitagent/`), "claude-settings" (`.claude/settings*.json`) or "user" (the user's config dir)."""
    origin: str
    """The file that is or declares the hook, as people read it (relative to the repository for repo hooks)."""
    command: str
    """The executable's path (a folder hook) or a shell command run with `/bin/sh -c`."""
    content_id: str
    """A git blob id over the executable or the declaration, plus, for a repository hook, everything it can run
    from the repository (see `coverage`): change any of it and the hook needs trusting again."""
    is_file: bool = False
    matcher: str = ""
    timeout: float = DEFAULT_TIMEOUT
    problem: str | None = None
    """Why the hook cannot run (a file that is not executable, a script inside `.git`); reported, never run."""

    @property
    def label(self) -> str:
        """How the hook is named in reports and records: its file, or its command."""
        return self.origin if self.is_file else self.command

    @property
    def argv(self) -> list[str]:
        """The command line that runs the hook."""
        return [self.command] if self.is_file else ["/bin/sh", "-c", self.command]

    @property
    def needs_trust(self) -> bool:
        """Repository hooks (gitagent's or Claude Code's) run only once trusted; the user's own always run."""
        return self.source != "user"


@dataclass
class Discovery:
    """Every hook found, and what was wrong with the places they came from."""

    hooks: list[Hook] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    listing: Listing | None = None
    """The repository's files that its hooks can run (see `coverage`), part of their content ids."""

    def for_event(self, event: str, value: str | None = None) -> list[Hook]:
        """The hooks of `event` whose matcher selects `value` (e.g. the tool name), in run order.

        The same command declared twice (say in `settings.json` and `settings.local.json`) runs once.
        """
        seen: set[tuple[str, str]] = set()
        selected = []
        for hook in self.hooks:
            if hook.event != event or not matches(hook.matcher, value):
                continue
            key = ("user" if hook.source == "user" else "repo", hook.command)
            if not hook.is_file and key in seen:
                continue
            seen.add(key)
            selected.append(hook)
        return selected


def discover(repo_root: Path, user_dir: Path | None) -> Discovery:
    """Find the hooks of the repository checked out at `repo_root` and of the user's config dir `user_dir`."""
    found = Discovery(listing=Listing(repo_root))
    config = repo_root / ".gitagent"
    _folder(found, config / "hooks", "repo", repo_root)
    _toml(found, config / "hooks.toml", "repo", repo_root, whole_file=True)
    _toml(found, config / "config.toml", "repo", repo_root, whole_file=False)
    for name in ("settings.json", "settings.local.json"):
        _claude_settings(found, repo_root / ".claude" / name, repo_root)
    if user_dir is not None:
        _folder(found, user_dir / "hooks", "user", repo_root)
        _toml(found, user_dir / "hooks.toml", "user", repo_root, whole_file=True)
        _toml(found, user_dir / "config.toml", "user", repo_root, whole_file=False)
    return found


def _display(path: Path, repo_root: Path) -> str:
    try:
        return str(path.relative_to(repo_root))
    except ValueError:
        return str(path)


def _folder(found: Discovery, folder: Path, source: str, repo_root: Path) -> None:
    if not folder.is_dir():
        return
    for entry in sorted(folder.iterdir()):
        if not entry.is_dir():
            continue  # scripts next to the event folders are helpers that hooks call
        if entry.name not in EVENTS:
            found.problems.append(f"{_display(entry, repo_root)}: no event named {entry.name!r}; its files never run")
            continue
        for path in sorted(entry.iterdir()):
            if path.name.startswith(".") or path.name.endswith("~") or path.is_dir():
                continue
            origin = _display(path, repo_root)
            try:
                data = path.read_bytes()
            except OSError as e:
                found.problems.append(f"{origin}: cannot read: {e.strerror}")
                continue
            problem = None
            if not os.access(path, os.X_OK):
                problem = f"not executable, so it does not run (make it run with `chmod +x {origin}`)"
            if source != "user" and into_git_dir(path):
                problem, data = "resolves into a .git directory, where the agent's worktrees live; it never runs", b""
            if source != "user" and found.listing is not None:
                data += b"\0" + found.listing.shared
            hook = Hook(entry.name, source, origin, str(path), str(pygit2.hash(data)), is_file=True, problem=problem)
            found.hooks.append(hook)


def _toml(found: Discovery, path: Path, source: str, repo_root: Path, whole_file: bool) -> None:
    try:
        with path.open("rb") as f:
            document = tomllib.load(f)
    except FileNotFoundError:
        return
    except (OSError, tomllib.TOMLDecodeError) as e:
        found.problems.append(f"{_display(path, repo_root)}: cannot read: {e}; its hooks do not run")
        return
    table = document.get("hooks")
    if whole_file and not isinstance(table, dict):
        table = document  # hooks.toml may hold the events at its top level
    if table is not None:
        _declared(found, table, source, _display(path, repo_root))


def _claude_settings(found: Discovery, path: Path, repo_root: Path) -> None:
    try:
        document = json.loads(path.read_text())
    except FileNotFoundError:
        return
    except (OSError, ValueError) as e:
        found.problems.append(f"{_display(path, repo_root)}: cannot read: {e}; its hooks do not run")
        return
    if not isinstance(document, dict) or document.get("disableAllHooks") is True:
        return
    if "hooks" in document:
        _declared(found, document["hooks"], "claude-settings", _display(path, repo_root))


def _declared(found: Discovery, table: Any, source: str, origin: str) -> None:
    """Read Claude Code's shape: event -> [{matcher, hooks: [{type, command, timeout}]}]."""
    if not isinstance(table, dict):
        found.problems.append(f"{origin}: `hooks` must map event names to lists of matchers")
        return
    for event, groups in table.items():
        if event not in EVENTS:
            found.problems.append(f"{origin}: {event!r} is not a Claude Code or gitagent hook event; they never run")
            continue
        if not isinstance(groups, list):
            found.problems.append(f"{origin}: {event} must be a list of {{matcher, hooks}} entries")
            continue
        for group in groups:
            matcher = group.get("matcher", "") if isinstance(group, dict) else None
            entries = group.get("hooks", []) if isinstance(group, dict) else None
            if not isinstance(matcher, str) or not isinstance(entries, list):
                found.problems.append(f"{origin}: {event}: each entry needs a `hooks` list and a string `matcher`")
                continue
            if problem := matcher_problem(matcher):
                found.problems.append(f"{origin}: {event}: {problem}")
                continue
            for entry in entries:
                hook = _command_hook(found, entry, event, matcher, source, origin)
                if hook is not None:
                    found.hooks.append(hook)


def _command_hook(found: Discovery, entry: Any, event: str, matcher: str, source: str, origin: str) -> Hook | None:
    where = f"{origin}: {event}"
    if isinstance(entry, dict) and entry.get("type", "command") != "command":
        found.problems.append(f'{where}: hook type {entry.get("type")!r} is not supported (only "command")')
        return None
    if not isinstance(entry, dict) or not isinstance(entry.get("command"), str) or not entry["command"].strip():
        found.problems.append(f"{where}: a hook needs a non-empty `command`")
        return None
    command = entry["command"]
    timeout = entry.get("timeout", DEFAULT_TIMEOUT)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        found.problems.append(f"{where}: timeout {timeout!r} is not a positive number of seconds; using 60")
        timeout = DEFAULT_TIMEOUT
    declaration = "\0".join((event, matcher, command)).encode()
    problem = None
    if source != "user" and found.listing is not None:
        covered, problem = command_coverage(command, found.listing)
        declaration += b"\0" + covered
    return Hook(
        event, source, origin, command, str(pygit2.hash(declaration)), matcher=matcher, timeout=float(timeout),
        problem=problem,
    )  # fmt: skip
