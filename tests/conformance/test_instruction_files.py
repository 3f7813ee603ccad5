"""gitagent puts the same instruction files in the prompt as Claude Code does, in the same order.

The fixture (`fixtures/claude-instructions.json`, made by `record_rules.py` with the Claude Code version it
names) lists the files whose contents Claude Code sent in its first request, for a repository with nested
CLAUDE.md / AGENTS.md files, `CLAUDE.local.md`, `.claude/CLAUDE.md`, the user's `~/.claude/CLAUDE.md` and
`@` imports of every kind (relative, `~`, absolute inside and outside the repository, `..`, `/proc`, `/etc`,
a symlink out, one in a code span), working at the repository root and in `pkg/sub`. Claude Code's own
prompt text is not kept or compared: only which files, and in what order.
"""

import json
from pathlib import Path

import pytest

from gitagent.agent.instructions import load_instructions
from tests.conformance.rules_scenarios import FIXTURES, SUBDIR, instruction_repo

FIXTURE = json.loads((FIXTURES / "claude-instructions.json").read_text())

ONLY_CLAUDE_CODE = {
    "../CLAUDE.md": "Claude Code reads CLAUDE.md files up to /; gitagent stops at the repository root (a file "
    "above it is not the project's, and on a shared machine may not be yours)",
}
ONLY_GITAGENT = {
    "pkg/AGENTS.override.md": "Claude Code reads no AGENTS.md by itself; gitagent reads Codex's files as Codex "
    "does, AGENTS.override.md in place of AGENTS.md in the same directory",
    "~/.claude/personal.md": "Claude Code asks before importing a file outside the project and, unasked, leaves it "
    "out; gitagent imports the user's own ~/.claude/*.md and nothing else outside the repository",
}
BELOW_THE_ROOT = {
    "AGENTS.md", "docs/style.md", "docs/nested.md", "docs/extra.md", "docs/abs-in.md", "~/.claude/personal.md",
}  # fmt: skip
"""Working in pkg/sub, Claude Code treats every file outside pkg/sub as outside the project and imports none of
these; gitagent's boundary is the repository wherever the user works, so it imports them as at the root."""


def _gitagent(repo: Path, home: Path, subdir: str) -> list[str]:
    labels = []
    for found in load_instructions(repo, subdir).files:
        path = found.path
        labels.append(path.relative_to(repo.resolve()).as_posix() if path.is_relative_to(repo.resolve())
                      else "~/" + path.relative_to(home.resolve()).as_posix())  # fmt: skip
    return labels


@pytest.mark.parametrize("subdir", ["", SUBDIR])
def test_the_same_files_in_the_same_order(subdir: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo, home = instruction_repo(tmp_path)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(home / ".claude"))
    claude, ours = FIXTURE["runs"][subdir], _gitagent(repo, home, subdir)
    only_gitagent = {"~/.claude/personal.md"} | ({"pkg/AGENTS.override.md"} | BELOW_THE_ROOT if subdir else set())
    assert set(claude) - set(ours) == set(ONLY_CLAUDE_CODE)
    assert set(ours) - set(claude) == only_gitagent
    assert [f for f in ours if f in claude] == [f for f in claude if f in ours]  # the files both read: same order


def test_neither_reads_what_lies_outside(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No file outside the repository and the user's own folder reaches either prompt, and gitagent says so."""
    repo, home = instruction_repo(tmp_path)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(home / ".claude"))
    found = load_instructions(repo)
    for listed in (FIXTURE["runs"][""], _gitagent(repo, home, "")):
        assert not any(f.startswith(("/", "~/notes")) or "outside" in f or f == "docs/link.md" for f in listed)
    assert "OUTSIDE" not in found.text and "HOME NOTES" not in found.text and "IN A CODE SPAN" not in found.text
    refused = sorted(n.split(": @")[1].split(" ")[0] for n in found.notices)
    assert refused == sorted(["~/notes.md", f"{tmp_path}/outside/secret.md", "../outside/dotdot.md",
                              "/proc/self/environ", "/etc/hostname", "docs/link.md"])  # fmt: skip


def test_the_deliberate_differences_are_real() -> None:
    root, sub = FIXTURE["runs"][""], FIXTURE["runs"][SUBDIR]
    assert all(f in root and f in sub for f in ONLY_CLAUDE_CODE)
    assert not any(f in root or f in sub for f in ONLY_GITAGENT)
    assert all(f in root or f == "~/.claude/personal.md" for f in BELOW_THE_ROOT)
    assert not any(f in sub for f in BELOW_THE_ROOT) and FIXTURE["claude_code"]
