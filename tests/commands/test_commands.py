"""Custom slash commands: discovery (namespaces, precedence, broken files) and expansion, checked against what
Claude Code made of the same files (tests/commands/fixtures/claude_code_expansion.json)."""

import json
from pathlib import Path

import pytest

from gitagent.commands import discover_commands, expand, split_arguments
from gitagent.commands.discover import load_command

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "claude_code_expansion.json").read_text())


@pytest.mark.parametrize("case", FIXTURE["cases"], ids=lambda case: f"{case['command']} {case['arguments']}")
def test_expansion_matches_claude_code(tmp_path: Path, case: dict) -> None:
    path = tmp_path / case["file"]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(case["content"])
    found = discover_commands(tmp_path, tmp_path / "user", tmp_path / "home")
    command = found.commands[case["command"]]
    assert expand(command.body, case["arguments"]) == case["expanded"]


def test_frontmatter_fields_are_read(tmp_path: Path) -> None:
    review = next(c for c in FIXTURE["cases"] if c["command"] == "review")
    path = tmp_path / "review.md"
    path.write_text(review["content"])
    command = load_command(path, "review", "repo")
    assert command.description == "Review a file"
    assert command.argument_hint == "FILE [FOCUS]"
    assert command.model == review["model"] == "claude-sonnet-4-5"
    assert command.allowed_tools == ["Read", "Grep"]
    assert command.needs_trust and command.problem is None


def test_allowed_tools_split_on_commas_outside_parentheses(tmp_path: Path) -> None:
    path = tmp_path / "commit.md"
    path.write_text("---\nallowed-tools: Bash(git add:*), Bash(git commit -m a,b), Read\n---\nCommit.\n")
    assert load_command(path, "commit", "user").allowed_tools == ["Bash(git add:*)", "Bash(git commit -m a,b)", "Read"]


def test_precedence_namespaces_and_broken_files(tmp_path: Path) -> None:
    root, user, home = tmp_path / "repo", tmp_path / "user", tmp_path / "home"
    files = {
        root / ".gitagent/commands/deploy.md": "Deploy from .gitagent\n",
        root / ".claude/commands/deploy.md": "Deploy from .claude\n",
        root / ".claude/commands/frontend/component.md": "Component $ARGUMENTS\n",
        user / "commands/deploy.md": "Deploy of the user\n",
        home / ".claude/commands/mine.md": "---\ndescription: Mine\n---\nMy own.\n",
        home / ".claude/commands/broken.md": "---\ndescription: [unclosed\n---\nBody\n",
    }
    for path, content in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    found = discover_commands(root, user, home)
    assert sorted(found.commands) == ["broken", "deploy", "frontend:component", "mine"]
    assert found.commands["deploy"].body == "Deploy from .gitagent\n"
    assert [c.body for c in found.shadowed] == ["Deploy from .claude\n", "Deploy of the user\n"]
    assert found.commands["mine"].source == "user" and not found.commands["mine"].needs_trust
    assert found.commands["frontend:component"].description == "Component $ARGUMENTS"
    assert "invalid frontmatter" in (found.commands["broken"].problem or "")


def test_a_command_file_linking_out_of_its_folder_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "secret.md").write_text("secret\n")
    folder = tmp_path / "repo" / ".claude" / "commands"
    folder.mkdir(parents=True)
    (folder / "leak.md").symlink_to(tmp_path / "secret.md")
    assert discover_commands(tmp_path / "repo", tmp_path / "user", tmp_path / "home").commands == {}


def test_unbalanced_quotes_fall_back_to_whitespace_splitting() -> None:
    assert split_arguments("a 'b c") == ["a", "'b", "c"]
    assert expand("[$1]", "a 'b c") == "['b]"
