"""`gitagent run`: a turn becomes a commit, printed as text, JSON or a JSON event stream."""

import json
from pathlib import Path

import pygit2

from tests.conftest import conversation_head, git, text, tool, worktree

HELLO = (
    [text("Writing it."), tool("Write", file_path="hello.py", content="print('hi')\n")],
    [tool("Bash", command="python3 hello.py > out.txt && echo noise > build.log")],
    [text("Added hello.py.")],
)


def test_a_turn_is_a_commit_with_events_conversation_and_workspace(repo: Path, cli, script) -> None:
    user_head = git(repo, "rev-parse", "HEAD")
    result = cli("run", "-c", "demo", "--model", script(*HELLO), "Add a hello script")
    assert "Added hello.py." in result.out
    assert "→ Write hello.py" in result.err

    commit = conversation_head(repo, "demo")
    assert sorted(e.name for e in commit.tree) == ["conversation.json", "turn.json", "workspace"]
    workspace = commit.tree["workspace"]
    assert workspace["hello.py"].data == b"print('hi')\n"
    assert workspace["out.txt"].data == b"hi\n"  # made by a shell command, untracked: still recorded
    assert "build.log" not in workspace  # ignored by .gitignore
    assert workspace["README.md"].data == b"# demo\n"

    turn = json.loads(commit.tree["turn.json"].data)
    assert turn["schema"] == 1 and turn["turn"] == 1 and turn["status"] == "complete"
    assert [e["type"] for e in turn["events"]] == [
        "user",
        "assistant",
        "tool_result",
        "assistant",
        "tool_result",
        "assistant",
    ]
    conversation = json.loads(commit.tree["conversation.json"].data)
    assert conversation["base"] == user_head.strip() and conversation["name"] == "demo"

    message = git(
        repo, "log", "-1", "--format=%s%n%an|%cn%n%(trailers:only,unfold)", "refs/gitagent/conversations/demo"
    )
    subject, people, *trailers = message.strip().splitlines()
    assert subject == "Add a hello script"
    assert people == "Ada Tester|gitagent"
    assert "Gitagent-Turn: 1" in trailers and "Gitagent-Tools: Write, Bash" in trailers
    assert any(t.startswith("Gitagent-Model: scripted:") for t in trailers)

    assert git(repo, "rev-parse", "HEAD") == user_head
    assert git(repo, "status", "--porcelain") == ""
    assert "hello.py" not in {p.name for p in repo.iterdir()}
    git(repo, "fsck", "--strict", "--no-dangling")


def test_second_turn_continues_the_conversation_with_its_history(repo: Path, cli, script) -> None:
    cli("run", "-c", "demo", "--model", script(*HELLO), "Add a hello script")
    cli(
        "run",
        "-c",
        "demo",
        "--model",
        script([tool("Edit", file_path="hello.py", old_string="hi", new_string="yo")], [text("Edited.")]),
        "Say yo",
    )
    head = conversation_head(repo, "demo")
    assert head.parents[0].id == conversation_head(repo, "demo").parents[0].id
    assert json.loads(head.tree["turn.json"].data)["turn"] == 2
    assert head.tree["conversation.json"].id == head.parents[0].tree["conversation.json"].id
    assert head.tree["workspace"]["hello.py"].data == b"print('yo')\n"
    assert (worktree(repo, "demo") / "hello.py").read_text() == "print('yo')\n"
    lines = cli("log", "demo").out.splitlines()
    assert lines[0].split()[:2] == ["2", str(head.id)[:7]] and "Say yo" in lines[0] and "[Edit]" in lines[0]
    assert "Add a hello script" in lines[1]


def test_json_output_has_the_documented_fields(repo: Path, cli, script) -> None:
    result = cli("run", "--output-format", "json", "--model", script(*HELLO), "Add a hello script")
    data = json.loads(result.out)
    assert data["conversation"] == "add-a-hello-script"
    assert data["turn"] == 1 and data["result"] == "Added hello.py." and data["is_error"] is False
    assert data["tool_calls"] == 2 and data["usage"]["input_tokens"] > 0 and data["duration_ms"] >= 0
    assert data["commit"] == str(conversation_head(repo, "add-a-hello-script").id)


def test_stream_json_prints_one_event_per_line(repo: Path, cli, script) -> None:
    result = cli("run", "--output-format", "stream-json", "--model", script(*HELLO), "Add a hello script")
    events = [json.loads(line) for line in result.out.splitlines()]
    kinds = [e["type"] for e in events]
    assert kinds[0] == "turn_started" and kinds[-1] == "result"
    assert kinds.count("tool_use") == 2 and kinds.count("tool_result") == 2 and kinds.count("assistant") == 3
    assert "".join(e["text"] for e in events if e["type"] == "text") == "Writing it.Added hello.py."


def test_a_new_conversation_gets_a_readable_unused_name(repo: Path, cli, script) -> None:
    cli("run", "--model", script([text("ok")]), "Fix the login bug, please!")
    cli("run", "--model", script([text("ok")]), "Fix the login bug, please!")
    names = {c["name"] for c in json.loads(cli("conversations", "--json").out)}
    assert names == {"fix-the-login-bug-please", "fix-the-login-bug-please-2"}


def test_prompt_from_stdin(repo: Path, cli, script) -> None:
    cli("run", "-c", "s", "--model", script([text("ok")]), "-", input="Explain the code\nin detail")
    assert conversation_head(repo, "s").message.splitlines()[0] == "Explain the code"


def test_max_steps_commits_the_turn_and_fails(repo: Path, cli, script) -> None:
    result = cli("run", "-c", "m", "--max-steps", "1", "--model", script(*HELLO), "go", expect=1)
    assert "max_steps" in result.err
    turn = json.loads(conversation_head(repo, "m").tree["turn.json"].data)
    assert turn["status"] == "max_steps"
    assert turn["events"][-1]["type"] == "error"


def test_large_binary_untracked_files_are_left_out_with_a_note(repo: Path, cli, script) -> None:
    make_big = "head -c 400000 /dev/zero > blob.bin && head -c 100 /dev/zero > small.bin"
    cli("run", "-c", "b", "--model", script([tool("Bash", command=make_big)], [text("made")]), "make files")
    head = conversation_head(repo, "b")
    assert "blob.bin" not in head.tree["workspace"] and "small.bin" in head.tree["workspace"]
    turn = json.loads(head.tree["turn.json"].data)
    assert turn["left_out"] == [{"path": "blob.bin", "reason": "binary and larger than 256 KiB", "size": 400000}]
    assert "blob.bin (binary and larger than 256 KiB)" in _show(repo, "b")


def _show(repo: Path, target: str) -> str:
    from tests.conftest import run_cli

    return run_cli(repo, "show", target).out


def test_written_objects_read_with_pygit2_and_git(repo: Path, cli, script) -> None:
    cli("run", "-c", "demo", "--model", script(*HELLO), "Add a hello script")
    r = pygit2.Repository(str(repo))
    commit = r.revparse_single("refs/gitagent/conversations/demo")
    assert commit.committer.name == "gitagent"
    assert git(repo, "show", "refs/gitagent/conversations/demo:workspace/hello.py") == "print('hi')\n"
    assert git(repo, "diff", "--stat", "refs/gitagent/conversations/demo~0^{tree}", "HEAD^{tree}") != ""
