"""Agent definitions: plain Markdown files with YAML frontmatter (`name`, `description`, `tools`, `model`),
whose body is the agent's system prompt, as Claude Code's `.claude/agents/*.md`.

Search order (the first definition of a name wins, later ones are shadowed): the repository's
`.gitagent/agents/` and `.claude/agents/` (source "repo", used only once trusted, like its skills), the user's
`agents/` in gitagent's config directory and `~/.claude/agents/` (source "user"), then the built-in
`general-purpose` and read-only `explore` agents.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from gitagent.agent.trust import content_id
from gitagent.skills.frontmatter import loose_frontmatter, parse_yaml, split_frontmatter
from gitagent.userdir import claude_config_dir, user_config_dir

PROJECT_AGENT_DIRS = (".gitagent/agents", ".claude/agents")
READ_ONLY_TOOLS = ("Read", "Glob", "Grep", "RepoMap", "FindSymbol", "Outline")

GENERAL_PURPOSE = """You are a general-purpose agent started by another agent to carry out one task in a git repository.
Your working directory is {root}: your own private worktree, a copy of the files as the agent that started you
had them. Use the tools to read, search, edit and run code. Your changes stay in your worktree until the other
agent merges them. Do the task completely, check your work where you can, then give a short final report: what
you found or changed (name the files) and anything left undone. The report is all the other agent sees."""

EXPLORE = """You are a read-only exploration agent started by another agent to answer a question about a git
repository. Your working directory is {root}. Search and read to find the answer; you cannot change files.
Be thorough but quick, then give a short final report with the file paths and line numbers that matter."""


@dataclass(frozen=True)
class AgentDefinition:
    """One kind of agent: its name, when to use it, its system prompt, the tools it may use, its model."""

    name: str
    description: str
    prompt: str
    """The system prompt (`{root}` stands for the child's worktree)."""
    tools: tuple[str, ...] | None = None
    """The tools it may use (None: all of them)."""
    model: str | None = None
    """`inherit` or None (the parent's model), a Claude Code alias (`sonnet`…) or a model spec."""
    source: str = "builtin"
    path: Path | None = None
    content_id: str = ""

    @property
    def needs_trust(self) -> bool:
        """Whether it comes from the repository (and so runs only once trusted)."""
        return self.source == "repo"

    def system_prompt(self, root: Path) -> str:
        """The system prompt for a child working in `root`."""
        return self.prompt.replace("{root}", str(root))


BUILTIN = (
    AgentDefinition(
        "general-purpose",
        "General-purpose agent for researching questions, searching code and carrying out multi-step tasks.",
        GENERAL_PURPOSE,
    ),
    AgentDefinition(
        "explore",
        "Read-only agent for finding files, searching code and answering questions about the codebase.",
        EXPLORE,
        tools=READ_ONLY_TOOLS,
    ),
)


@dataclass
class AgentDiscovery:
    """The definitions in effect (nearest first), those they shadow, and files that could not be read."""

    agents: list[AgentDefinition] = field(default_factory=list)
    shadowed: list[AgentDefinition] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def get(self, name: str) -> AgentDefinition | None:
        """The definition in effect for `name` (case-insensitive, as Claude Code matches `subagent_type`)."""
        return next((a for a in self.agents if a.name.lower() == name.lower()), None)

    def usable(self, is_trusted: Callable[[str], bool]) -> "AgentDiscovery":
        """Only the definitions that may run: untrusted repository ones are left out (named in `problems`)."""
        usable = [a for a in self.agents if not a.needs_trust or is_trusted(a.content_id)]
        skipped = [a.name for a in self.agents if a not in usable]
        problems = list(self.problems)
        if skipped:
            problems.append(
                f"skipped untrusted repository agents: {', '.join(skipped)} (trust them with `gitagent trust`)"
            )
        return AgentDiscovery(usable, self.shadowed, problems)


def agent_dirs(root: Path) -> list[tuple[Path, str]]:
    """The directories searched, nearest first, with the source their definitions get."""
    return [
        *((root / sub, "repo") for sub in PROJECT_AGENT_DIRS),
        (user_config_dir() / "agents", "user"),
        (claude_config_dir() / "agents", "user"),
    ]


def discover_agents(root: Path) -> AgentDiscovery:
    """Every agent definition for the repository at `root`, then the built-in ones."""
    found = AgentDiscovery()
    for directory, source in agent_dirs(root):
        for path in sorted(directory.glob("*.md")) if directory.is_dir() else []:
            definition = load_definition(path, source, found.problems)
            if definition is not None:
                _add(found, definition)
    for definition in BUILTIN:
        _add(found, definition)
    return found


def _add(found: AgentDiscovery, definition: AgentDefinition) -> None:
    if found.get(definition.name) is None:
        found.agents.append(definition)
    else:
        found.shadowed.append(definition)


def load_definition(path: Path, source: str, problems: list[str]) -> AgentDefinition | None:
    """The definition in `path`, or None with the reason added to `problems`."""
    try:
        data = path.read_bytes()
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        problems.append(f"skipped agent {path}: cannot read it ({e})")
        return None
    parts = split_frontmatter(text)
    if parts is None:
        problems.append(f"skipped agent {path}: no `---` frontmatter with name and description")
        return None
    meta = _frontmatter(parts[0])
    name, description = str(meta.get("name") or "").strip(), str(meta.get("description") or "").strip()
    if not name or not description:
        problems.append(f"skipped agent {path}: its frontmatter needs `name` and `description`")
        return None
    model = str(meta["model"]).strip() if meta.get("model") else None
    return AgentDefinition(
        name, description, parts[1].strip(), _tools(meta.get("tools")), model, source, path, content_id(data)
    )


def _frontmatter(source: str) -> dict[str, Any]:
    try:
        data = parse_yaml(source)
    except yaml.YAMLError:
        return loose_frontmatter(source)
    return data if isinstance(data, dict) else {}


def _tools(value: Any) -> tuple[str, ...] | None:
    """Claude Code's `tools`: a comma-separated string or a list; absent or `*` means every tool."""
    if value is None:
        return None
    names = value if isinstance(value, list) else str(value).split(",")
    cleaned = tuple(str(n).strip() for n in names if str(n).strip())
    return None if not cleaned or cleaned == ("*",) else cleaned
