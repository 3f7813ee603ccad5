"""What an MCP tool's answer becomes for the model and for `turn.json`.

Text blocks are the output; an image or audio block becomes a note saying what it was (the loop's tool results
are text); a resource is its text, or a note for a binary one; structured content is the output when the server
sent no text, and is recorded whole in the turn's `mcp` details when it fits. Long output keeps its head and
tail with a note saying how much was cut; the values of the server's secrets never appear.
"""

import base64
import binascii
import json
from typing import TYPE_CHECKING, Any

from gitagent.mcp.config import redact
from gitagent.tools.base import OUTPUT_LIMIT, ToolResult, truncate

if TYPE_CHECKING:
    import mcp_types as types


def tool_result(server: str, tool: str, result: "types.CallToolResult", secrets: list[str]) -> ToolResult:
    """The ToolResult for a `tools/call` answer."""
    parts = [_block_text(block) for block in result.content]
    kinds = [block.type for block in result.content]
    structured = result.structured_content
    if structured is not None and "text" not in kinds:
        parts.append(json.dumps(structured, ensure_ascii=False))
    text = redact("\n".join(p for p in parts if p) or "(no output)", secrets)
    details: dict[str, Any] = {"server": server, "tool": tool, "content": kinds}
    if structured is not None:
        encoded = redact(json.dumps(structured, ensure_ascii=False), secrets)
        details["structured_content"] = json.loads(encoded) if len(encoded) <= OUTPUT_LIMIT else None
        if len(encoded) > OUTPUT_LIMIT:
            details["structured_content_chars"] = len(encoded)
    return ToolResult(truncate(text), is_error=bool(result.is_error), metadata={"mcp": details})


def failure(server: str, tool: str, message: str) -> ToolResult:
    """A call that failed before the server answered (not available, timed out, crashed)."""
    return ToolResult(message, is_error=True, metadata={"mcp": {"server": server, "tool": tool, "error": message}})


def _block_text(block: Any) -> str:
    kind = getattr(block, "type", "")
    if kind == "text":
        return block.text
    if kind in ("image", "audio"):
        return f"[{kind} {block.mime_type}, {_decoded_size(block.data):,} bytes: not shown to the model]"
    if kind == "resource_link":
        return f"[resource {block.uri}" + (f" ({block.name})" if block.name else "") + "]"
    if kind == "resource":
        return resource_text(block.resource)
    return f"[{kind or 'unknown'} content: not shown]"


def resource_text(contents: Any) -> str:
    """A resource's text, or a note for a binary one."""
    text = getattr(contents, "text", None)
    if text is not None:
        return text
    mime = getattr(contents, "mime_type", None) or "binary"
    return f"[{mime} resource {contents.uri}, {_decoded_size(contents.blob):,} bytes: not shown]"


def _decoded_size(data: str) -> int:
    try:
        return len(base64.b64decode(data, validate=False))
    except (binascii.Error, ValueError):
        return len(data)
