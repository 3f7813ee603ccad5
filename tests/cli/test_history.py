"""fork, rewind, log, show, diff, rm and prune: moving through a conversation without losing a turn."""

import json
from pathlib import Path

import pytest

import gitagent
from gitagent.errors import GitagentError
from tests.cli.firstturn import first_turn_in_flight, kill_unreaped
from tests.conftest import conversation_head, git, run_cli, text, tool, worktree


@pytest.fixture
def three_turns(repo: Path, cli, script) -> list[str]:
    """Conversation `demo` with three turns writing v1, v2, v3 to notes.txt; returns their commit ids."""
    ids = []
    for n in (1, 2, 3):
        cli(
            "run",
            "-c",
            "demo",
            "--model",
            script([tool("Write", file_path="notes.txt", content=f"v{n}\n")], [text(f"wrote v{n}")]),
            f"write v{n}",
        )
        ids.append(str(conversation_head(repo, "demo").id))
    return ids


def test_rewind_moves_code_and_dialogue_back_and_keeps_the_old_tip(repo: Path, cli, three_turns) -> None:
    result = cli("rewind", "demo", "1")
    assert "rewound demo to turn 1" in result.out and "2 later turns kept" in result.out
    assert str(conversation_head(repo, "demo").id) == three_turns[0]
    assert (worktree(repo, "demo") / "notes.txt").read_text() == "v1\n"
    refs = git(repo, "for-each-ref", "--format=%(refname) %(objectname)", "refs/gitagent/abandoned/")
    assert refs.strip() == f"refs/gitagent/abandoned/demo/{three_turns[2]} {three_turns[2]}"
    tree = cli("log", "--all").out
    assert "(abandoned demo)" in tree and "turn 3 write v3" in tree and "(demo)" in tree


def test_rewind_touches_only_files_that_differ(repo: Path, cli, script, three_turns) -> None:
    untouched = worktree(repo, "demo") / "README.md"
    before = untouched.stat().st_mtime_ns
    cli("rewind", "demo", "~1")
    assert untouched.stat().st_mtime_ns == before
    assert (worktree(repo, "demo") / "notes.txt").read_text() == "v2\n"


def test_the_next_turn_after_a_rewind_builds_on_the_earlier_turn(repo: Path, cli, script, three_turns) -> None:
    cli("rewind", "demo", "1")
    cli("run", "-c", "demo", "--model", script([text("ok")]), "again")
    head = conversation_head(repo, "demo")
    assert str(head.parents[0].id) == three_turns[0]
    assert json.loads(head.tree["turn.json"].data)["turn"] == 2


def test_rewind_refuses_to_drop_unrecorded_changes_unless_forced(repo: Path, cli, three_turns) -> None:
    (worktree(repo, "demo") / "notes.txt").write_text("hand edit\n")
    result = cli("rewind", "demo", "1", expect=1)
    assert "changes that no turn recorded: notes.txt" in result.err and "--force" in result.err
    assert str(conversation_head(repo, "demo").id) == three_turns[2]
    cli("rewind", "demo", "1", "--force")
    assert (worktree(repo, "demo") / "notes.txt").read_text() == "v1\n"


def test_fork_starts_a_new_conversation_at_any_turn(repo: Path, cli, script, three_turns) -> None:
    cli("fork", "demo@2", "alt")
    assert str(conversation_head(repo, "alt").id) == three_turns[1]
    assert str(conversation_head(repo, "demo").id) == three_turns[2]
    cli("run", "-c", "alt", "--model", script([text("on the fork")]), "continue")
    alt = conversation_head(repo, "alt")
    assert str(alt.parents[0].id) == three_turns[1]
    assert (worktree(repo, "alt") / "notes.txt").read_text() == "v2\n"
    conversation = json.loads(alt.tree["conversation.json"].data)
    assert conversation["name"] == "alt" and conversation["forked_from"]["name"] == "demo"
    assert cli("fork", "demo", "alt", expect=1).err.startswith("gitagent: error: a conversation named 'alt'")


def test_fork_from_an_abandoned_turn_by_commit_id(repo: Path, cli, three_turns) -> None:
    cli("rewind", "demo", "1")
    cli("fork", f"demo@{three_turns[2][:8]}", "rescued")
    assert str(conversation_head(repo, "rescued").id) == three_turns[2]


@pytest.mark.parametrize("rev", ["demo@2", "demo~1", "demo@~1"])
def test_rev_forms_name_the_same_turn(repo: Path, cli, three_turns, rev: str) -> None:
    assert json.loads(cli("show", rev, "--json").out)["turn"] == 2


def test_show_by_commit_id(repo: Path, cli, three_turns) -> None:
    assert json.loads(cli("show", f"demo@{three_turns[1][:7]}", "--json").out)["turn"] == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("show", "demo@7"), "conversation 'demo' has 3 turns; there is no turn 7"),
        (("show", "demo@0"), "there is no turn 0"),
        (("show", "demo~5"), "goes back past the first turn"),
        (("rewind", "demo", "3"), "already at turn 3"),
        (("show", "demo@zzzz"), "cannot read REV 'zzzz'"),
        (("show", "demo@abcdef12"), "no commit 'abcdef12'"),
    ],
)
def test_bad_revs_get_clear_errors(repo: Path, cli, three_turns, args: tuple[str, ...], message: str) -> None:
    assert message in cli(*args, expect=1).err


def test_show_tells_the_turn(repo: Path, cli, three_turns) -> None:
    out = cli("show", "demo@2").out
    assert "turn 2 of demo" in out and "> write v2" in out and "→ Write" in out and "wrote v2" in out
    assert "notes.txt | 2 +-" in out


def test_diff_of_a_turn_and_since_base(repo: Path, cli, three_turns) -> None:
    turn = cli("diff", "demo@3").out
    assert "-v2" in turn and "+v3" in turn
    whole = cli("diff", "demo", "--since-base").out
    assert "new file mode" in whole and "+v3" in whole and "v2" not in whole


def test_log_json_and_limit(repo: Path, cli, three_turns) -> None:
    data = json.loads(cli("log", "demo", "--json", "-n", "2").out)
    assert [t["turn"] for t in data["turns"]] == [3, 2]
    assert data["turns"][0]["tools"] == ["Write"] and data["turns"][0]["tokens"]["input_tokens"] > 0


def test_conversations_lists_name_turns_head_and_model(repo: Path, cli, three_turns) -> None:
    rows = json.loads(cli("conversations", "--json").out)
    assert len(rows) == 1
    assert rows[0]["name"] == "demo" and rows[0]["turns"] == 3 and rows[0]["head"] == three_turns[2]
    assert rows[0]["model"].startswith("scripted:")
    table = cli("conversations").out.splitlines()
    assert table[0].split() == ["NAME", "TURNS", "LAST", "ACTIVITY", "HEAD", "MODEL", "STATE"]
    assert table[1].startswith("demo") and three_turns[2][:7] in table[1]


def test_rm_then_prune_frees_turns_and_worktree(repo: Path, cli, three_turns) -> None:
    cli("fork", "demo@1", "keep")
    result = cli("rm", "demo")
    assert "removed demo (3 turns)" in result.out
    assert not worktree(repo, "demo").exists()
    assert "demo" not in cli("conversations").out
    pruned = cli("prune").out
    assert "dropped 1 abandoned tip (2 turns no longer reachable" in pruned  # turn 1 is still kept by the fork
    assert git(repo, "for-each-ref", "refs/gitagent/abandoned/") == ""
    assert cli("prune").out.strip() == "nothing to prune"
    assert "worktrees" not in git(repo, "worktree", "list") or "demo" not in git(repo, "worktree", "list")


def test_rewind_removes_files_created_after_the_target_turn(repo: Path, cli, script, three_turns) -> None:
    cli("run", "-c", "demo", "--model", script([tool("Bash", command="echo x > late.txt")], [text("ok")]), "late")
    cli("rewind", "demo", "1")
    assert not (worktree(repo, "demo") / "late.txt").exists()
    (worktree(repo, "demo") / "stray.txt").write_text("unrecorded")
    cli("rewind", "demo", "1", expect=1)  # already there
    cli("fork", "demo", "other")
    assert "stray.txt" in cli("rm", "demo", expect=1).err
    cli("rm", "demo", "--force")


NAMING_FIRST = [("fork", "first", "copy"), ("export", "first", "branch"), ("apply", "first"), ("rm", "first"),
                ("rewind", "first", "1"), ("compact", "first")]  # fmt: skip
"""The commands that name conversation `first` (besides the read commands, in test_reads.py)."""


def test_commands_naming_a_conversation_whose_first_turn_is_in_flight_say_so(repo: Path, cli, script) -> None:
    cli("run", "-c", "other", "--model", script([text("ok")]), "hi")
    with first_turn_in_flight(repo, script) as proc:
        for command in NAMING_FIRST:
            result = run_cli(repo, *command)
            assert result.code == 1 and result.out == "", (command, result)
            running = f"conversation 'first' has no turns yet: its first turn is still running (process {proc.pid})"
            assert running in result.err, (command, result.err)
        kill_unreaped(proc)
        for command in NAMING_FIRST:
            result = run_cli(repo, *command)
            assert result.code == 1 and result.out == "", (command, result)
            assert "conversation 'first' has no turns yet: its first turn was interrupted" in result.err, command
            assert "`gitagent run --resume -c first` or drop it with `gitagent run --discard -c first`" in result.err
        conversation = gitagent.open(repo).conversation("first")
        for call in (lambda: conversation.fork("copy"), lambda: conversation.rewind("1")):
            with pytest.raises(GitagentError, match="its first turn was interrupted"):
                call()
        taken = cli("fork", "other", "first", expect=1).err  # a new name: nothing may go under its first turn
        assert "a conversation named 'first' already exists (its first turn is in flight)" in taken
    assert git(repo, "for-each-ref", "--format=%(refname)", "refs/heads/", "refs/gitagent/conversations/").split() == [
        "refs/gitagent/conversations/other",
        "refs/heads/main",
    ]
    assert "resumed" in cli("run", "--resume", "-c", "first", "--model", script([text("-")], [text("resumed")])).out
    assert "forked first at turn 1" in cli("fork", "first", "copy").out
    with first_turn_in_flight(repo, script, "second"):
        pass
    assert "discarded the interrupted turn 1 of 'second'" in cli("run", "--discard", "-c", "second").err
    assert "no conversation named 'second'" in cli("rm", "second", expect=1).err
