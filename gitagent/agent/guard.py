"""The checks around every tool call and every would-be final answer: permissions now, hooks as they come.

The loop asks the guard before a tool runs (it may refuse, or change the input), after it ran (it may
add context), and before the turn ends (it may send the agent back to work). Every verdict that matters
is written into the turn's record, so `gitagent show` and `git log` tell who allowed or blocked what.
"""

from dataclasses import dataclass

from gitagent.agent.permissions import Approver, Permissions
from gitagent.agent.record import TurnRecord
from gitagent.models.base import Block
from gitagent.tools.base import ToolResult


@dataclass
class Guard:
    """Permissions (and an approver, where a person can answer) for one turn."""

    permissions: Permissions
    approver: Approver | None = None

    def before_tool(self, call: Block, record: TurnRecord) -> tuple[Block, ToolResult | None]:
        """The call to run (possibly changed), or a refusal to return to the model instead."""
        decision = self.permissions.decide(call, self.approver)
        if decision.by != "mode" or not decision.allowed:
            record.add_permission(call, decision.allowed, decision.by, decision.reason)
        if not decision.allowed:
            return call, ToolResult(f"Permission denied: {decision.reason}", is_error=True)
        return call, None

    def after_tool(self, call: Block, result: ToolResult, record: TurnRecord) -> ToolResult:
        """The result the model sees."""
        return result

    def before_stop(self, record: TurnRecord) -> str | None:
        """An instruction that keeps the agent working, or None to let the turn end."""
        return None


def unguarded() -> Guard:
    """A guard that allows everything (auto mode, no rules)."""
    return Guard(Permissions())
