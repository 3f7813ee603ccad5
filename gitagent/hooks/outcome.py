"""What a hook's exit status and output mean, and the merged outcome of all the hooks of one event.

The protocol is Claude Code's. Exit 0: success; stdout is read as JSON when it starts with `{`, and for
UserPromptSubmit and SessionStart plain stdout is context for the model. Exit 2: block (see
`events.BLOCKING_EVENTS`), with stderr as the reason. Any other exit, a timeout, or JSON that does not
parse: a non-blocking error shown to the user.

JSON fields: `continue: false` + `stopReason` (stop the agent; wins over everything), `decision: "block"`
+ `reason` (legacy `"approve"`/`"block"` on PreToolUse mean allow/deny), `systemMessage` (shown to the
user), `suppressOutput` (accepted; gitagent does not show hook stdout anyway), and `hookSpecificOutput`
with `hookEventName`, `permissionDecision` (`allow`/`deny`/`ask`) + `permissionDecisionReason`,
`updatedInput`, `additionalContext`, for PermissionRequest `decision` ({`behavior`: `allow`/`deny`,
`updatedInput`, `message`, `interrupt`}), and, for gitagent's PreTurnCommit, `trailers` ({"Key": "value"}).
A PreTurnCommit hook may instead print plain `Key: value` lines. Trailers named `Gitagent-*` are refused:
those record what gitagent did and only gitagent writes them.
"""

import json
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from gitagent.hooks.discovery import Hook
from gitagent.hooks.events import BLOCKING_EVENTS, CONTEXT_EVENTS
from gitagent.hooks.process import ProcessResult

Permission = Literal["allow", "deny", "ask"]
_PERMISSION_RANK = {"allow": 1, "ask": 2, "deny": 3}
_TRAILER_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*$")
_TRAILER_LINE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9-]*): (\S.*)$")
MESSAGE_LIMIT = 500


@dataclass
class HookOutcome:
    """Everything the hooks of one event decided, merged in run order.

    `blocked`: PreToolUse, the tool must not run and `reason` is its error for the model; PostToolUse,
    `reason` goes to the model with the tool's result; UserPromptSubmit, the prompt is refused and
    `reason` shown to the user; Stop, the agent keeps working with `reason` as its instruction;
    PreCompact, no compaction. `stop` (a hook said `continue: false`) ends the agent's work whatever
    else was said; `stop_reason` is for the user.
    """

    event: str
    blocked: bool = False
    reason: str = ""
    permission: Permission | None = None
    """PreToolUse and PermissionRequest: the strongest decision (deny > ask > allow); None when no hook decided."""
    permission_reason: str = ""
    updated_input: dict[str, Any] | None = None
    additional_context: list[str] = field(default_factory=list)
    system_messages: list[str] = field(default_factory=list)
    stop: bool = False
    stop_reason: str = ""
    trailers: list[tuple[str, str]] = field(default_factory=list)
    skipped_untrusted: list[Hook] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    """Non-blocking failures to show the user (a hook that failed, timed out, or printed bad JSON)."""
    records: list[dict[str, Any]] = field(default_factory=list)
    """One per hook considered: event, hook, source, content_id, exit, verdict, duration_ms[, message]."""

    def to_json(self) -> dict[str, Any]:
        """The outcome as plain data (untrusted hooks by label and content id)."""
        return {
            "event": self.event,
            "blocked": self.blocked,
            "reason": self.reason,
            "permission": self.permission,
            "permission_reason": self.permission_reason,
            "updated_input": self.updated_input,
            "additional_context": self.additional_context,
            "system_messages": self.system_messages,
            "stop": self.stop,
            "stop_reason": self.stop_reason,
            "trailers": [list(pair) for pair in self.trailers],
            "skipped_untrusted": [{"hook": h.label, "content_id": h.content_id} for h in self.skipped_untrusted],
            "errors": self.errors,
            "records": self.records,
        }

    def record(
        self, hook: Hook, verdict: str, exit_code: int | None = None, duration_ms: int = 0, message: str = ""
    ) -> None:
        """Add the record of one hook run (or skip) for the turn's events."""
        entry: dict[str, Any] = {
            "event": self.event,
            "hook": hook.label,
            "source": hook.source,
            "content_id": hook.content_id,
            "exit": exit_code,
            "verdict": verdict,
            "duration_ms": duration_ms,
        }
        if message:
            entry["message"] = _clip(message)
        self.records.append(entry)


def apply_result(outcome: HookOutcome, hook: Hook, result: ProcessResult) -> None:
    """Fold one hook's result into `outcome` and record its verdict."""
    event = outcome.event
    code = result.exit_code
    judge = _Judgement(outcome, hook)
    if result.start_error:
        judge.error(result.start_error)
    elif result.timed_out:
        judge.error(f"timed out after {hook.timeout:g} s; its processes were killed", verdict="timeout")
    elif code == 2:
        reason = result.stderr.strip() or f"blocked by hook {hook.label}"
        if event in BLOCKING_EVENTS:
            judge.block(reason)
        else:
            judge.error(f"exit status 2 (a {event} hook cannot block): {reason}")
    elif code != 0:
        judge.error(f"exit status {code}: {result.stderr.strip() or '(no output on stderr)'}")
    elif result.stdout.lstrip().startswith("{"):
        if result.stdout_cut:
            judge.error(f"JSON output too large ({result.stdout_cut + len(result.stdout)} bytes); ignored")
        else:
            _apply_json(judge, result.stdout)
    elif result.stdout.strip() and event in CONTEXT_EVENTS:
        judge.context(result.stdout.strip())
    elif result.stdout.strip() and event == "PreTurnCommit":
        for line in result.stdout.strip().splitlines():
            match = _TRAILER_LINE.match(line.strip())
            if match:
                judge.trailer(match[1], match[2])
            elif line.strip():
                judge.error(f"not a `Key: value` trailer line: {line.strip()!r}")
    outcome.record(hook, judge.verdict, code, result.duration_ms, judge.message)


class _Judgement:
    """The verdict of one hook, built while its output is read, applied to the outcome as it goes."""

    def __init__(self, outcome: HookOutcome, hook: Hook) -> None:
        self.outcome = outcome
        self.hook = hook
        self.verdict = "ok"
        self.message = ""

    def _set(self, verdict: str, message: str = "") -> None:
        rank = ("ok", "context", "allow", "ask", "error", "timeout", "deny", "block", "stop")
        if rank.index(verdict) >= rank.index(self.verdict):
            self.verdict = verdict
            self.message = message or self.message

    def error(self, message: str, verdict: str = "error") -> None:
        self.outcome.errors.append(f"hook {self.hook.label} ({self.outcome.event}): {message}")
        self._set(verdict, message)

    def block(self, reason: str) -> None:
        if self.outcome.event in ("PreToolUse", "PermissionRequest"):
            self._decide("deny", reason)
        self._refuse(reason)
        self._set("block", reason)

    def permission(self, decision: Permission, reason: str) -> None:
        self._decide(decision, reason)
        if decision == "deny":
            reason = reason or f"denied by hook {self.hook.label}"
            self._refuse(reason)
        self._set(decision, reason)

    def _decide(self, decision: Permission, reason: str) -> None:
        outcome = self.outcome
        if outcome.permission is None or _PERMISSION_RANK[decision] > _PERMISSION_RANK[outcome.permission]:
            outcome.permission = decision
            outcome.permission_reason = reason

    def _refuse(self, reason: str) -> None:
        outcome = self.outcome
        outcome.blocked = True
        outcome.reason = f"{outcome.reason}\n{reason}" if outcome.reason else reason

    def context(self, text: str) -> None:
        self.outcome.additional_context.append(text)
        self._set("context")

    def trailer(self, key: str, value: str) -> None:
        if not _TRAILER_KEY.match(key) or "\n" in value or not value.strip():
            self.error(f"not a valid trailer: {key!r}: {value!r}")
        elif key.lower().startswith("gitagent-"):
            self.error(f"trailer {key} refused: Gitagent-* trailers are written by gitagent only")
        else:
            self.outcome.trailers.append((key, value.strip()))

    def stop(self, reason: str) -> None:
        self.outcome.stop = True
        self.outcome.stop_reason = self.outcome.stop_reason or reason or f"stopped by hook {self.hook.label}"
        self._set("stop", self.outcome.stop_reason)


def _apply_json(judge: _Judgement, stdout: str) -> None:
    event = judge.outcome.event
    try:
        data = json.loads(stdout)
    except ValueError as e:
        judge.error(f"output starts with '{{' but is not valid JSON ({e}): {_clip(stdout.strip(), 200)}")
        return
    if not isinstance(data, dict):
        judge.error("JSON output must be an object")
        return
    if isinstance(data.get("systemMessage"), str) and data["systemMessage"].strip():
        judge.outcome.system_messages.append(data["systemMessage"])
    specific = data.get("hookSpecificOutput")
    if isinstance(specific, dict):
        named = specific.get("hookEventName", event)
        if named != event:
            judge.error(f"hookSpecificOutput is for {named!r}, not {event}; ignored")
        else:
            _apply_specific(judge, specific)
    elif specific is not None:
        judge.error("hookSpecificOutput must be an object; ignored")
    decision, reason = data.get("decision"), data.get("reason")
    reason = reason if isinstance(reason, str) else ""
    if decision in ("block", "approve") and event == "PreToolUse":
        judge.permission("deny" if decision == "block" else "allow", reason)
    elif decision == "block" and event in BLOCKING_EVENTS:
        judge.block(reason or f"blocked by hook {judge.hook.label}")
    elif decision is not None and decision != "approve":
        judge.error(f"decision {decision!r} means nothing for {event}; ignored")
    if data.get("continue") is False:
        stop_reason = data.get("stopReason")
        judge.stop(stop_reason if isinstance(stop_reason, str) else "")


def _apply_specific(judge: _Judgement, specific: dict[str, Any]) -> None:
    event = judge.outcome.event
    decision = specific.get("permissionDecision")
    if decision is not None:
        reason = specific.get("permissionDecisionReason")
        reason = reason if isinstance(reason, str) else ""
        if event != "PreToolUse":
            judge.error(f"permissionDecision means nothing for {event}; ignored")
        elif decision in _PERMISSION_RANK:
            judge.permission(decision, reason)
        elif decision != "defer":
            judge.error(f"permissionDecision {decision!r} is not allow, deny or ask; ignored")
    verdict = specific.get("decision")
    if verdict is not None:
        if event == "PermissionRequest" and isinstance(verdict, dict) and verdict.get("behavior") in ("allow", "deny"):
            _permission_request(judge, verdict)
        else:
            judge.error('decision must be {"behavior": "allow" or "deny"}, from a PermissionRequest hook; ignored')
    updated = specific.get("updatedInput")
    if updated is not None:
        if event == "PreToolUse" and isinstance(updated, dict):
            judge.outcome.updated_input = updated
        else:
            judge.error("updatedInput must be an object, and only a PreToolUse hook may give one; ignored")
    context = specific.get("additionalContext")
    if isinstance(context, str) and context.strip():
        judge.context(context.strip())
    trailers = specific.get("trailers")
    if trailers is not None:
        if event != "PreTurnCommit" or not isinstance(trailers, dict | list):
            judge.error("trailers must be an object of strings, given by a PreTurnCommit hook; ignored")
            return
        for pair in trailers.items() if isinstance(trailers, dict) else trailers:
            if isinstance(pair, list | tuple) and len(pair) == 2 and all(isinstance(p, str) for p in pair):
                judge.trailer(pair[0], pair[1])
            else:
                judge.error(f"not a trailer: {pair!r}")


def _permission_request(judge: _Judgement, verdict: dict[str, Any]) -> None:
    """Claude Code's answer to a permission dialog: allow (perhaps with `updatedInput`) or deny (`message`
    for the model; `interrupt: true` also stops the agent)."""
    message = verdict.get("message") if isinstance(verdict.get("message"), str) else ""
    judge.permission(verdict["behavior"], message)
    updated = verdict.get("updatedInput")
    if verdict["behavior"] == "allow" and isinstance(updated, dict):
        judge.outcome.updated_input = updated
    if verdict["behavior"] == "deny" and verdict.get("interrupt") is True:
        judge.stop(message)


def _clip(text: str, limit: int = MESSAGE_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
