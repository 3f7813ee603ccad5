"""Per-tool `tool_response` and `error` shapes, from the real tools, against values Claude Code 2.1.328 sent
its hooks for the same calls (recorded with the oracle; the full turn is in tests/conformance)."""

import json
from pathlib import Path

from gitagent.hooks.payloads import failure_error, hook_input, model_input, structured_patch, tool_response
from gitagent.sandbox import UnconfinedSandbox
from gitagent.tools import default_tools
from gitagent.tools.base import ToolContext
from tests.conftest import git, run_cli, text, tool
from tests.hooks.conftest import PY, settings
from tests.skills.conftest import write_skill


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


def test_glob_grep_todo_and_skill_responses_are_objects_as_hook_libraries_expect(repo: Path, script) -> None:
    """Hook libraries validate `tool_response` as an object (a string fails their schema, and the hook with it):
    Skill's as Claude Code 2.1.328 sent it, the others in the shapes its SDK's `sdk-tools.d.ts` publishes."""
    log = repo.parent / "post.jsonl"
    (repo / "src").mkdir()
    (repo / "src" / "a.py").write_text("def f():\n    return 'line'\n")
    write_skill(repo / ".claude" / "skills", "stamp")
    settings(repo / ".claude" / "settings.json", {"PostToolUse": [{"matcher": "Glob|Grep|TodoWrite|Skill", "hooks": [
        {"type": "command", "command": f"{PY} -c \"import sys; open('{log}', 'a').write(sys.stdin.read() + chr(10))\""},
    ]}]})  # fmt: skip
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "code, a skill and a hook")
    assert run_cli(repo, "trust").code == 0
    todo = {"content": "x", "status": "pending", "activeForm": "doing x"}
    model = script(
        [tool("Glob", pattern="**/*.py")], [tool("Grep", pattern="line")],
        [tool("Grep", pattern="line", output_mode="content")], [tool("Grep", pattern="line", output_mode="count")],
        [tool("TodoWrite", todos=[todo])], [tool("TodoWrite", todos=[{**todo, "status": "completed"}])],
        [tool("Skill", skill="stamp", args="now")], [text("done")],
    )  # fmt: skip
    result = run_cli(repo, "run", "--model", model, "-c", "shapes", "look around")
    assert result.code == 0, result.err
    worktree = run_cli(repo, "exec", "-c", "shapes", "--", "pwd").out.strip()  # the conversation's worktree
    responses = [json.loads(line)["tool_response"] for line in log.read_text().splitlines()]
    glob, files, content, count, first, second, skill = responses
    assert glob["filenames"] == [f"{worktree}/src/a.py"] and glob["numFiles"] == 1 and glob["truncated"] is False
    assert isinstance(glob["durationMs"], int)
    assert files == {"mode": "files_with_matches", "numFiles": 1, "filenames": [f"{worktree}/src/a.py"]}
    assert content["mode"] == "content" and content["content"] == "src/a.py:2:    return 'line'"
    assert content["numLines"] == 1
    assert count == {"mode": "count", "numFiles": 1, "filenames": [], "content": "src/a.py:1", "numMatches": 1}
    assert first == {"oldTodos": [], "newTodos": [todo]}
    assert second["oldTodos"] == [todo] and second["newTodos"][0]["status"] == "completed"
    assert skill == {"success": True, "commandName": "stamp"}
