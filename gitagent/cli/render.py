"""Plain-text rendering of a recorded turn, for `gitagent show`."""

import json
import textwrap
from datetime import datetime
from typing import Any

from gitagent.humanize import human_tokens
from gitagent.store.gitread import Commit
from gitagent.store.reads import History
from gitagent.store.turnmeta import TOKEN_FIELDS

RESULT_LINES = 12


def show_turn(history: History, name: str, commit: Commit) -> str:
    """Turn `commit` of conversation `name` as `gitagent show` prints it (and `/transcript`, and the MCP
    server's show)."""
    changed = history.stat(history.before(commit), f"{commit.id}:workspace")
    return render_turn(name, commit, history.read_turn(commit), changed)


def render_turn(name: str, commit: Commit, turn: dict[str, Any], changed: str) -> str:
    """A readable account of one turn (`turn` is its turn.json, `changed` the `--stat` of its change): header,
    prompt, each step with its tool calls, answer, files changed."""
    usage = {key: int((turn.get("usage") or {}).get(key, 0)) for key in TOKEN_FIELDS}
    author = commit.author
    when = datetime.fromtimestamp(author.time if author else 0).astimezone().strftime("%Y-%m-%d %H:%M:%S %z")
    lines = [
        f"turn {turn['turn']} of {name}  {commit.id}  ({turn.get('status', '?')})",
        f"Author:   {author.name if author else '?'} <{author.email if author else '?'}>  {when}",
        f"Model:    {turn.get('model', '?')}   sandbox: {turn.get('sandbox', '?')}{_executor(turn)}",
        f"Tokens:   {human_tokens(sum(usage.values()))} (input {usage['input_tokens']}, output "
        f"{usage['output_tokens']}, cache read {usage['cache_read_tokens']}, cache write "
        f"{usage['cache_write_tokens']})   duration {turn.get('duration_ms', 0) / 1000:.1f}s",
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
    lines.append(f"Files changed:\n{changed}" if changed else "No files changed.")
    return "\n".join(lines)


def _executor(turn: dict[str, Any]) -> str:
    executor = turn.get("executor")
    return f"   executor: {executor['name']} {executor['version']}".rstrip() if executor else ""


def _render_event(event: dict[str, Any]) -> list[str]:
    kind = event["type"]
    if kind == "user":
        attached = [f"  + {_attachment(a)}" for a in event.get("attachments", [])]
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
    if kind == "executor_result":
        cost = f", {event['cost_usd']:.4f} USD" if event.get("cost_usd") is not None else ""
        return [f"  ({event['executor']} {event['subtype'] or 'ended'}{cost})"]
    if kind == "agent_notification":
        return [f"  ⤶ agent {event['agent']} finished (notification)"]
    if kind == "output_feedback":
        from gitagent.models.base import OUTPUT_FEEDBACK_PREFIX  # the models package: only for such a turn

        return [_indent(event["text"].removeprefix(OUTPUT_FEEDBACK_PREFIX), "  ↺ reminded: ")]
    return []


def _attachment(attachment: dict[str, Any]) -> str:
    from gitagent.agent.attachments import attachment_summary  # the agent package: only for a turn with one

    return attachment_summary(attachment)


def _indent(text: str, prefix: str) -> str:
    return textwrap.indent(text, prefix, lambda line: True)
