"""Instruction files: which are read, in what order, each once under its header; imports confined; the cap."""

import os
from pathlib import Path

import pytest

from gitagent.agent.instructions import LIMIT, load_instructions, project_instructions


def _labels(root: Path, subdir: str = "") -> list[str]:
    return [f.header.removeprefix("# Instructions from ") for f in load_instructions(root, subdir).files]


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


def test_imports_follow_their_importer_under_their_own_header(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "style.md").write_text("use tabs, see @more.md")
    (tmp_path / "docs" / "more.md").write_text("and short functions")
    (tmp_path / "docs" / "fenced.md").write_text("FENCED")
    (tmp_path / "docs" / "span.md").write_text("SPAN")
    (tmp_path / "CLAUDE.md").write_text(
        "Follow @docs/style.md please.\n```\n@docs/fenced.md stays in code\n```\nsee `@docs/span.md` and mail a@b.c"
    )
    text = project_instructions(tmp_path)
    assert "Follow @docs/style.md please." in text  # the importer's text is left as written, nothing spliced in
    assert _labels(tmp_path) == ["CLAUDE.md", "docs/style.md (imported by CLAUDE.md:1)",
                                 "docs/more.md (imported by docs/style.md:1)"]  # fmt: skip
    assert "FENCED" not in text and "SPAN" not in text and "mail a@b.c" in text


def test_a_claude_md_importing_agents_md_includes_it_once(tmp_path: Path) -> None:
    (tmp_path / "AGENTS.md").write_text("SHARED RULES")
    (tmp_path / "CLAUDE.md").write_text("@AGENTS.md\n")
    text = project_instructions(tmp_path)
    assert text.count("SHARED RULES") == 1
    assert _labels(tmp_path) == ["CLAUDE.md", "AGENTS.md (imported by CLAUDE.md:1)"]


def test_every_claude_code_and_codex_file_in_their_order(tmp_path: Path) -> None:
    (tmp_path / ".claude").mkdir()
    (tmp_path / "pkg").mkdir()
    for name in ("CLAUDE.md", ".claude/CLAUDE.md", "CLAUDE.local.md", "AGENTS.md", "pkg/AGENTS.md"):
        (tmp_path / name).write_text(f"from {name}")
    (tmp_path / "pkg" / "AGENTS.override.md").write_text("from the override")
    (tmp_path / "AGENTS.override.md").write_text("  \n")  # empty: as if absent, AGENTS.md is read
    assert _labels(tmp_path, "pkg") == [
        "CLAUDE.md", ".claude/CLAUDE.md", "CLAUDE.local.md", "AGENTS.md", "pkg/AGENTS.override.md"
    ]  # fmt: skip
    assert "from pkg/AGENTS.md" not in project_instructions(tmp_path, "pkg")


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A host file beside the repository that must never reach the prompt."""
    (tmp_path / "outside.md").write_text("HOST SECRET")
    (tmp_path / "repo").mkdir()
    return tmp_path / "outside.md"


def test_imports_out_of_the_repository_are_refused_with_the_line(outside: Path) -> None:
    repo = outside.parent / "repo"
    (repo / ".git").mkdir()
    (repo / ".git" / "config").write_text("[http] extraheader = AUTHORIZATION: basic SECRETTOKEN")
    (repo / "docs").mkdir()
    (repo / "docs" / "link.md").symlink_to(outside)
    (repo / "docs" / "inside.md").write_text("INSIDE")
    lines = ["@/proc/self/environ", "@/etc/passwd", "@../outside.md", "@docs/link.md", "@.git/config",
             f"@{outside}", f"@{repo}/docs/inside.md", "@/dev/zero", "@nowhere.md"]  # fmt: skip
    (repo / "CLAUDE.md").write_text("\n".join(lines))
    found = load_instructions(repo)
    text = found.text
    assert "HOST SECRET" not in text and "SECRETTOKEN" not in text and "root:" not in text
    assert os.environ.get("PATH", "-") not in text
    assert "INSIDE" in text  # an absolute path inside the repository is fine
    refused = [n.split(": @")[0] for n in found.notices]
    assert refused == [f"instructions: CLAUDE.md:{n}" for n in (1, 2, 3, 4, 5, 6, 8)]
    assert "only files in the repository" in found.notices[0]


def test_an_instruction_file_linking_out_is_not_read(outside: Path) -> None:
    repo = outside.parent / "repo"
    (repo / "CLAUDE.md").symlink_to(outside)
    (repo / "AGENTS.md").symlink_to("/etc/passwd")
    found = load_instructions(repo)
    assert found.text == "" and "HOST SECRET" not in found.text
    assert [n.split(":")[1] for n in found.notices] == [" CLAUDE.md", " AGENTS.md"]
    assert "leads out of the repository" in found.notices[0]


def test_the_users_own_files_come_first_and_may_be_imported(tmp_path: Path) -> None:
    claude_home = Path(os.environ["CLAUDE_CONFIG_DIR"])
    claude_home.mkdir()
    (claude_home / "CLAUDE.md").write_text("MY CLAUDE RULES @personal.md")
    (claude_home / "personal.md").write_text("MY PERSONAL NOTES")
    (claude_home / ".credentials.json").write_text('{"token": "OAUTH-SECRET"}')
    gitagent_home = Path(os.environ["GITAGENT_HOME"])
    gitagent_home.mkdir()
    (gitagent_home / "AGENTS.md").write_text("MY GITAGENT RULES")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "CLAUDE.md").write_text(f"@{claude_home}/personal.md\n@{claude_home}/.credentials.json\n")
    found = load_instructions(repo)
    assert [f.path for f in found.files] == [
        claude_home / "CLAUDE.md", claude_home / "personal.md", gitagent_home / "AGENTS.md", repo / "CLAUDE.md"
    ]  # fmt: skip
    assert found.files[0].note == found.files[2].note == "yours, for every project"
    assert found.text.count("MY PERSONAL NOTES") == 1 and "OAUTH-SECRET" not in found.text
    assert found.notices == [
        f"instructions: CLAUDE.md:2: @{claude_home}/.credentials.json not imported: only files in the repository "
        "and your own ~/.claude/*.md can be imported"
    ]
    assert "MY CLAUDE RULES" not in load_instructions(repo, user=False).text


def test_imports_stop_five_levels_deep(tmp_path: Path) -> None:
    (tmp_path / "CLAUDE.md").write_text("@1.md")
    for n in range(1, 8):
        (tmp_path / f"{n}.md").write_text(f"level {n} @{n + 1}.md")
    text = project_instructions(tmp_path)
    assert "level 5" in text and "level 6" not in text


def test_import_cycles_stop(tmp_path: Path) -> None:
    (tmp_path / "CLAUDE.md").write_text("A @b.md")
    (tmp_path / "b.md").write_text("B @CLAUDE.md")
    assert project_instructions(tmp_path).count("B @CLAUDE.md") == 1


def test_a_binary_import_is_refused(tmp_path: Path) -> None:
    (tmp_path / "blob.md").write_bytes(b"\x00\x01binary")
    (tmp_path / "CLAUDE.md").write_text("@blob.md")
    found = load_instructions(tmp_path)
    assert found.notices == ["instructions: blob.md: not read: not a text file"]


def test_capped_at_32_kib_with_a_note(tmp_path: Path) -> None:
    (tmp_path / "AGENTS.md").write_text("x" * (LIMIT + 5000))
    text = project_instructions(tmp_path)
    assert "cut at 32 KiB" in text and len(text.encode()) < LIMIT + 200


def test_no_files_no_text(tmp_path: Path) -> None:
    assert project_instructions(tmp_path, "a/b") == ""
