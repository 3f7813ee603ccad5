"""Plain-text rendering of a recorded turn, for `gitagent show`."""

import json
import textwrap
from datetime import datetime
from typing import Any

import pygit2

from gitagent.agent.attachments import attachment_summary
from gitagent.humanize import human_tokens
from gitagent.models.base import OUTPUT_FEEDBACK_PREFIX, Usage
from gitagent.store import turns

RESULT_LINES = 12


def render_turn(name: str, commit: pygit2.Commit, stats: pygit2.DiffStats) -> str:
    """A readable account of one turn: header, prompt, each step with its tool calls, answer, files changed."""
    turn = turns.read_turn(commit)
    usage = Usage.from_json(turn.get("usage"))
    when = datetime.fromtimestamp(commit.author.time).astimezone().strftime("%Y-%m-%d %H:%M:%S %z")
    lines = [
        f"turn {turn['turn']} of {name}  {commit.id}  ({turn.get('status', '?')})",
        f"Author:   {commit.author.name} <{commit.author.email}>  {when}",
        f"Model:    {turn.get('model', '?')}   sandbox: {turn.get('sandbox', '?')}",
        f"Tokens:   {human_tokens(usage.total)} (input {usage.input_tokens}, output {usage.output_tokens}, "
        f"cache read {usage.cache_read_tokens}, cache write {usage.cache_write_tokens})"
        f"   duration {turn.get('duration_ms', 0) / 1000:.1f}s",
        "",
    ]
    for event in turn["events"]:
        lines.extend(_render_event(event))
    if turn.get("structured_output") is not None:
        lines += ["Structured output:", _indent(json.dumps(turn["structured_output"], indent=2), "  "), ""]
    if turn.get("todos"):
        from gitagent.tools.todo import checklist  # the tools package loads every tool: only for a plan

        lines += ["Plan (TodoWrite):", _indent(checklist(turn["todos"]), "  "), ""]
    if turn.get("left_out"):
        lines.append("Left out of the snapshot:")
        lines.extend(f"  {item['path']} ({item['reason']})" for item in turn["left_out"])
        lines.append("")
    agents = list(dict.fromkeys(e["agent"] for e in turn["events"] if e.get("agent")))
    if agents:
        lines += ["Agents (child conversations):", *(f"  {a}   gitagent log {a}" for a in agents), ""]
    changed = stats.format(pygit2.enums.DiffStatsFormat.FULL, 80).rstrip()
    lines.append(f"Files changed:\n{changed}" if stats.files_changed else "No files changed.")
    return "\n".join(lines)


def _render_event(event: dict[str, Any]) -> list[str]:
    kind = event["type"]
    if kind == "user":
        attached = [f"  + {attachment_summary(a)}" for a in event.get("attachments", [])]
        return [_indent(event["text"], "> "), *attached, ""]
    if kind == "assistant":
        out = [f"── step {event['step']}"]
        for block in event["content"]:
            if block.get("type") == "text" and block["text"].strip():
                out.append(_indent(block["text"].strip(), "  "))
            elif block.get("type") == "tool_use":
                out.append(f"  → {block['name']} {json.dumps(block['input'], ensure_ascii=False)[:200]}")
        return out
    if kind == "tool_result":
        mark = "✗" if event["is_error"] else "✓"
        body = event["content"].splitlines() or [""]
        shown = body[:RESULT_LINES] + ([f"… {len(body) - RESULT_LINES} more lines"] if len(body) > RESULT_LINES else [])
        link = [f"      ⤷ agent {event['agent']}"] if event.get("agent") else []
        return [f"    {mark} {shown[0]}", *(f"      {line}" for line in shown[1:]), *link]
    if kind == "error":
        return [f"  ! {event['message']}"]
    if kind == "permission":
        verdict = "allowed" if event["allowed"] else "denied"
        return [f"    {verdict} {event['name']} ({event['by']}): {event['reason']}"]
    if kind == "hook":
        status = f", exit {event['exit']}" if event.get("exit") is not None else ""
        note = f": {event['message']}" if event.get("message") else ""
        return [f"    hook {event['event']} {event['hook']} ({event['source']}{status}): {event['verdict']}{note}"]
    if kind == "tool_input":
        ran = json.dumps(event["input"], ensure_ascii=False)[:200]
        return [f"    ↪ a {event['by']} hook changed the input; {event['name']} ran with {ran}"]
    if kind == "stop_feedback":
        return [_indent(event["text"], "  ↺ kept working: ")]
    if kind == "agent_notification":
        return [f"  ⤶ agent {event['agent']} finished (notification)"]
    if kind == "output_feedback":
        return [_indent(event["text"].removeprefix(OUTPUT_FEEDBACK_PREFIX), "  ↺ reminded: ")]
    return []


def _indent(text: str, prefix: str) -> str:
    return textwrap.indent(text, prefix, lambda line: True)
