"""Tool events' stdin in Claude Code's shapes, so hook scripts written for Claude Code read what they expect.

Recorded from Claude Code 2.1.328 (`tests/conformance/`): `tool_input.file_path` is absolute (here it points
into the conversation's worktree), Edit's input carries `replace_all`, and `tool_response` is an object
per tool: Write `{type, filePath, content, structuredPatch, originalFile, userModified}`, Edit `{filePath,
oldString, newString, originalFile, structuredPatch, userModified, replaceAll}`, Read `{type: "text", file:
{filePath, content, numLines, startLine, totalLines}}`, Bash `{stdout, stderr, interrupted, isImage,
noOutputExpected}`, Skill `{success, commandName}`, Agent its `AgentOutput` (which a tool that knows its own
shape leaves in its result's `metadata["hook_response"]`: `subagents/response.py`). Glob, Grep and TodoWrite,
which that version no longer offers, answer with the shapes its SDK publishes (`sdk-tools.d.ts`: `GlobOutput`,
`GrepOutput`, `TodoWriteOutput`), their files absolute paths in the worktree; hook libraries check that
`tool_response` is an object. Other tools' `tool_response` is the text the model sees. A failed call's `error`
is Bash's `Exit code N` with its output, or the tool's own message.

The tools leave what these need in their result's `metadata` (see `tools/files.py`, `tools/bash.py`).
"""

import difflib
import os
from pathlib import Path
from typing import Any

CONTEXT_LINES = 3


def hook_input(name: str, tool_input: dict[str, Any], worktree: Path) -> dict[str, Any]:
    """The tool input as a hook sees it: `file_path` absolute (in the worktree), Edit's `replace_all` given."""
    view = dict(tool_input)
    if isinstance(view.get("file_path"), str):
        view["file_path"] = os.path.normpath(os.path.join(worktree, view["file_path"]))
    if name == "Edit":
        view.setdefault("replace_all", False)
    return view


def model_input(updated: dict[str, Any], worktree: Path) -> dict[str, Any]:
    """A hook's `updatedInput` as the tool takes it: a `file_path` in the worktree relative again, as the
    model names files (so permission rules match it the same way)."""
    tool_input = dict(updated)
    path = tool_input.get("file_path")
    if isinstance(path, str) and os.path.isabs(path):
        relative = os.path.relpath(os.path.normpath(path), worktree)
        if relative != ".." and not relative.startswith("../"):
            tool_input["file_path"] = relative
    return tool_input


def tool_response(
    name: str, view: dict[str, Any], output: str, metadata: dict[str, Any], todos_before: list[Any] | None = None
) -> Any:
    """What a PostToolUse hook gets as `tool_response` for a call that succeeded (`view`: `hook_input`;
    `todos_before`: the plan before a TodoWrite call)."""
    if isinstance(metadata.get("hook_response"), dict):  # a tool that builds its own (Agent: subagents/response)
        return metadata["hook_response"]
    if (found := _search_response(name, metadata)) is not None:
        return found
    if name == "TodoWrite" and "todos" in metadata:
        return {"oldTodos": todos_before or [], "newTodos": metadata["todos"]}
    if name == "Skill" and "skill" in metadata:
        return {"success": True, "commandName": metadata["skill"]}
    path = view.get("file_path", "")
    if name == "Bash" and "stdout" in metadata:
        return {
            "stdout": metadata["stdout"], "stderr": metadata["stderr"], "interrupted": bool(metadata.get("timed_out")),
            "isImage": False, "noOutputExpected": False,
        }  # fmt: skip
    if name == "Write" and "existed" in metadata:
        original = metadata.get("original")
        patch = structured_patch(original, view["content"]) if original is not None else []
        return {
            "type": "update" if metadata["existed"] else "create", "filePath": path, "content": view["content"],
            "structuredPatch": patch, "originalFile": original, "userModified": False,
        }  # fmt: skip
    if name == "Edit" and "original" in metadata:
        return {
            "filePath": path, "oldString": view["old_string"], "newString": view["new_string"],
            "originalFile": metadata["original"],
            "structuredPatch": structured_patch(metadata["original"], metadata["updated"]), "userModified": False,
            "replaceAll": bool(view.get("replace_all")),
        }  # fmt: skip
    if name == "Read" and "total_lines" in metadata:
        return {
            "type": "text",
            "file": {
                "filePath": path, "content": metadata["content"], "numLines": metadata["num_lines"],
                "startLine": metadata["start_line"], "totalLines": metadata["total_lines"],
            },
        }  # fmt: skip
    return output


def _search_response(name: str, metadata: dict[str, Any]) -> dict[str, Any] | None:
    """Glob's and Grep's `tool_response`, from what they left in their result's metadata."""
    if name == "Glob" and "filenames" in metadata:
        files, total = metadata["filenames"], metadata["total"]
        return {
            "durationMs": metadata["duration_ms"], "numFiles": len(files), "filenames": files,
            "truncated": total > len(files), "totalMatches": total, "countIsComplete": True,
        }  # fmt: skip
    if name != "Grep" or "mode" not in metadata:
        return None
    found = {"mode": metadata["mode"], "numFiles": metadata["num_files"], "filenames": metadata["filenames"]}
    for key, field in (("content", "content"), ("num_lines", "numLines"), ("num_matches", "numMatches")):
        if key in metadata:
            found[field] = metadata[key]
    return found


def failure_error(name: str, output: str, metadata: dict[str, Any]) -> str:
    """A PostToolUseFailure hook's `error`: Bash's exit code and output, as Claude Code words it, else the message."""
    code = metadata.get("exit_code")
    if name == "Bash" and isinstance(code, int) and code > 0 and "stdout" in metadata:
        return "\n".join(part for part in (f"Exit code {code}", metadata["stdout"], metadata["stderr"]) if part)
    return output


def structured_patch(old: str, new: str) -> list[dict[str, Any]]:
    """The hunks of a unified diff of `old` to `new` with 3 lines of context, as Claude Code's `structuredPatch`."""
    a, b = old.splitlines(), new.splitlines()
    hunks = []
    for group in difflib.SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(CONTEXT_LINES):
        lines: list[str] = []
        for tag, a1, a2, b1, b2 in group:
            if tag == "equal":
                lines += [" " + line for line in a[a1:a2]]
                continue
            lines += ["-" + line for line in a[a1:a2]]
            lines += ["+" + line for line in b[b1:b2]]
        first, last = group[0], group[-1]
        old_lines, new_lines = last[2] - first[1], last[4] - first[3]
        hunks.append({
            "oldStart": first[1] + (1 if old_lines else 0), "oldLines": old_lines,
            "newStart": first[3] + (1 if new_lines else 0), "newLines": new_lines, "lines": lines,
        })  # fmt: skip
    return hunks
