"""Per-tool `tool_response` and `error` shapes, from the real tools, against values Claude Code 2.1.328 sent
its hooks for the same calls (recorded with the oracle; the full turn is in tests/conformance)."""

from pathlib import Path

from gitagent.hooks.payloads import failure_error, hook_input, model_input, structured_patch, tool_response
from gitagent.sandbox import UnconfinedSandbox
from gitagent.tools import default_tools
from gitagent.tools.base import ToolContext


def _call(root: Path, name: str, **tool_input):
    tool = next(t for t in default_tools() if t.name == name)
    result = tool.run(tool_input, ToolContext(root, UnconfinedSandbox()))
    view = hook_input(name, tool_input, root)
    return result, view


def test_read_write_and_bash_responses_match_claude_codes(tmp_path: Path) -> None:
    result, view = _call(tmp_path, "Write", file_path="README.md", content="# demo\n")
    assert tool_response("Write", view, result.output, result.metadata)["type"] == "create"
    result, view = _call(tmp_path, "Write", file_path="README.md", content="# demo\nmore\n")
    assert tool_response("Write", view, result.output, result.metadata) == {
        "type": "update", "filePath": str(tmp_path / "README.md"), "content": "# demo\nmore\n",
        "structuredPatch": [
            {"oldStart": 1, "oldLines": 1, "newStart": 1, "newLines": 2, "lines": [" # demo", "+more"]}
        ],
        "originalFile": "# demo\n", "userModified": False,
    }  # fmt: skip
    result, view = _call(tmp_path, "Read", file_path="README.md", offset=2, limit=1)
    assert tool_response("Read", view, result.output, result.metadata)["file"] == {
        "filePath": str(tmp_path / "README.md"), "content": "more", "numLines": 1, "startLine": 2, "totalLines": 3,
    }  # fmt: skip
    result, view = _call(tmp_path, "Bash", command="printf '  a\\n\\n'")
    assert tool_response("Bash", view, result.output, result.metadata)["stdout"] == "  a"
    result, _ = _call(tmp_path, "Bash", command="echo out; echo err >&2; exit 4")
    assert result.is_error and failure_error("Bash", result.output, result.metadata) == "Exit code 4\nout\nerr"


def test_an_edit_patch_has_three_lines_of_context() -> None:
    before = "".join(f"line {i}\n" for i in range(1, 21))
    patch = structured_patch(before, before.replace("line 10\n", "LINE TEN\n"))
    assert patch == [{"oldStart": 7, "oldLines": 7, "newStart": 7, "newLines": 7,
                      "lines": [" line 7", " line 8", " line 9", "-line 10", "+LINE TEN", " line 11", " line 12",
                                " line 13"]}]  # fmt: skip


def test_paths_are_absolute_for_hooks_and_relative_again_for_the_tool(tmp_path: Path) -> None:
    view = hook_input("Edit", {"file_path": "src/a.py", "old_string": "a", "new_string": "b"}, tmp_path)
    assert view["file_path"] == str(tmp_path / "src" / "a.py") and view["replace_all"] is False
    assert model_input(view, tmp_path)["file_path"] == "src/a.py"
    assert model_input({"file_path": "/etc/passwd"}, tmp_path)["file_path"] == "/etc/passwd"  # the tool refuses it
