"""Finding custom slash commands. Each `NAME.md` file is the command `/NAME`; a file in a subfolder is
namespaced by it (`frontend/component.md` is `/frontend:component`), as Claude Code names them.

Search order (the first command of a name wins; later ones are kept as shadowed):

1. the repository's `.gitagent/commands/`, then `.claude/commands/` (source "repo", read from the user's
   checkout, never from the agent's worktree, which the agent can write);
2. the user's config directory `commands/` (`$GITAGENT_HOME/commands`, else `~/.config/gitagent/commands`),
   then `~/.claude/commands/` (source "user").

A repository's commands run only once trusted (`gitagent trust`, recorded by content id like its hooks and
skills): a command may pick the model and pre-approve tools for its turn.
"""

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from gitagent.agent.trust import content_id
from gitagent.skills.model import rule_list
from gitagent.skills.validate import split_frontmatter
from gitagent.userdir import user_config_dir

REPO_DIRS = (".gitagent/commands", ".claude/commands")
MAX_BYTES = 256 * 1024


@dataclass(frozen=True)
class CustomCommand:
    """One command file: its name, where it is, its frontmatter fields and its template."""

    name: str
    path: Path
    source: str
    body: str
    content_id: str
    description: str = ""
    argument_hint: str = ""
    model: str | None = None
    allowed_tools: list[str] = field(default_factory=list)
    problem: str | None = None
    """Why the command cannot run (bad frontmatter), or None."""

    @property
    def needs_trust(self) -> bool:
        """Whether it comes from the repository (and so runs only once trusted)."""
        return self.source == "repo"


@dataclass
class CommandDiscovery:
    """The commands in effect by name, and the ones they shadow."""

    commands: dict[str, CustomCommand] = field(default_factory=dict)
    shadowed: list[CustomCommand] = field(default_factory=list)


def repository_command_dirs(root: Path) -> list[Path]:
    """The repository's command folders, in the order they win."""
    return [root / sub for sub in REPO_DIRS]


def discover_commands(root: Path, user_dir: Path | None = None, home: Path | None = None) -> CommandDiscovery:
    """The custom commands of the checkout `root` and of the user (see the module docstring for the order)."""
    user = user_dir if user_dir is not None else user_config_dir()
    places = [(d, "repo") for d in repository_command_dirs(root)]
    places += [(user / "commands", "user"), ((home or Path.home()) / ".claude" / "commands", "user")]
    found = CommandDiscovery()
    for directory, source in places:
        for command in _commands_in(directory, source):
            if command.name in found.commands:
                found.shadowed.append(command)
            else:
                found.commands[command.name] = command
    return found


def _commands_in(directory: Path, source: str) -> list[CustomCommand]:
    if not directory.is_dir():
        return []
    commands = []
    for path in sorted(directory.rglob("*.md")):
        # A link out of the folder would let a repository show the model any file on the host.
        if not path.is_file() or not path.resolve().is_relative_to(directory.resolve()):
            continue
        relative = path.relative_to(directory).with_suffix("")
        commands.append(load_command(path, ":".join(relative.parts), source))
    return commands


def load_command(path: Path, name: str, source: str) -> CustomCommand:
    """Read one command file; a file that cannot be used is a command with a `problem`, never an exception."""
    try:
        data = path.read_bytes()
        text = data[:MAX_BYTES].decode("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        return CustomCommand(name, path, source, "", "", problem=f"cannot read {path}: {e}")
    ident = content_id(data)
    parts = split_frontmatter(text)
    if parts is None:
        return CustomCommand(name, path, source, text, ident, description=_first_line(text))
    try:
        meta = yaml.safe_load(parts[0]) or {}
    except yaml.YAMLError as e:
        return CustomCommand(name, path, source, parts[1], ident, problem=f"{path}: invalid frontmatter: {e}")
    if not isinstance(meta, dict):
        return CustomCommand(name, path, source, parts[1], ident, problem=f"{path}: frontmatter is not a mapping")
    return CustomCommand(
        name, path, source, parts[1], ident,
        description=str(meta.get("description") or _first_line(parts[1])),
        argument_hint=str(meta.get("argument-hint") or ""),
        model=str(meta["model"]) if meta.get("model") else None,
        allowed_tools=rule_list(meta.get("allowed-tools")),
    )  # fmt: skip


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")[:100]
