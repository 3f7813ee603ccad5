"""The Responses API side of the fake OpenAI server: semantic SSE events (`response.created`,
`response.output_item.added`, `response.output_text.delta`, `response.function_call_arguments.delta`,
`response.custom_tool_call_input.delta`, `response.output_item.done`, then `response.completed` or
`response.incomplete`), each with a `sequence_number`. A `tool_use` block whose `input` is a string is a custom
(freeform) tool call, as Codex's `apply_patch` is answered."""

import json
from typing import Any

from tests.fakes.server import Reply, pieces


def responses_events(reply: Reply, model: str, number: int) -> list[tuple[str, Any]]:
    """The SSE events of `reply` as the Responses API streams them."""
    response: dict[str, Any] = {"id": f"resp_fake{number}", "object": "response", "created_at": 1700000000}
    response |= {"model": model, "status": "in_progress", "output": [], "usage": None, "incomplete_details": None}
    events: list[dict[str, Any]] = [{"type": "response.created", "response": dict(response)}]
    output: list[dict[str, Any]] = []
    for index, block in enumerate(reply.content):
        item, item_events = _item(index, block, number)
        events += item_events
        output.append(item)
    cut = reply.stop() == "max_tokens"
    cached = reply.tokens("cache_read_tokens")
    usage = {
        "input_tokens": reply.tokens("input_tokens") + cached,
        "input_tokens_details": {"cached_tokens": cached},
        "output_tokens": reply.tokens("output_tokens"),
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": reply.tokens("input_tokens") + cached + reply.tokens("output_tokens"),
    }
    response |= {"status": "incomplete" if cut else "completed", "output": output, "usage": usage}
    if cut:
        response["incomplete_details"] = {"reason": "max_output_tokens"}
    events.append({"type": "response.incomplete" if cut else "response.completed", "response": response})
    return [(e["type"], {**e, "sequence_number": n}) for n, e in enumerate(events)]


def _item(index: int, block: dict[str, Any], number: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    where = {"output_index": index}
    if block["type"] == "text":
        item_id = f"msg_fake{number}x{index}"
        item = {"type": "message", "id": item_id, "status": "completed", "role": "assistant"}
        part = {"type": "output_text", "text": block["text"], "annotations": []}
        deltas = [
            {"type": "response.output_text.delta", "item_id": item_id, **where, "content_index": 0, "delta": p}
            for p in pieces(block["text"])
        ]
        added = {
            "type": "response.output_item.added",
            **where,
            "item": {**item, "status": "in_progress", "content": []},
        }
        return {**item, "content": [part]}, [
            added,
            *deltas,
            {"type": "response.output_item.done", **where, "item": {**item, "content": [part]}},
        ]
    if isinstance(block.get("input"), str):
        return _custom_item(index, block, number)
    raw = block["partial_json"] if "partial_json" in block else json.dumps(block["input"])
    item = {"type": "function_call", "id": f"fc_fake{number}x{index}", "call_id": f"call_fake{number}x{index}"}
    item |= {"name": block["name"], "arguments": "", "status": "in_progress"}
    deltas = [
        {"type": "response.function_call_arguments.delta", "item_id": item["id"], **where, "delta": p}
        for p in pieces(raw, 9)
    ]
    done = {**item, "arguments": raw, "status": "completed"}
    added = {"type": "response.output_item.added", **where, "item": item}
    return done, [added, *deltas, {"type": "response.output_item.done", **where, "item": done}]


def _custom_item(index: int, block: dict[str, Any], number: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    where = {"output_index": index}
    item = {"type": "custom_tool_call", "id": f"ctc_fake{number}x{index}", "call_id": f"call_fake{number}x{index}"}
    item |= {"name": block["name"], "input": "", "status": "in_progress"}
    deltas = [
        {"type": "response.custom_tool_call_input.delta", "item_id": item["id"], **where, "delta": p}
        for p in pieces(block["input"], 9)
    ]
    done = {**item, "input": block["input"], "status": "completed"}
    added = {"type": "response.output_item.added", **where, "item": item}
    return done, [added, *deltas, {"type": "response.output_item.done", **where, "item": done}]


def validate_responses(body: Any) -> str | None:
    """What the real API would reject in this Responses request (a subset of its checks), or None."""
    if "model" not in body or "input" not in body:
        return "Missing required parameter: 'model' or 'input'."
    if body.get("previous_response_id"):
        return "Previous response not found (the fake stores nothing)."
    calls: set[str] = set()
    for n, item in enumerate(body["input"]):
        if item.get("type") == "function_call":
            json.loads(item["arguments"])
            calls.add(item["call_id"])
        elif item.get("type") == "custom_tool_call":
            calls.add(item["call_id"])
        elif item.get("type") in ("function_call_output", "custom_tool_call_output") and item["call_id"] not in calls:
            return f"No tool call found for function call output with call_id {item['call_id']} (input[{n}])."
    return None
