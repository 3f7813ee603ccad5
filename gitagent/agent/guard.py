"""The checks around every tool call and every would-be final answer: permission rules and hooks.

The loop asks the guard before a tool runs (it may refuse, or change the input), after it ran (it may
add context), and before the turn ends (a Stop hook may send the agent back to work). The session asks
it at the turn's own events (prompt, commit). Every verdict that matters is written into the turn's
record, so `gitagent show` and `git log` tell who allowed or blocked what.

The order is Claude Code's: a deny rule refuses a call before any hook hears of it; then PreToolUse hooks
(which may block, allow, ask or change the input); then the mode and allow rules; where a person would be
asked, PermissionRequest hooks may answer first, and Notification hooks hear that someone is being asked.
PostToolUse follows a call that ran and succeeded, PostToolUseFailure one that ran and failed; a refused
call gets neither. Hooks see Claude Code's shapes (`hooks.payloads`).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gitagent.agent.events import Event, Verdict
from gitagent.agent.permissions import HEADLESS_ASK, Approver, Decision, Permissions, parse_rules
from gitagent.agent.record import TurnRecord
from gitagent.agent.transcript import Transcript
from gitagent.errors import GitagentError
from gitagent.hooks import HookOutcome, HookRunner
from gitagent.hooks.payloads import failure_error, hook_input, model_input, tool_response
from gitagent.models.base import Block
from gitagent.tools.base import ToolResult

_NO_TURN_FIELDS = {"SessionStart": (), "SessionEnd": ("prompt_id",), "SubagentStart": ("prompt_id",)}


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
    """Extra hook input about a tool (an MCP tool's `mcp_server`, as Claude Code sends it), by tool name."""

    @property
    def permission_mode(self) -> str:
        """The mode as Claude Code names it: auto runs everything (`bypassPermissions`); ask asks a person
        (`default`) or, headless, refuses what is not allowed (`dontAsk`)."""
        if self.permissions.mode == "auto":
            return "bypassPermissions"
        return "default" if self.approver is not None else "dontAsk"

    def run_hooks(self, event: str, payload: dict[str, Any], record: TurnRecord | None) -> HookOutcome | None:
        """Run `event`'s hooks (None when none apply), record them, tell the user what they said."""
        if self.hooks is None or not self.hooks.hooks_for(event, payload):
            return None
        if self.transcript is not None and record is not None:
            self.transcript.write(record)
        turn = {"prompt_id": record.data.get("turn_id", "") if record else "", "permission_mode": self.permission_mode}
        wanted = _NO_TURN_FIELDS.get(event, tuple(turn))
        outcome = self.hooks.run(event, {**{key: turn[key] for key in wanted if turn[key]}, **payload})
        if record is not None:
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
        denial = self.permissions.rule_denial(call)
        if denial is not None:
            return call, self._refuse(call, denial, record)
        payload = {"tool_name": call["name"], "tool_input": self._view(call), "tool_use_id": call["id"],
                   **self.tool_fields(call["name"])}  # fmt: skip
        out = self.run_hooks("PreToolUse", payload, record)
        if out is not None and out.blocked:
            return call, ToolResult(out.reason or "blocked by a PreToolUse hook", is_error=True)
        if out is not None and out.updated_input is not None:
            call = self._change_input(call, out.updated_input, "PreToolUse", record)
        changed: list[Block] = []

        def ask(asked: dict[str, Any]) -> Decision:
            decision, updated = self._ask(asked, record)
            if updated is not None:
                changed.append(updated)
            return decision

        hook = out.permission if out is not None else None
        decision = self.permissions.decide(call, ask, hook, out.permission_reason if out else "")
        call = changed[-1] if changed else call
        if decision.by != "mode" or not decision.allowed:
            record.add_permission(call, decision.allowed, decision.by, decision.reason)
            self.emit(Verdict.of_permission(record.events[-1]))
        if not decision.allowed:
            return call, ToolResult(f"Permission denied: {decision.reason}", is_error=True)
        return call, None

    def _refuse(self, call: Block, decision: Decision, record: TurnRecord) -> ToolResult:
        record.add_permission(call, False, decision.by, decision.reason)
        self.emit(Verdict.of_permission(record.events[-1]))
        return ToolResult(f"Permission denied: {decision.reason}", is_error=True)

    def _ask(self, call: Block, record: TurnRecord) -> tuple[Decision, Block | None]:
        """Where a person would be asked: PermissionRequest hooks may answer; else the person (after a
        Notification), or, headless, a refusal. Returns the decision and the call a hook changed, if any."""
        payload = {"tool_name": call["name"], "tool_input": self._view(call), "permission_suggestions": [],
                   **self.tool_fields(call["name"])}  # fmt: skip
        out = self.run_hooks("PermissionRequest", payload, record)
        if out is not None and out.permission in ("allow", "deny"):
            reason = out.permission_reason or out.reason or f"{out.permission} by a PermissionRequest hook"
            updated = out.updated_input if out.permission == "allow" else None
            changed = self._change_input(call, updated, "PermissionRequest", record) if updated else None
            return Decision(out.permission == "allow", "hook", reason), changed
        if self.approver is None:
            return Decision(False, "mode", HEADLESS_ASK, asked=True), None
        notice = {"message": f"gitagent needs your permission to use {call['name']}"}
        self.run_hooks("Notification", {**notice, "notification_type": "permission_prompt"}, record)
        return self.approver(call), None

    def after_tool(self, call: Block, result: ToolResult, record: TurnRecord, duration_ms: int) -> ToolResult:
        """The result the model sees of a call that ran, with what PostToolUse(Failure) hooks added."""
        name, view = call["name"], self._view(call)
        if name == "Skill" and not result.is_error:
            self._allow_skill_tools(result.metadata)
        if result.is_error:
            error = failure_error(name, result.output, result.metadata)
            payload = {"tool_name": name, "tool_input": view, "tool_use_id": call["id"], "error": error,
                       "is_interrupt": False, "duration_ms": duration_ms, **self.tool_fields(name)}  # fmt: skip
            out = self.run_hooks("PostToolUseFailure", payload, record)
        else:
            response = tool_response(name, view, result.output, result.metadata, record.data.get("todos"))
            payload = {"tool_name": name, "tool_input": view, "tool_response": response, "tool_use_id": call["id"],
                       "duration_ms": duration_ms, **self.tool_fields(name)}  # fmt: skip
            out = self.run_hooks("PostToolUse", payload, record)
        if out is None:
            return result
        notes = ([out.reason] if out.blocked and out.reason else []) + out.additional_context
        if not notes:
            return result
        return ToolResult("\n\n".join([result.output, *notes]), result.is_error, result.metadata)

    def _allow_skill_tools(self, loaded: dict[str, Any]) -> None:
        """Allow what a loaded skill's `allowed-tools` name for the rest of the turn, as Claude Code does once
        it loads one (deny and ask rules still come first). Only skills the user trusts are ever loaded."""
        origin = f"skill {loaded.get('skill')}'s allowed-tools"
        self.permissions.allow.extend(parse_rules(loaded.get("allowed_tools") or [], origin, self.notify))

    def after_batch(self, done: list[tuple[Block, ToolResult]], record: TurnRecord) -> None:
        """PostToolBatch, once every tool call of a model response has its result."""
        calls = [{"tool_name": call["name"], "tool_input": self._view(call), "tool_use_id": call["id"],
                  "tool_response": result.output} for call, result in done]  # fmt: skip
        self.run_hooks("PostToolBatch", {"tool_calls": calls}, record)

    def before_stop(self, record: TurnRecord) -> str | None:
        """An instruction from a Stop hook that keeps the agent working, or None to let the turn end."""
        payload = {"stop_hook_active": self.stop_hook_active, "last_assistant_message": record.answer,
                   "background_tasks": [], "session_crons": []}  # fmt: skip
        out = self.run_hooks("Stop", payload, record)
        if out is None or not out.blocked:
            return None
        self.stop_hook_active = True
        return out.reason or "a Stop hook asked you to keep working"

    def after_compaction(self, trigger: str, summary: str, model: str, record: TurnRecord) -> list[str]:
        """PostCompact, then SessionStart with source `compact`; returns the context the latter gave."""
        self.run_hooks("PostCompact", {"trigger": trigger, "compact_summary": summary}, record)
        out = self.run_hooks("SessionStart", {"source": "compact", "model": model}, record)
        return out.additional_context if out is not None else []

    def _view(self, call: Block) -> dict[str, Any]:
        worktree = self.hooks.worktree if self.hooks is not None else None
        tool_input = call.get("input") or {}
        return hook_input(call["name"], tool_input, worktree) if worktree is not None else dict(tool_input)

    def _change_input(self, call: Block, updated: dict[str, Any], by: str, record: TurnRecord) -> Block:
        """The call with a hook's `updatedInput` (paths back relative to the worktree), recorded as what ran."""
        worktree = self.hooks.worktree if self.hooks is not None else None
        changed = {**call, "input": model_input(updated, worktree) if worktree is not None else updated}
        record.add_input_change(changed, by)
        return changed


def unguarded() -> Guard:
    """A guard that allows everything (auto mode, no rules, no hooks)."""
    return Guard(Permissions())
