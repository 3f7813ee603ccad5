"""Known models: context windows and prices (package data in `catalog.json`), and what a turn cost."""

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from gitagent.models.base import Usage

DEFAULT_CONTEXT = 128_000
"""Context window assumed for a model the catalogue does not know (e.g. a local server's)."""


@dataclass(frozen=True)
class ModelInfo:
    """A model's context window, its prices in USD per million tokens, the output budget to ask for (0: the
    request's own) and the day its provider turns it off (ISO date, empty if none is announced)."""

    spec: str
    context: int
    input: float
    output: float
    cache_read: float
    cache_write: float
    max_tokens: int = 0
    retires: str = ""

    def cost(self, usage: Usage) -> float:
        """What `usage` cost, in USD."""
        return (
            usage.input_tokens * self.input
            + usage.output_tokens * self.output
            + usage.cache_read_tokens * self.cache_read
            + usage.cache_write_tokens * self.cache_write
        ) / 1_000_000


@cache
def _data() -> dict[str, Any]:
    # beside this module (importlib.resources would cost a headless turn its zipfile import)
    return json.loads((Path(__file__).parent / "catalog.json").read_text(encoding="utf-8"))


def known_models() -> list[ModelInfo]:
    """Every model in the catalogue."""
    return [ModelInfo(spec, **info) for spec, info in _data()["models"].items()]


def model_info(spec: str) -> ModelInfo | None:
    """The catalogue entry of `spec`, or None for a model it does not know."""
    info = _data()["models"].get(spec)
    return None if info is None else ModelInfo(spec, **info)


def context_window(spec: str) -> int:
    """The context window of `spec` (a conservative default for unknown models)."""
    info = model_info(spec)
    return info.context if info else DEFAULT_CONTEXT


def cost_usd(spec: str, usage: Usage) -> float | None:
    """What `usage` on `spec` cost, or None when the model has no known price."""
    info = model_info(spec)
    return None if info is None else round(info.cost(usage), 6)


def retirement_notice(spec: str, today: date | None = None) -> str | None:
    """A warning when the provider turns `spec` off (or has turned it off), naming the model to move to."""
    info = model_info(spec)
    if info is None or not info.retires:
        return None
    retires = date.fromisoformat(info.retires)
    when = "was turned off" if retires <= (today or date.today()) else "will be turned off"
    successor = default_model(spec.split(":", 1)[0])
    return (
        f"warning: {spec} {when} by its provider on {retires:%Y-%m-%d}; "
        f"pass --model {successor} (or `git config gitagent.model {successor}`)"
    )


def default_model(provider: str) -> str:
    """The model used for `provider` when none is chosen."""
    return _data()["defaults"][provider]
