"""Read, Write and Edit on real files in a temporary worktree."""

import os
from pathlib import Path

from gitagent.tools import Edit, Read, ToolContext, Write
from gitagent.tools.base import OUTPUT_LIMIT


def read(ctx: ToolContext, **tool_input: object):
    return Read().run(tool_input, ctx)


def test_read_numbers_lines_like_cat_n(ctx: ToolContext, root: Path) -> None:
    (root / "a.py").write_text("import os\n\nprint(os.getcwd())\n")
    result = read(ctx, file_path="a.py")
    assert not result.is_error
    assert result.output == "     1\timport os\n     2\t\n     3\tprint(os.getcwd())"


def test_read_shows_crlf_lines_without_the_cr_and_keeps_a_last_line_without_newline(
    ctx: ToolContext, root: Path
) -> None:
    (root / "w.txt").write_bytes(b"one\r\ntwo\r\nthree")
    assert read(ctx, file_path="w.txt").output == "     1\tone\n     2\ttwo\n     3\tthree"


def test_read_offset_and_limit_and_how_to_read_on(ctx: ToolContext, root: Path) -> None:
    (root / "n.txt").write_text("".join(f"line {i}\n" for i in range(1, 11)))
    result = read(ctx, file_path="n.txt", offset=3, limit=2)
    assert result.output == ("     3\tline 3\n     4\tline 4\n\n(Showing lines 3-4 of 10. Use offset=5 to read more.)")
    assert read(ctx, file_path="n.txt", offset=9).output == "     9\tline 9\n    10\tline 10"


def test_read_defaults_to_2000_lines(ctx: ToolContext, root: Path) -> None:
    (root / "big.txt").write_text("x\n" * 2500)
    result = read(ctx, file_path="big.txt")
    lines = result.output.splitlines()
    assert lines[1999] == "  2000\tx"
    assert lines[-1] == "(Showing lines 1-2000 of 2500. Use offset=2001 to read more.)"


def test_read_stops_within_the_output_limit(ctx: ToolContext, root: Path) -> None:
    (root / "wide.txt").write_text(("y" * 1000 + "\n") * 100)
    result = read(ctx, file_path="wide.txt")
    assert len(result.output) <= OUTPUT_LIMIT
    shown = result.output.count("\ty")
    assert f"(Showing lines 1-{shown} of 100. Use offset={shown + 1} to read more.)" in result.output


def test_read_cuts_long_lines(ctx: ToolContext, root: Path) -> None:
    (root / "min.js").write_text("a" * 2500 + "\nshort\n")
    lines = read(ctx, file_path="min.js").output.splitlines()
    assert lines[0] == "     1\t" + "a" * 2000 + " [... line cut, 500 more characters]"
    assert lines[1] == "     2\tshort"


def test_read_empty_file(ctx: ToolContext, root: Path) -> None:
    (root / "empty.txt").write_text("")
    result = read(ctx, file_path="empty.txt")
    assert not result.is_error
    assert result.output == "'empty.txt' is empty."


def test_read_offset_past_the_end(ctx: ToolContext, root: Path) -> None:
    (root / "s.txt").write_text("a\nb\n")
    result = read(ctx, file_path="s.txt", offset=5)
    assert result.is_error
    assert result.output == "'s.txt' has 2 lines; offset 5 is past the end"


def test_read_errors_for_missing_directory_and_binary(ctx: ToolContext, root: Path) -> None:
    (root / "sub").mkdir()
    (root / "img.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")
    missing, directory, binary = (read(ctx, file_path=p) for p in ("nope.txt", "sub", "img.png"))
    assert (missing.is_error, missing.output) == (True, "file 'nope.txt' does not exist")
    assert directory.is_error
    assert directory.output.startswith("'sub' is a directory, not a file")
    assert (binary.is_error, binary.output) == (
        True,
        "'img.png' is a binary file; Read shows text files only",
    )


def test_fifo_is_neither_read_nor_written(ctx: ToolContext, root: Path) -> None:
    os.mkfifo(root / "pipe")
    for result in (read(ctx, file_path="pipe"), Write().run({"file_path": "pipe", "content": "x"}, ctx)):
        assert (result.is_error, result.output) == (True, "'pipe' is not a regular file")


def test_read_shows_invalid_utf8_as_replacement_characters(ctx: ToolContext, root: Path) -> None:
    (root / "latin1.txt").write_bytes(b"caf\xe9\n")
    assert read(ctx, file_path="latin1.txt").output == "     1\tcaf\ufffd"


def test_read_accepts_absolute_paths_inside(ctx: ToolContext, root: Path) -> None:
    (root / "a.txt").write_text("hi\n")
    assert read(ctx, file_path=str(root / "a.txt")).output == "     1\thi"


def test_read_refuses_escapes(ctx: ToolContext, root: Path, outside: Path) -> None:
    (root / "link").symlink_to(outside / "secret.txt")
    for path in ("../outside/secret.txt", str(outside / "secret.txt"), "link"):
        result = read(ctx, file_path=path)
        assert result.is_error
        assert f"path '{path}' is outside the worktree" in result.output
        assert "top secret" not in result.output


def test_write_creates_parents_and_reports_bytes(ctx: ToolContext, root: Path) -> None:
    result = Write().run({"file_path": "src/pkg/mod.py", "content": "print('héllo')\n"}, ctx)
    assert (result.is_error, result.output) == (False, "Created 'src/pkg/mod.py' (16 bytes)")
    assert (root / "src/pkg/mod.py").read_text(encoding="utf-8") == "print('héllo')\n"


def test_write_updates_and_keeps_content_exact(ctx: ToolContext, root: Path) -> None:
    (root / "f.txt").write_text("old")
    result = Write().run({"file_path": "f.txt", "content": "a\r\nb\n"}, ctx)
    assert result.output == "Updated 'f.txt' (5 bytes)"
    assert (root / "f.txt").read_bytes() == b"a\r\nb\n"


def test_write_to_a_directory_is_an_error(ctx: ToolContext, root: Path) -> None:
    (root / "d").mkdir()
    result = Write().run({"file_path": "d", "content": "x"}, ctx)
    assert result.is_error
    assert result.output == "'d' is a directory; give the path of a file to write"


def test_write_under_a_file_reports_the_os_error(ctx: ToolContext, root: Path) -> None:
    (root / "f").write_text("x")
    result = Write().run({"file_path": "f/g.txt", "content": "x"}, ctx)
    assert result.is_error
    assert result.output.startswith(("FileExistsError", "NotADirectoryError"))


def test_write_refuses_escapes_and_symlinks_out(ctx: ToolContext, root: Path, outside: Path) -> None:
    (root / "link").symlink_to(outside / "secret.txt")
    (root / "dangling").symlink_to(outside / "new.txt")
    (root / "dirlink").symlink_to(outside)
    for path in ("link", "dangling", "dirlink/x.txt", "../outside/y.txt", str(outside / "z.txt")):
        result = Write().run({"file_path": path, "content": "pwned"}, ctx)
        assert result.is_error
        assert "is outside the worktree" in result.output
    assert (outside / "secret.txt").read_text() == "top secret\n"
    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]


def test_write_through_a_symlink_inside_writes_its_target(ctx: ToolContext, root: Path) -> None:
    (root / "real.txt").write_text("old")
    (root / "link").symlink_to("real.txt")
    assert Write().run({"file_path": "link", "content": "new"}, ctx).output == "Updated 'link' (3 bytes)"
    assert (root / "link").is_symlink()
    assert (root / "real.txt").read_text() == "new"


def edit(ctx: ToolContext, file_path: str, old: str, new: str, **extra: object):
    return Edit().run({"file_path": file_path, "old_string": old, "new_string": new, **extra}, ctx)


def test_edit_replaces_once(ctx: ToolContext, root: Path) -> None:
    (root / "a.py").write_text("x = 1\ny = 2\n")
    result = edit(ctx, "a.py", "y = 2", "y = 3")
    assert (result.is_error, result.output) == (False, "Edited 'a.py': 1 replacement")
    assert (root / "a.py").read_text() == "x = 1\ny = 3\n"


def test_edit_ambiguous_needs_context_or_replace_all(ctx: ToolContext, root: Path) -> None:
    (root / "a.py").write_text("n = 0\nn = 0\nn = 0\n")
    result = edit(ctx, "a.py", "n = 0", "n = 1")
    assert result.is_error
    assert "occurs 3 times in 'a.py'" in result.output
    assert "replace_all" in result.output
    assert (root / "a.py").read_text() == "n = 0\nn = 0\nn = 0\n"
    result = edit(ctx, "a.py", "n = 0", "n = 1", replace_all=True)
    assert result.output == "Edited 'a.py': 3 replacements"
    assert (root / "a.py").read_text() == "n = 1\nn = 1\nn = 1\n"


def test_edit_not_found_and_same_strings_and_empty(ctx: ToolContext, root: Path) -> None:
    (root / "a.py").write_text("x = 1\n")
    missing = edit(ctx, "a.py", "x = 2", "x = 3")
    assert missing.is_error
    assert missing.output.startswith("old_string was not found in 'a.py'")
    same = edit(ctx, "a.py", "x = 1", "x = 1")
    assert (same.is_error, same.output) == (
        True,
        "old_string and new_string are the same; there is nothing to change",
    )
    empty = edit(ctx, "a.py", "", "y")
    assert empty.is_error
    assert empty.output.startswith("old_string is empty")
    assert (root / "a.py").read_text() == "x = 1\n"


def test_edit_missing_file(ctx: ToolContext) -> None:
    result = edit(ctx, "nope.py", "a", "b")
    assert (result.is_error, result.output) == (True, "file 'nope.py' does not exist")


def test_edit_preserves_crlf_and_other_bytes(ctx: ToolContext, root: Path) -> None:
    (root / "w.txt").write_bytes("\ufeffalpha\r\nbeta\r\ngamma\r\nno newline at end".encode())
    assert edit(ctx, "w.txt", "beta", "BETA").output == "Edited 'w.txt': 1 replacement"
    assert (root / "w.txt").read_bytes() == "\ufeffalpha\r\nBETA\r\ngamma\r\nno newline at end".encode()


def test_edit_matches_lf_text_against_a_crlf_file(ctx: ToolContext, root: Path) -> None:
    # Read shows CRLF lines without their CR, so models send LF-only old_string.
    (root / "w.txt").write_bytes(b"alpha\r\nbeta\r\ngamma\r\n")
    assert edit(ctx, "w.txt", "alpha\nbeta\n", "one\ntwo\nthree\n").output == "Edited 'w.txt': 1 replacement"
    assert (root / "w.txt").read_bytes() == b"one\r\ntwo\r\nthree\r\ngamma\r\n"


def test_edit_keeps_file_mode(ctx: ToolContext, root: Path) -> None:
    script = root / "run.sh"
    script.write_text("echo hi\n")
    script.chmod(0o755)
    edit(ctx, "run.sh", "hi", "bye")
    assert script.read_text() == "echo bye\n"
    assert script.stat().st_mode & 0o777 == 0o755


def test_edit_refuses_non_utf8(ctx: ToolContext, root: Path) -> None:
    (root / "latin1.txt").write_bytes(b"caf\xe9\n")
    result = edit(ctx, "latin1.txt", "caf", "bar")
    assert result.is_error
    assert result.output == "'latin1.txt' is not UTF-8 text (invalid continuation byte at byte 3)"
    assert (root / "latin1.txt").read_bytes() == b"caf\xe9\n"


def test_edit_refuses_escapes_and_symlinks_out(ctx: ToolContext, root: Path, outside: Path) -> None:
    (root / "link").symlink_to(outside / "secret.txt")
    for path in ("link", "../outside/secret.txt", str(outside / "secret.txt")):
        result = edit(ctx, path, "top", "bottom")
        assert result.is_error
        assert "is outside the worktree" in result.output
    assert (outside / "secret.txt").read_text() == "top secret\n"
