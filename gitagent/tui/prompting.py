"""What the chat sends for a turn: the prompt as typed and what goes with it (`@` mentions, `!command` output,
a slash command's instructions), and, from a custom command's frontmatter, the model and pre-approved tools
for that turn."""

from dataclasses import dataclass, field
from pathlib import Path

from gitagent.agent.attachments import Attachment, command_attachment
from gitagent.commands import CustomCommand, expand
from gitagent.models.catalog import known_models
from gitagent.tui.mentions import attachments_for

INIT_PROMPT = """\
Write an AGENTS.md file at the root of this repository: the instructions a coding agent (or a new
colleague) needs before changing code here. Explore first: the README and docs, the build and package
files, the CI configuration, the layout of the source and tests, and any existing agent instructions
(AGENTS.md, CLAUDE.md, .cursorrules, .github/copilot-instructions.md), whose useful parts you keep.

Cover, briefly and specifically to this repository:
- how to set up, build, lint and run the tests, including how to run a single test;
- the architecture in a few lines: the main packages and what each is responsible for;
- the conventions the code follows that are not obvious from one file (naming, errors, typing, style);
- anything surprising a newcomer would get wrong.

Leave out generic advice that holds for every project, and do not list every file. If AGENTS.md exists,
improve it rather than starting again. Keep it short enough to read in two minutes."""


@dataclass
class Prompt:
    """One turn's input as the chat sends it."""

    text: str
    attachments: list[Attachment] = field(default_factory=list)
    model: str | None = None
    """A model for this turn only (a custom command's `model`), or None for the session's."""
    allowed_tools: list[str] = field(default_factory=list)
    """Permission rules allowed without asking for this turn (a custom command's `allowed-tools`)."""
    origin: str = ""
    """Where the rules come from, for the record of a permission decision."""


def plain_prompt(text: str, root: Path, shell: list[Attachment]) -> Prompt:
    """A prompt the person wrote: `shell` (the `!command`s run since the last turn), then its mentions."""
    return Prompt(text, [*shell, *attachments_for(text, root)])


def init_prompt(shell: list[Attachment]) -> Prompt:
    """`/init`: the agent writes AGENTS.md for this repository."""
    return Prompt("/init", [*shell, command_attachment("init", "", INIT_PROMPT)])


def custom_prompt(command: CustomCommand, arguments: str, root: Path, shell: list[Attachment], model: str) -> Prompt:
    """`/name arguments` for a custom command: the template filled in, and the files it then mentions."""
    text = f"/{command.name} {arguments}".rstrip()
    expanded = expand(command.body, arguments)
    attached = [*shell, *attachments_for(expanded, root), command_attachment(command.name, arguments, expanded)]
    chosen = command_model(command.model, model) if command.model else None
    return Prompt(text, attached, chosen, command.allowed_tools, f"/{command.name} ({command.path})")


def command_model(value: str, current: str) -> str:
    """A command's `model` as a spec: `provider:name` as it is; a bare name (Claude Code's form) with the
    provider the catalogue knows it under, else the current model's provider."""
    if ":" in value:
        return value
    known = next((m.spec for m in known_models() if m.spec.partition(":")[2] == value), None)
    if known:
        return known
    provider = current.partition(":")[0]
    return f"{provider if provider in ('anthropic', 'openai') else 'anthropic'}:{value}"
