"""One-line descriptions the chat shows of turns and outcomes."""

from pathlib import Path
from typing import Any

from gitagent.agent.events import TurnOutcome
from gitagent.humanize import human_tokens
from gitagent.models.base import Usage


def _cost(cost: float | None) -> str:
    return f" · ${cost:.4f}" if cost else ""


def turn_footer(turn: dict[str, Any]) -> str:
    """`turn 3 · 1.2k tokens · $0.0123` under a recorded turn (its commit id is in the side panel and /log)."""
    usage = Usage.from_json(turn.get("usage"))
    status = turn.get("status", "?")
    return (
        f"turn {turn.get('turn', '?')} · {human_tokens(usage.total)} tokens"
        f"{_cost(turn.get('cost_usd'))}{'' if status == 'complete' else ' · ' + status}"
    )


def outcome_footer(outcome: TurnOutcome) -> str:
    """The same line for a turn that just committed."""
    status = "" if outcome.status == "complete" else f" · {outcome.status}"
    return f"turn {outcome.turn} · {human_tokens(outcome.usage.total)} tokens{_cost(outcome.cost_usd)}{status}"


def short_model(spec: str) -> str:
    """A model spec as the status bar shows it: a scripted model by its file name, not its whole path."""
    provider, _, name = spec.partition(":")
    return f"{provider}:{Path(name).name}" if provider == "scripted" else spec
