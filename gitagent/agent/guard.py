"""The checks around every tool call and every would-be final answer: permission rules and hooks.

The loop asks the guard before a tool runs (it may refuse, or change the input), after it ran (it may
add context), and before the turn ends (a Stop hook may send the agent back to work). The session asks
it at the turn's own events (prompt, commit). Every verdict that matters is written into the turn's
record, so `gitagent show` and `git log` tell who allowed or blocked what.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gitagent.agent.events import Event, Verdict
from gitagent.agent.permissions import Approver, Permissions
from gitagent.agent.record import TurnRecord
from gitagent.agent.transcript import Transcript
from gitagent.errors import GitagentError
from gitagent.hooks import HookOutcome, HookRunner
from gitagent.models.base import Block
from gitagent.tools.base import ToolResult


class HookStop(GitagentError):
    """A hook said `continue: false`: the agent stops working, and the turn is recorded as stopped."""


@dataclass
class Guard:
    """Permissions, an approver where a person can answer, and the hooks of the repository and user."""

    permissions: Permissions
    approver: Approver | None = None
    hooks: HookRunner | None = None
    transcript: Transcript | None = None
    notify: Callable[[str], None] = lambda text: None
    emit: Callable[[Event], None] = lambda event: None
    stop_hook_active: bool = False
    tool_fields: Callable[[str], dict[str, Any]] = lambda name: {}
    """Extra hook input about a tool (an MCP tool's `mcp_server`), by tool name."""

    def run_hooks(self, event: str, payload: dict[str, Any], record: TurnRecord) -> HookOutcome | None:
        """Run `event`'s hooks (None when none apply), record them, tell the user what they said."""
        if self.hooks is None or not self.hooks.hooks_for(event, payload):
            return None
        if self.transcript is not None:
            self.transcript.write(record)
        outcome = self.hooks.run(event, payload)
        record.add_hooks(outcome.records)
        for hook_record in outcome.records:
            self.emit(Verdict.of_hook({"event": event, **hook_record}))
        for text in [*outcome.errors, *outcome.system_messages]:
            self.notify(text)
        if outcome.skipped_untrusted:
            names = ", ".join(hook.label for hook in outcome.skipped_untrusted)
            self.notify(f"skipped untrusted repository hooks for {event}: {names} (trust them with `gitagent trust`)")
        if outcome.stop:
            raise HookStop(outcome.stop_reason or f"a {event} hook stopped the agent")
        return outcome

    def before_tool(self, call: Block, record: TurnRecord) -> tuple[Block, ToolResult | None]:
        """The call to run (possibly changed), or a refusal to return to the model instead."""
        payload = {"tool_name": call["name"], "tool_input": call.get("input") or {}, "tool_use_id": call["id"],
                   **self.tool_fields(call["name"])}  # fmt: skip
        out = self.run_hooks("PreToolUse", payload, record)
        if out is not None and out.blocked:
            return call, ToolResult(out.reason or "blocked by a PreToolUse hook", is_error=True)
        if out is not None and out.updated_input is not None:
            call = {**call, "input": out.updated_input}
        hook = out.permission if out is not None else None
        decision = self.permissions.decide(call, self.approver, hook, out.permission_reason if out else "")
        if decision.by != "mode" or not decision.allowed:
            record.add_permission(call, decision.allowed, decision.by, decision.reason)
            self.emit(Verdict.of_permission(record.events[-1]))
        if not decision.allowed:
            return call, ToolResult(f"Permission denied: {decision.reason}", is_error=True)
        return call, None

    def after_tool(self, call: Block, result: ToolResult, record: TurnRecord) -> ToolResult:
        """The result the model sees, with what PostToolUse hooks added."""
        payload = {
            "tool_name": call["name"], "tool_input": call.get("input") or {}, "tool_use_id": call["id"],
            "tool_response": {"content": result.output, "is_error": result.is_error}, **self.tool_fields(call["name"]),
        }  # fmt: skip
        out = self.run_hooks("PostToolUse", payload, record)
        if out is None:
            return result
        notes = ([out.reason] if out.blocked and out.reason else []) + out.additional_context
        if not notes:
            return result
        return ToolResult("\n\n".join([result.output, *notes]), result.is_error, result.metadata)

    def before_stop(self, record: TurnRecord) -> str | None:
        """An instruction from a Stop hook that keeps the agent working, or None to let the turn end."""
        out = self.run_hooks("Stop", {"stop_hook_active": self.stop_hook_active}, record)
        if out is None or not out.blocked:
            return None
        self.stop_hook_active = True
        return out.reason or "a Stop hook asked you to keep working"


def unguarded() -> Guard:
    """A guard that allows everything (auto mode, no rules, no hooks)."""
    return Guard(Permissions())
