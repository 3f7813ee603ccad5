"""A turn's record: the events that become `turn.json`, and the model messages they stand for."""

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from gitagent.agent.attachments import Attachment, attachment_text, before_prompt
from gitagent.models.base import STOP_FEEDBACK_PREFIX, Block, Message, ModelResponse, Usage
from gitagent.models.catalog import cost_usd
from gitagent.store import turns
from gitagent.tools.base import ToolResult


def now_iso() -> str:
    """The current UTC time, ISO 8601 with milliseconds."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass
class TurnRecord:
    """The growing `turn.json` of one turn; everything the loop does goes through here."""

    data: dict[str, Any]
    context: list[Message] | None = None
    """The compacted history standing in for the earlier turns, if this turn compacted (`context.json`)."""

    @classmethod
    def start(
        cls,
        *,
        conversation: str,
        turn: int,
        model: str,
        prompt: str,
        owner: dict[str, Any],
        sandbox: str,
        attachments: list[Attachment] | None = None,
    ) -> "TurnRecord":
        """A fresh record holding just the user's prompt (and what it attaches: files, command output)."""
        user: dict[str, Any] = {"type": "user", "text": storable(prompt), "at": now_iso()}
        if attachments:
            user["attachments"] = attachments
        return cls(
            {
                "schema": turns.SCHEMA,
                "turn": turn,
                "turn_id": str(uuid.uuid4()),
                "conversation": conversation,
                "model": model,
                "sandbox": sandbox,
                "status": "in_progress",
                "owner": owner,
                "started_at": now_iso(),
                "events": [user],
            }
        )

    @property
    def events(self) -> list[dict[str, Any]]:
        """The events so far, oldest first."""
        return self.data["events"]

    @property
    def prompt(self) -> str:
        """The user's message that opened the turn ("" for a turn that only compacted)."""
        return next((e["text"] for e in self.events if e["type"] == "user"), "")

    @property
    def steps(self) -> int:
        """How many model responses the turn has."""
        return sum(1 for e in self.events if e["type"] == "assistant")

    def add_assistant(self, response: ModelResponse, model: str, duration_ms: int) -> None:
        """Record one model response."""
        self.events.append(
            {
                "type": "assistant",
                "step": self.steps + 1,
                "model": model,
                "content": response.content,
                "stop_reason": response.stop_reason,
                "usage": response.usage.to_json(),
                "duration_ms": duration_ms,
            }
        )

    def add_tool_result(self, call: Block, result: ToolResult, duration_ms: int) -> None:
        """Record what a tool call returned (with an MCP tool's server, content types and structured content)."""
        event = {
            "type": "tool_result",
            "tool_use_id": call["id"],
            "name": call["name"],
            "content": storable(result.output),
            "is_error": result.is_error,
            "duration_ms": duration_ms,
        }
        for key in ("mcp", "agent"):  # an MCP tool's server and content; the conversation an Agent call started
            if key in result.metadata:
                event[key] = result.metadata[key]
        self.events.append(event)
        if "todos" in result.metadata:  # the plan the TodoWrite tool keeps, as it stands after this call
            self.data["todos"] = result.metadata["todos"]

    def add_permission(self, call: Block, allowed: bool, by: str, reason: str) -> None:
        """Record an approval or a denial of a tool call."""
        self.events.append({
            "type": "permission", "tool_use_id": call["id"], "name": call["name"], "allowed": allowed,
            "by": by, "reason": reason,
        })  # fmt: skip

    def add_context(self, texts: list[str]) -> None:
        """Attach context from SessionStart/UserPromptSubmit hooks to the user's message of this turn."""
        user = next((e for e in self.events if e["type"] == "user"), None)
        if texts and user is not None:  # a compaction-only record has no message to attach to
            user.setdefault("context", []).extend(texts)

    def add_input_change(self, call: Block, by: str) -> None:
        """Record the input a tool call really ran with, after a `by` hook (PreToolUse…) changed it."""
        self.events.append({"type": "tool_input", "tool_use_id": call["id"], "name": call["name"],
                            "input": call.get("input") or {}, "by": by})  # fmt: skip

    def add_hooks(self, records: list[dict[str, Any]]) -> None:
        """Record what each hook run decided (event, hook, source, exit status, verdict, duration)."""
        self.events.extend({"type": "hook", **record} for record in records)

    def add_stop_feedback(self, text: str) -> None:
        """Record an instruction that sent the agent back to work instead of ending the turn."""
        self.events.append({"type": "stop_feedback", "text": text, "at": now_iso()})

    def add_agent_notification(self, agent: str, text: str) -> None:
        """Record that background subagent `agent` finished: `text` reaches the model before its next request."""
        self.events.append({"type": "agent_notification", "agent": agent, "text": text, "at": now_iso()})

    def add_output_feedback(self, text: str) -> None:
        """Record a reminder that the answer must come through the StructuredOutput tool (a try used)."""
        self.events.append({"type": "output_feedback", "text": text, "at": now_iso()})

    def set_structured_output(self, value: Any) -> None:
        """Keep the turn's validated structured answer (`structured_output` in `turn.json`)."""
        self.data["structured_output"] = value

    @property
    def structured_output(self) -> Any:
        """The validated structured answer, or None."""
        return self.data.get("structured_output")

    def add_compaction(self, replaced: int, context: list[Message]) -> None:
        """Record that the earlier history (`replaced` messages) was summarised into `context`."""
        self.context = list(context)
        summary = "".join(b.get("text", "") for m in context for b in m["content"])
        self.events.append({"type": "compaction", "replaced_messages": replaced, "summary": summary, "at": now_iso()})

    def add_error(self, message: str) -> None:
        """Record a failure that interrupted the turn."""
        self.events.append({"type": "error", "message": storable(message), "at": now_iso()})

    def unanswered_tool_calls(self) -> list[Block]:
        """Tool calls of the last response that have no result yet (after a crash, or mid-step)."""
        last = next((e for e in reversed(self.events) if e["type"] == "assistant"), None)
        if last is None:
            return []
        answered = {e["tool_use_id"] for e in self.events if e["type"] == "tool_result"}
        return [b for b in last["content"] if b.get("type") == "tool_use" and b["id"] not in answered]

    @property
    def answered(self) -> bool:
        """Whether the last model response is a final answer (no tool calls)."""
        kinds = ("assistant", "tool_result", "stop_feedback", "output_feedback", "agent_notification")
        last = next((e for e in reversed(self.events) if e["type"] in kinds), None)
        return last is not None and last["type"] == "assistant" and not self.unanswered_tool_calls()

    @property
    def usage(self) -> Usage:
        """Tokens of every model call in the turn."""
        total = Usage()
        for e in self.events:
            if e["type"] == "assistant":
                total.add(Usage.from_json(e["usage"]))
        return total

    @property
    def cost_usd(self) -> float | None:
        """What the turn's model calls cost, from the price table; None when no model in it is priced."""
        costs = [cost_usd(e["model"], Usage.from_json(e["usage"])) for e in self.events if e["type"] == "assistant"]
        known = [c for c in costs if c is not None]
        return round(sum(known), 6) if known else None

    @property
    def tools_used(self) -> list[str]:
        """Tool names in the order first used."""
        names = [e["name"] for e in self.events if e["type"] == "tool_result"]
        return list(dict.fromkeys(names))

    @property
    def agents(self) -> list[str]:
        """The child conversations this turn's Agent and SendMessage calls ran, in order."""
        return list(dict.fromkeys(e["agent"] for e in self.events if e["type"] == "tool_result" and "agent" in e))

    @property
    def tool_call_count(self) -> int:
        """How many tool calls ran."""
        return sum(1 for e in self.events if e["type"] == "tool_result")

    @property
    def answer(self) -> str:
        """The text of the last model response; for a typed turn, its structured output as JSON."""
        if self.structured_output is not None:
            return json.dumps(self.structured_output, ensure_ascii=False)
        last = next((e for e in reversed(self.events) if e["type"] == "assistant"), None)
        return "" if last is None else "".join(b["text"] for b in last["content"] if b.get("type") == "text")

    def finish(self, status: str, left_out: list[dict[str, Any]]) -> None:
        """Close the record: outcome, totals and timing (a typed turn that failed keeps no structured output)."""
        if "output_schema" in self.data and status != "complete":
            self.data["structured_output"] = None
        ended = datetime.now(UTC)
        started = datetime.fromisoformat(self.data["started_at"])
        self.data.update(
            {
                "status": status,
                "ended_at": ended.isoformat(timespec="milliseconds"),
                "duration_ms": int((ended - started).total_seconds() * 1000),
                "result": self.answer,
                "usage": self.usage.to_json(),
                "cost_usd": self.cost_usd,
                "left_out": left_out,
            }
        )
        self.data.pop("owner", None)


def storable(text: str) -> str:
    """`text` as valid UTF-8: a file name that is not UTF-8 reaches Python as lone surrogates, which JSON
    cannot hold; they become the `\\xff` escapes Bash's output already uses for such bytes."""
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate that stands for no byte
        raw = text.encode("utf-8", "backslashreplace")
    return raw.decode("utf-8", "backslashreplace")


def turn_messages(events: list[dict[str, Any]], messages: list[Message] | None = None) -> list[Message]:
    """Model messages for a turn's events, appended to `messages`; consecutive same-role ones are merged."""
    messages = [] if messages is None else messages
    for event in events:
        if event["type"] == "user":
            _append(messages, "user", user_blocks(event))
        elif event["type"] == "stop_feedback":
            _append(messages, "user", [{"type": "text", "text": STOP_FEEDBACK_PREFIX + event["text"]}])
        elif event["type"] in ("output_feedback", "agent_notification"):
            _append(messages, "user", [{"type": "text", "text": event["text"]}])
        elif event["type"] == "assistant":
            _append(messages, "assistant", list(event["content"]))
        elif event["type"] == "tool_result":
            block = {
                "type": "tool_result",
                "tool_use_id": event["tool_use_id"],
                "content": event["content"],
                "is_error": event["is_error"],
            }
            _append(messages, "user", [block])
    return messages


def user_blocks(event: dict[str, Any]) -> list[Block]:
    """The user's message of a turn: attached files and command output, the prompt, a slash command's
    instructions, then what hooks added."""
    attachments = event.get("attachments", [])
    before = [attachment_text(a) for a in attachments if before_prompt(a)]
    after = [attachment_text(a) for a in attachments if not before_prompt(a)]
    texts = [*before, event["text"], *after, *event.get("context", [])]
    return [{"type": "text", "text": text} for text in texts]


def _append(messages: list[Message], role: str, content: list[Block]) -> None:
    if messages and messages[-1]["role"] == role:
        messages[-1]["content"].extend(content)
    else:
        messages.append({"role": role, "content": content})
