"""What a skill is once loaded, and the problems validation reports."""

import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from gitagent.skills.content import list_files, tree_id

Source = Literal["repo", "user", "builtin"]
Level = Literal["error", "warning"]

SKILL_FILE = "SKILL.md"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a skill: `file` and, where it applies, the frontmatter `field` it concerns."""

    level: Level
    file: Path
    field: str | None
    message: str
    relaxed: bool = False
    """An error by the standard that run time lets pass, as Claude Code does (`skills validate` reports it)."""

    def format(self, base: Path | None = None) -> str:
        """`file: field: message`, the file shown relative to `base` when it lies under it."""
        where = display_path(self.file, base)
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"

    def __str__(self) -> str:
        return self.format()


@dataclass
class Skill:
    """A valid skill folder: its frontmatter, its instructions (the body) and where it came from."""

    name: str
    description: str
    path: Path
    """The skill folder, absolute with symlinks resolved (bind it read-only into the sandbox as it is)."""
    source: Source
    frontmatter: dict[str, Any]
    body: str
    warnings: list[Problem] = field(default_factory=list)

    @property
    def skill_md(self) -> Path:
        """The skill's SKILL.md."""
        return self.path / SKILL_FILE

    @property
    def model_invocable(self) -> bool:
        """False when the skill asks not to be offered to the model (Claude Code's `disable-model-invocation`)."""
        return self.frontmatter.get("disable-model-invocation") is not True

    @cached_property
    def content_id(self) -> str:
        """The git tree id of the skill folder, as `git rev-parse HEAD:<folder>` gives it once committed.

        Trust is recorded by this id (DESIGN §3), so any change to any file of the skill, its scripts
        included, needs trusting again; a skill read from a commit has the tree id of its entry there.
        """
        return tree_id(self.path)

    @property
    def allowed_tools(self) -> list[str]:
        """The permission rules of `allowed-tools`, which Claude Code pre-approves once the skill is loaded."""
        return rule_list(self.frontmatter.get("allowed-tools"))

    def files(self, limit: int | None = None) -> tuple[list[str], int]:
        """The skill's files relative to its folder (`/`-separated, sorted), and how many were left out."""
        return list_files(self.path, limit)


def rule_list(value: Any) -> list[str]:
    """Rules written as a YAML list, or as one string separated by spaces (the standard's form) or commas (Claude
    Code's too); a space or comma inside a rule's parentheses, `Bash(git add:*)`, does not separate."""
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    if not isinstance(value, str):
        return []
    rules, depth, current = [], 0, ""
    for char in value:
        depth = max(0, depth + (char == "(") - (char == ")"))
        if depth == 0 and (char == "," or char.isspace()):
            rules.append(current)
            current = ""
        else:
            current += char
    return [rule for rule in [*rules, current] if rule]


def display_path(path: Path, base: Path | None = None) -> str:
    """`path` relative to `base` (default: the current directory) when it lies under it, else as it is."""
    base = base if base is not None else Path(os.getcwd())
    if base == Path(base.anchor):
        return str(path)
    try:
        return path.relative_to(base).as_posix() or "."
    except ValueError:
        return str(path)
