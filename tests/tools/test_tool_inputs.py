"""Path confinement, input checking and the tool registry."""

import os
from pathlib import Path

import pytest

from gitagent.tools import (
    Bash,
    Edit,
    Grep,
    PathOutsideRoot,
    Read,
    ToolContext,
    Write,
    default_tools,
    resolve_in_root,
)


def test_relative_and_absolute_paths_resolve_inside_root(root: Path) -> None:
    real_root = Path(os.path.realpath(root))
    assert resolve_in_root(root, "a/b.txt") == real_root / "a/b.txt"
    assert resolve_in_root(root, str(root / "a/../c.txt")) == real_root / "c.txt"
    assert resolve_in_root(root, ".") == real_root


def test_dotdot_escape_is_refused(root: Path) -> None:
    with pytest.raises(PathOutsideRoot, match=r"path '\.\./x' is outside the worktree \(resolves to .*/x\)"):
        resolve_in_root(root, "../x")


def test_absolute_path_outside_is_refused(root: Path, outside: Path) -> None:
    with pytest.raises(PathOutsideRoot, match="outside the worktree"):
        resolve_in_root(root, str(outside / "secret.txt"))
    with pytest.raises(PathOutsideRoot):
        resolve_in_root(root, "/etc/passwd")


def test_sibling_with_root_as_name_prefix_is_outside(root: Path) -> None:
    # /tmp/x/work-other must not count as inside /tmp/x/work
    with pytest.raises(PathOutsideRoot):
        resolve_in_root(root, str(root) + "-other/file")


def test_symlinks_outside_are_refused_anywhere_in_the_path(root: Path, outside: Path) -> None:
    (root / "dirlink").symlink_to(outside)
    (root / "filelink").symlink_to(outside / "secret.txt")
    (root / "dangling").symlink_to(outside / "not-yet")
    for path in ("dirlink/secret.txt", "filelink", "dangling", "dirlink/new/file"):
        with pytest.raises(PathOutsideRoot, match=f"resolves to {os.path.realpath(outside)}"):
            resolve_in_root(root, path)


def test_symlink_inside_root_resolves_to_its_target(root: Path) -> None:
    (root / "real.txt").write_text("x")
    (root / "link").symlink_to("real.txt")
    assert resolve_in_root(root, "link") == Path(os.path.realpath(root)) / "real.txt"


def test_missing_required_parameter_is_named(ctx: ToolContext) -> None:
    result = Write().run({"file_path": "a.txt"}, ctx)
    assert result.is_error
    assert result.output == "missing required parameter 'content'"


def test_wrong_type_is_named(ctx: ToolContext) -> None:
    result = Read().run({"file_path": "a.txt", "offset": "10"}, ctx)
    assert result.is_error
    assert result.output == "parameter 'offset' must be an integer, got string"
    result = Edit().run({"file_path": "a", "old_string": "x", "new_string": "y", "replace_all": 1}, ctx)
    assert result.output == "parameter 'replace_all' must be a boolean, got integer"
    result = Read().run({"file_path": "a.txt", "limit": True}, ctx)
    assert result.output == "parameter 'limit' must be an integer, got boolean"


def test_unexpected_parameter_lists_the_accepted_ones(ctx: ToolContext) -> None:
    result = Read().run({"file_path": "a.txt", "path": "b"}, ctx)
    assert result.is_error
    assert result.output == "unexpected parameter 'path' (accepted: file_path, offset, limit)"


def test_enum_and_range_are_checked(ctx: ToolContext) -> None:
    result = Grep().run({"pattern": "x", "output_mode": "lines"}, ctx)
    assert result.is_error
    assert "parameter 'output_mode' must be one of files_with_matches, content, count" in result.output
    assert Read().run({"file_path": "a", "offset": 0}, ctx).output == ("parameter 'offset' must be at least 1, got 0")


def test_null_optional_parameter_counts_as_absent(ctx: ToolContext, root: Path) -> None:
    (root / "a.txt").write_text("one\n")
    result = Read().run({"file_path": "a.txt", "offset": None, "limit": None}, ctx)
    assert result.output == "     1\tone"


def test_input_that_is_not_an_object_is_an_error(ctx: ToolContext) -> None:
    result = Bash().run(["ls"], ctx)  # type: ignore[arg-type]
    assert result.is_error
    assert result.output == "tool input must be a JSON object, got list"


def test_default_tools_in_order_with_closed_schemas() -> None:
    tools = default_tools()
    assert [tool.name for tool in tools] == [
        "Read",
        "Write",
        "Edit",
        "Glob",
        "Grep",
        "Bash",
        "RepoMap",
        "FindSymbol",
        "Outline",
        "TodoWrite",
    ]
    for tool in tools:
        schema = tool.input_schema
        assert schema["type"] == "object"
        assert schema["additionalProperties"] is False
        assert set(schema.get("required", [])) <= set(schema["properties"])
        assert tool.description.strip()
