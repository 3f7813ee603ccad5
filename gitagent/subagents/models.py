"""Which model a child runs: the Agent call's `model`, else its definition's, else the parent's.

Claude Code's aliases (`sonnet`, `opus`, `haiku`) map to the newest model of that family in gitagent's
catalog when the parent runs an Anthropic model; under another provider the child inherits the parent's model,
with a note. A full spec (`provider:model`) is honoured as given; a Claude model id gets `anthropic:`.
A scripted parent's script may name the script each child runs (`"agents"`, see `models.scripted`).
"""

import re

from gitagent.models.catalog import known_models
from gitagent.models.scripted import agent_script

ALIASES = ("sonnet", "opus", "haiku")


def child_model(parent: str, asked: str | None, agent_type: str, prompt: str) -> tuple[str, str | None]:
    """The child's model spec and, when the asked model could not be used as it is, a note saying why."""
    spec, note = _resolve(parent, (asked or "").strip())
    if spec.startswith("scripted:"):
        spec = agent_script(spec, agent_type, prompt) or spec
    return spec, note


def _resolve(parent: str, asked: str) -> tuple[str, str | None]:
    if not asked or asked == "inherit":
        return parent, None
    provider = parent.split(":", 1)[0]
    if asked.lower() in ALIASES:
        if provider == "anthropic":
            family = [m.spec for m in known_models() if re.match(rf"anthropic:claude-{asked.lower()}-", m.spec)]
            if family:
                return family[0], None
        return parent, f"model {asked!r} (a Claude Code alias) is not available with {parent}; the agent uses {parent}"
    if ":" in asked:
        return asked, None
    if asked.startswith("claude-"):
        return f"anthropic:{asked}", None
    return parent, f"unknown model {asked!r}; the agent uses {parent}"


def continued_model(parent: str, recorded: str, agent_type: str, message: str) -> str:
    """The model a child continued with SendMessage runs: the one it ran (a scripted parent's script may name
    another script for the message)."""
    chosen = agent_script(parent, agent_type, message) if parent.startswith("scripted:") else None
    return chosen or recorded
