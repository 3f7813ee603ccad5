"""AGENTS.md / CLAUDE.md discovery, @imports and the 32 KiB cap."""

from pathlib import Path

from gitagent.agent.instructions import LIMIT, project_instructions


def test_root_first_down_to_the_working_directory(tmp_path: Path) -> None:
    (tmp_path / "AGENTS.md").write_text("root rules")
    (tmp_path / "pkg" / "sub").mkdir(parents=True)
    (tmp_path / "pkg" / "CLAUDE.md").write_text("package rules")
    (tmp_path / "pkg" / "sub" / "AGENTS.md").write_text("sub rules")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "AGENTS.md").write_text("not on the path")
    text = project_instructions(tmp_path, "pkg/sub")
    assert text.index("root rules") < text.index("package rules") < text.index("sub rules")
    assert "not on the path" not in text
    assert "# Instructions from pkg/CLAUDE.md" in text
    assert "sub rules" not in project_instructions(tmp_path, "pkg")


def test_claude_md_imports(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "style.md").write_text("use tabs, see @more.md")
    (tmp_path / "docs" / "more.md").write_text("and short functions")
    (tmp_path / "CLAUDE.md").write_text(
        "Follow @docs/style.md please.\n```\n@docs/style.md stays in code\n```\nmail a@b.c"
    )
    text = project_instructions(tmp_path)
    assert "Follow use tabs, see and short functions please." in text
    assert "@docs/style.md stays in code" in text and "mail a@b.c" in text


def test_import_cycles_stop(tmp_path: Path) -> None:
    (tmp_path / "CLAUDE.md").write_text("A @b.md")
    (tmp_path / "b.md").write_text("B @CLAUDE.md")
    assert project_instructions(tmp_path).count("B @CLAUDE.md") == 1


def test_capped_at_32_kib_with_a_note(tmp_path: Path) -> None:
    (tmp_path / "AGENTS.md").write_text("x" * (LIMIT + 5000))
    text = project_instructions(tmp_path)
    assert "cut at 32 KiB" in text and len(text.encode()) < LIMIT + 200


def test_no_files_no_text(tmp_path: Path) -> None:
    assert project_instructions(tmp_path, "a/b") == ""
