"""The tools a parent agent uses on its children: Agent (Claude Code's), SendMessage and MergeAgent."""

from typing import Any, ClassVar

import pygit2

from gitagent.agent.transcript import transcript_path
from gitagent.errors import GitagentError
from gitagent.store import turns
from gitagent.store.conversations import get_conversation
from gitagent.subagents.buildoutput import summary, without_build_output
from gitagent.subagents.host import Subagents
from gitagent.subagents.models import child_model
from gitagent.subagents.response import finished_response, launched_response
from gitagent.subagents.start import Task, agent_info, child_prefix
from gitagent.tools.base import Tool, ToolContext, ToolResult
from gitagent.workspace.merge import conflict_report, merge_into
from gitagent.workspace.worktree import worktree_for


class AgentTool:
    """Start a subagent: a child conversation with its own worktree and sandbox."""

    name = "Agent"

    def __init__(self, host: Subagents) -> None:
        self.host = host
        kinds = "\n".join(f"- {a.name}: {a.description}" for a in host.agents.agents)
        self.description = (
            "Start a subagent to carry out a task on its own: a new conversation with its own copy of the files "
            "(as you have them now), its own worktree and sandbox.\n"
            'subagent_type "fork" gives it your whole conversation so far; any other type starts a fresh agent '
            "that sees only the prompt, so make the prompt self-contained. Available types:\n"
            f"{kinds}\n"
            "With run_in_background the call returns at once and you are notified when the agent finishes; "
            "start several that way to work in parallel. A finished agent's changes stay in its own worktree "
            "until you bring them into yours with MergeAgent; SendMessage continues it with its context intact."
        )
        self.input_schema: dict[str, Any] = {
            "type": "object",
            "properties": {
                "description": {"type": "string", "description": "A short (3-5 word) description of the task"},
                "prompt": {"type": "string", "description": "The task for the agent to perform"},
                "subagent_type": {"type": "string", "description": "The type of agent (or fork)"},
                "model": {"type": "string", "description": "Optional model (sonnet, opus, haiku or a spec)"},
                "run_in_background": {"type": "boolean", "description": "Run it in the background"},
            },
            "required": ["description", "prompt"],
        }

    def run(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        """Start the child; the foreground waits for its report."""
        prompt = str(tool_input.get("prompt") or "").strip()
        if not prompt:
            return ToolResult("Agent needs a non-empty prompt", is_error=True)
        kind = str(tool_input.get("subagent_type") or "general-purpose")
        definition = None if kind == "fork" else self.host.agents.get(kind)
        if kind != "fork" and definition is None:
            known = ", ".join(["fork", *(a.name for a in self.host.agents.agents)])
            return ToolResult(f"Unknown subagent_type {kind!r}. Available: {known}", is_error=True)
        kind = definition.name if definition else kind
        turn = self.host.turn
        assert turn is not None
        asked = tool_input.get("model") or (definition.model if definition else None)
        model, note = child_model(turn.settings.model.spec, asked, kind, prompt)
        description = str(tool_input.get("description") or "").strip() or prompt[:40]
        background = bool(tool_input.get("run_in_background"))
        task = Task(kind, description, prompt, _call_id(turn.record.unanswered_tool_calls(), tool_input), background)
        try:
            name, text = self.host.spawn(task, definition, model)
        except GitagentError as e:
            return ToolResult(f"Could not start the agent: {e.message}", is_error=True)
        metadata = {"agent": name, "hook_response": self._hook_response(name, task, model)}
        return ToolResult(f"{text}\n[{note}]" if note else text, metadata=metadata)

    def _hook_response(self, name: str, task: Task, model: str) -> dict[str, Any]:
        """The call's `tool_response` for PostToolUse hooks: the child's end, or that it started in the background."""
        repo = self.host.repository.handle()
        child = self.host.children.get(name)
        if task.background or child is None or child.finished is None:
            return launched_response(name, task, model, transcript_path(repo, name))
        return finished_response(name, task, child.finished, model, worktree_for(repo, name).path)


class SendMessageTool:
    """Continue a finished subagent with a new message; it keeps its whole context and its worktree."""

    name = "SendMessage"
    description = (
        "Send a message to a finished subagent you started (to: its id, e.g. p.agents/1): it runs a new turn with "
        "its context intact and reports back (or, with run_in_background, notifies you when done)."
    )
    input_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "to": {"type": "string", "description": "The agent's id"},
            "message": {"type": "string", "description": "What to tell it"},
            "run_in_background": {"type": "boolean"},
        },
        "required": ["to", "message"],
    }

    def __init__(self, host: Subagents) -> None:
        self.host = host

    def run(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        """Run the child's next turn."""
        name = _agent_name(self.host, str(tool_input.get("to") or ""))
        message = str(tool_input.get("message") or "").strip()
        if not message:
            return ToolResult("SendMessage needs a message", is_error=True)
        try:
            text = self.host.continue_child(name, message, bool(tool_input.get("run_in_background")))
        except GitagentError as e:
            return ToolResult(e.message, is_error=True)
        return ToolResult(text, metadata={"agent": name})


class MergeAgentTool:
    """Bring a finished subagent's changes into this worktree: a three-way merge, whole or not at all."""

    name = "MergeAgent"
    description = (
        "Merge a finished subagent's changes (agent_id, e.g. p.agents/1) into your worktree: a three-way merge "
        "against the files the agent started from. If your changes and its changes conflict, nothing is applied "
        "and the conflicting hunks are shown: resolve them yourself (or ask the agent to) and merge again."
    )
    input_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {"agent_id": {"type": "string", "description": "The agent's id"}},
        "required": ["agent_id"],
    }

    def __init__(self, host: Subagents) -> None:
        self.host = host

    def run(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        """Merge the child's latest snapshot into the parent's worktree."""
        turn = self.host.turn
        assert turn is not None
        name = _agent_name(self.host, str(tool_input.get("agent_id") or ""))
        repo = self.host.repository.handle()
        try:
            head = get_conversation(repo, name).head
        except GitagentError as e:
            return ToolResult(e.message, is_error=True)
        info = agent_info(head)
        if info is None or info.get("parent") != turn.state.name:
            return ToolResult(f"{name!r} is not an agent of this conversation", is_error=True)
        if any(c.name == name for c in self.host.running()):
            return ToolResult(f"agent {name} is still running; merge it once it has finished", is_error=True)
        start = pygit2.Oid(hex=info["start"])
        theirs, left_out = without_build_output(repo, start, turns.workspace_tree(head))
        outcome = merge_into(turn.worktree, start, theirs)
        if outcome.conflicts:
            paths = ", ".join(c.path for c in outcome.conflicts)
            return ToolResult(
                f"Merge conflict: nothing was applied. Agent {name} and you changed the same lines in {paths}:\n\n"
                f"{conflict_report(outcome.conflicts)}",
                is_error=True,
            )
        note = (
            f"\nLeft out the build output its commands wrote (new files git would not need: {summary(left_out)});"
            " it stays in the agent's worktree."
            if left_out
            else ""
        )
        if not outcome.changed:
            return ToolResult(f"Agent {name} has no changes that are not already in your worktree.{note}")
        return ToolResult(f"Merged agent {name}: {', '.join(outcome.changed)}{note}", metadata={"agent": name})


def subagent_tools(host: Subagents) -> list[Tool]:
    """The tools of a conversation that may start children (Agent only within the tree's depth limit)."""
    tools: list[Tool] = [SendMessageTool(host), MergeAgentTool(host)]
    return [AgentTool(host), *tools] if host.can_spawn else tools


def _agent_name(host: Subagents, given: str) -> str:
    """An agent's full name from what the model gave: the name, or just its number."""
    given = given.strip()
    parent = host.turn.state.name if host.turn else ""
    return f"{child_prefix(parent)}{given}" if given.isdigit() else given


def _call_id(calls: list[dict[str, Any]], tool_input: dict[str, Any]) -> str:
    """The id of the Agent call being run (tools are given their input only)."""
    return next((c["id"] for c in calls if c["name"] == "Agent" and c.get("input") == tool_input), "")
