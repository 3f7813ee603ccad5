"""What every tool shares: paths confined to the worktree, glob patterns, checked input, errors as results."""

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gitagent.tools.base import ToolResult


class ToolError(Exception):
    """A failure to report to the model as it is: the message says what went wrong and what to do."""


class PathOutsideRoot(ValueError):
    """A path that resolves outside the worktree; tools report it to the model as an error."""


def resolve_in_root(root: Path, file_path: str) -> Path:
    """Resolve `file_path` (relative to `root`, or absolute) to its real path, which must lie inside `root`.

    Every symlink on the way is followed, a dangling final one included, so a link that points out of
    the worktree is refused instead of being read or written through.
    """
    real_root = Path(os.path.realpath(root))
    real = Path(os.path.realpath(os.path.join(real_root, file_path)))
    if not real.is_relative_to(real_root):
        raise PathOutsideRoot(f"path '{file_path}' is outside the worktree (resolves to {real})")
    return real


def relative_to_root(root: Path, path: Path) -> str:
    """`path` as the model should name it: relative to the worktree root, with `/` separators."""
    return Path(os.path.relpath(path, os.path.realpath(root))).as_posix()


def glob_regex(pattern: str) -> re.Pattern[str]:
    """Compile a glob for `fullmatch` against `/`-separated relative paths.

    `**` as a whole segment spans zero or more directories, `*` and `?` stay within one, `[...]` is a
    character class (`[!...]` negated) and `{a,b}` alternatives.
    """
    return re.compile("|".join(f"(?:{_translate(p)})" for p in _expand_braces(pattern)), re.DOTALL)


def _expand_braces(pattern: str) -> list[str]:
    start = pattern.find("{")
    while start != -1:
        depth, parts, part_start = 0, [], start + 1
        for i in range(start, len(pattern)):
            if pattern[i] == "{":
                depth += 1
            elif pattern[i] == "," and depth == 1:
                parts.append(pattern[part_start:i])
                part_start = i + 1
            elif pattern[i] == "}":
                depth -= 1
                if depth == 0:
                    if parts:
                        head, tail = pattern[:start], pattern[i + 1 :]
                        alternatives = [*parts, pattern[part_start:i]]
                        return [e for alt in alternatives for e in _expand_braces(head + alt + tail)]
                    break
        start = pattern.find("{", start + 1)
    return [pattern]


def _translate(pattern: str) -> str:
    segments = pattern.split("/")
    out: list[str] = []
    for i, segment in enumerate(segments):
        last = i == len(segments) - 1
        if segment == "**":
            out.append(".*" if last else "(?:[^/]+/)*")
        else:
            out.append(_translate_segment(segment) + ("" if last else "/"))
    return "".join(out)


def _translate_segment(segment: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(segment):
        char = segment[i]
        end = _class_end(segment, i) if char == "[" else -1
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif end != -1:
            body = segment[i + 1 : end]
            negated = body[:1] in ("!", "^")
            body = re.sub(r"([\\\[\]&~|^])", r"\\\1", body[1:] if negated else body)
            out.append(f"[^/{body}]" if negated else f"[{body}]")
            i = end
        else:
            out.append(re.escape(char))
        i += 1
    return "".join(out)


def _class_end(segment: str, start: int) -> int:
    i = start + 1
    if i < len(segment) and segment[i] in "!^":
        i += 1
    if i < len(segment) and segment[i] == "]":
        i += 1
    return segment.find("]", i)


_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "boolean": (bool,),
    "number": (int, float),
    "array": (list,),
    "object": (dict,),
}


def check_input(schema: dict[str, Any], tool_input: Any) -> dict[str, Any]:
    """Check `tool_input` against a flat object schema; return it without null optional values.

    Raises ToolError naming the parameter that is missing, unexpected, of the wrong type or out of range.
    """
    if not isinstance(tool_input, dict):
        raise ToolError(f"tool input must be a JSON object, got {type(tool_input).__name__}")
    properties: dict[str, Any] = schema["properties"]
    required = set(schema.get("required", []))
    args = {key: value for key, value in tool_input.items() if value is not None or key in required}
    for key in required:
        if key not in args:
            raise ToolError(f"missing required parameter '{key}'")
    for key, value in args.items():
        if key not in properties:
            raise ToolError(f"unexpected parameter '{key}' (accepted: {', '.join(properties)})")
        _check_value(key, value, properties[key])
    return args


def _check_value(key: str, value: Any, spec: dict[str, Any]) -> None:
    kind = spec.get("type", "string")
    # bool is an int in Python, but `true` is not a valid line number.
    if not isinstance(value, _TYPES[kind]) or (kind != "boolean" and isinstance(value, bool)):
        raise ToolError(f"parameter '{key}' must be {_article(kind)}, got {_json_type(value)}")
    if "enum" in spec and value not in spec["enum"]:
        raise ToolError(f"parameter '{key}' must be one of {', '.join(spec['enum'])}; got '{value}'")
    if "minimum" in spec and value < spec["minimum"]:
        raise ToolError(f"parameter '{key}' must be at least {spec['minimum']}, got {value}")
    if "maximum" in spec and value > spec["maximum"]:
        raise ToolError(f"parameter '{key}' must be at most {spec['maximum']}, got {value}")


def _article(kind: str) -> str:
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


def _json_type(value: Any) -> str:
    names = {bool: "boolean", int: "integer", float: "number", str: "string", list: "array", dict: "object"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


def run_checked(schema: dict[str, Any], tool_input: Any, body: Callable[[dict[str, Any]], ToolResult]) -> ToolResult:
    """Check the input, run `body` on it, and turn any failure into an error result instead of raising."""
    try:
        return body(check_input(schema, tool_input))
    except (ToolError, PathOutsideRoot) as e:
        return ToolResult(str(e), is_error=True)
    except Exception as e:
        # The loop must keep going whatever a tool hits (permissions, odd files); the model sees why.
        return ToolResult(f"{type(e).__name__}: {e}", is_error=True)
