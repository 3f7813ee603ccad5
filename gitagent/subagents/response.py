"""The Agent tool's `tool_response` for PostToolUse hooks, in the shapes Claude Code sends (its `AgentOutput`).

Recorded from Claude Code 2.1.328 (`tests/subagents/record_agent_response.py`): a foreground call gets
`{status: "completed", prompt, agentId, agentType, content: [{type: "text", text}], resolvedModel,
totalDurationMs, totalTokens, totalToolUseCount, usage, canContinueAgent}`, a background one `{isAsync,
status: "async_launched", agentId, description, resolvedModel, prompt, outputFile, canReadOutputFile,
canContinueAgent}`. Claude Code's own bookkeeping (`harness…` counters) is left out; `usage` carries the token
counts and, as null (which its published type allows), what gitagent does not track; `worktreePath` (optional
there) is the child's worktree. A child that did not complete has its own status (`failed`, `interrupted`…).
`agentId` is the child conversation's name, as SendMessage and MergeAgent take it.
"""

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gitagent.subagents.notify import Finished
    from gitagent.subagents.start import Task


def finished_response(name: str, task: "Task", finished: "Finished", model: str, worktree: Path) -> dict[str, Any]:
    """A foreground child's end, as a PostToolUse hook gets it."""
    usage = finished.usage
    return {
        "status": "completed" if finished.status == "complete" else finished.status,
        "prompt": task.prompt,
        "agentId": name,
        "agentType": task.agent_type,
        "content": [{"type": "text", "text": finished.text}],
        "resolvedModel": finished.model or model,
        "totalDurationMs": finished.duration_ms,
        "totalTokens": finished.tokens,
        "totalToolUseCount": finished.tool_calls,
        "usage": {
            "input_tokens": usage.input_tokens,
            "output_tokens": usage.output_tokens,
            "cache_creation_input_tokens": usage.cache_write_tokens,
            "cache_read_input_tokens": usage.cache_read_tokens,
            "server_tool_use": None,
            "service_tier": None,
            "cache_creation": None,
        },
        "canContinueAgent": True,
        "worktreePath": str(worktree),
    }


def launched_response(name: str, task: "Task", model: str, transcript: Path) -> dict[str, Any]:
    """A background child's start, as a PostToolUse hook gets it: `outputFile` is where its transcript is written
    once it finishes (the file SubagentStop's `agent_transcript_path` names)."""
    return {
        "isAsync": True,
        "status": "async_launched",
        "agentId": name,
        "description": task.description,
        "resolvedModel": model,
        "prompt": task.prompt,
        "outputFile": str(transcript),
        "canReadOutputFile": False,
        "canContinueAgent": True,
    }
