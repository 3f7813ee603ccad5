"""The options a turn runs with through the API: the command line's (`RunOptions`) plus what only code can
give (an approval callback, a retry reporter, the number of tries for a typed answer)."""

from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from typing import Any

from gitagent.agent.output import DEFAULT_TRIES
from gitagent.agent.permissions import Approver, Decision
from gitagent.agent.setup import RunOptions

Approve = Callable[[str, dict[str, Any]], bool]
"""Called with a tool's name and input where a person would be asked (approval `ask`); True allows it."""


@dataclass(frozen=True)
class Options:
    """How turns run; every field has the command line's default, and None means git config or the default.

    `approve` implies `approval="ask"` unless `approval` says otherwise.
    """

    model: str | None = None
    sandbox: str | None = None
    allow_network: bool = False
    approval: str | None = None
    approve: Approve | None = None
    base_url: str | None = None
    trust_repo: bool = False
    max_steps: int = 100
    max_cost: float | None = None
    repo_map: bool = True
    output_tries: int = DEFAULT_TRIES
    executor: str | None = None
    """`gitagent` (its own loop), `claude-code` or `codex` (None: git config, else the conversation's last)."""
    executor_args: tuple[str, ...] = ()
    """Passed on to an outside executor's command line, word by word."""
    on_retry: Callable[[int, float, str], None] | None = None
    """Told (attempt, seconds to wait, reason) before a failed model call is retried."""

    def merged(self, **changes: Any) -> "Options":
        """These options with `changes` (a TypeError names an unknown one)."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise TypeError(f"unknown option {unknown[0]!r}; known: {', '.join(sorted(known))}")
        return replace(self, **changes)

    def run_options(self) -> RunOptions:
        """What `turn_settings` reads."""
        approval = self.approval or ("ask" if self.approve is not None else None)
        return RunOptions(
            model=self.model, sandbox=self.sandbox, allow_network=self.allow_network, approval=approval,
            base_url=self.base_url, trust_repo=self.trust_repo, max_steps=self.max_steps, repo_map=self.repo_map,
            max_cost=self.max_cost, executor=self.executor, executor_args=self.executor_args,
        )  # fmt: skip

    def approver(self) -> Approver | None:
        """`approve` as the guard asks it."""
        approve = self.approve
        if approve is None:
            return None

        def ask(call: dict[str, Any]) -> Decision:
            allowed = bool(approve(call["name"], dict(call.get("input") or {})))
            return Decision(allowed, "callback", "allowed by the approve callback" if allowed else
                            "refused by the approve callback")  # fmt: skip

        return ask
