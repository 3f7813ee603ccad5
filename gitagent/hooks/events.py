"""The hook events, which of them gitagent fires, what each may do, and how matchers select hooks."""

import re

CLAUDE_EVENTS: tuple[str, ...] = (
    "SessionStart",
    "Setup",
    "UserPromptSubmit",
    "UserPromptExpansion",
    "PreToolUse",
    "PermissionRequest",
    "PermissionDenied",
    "PostToolUse",
    "PostToolUseFailure",
    "PostToolBatch",
    "Notification",
    "Stop",
    "StopFailure",
    "SubagentStart",
    "SubagentStop",
    "PreCompact",
    "PostCompact",
    "PreModelSwitch",
    "PostModelSwitch",
    "TeammateIdle",
    "TaskCreated",
    "TaskCompleted",
    "Elicitation",
    "ElicitationResult",
    "ConfigChange",
    "WorktreeCreate",
    "WorktreeRemove",
    "InstructionsLoaded",
    "CwdChanged",
    "FileChanged",
    "DirectoryAdded",
    "MessageDisplay",
    "SessionEnd",
)
"""Every event Claude Code 2.1.328 has: a settings file naming any of them is read without a complaint."""

GITAGENT_EVENTS: tuple[str, ...] = ("PreTurnCommit", "PostTurnCommit")

EVENTS: tuple[str, ...] = CLAUDE_EVENTS + GITAGENT_EVENTS

FIRED = frozenset(
    {
        "SessionStart",
        "UserPromptSubmit",
        "PreToolUse",
        "PermissionRequest",
        "PostToolUse",
        "PostToolUseFailure",
        "PostToolBatch",
        "Notification",
        "Stop",
        "SubagentStart",
        "SubagentStop",
        "PreCompact",
        "PostCompact",
        "SessionEnd",
        *GITAGENT_EVENTS,
    }
)
"""The events gitagent has a moment for. Hooks of the others are accepted and never run
(`gitagent hooks list` says so): gitagent has no teammates, tasks, MCP elicitations, model
switches mid-session or file watchers, and runs a response's tool calls one by one."""

BLOCKING_EVENTS = frozenset(
    {"PreToolUse", "PermissionRequest", "PostToolUse", "PostToolUseFailure", "UserPromptSubmit", "Stop", "PreCompact"}
)
"""Events where exit 2 (or `decision: "block"`) changes what happens; elsewhere it is an error shown to the user.

PreToolUse: the tool does not run. PermissionRequest: the call is denied without asking. PostToolUse and
PostToolUseFailure: the tool already ran; the reason goes to the model with its result. UserPromptSubmit:
the prompt is refused. Stop: the agent keeps working. PreCompact: no compaction.
"""

CONTEXT_EVENTS = frozenset({"UserPromptSubmit", "SessionStart"})
"""Events where a hook's plain (non-JSON) stdout becomes context for the model, as in Claude Code."""

MATCH_FIELDS: dict[str, str] = {
    "PreToolUse": "tool_name",
    "PermissionRequest": "tool_name",
    "PostToolUse": "tool_name",
    "PostToolUseFailure": "tool_name",
    "SessionStart": "source",
    "SessionEnd": "reason",
    "Notification": "notification_type",
    "PreCompact": "trigger",
    "PostCompact": "trigger",
}
"""The payload field a matcher is tested against, per event (Claude Code matches these too)."""

_PLAIN = re.compile(r"^[A-Za-z0-9_]+(\|[A-Za-z0-9_]+)*$")


def matches(matcher: str, value: str | None) -> bool:
    """Whether `matcher` selects `value` (a tool name, for tool events).

    Empty or `*` matches everything, as does any matcher when there is nothing to match against; a name
    or an `A|B` list matches exactly; anything else is a regular expression that must match the whole name.
    An invalid regular expression matches nothing (discovery reports it).
    """
    matcher = matcher.strip()
    if matcher in ("", "*") or value is None:
        return True
    if _PLAIN.match(matcher):
        return value in matcher.split("|")
    try:
        return re.fullmatch(matcher, value) is not None
    except re.error:
        return False


def matcher_problem(matcher: str) -> str | None:
    """Why `matcher` can never match (an invalid regular expression), or None."""
    if matcher.strip() in ("", "*") or _PLAIN.match(matcher.strip()):
        return None
    try:
        re.compile(matcher)
    except re.error as e:
        return f"matcher {matcher!r} is not a valid regular expression: {e}"
    return None
