"""Children seen by people: `log --all` draws the tree, `show` links them, and every command works on them."""

from pathlib import Path

from tests.conftest import git, run_cli, text, tool, worktree


def test_children_are_conversations_for_log_show_diff_fork_and_rewind(repo: Path, family) -> None:
    model = family(
        [[tool("Agent", description="Write notes", prompt="Write notes.txt"),
          tool("Agent", description="Look around", prompt="Find the README", subagent_type="explore")],
         [text("Both done.")]],
        {"notes.txt": [[tool("Write", file_path="notes.txt", content="n\n")], [text("Wrote notes.")]],
         "explore": [[tool("Glob", pattern="*.md")], [text("README.md is at the top.")]]},
    )  # fmt: skip
    ran = run_cli(repo, "run", "-c", "t", "-m", model, "Delegate")
    assert ran.code == 0, ran.err
    assert "agent t.agents/1 started: Write notes" in ran.err and "agent t.agents/2 finished: complete" in ran.err
    graph = run_cli(repo, "log", "--all").out
    assert "agents (child conversations under their parents):\nt\n  └─ t.agents/1  general-purpose: Write notes\n" \
           "  └─ t.agents/2  explore: Look around" in graph  # fmt: skip
    shown = run_cli(repo, "show", "t").out
    assert (
        "⤷ agent t.agents/1" in shown
        and "Agents (child conversations):\n  t.agents/1   gitagent log t.agents/1" in shown
    )
    child_log = run_cli(repo, "log", "t.agents/1")
    assert child_log.code == 0 and "Write notes.txt" in child_log.out and "agent start: Write notes" in child_log.out
    diff = run_cli(repo, "diff", "t.agents/1")
    assert "+n" in diff.out and "notes.txt" in diff.out
    assert "Gitagent-Agents: t.agents/1, t.agents/2" in git(
        repo, "log", "-1", "--format=%B", "refs/gitagent/conversations/t"
    )
    assert run_cli(repo, "fork", "t.agents/1", "notes-copy").code == 0
    rewound = run_cli(repo, "rewind", "t.agents/1", "1")
    assert rewound.code == 0, rewound.err
    assert not (worktree(repo, "t.agents/1") / "notes.txt").exists()
    listed = run_cli(repo, "conversations").out
    assert "t.agents/1" in listed and "t.agents/2" in listed
    git(repo, "fsck", "--strict")
