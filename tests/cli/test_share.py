"""apply, export, push and pull: the conversation's work leaves its worktree only when asked."""

from pathlib import Path

import pygit2

from tests.conftest import conversation_head, git, run_cli, text, tool, worktree

EDIT = (
    [
        tool("Write", file_path="src/app.py", content="print(1)\n"),
        tool("Edit", file_path="README.md", old_string="# demo", new_string="# demo app"),
    ],
    [text("done")],
)


def test_apply_brings_changes_into_the_checkout_uncommitted(repo: Path, cli, script) -> None:
    cli("run", "-c", "a", "--model", script(*EDIT), "make an app")
    head = git(repo, "rev-parse", "HEAD")
    result = cli("apply", "a")
    assert "applied 2 files from a" in result.out and "src/app.py" in result.out
    assert (repo / "src" / "app.py").read_text() == "print(1)\n"
    assert (repo / "README.md").read_text() == "# demo app\n"
    assert git(repo, "rev-parse", "HEAD") == head
    assert git(repo, "status", "--porcelain").splitlines() == [" M README.md", "?? src/"]


def test_export_makes_a_branch_on_the_base_without_touching_the_checkout(repo: Path, cli, script) -> None:
    cli("run", "-c", "a", "--model", script(*EDIT), "make an app")
    base = git(repo, "rev-parse", "HEAD").strip()
    result = cli("export", "a", "feature/app")
    assert "created branch feature/app" in result.out
    r = pygit2.Repository(str(repo))
    commit = r.references["refs/heads/feature/app"].peel(pygit2.Commit)
    assert str(commit.parents[0].id) == base
    assert commit.tree.id == conversation_head(repo, "a").tree["workspace"].id
    assert commit.message.startswith("make an app\n") and "Gitagent-Conversation: a" in commit.message
    assert commit.author.name == "Ada Tester"
    assert git(repo, "status", "--porcelain") == "" and git(repo, "branch", "--show-current").strip() == "main"


def test_push_and_pull_share_conversations(repo: Path, tmp_path: Path, cli, script) -> None:
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "push", "-q", "origin", "main")
    cli("run", "-c", "shared", "--model", script(*EDIT), "make an app")
    cli("push")
    assert "refs/gitagent/conversations/shared" in git(remote, "for-each-ref")

    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(remote), str(clone))
    assert "updated: shared" in run_cli(clone, "pull").out
    assert "make an app" in run_cli(clone, "log", "shared").out
    run_cli(clone, "run", "-c", "shared", "--model", script([text("second")]), "more")  # materialises the worktree
    assert (worktree(clone, "shared") / "src" / "app.py").read_text() == "print(1)\n"
    assert run_cli(clone, "push").code == 0

    cli("run", "-c", "shared", "--model", script([tool("Write", file_path="x.txt", content="x")], [text("x")]), "x")
    rejected = cli("push", expect=1)  # both sides added a turn: the push is rejected, nothing is overwritten
    assert git(remote, "rev-parse", "refs/gitagent/conversations/shared").strip() != str(
        conversation_head(repo, "shared").id
    )
    assert rejected.err.startswith("gitagent: error: not pushed, the remote has turns this repository does not have")
    assert "gitagent pull" in rejected.err and "gitagent push --force" in rejected.err
    diverged = cli("pull", expect=1)
    assert "not updated, both sides added turns (kept as they are here): shared" in diverged.err
    assert "gitagent pull --force" in diverged.err
    for result in (rejected, diverged):  # in gitagent's words, not git's advice
        assert "hint:" not in result.err and "[rejected]" not in result.err and len(result.err.splitlines()) == 2


def test_pull_moves_an_existing_worktree_to_the_new_head(repo: Path, tmp_path: Path, cli, script) -> None:
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "push", "-q", "origin", "main")
    cli("run", "-c", "s", "--model", script([text("one")]), "one")
    cli("push")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(remote), str(clone))
    run_cli(clone, "pull")
    run_cli(clone, "rewind", "s", "1", "--force")  # no-op guard: already at turn 1
    run_cli(clone, "run", "-c", "s", "--model", script([text("two")]), "two")  # clone has a worktree at turn 2
    run_cli(clone, "push")
    assert "moved the worktree of s to its new latest turn" in cli("pull").out
    assert conversation_head(repo, "s").message.startswith("two")
    assert "updated: none" in cli("pull").out
    assert (worktree(repo, "s") / "README.md").exists()


def test_push_without_a_remote(repo: Path, cli) -> None:
    assert "this repository has no remote" in cli("push", expect=1).err


def test_an_unreachable_remote_is_one_line_naming_the_fix(repo: Path, cli) -> None:
    git(repo, "remote", "add", "origin", str(repo.parent / "nowhere.git"))
    for command in ("push", "pull"):
        err = cli(command, expect=1).err
        assert "does not appear to be a git repository" in err and "git remote -v" in err
        assert len(err.splitlines()) == 2


def test_a_clone_without_the_base_commit_says_how_to_fetch_it(repo: Path, tmp_path: Path, cli, script) -> None:
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "push", "-q", "origin", "main")
    git(repo, "checkout", "-q", "-b", "local")  # the conversation starts on a branch the remote never gets
    (repo / "local.txt").write_text("local\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "local work")
    base = git(repo, "rev-parse", "HEAD").strip()
    cli("run", "-c", "shared", "--model", script(*EDIT), "make an app")
    cli("fork", "shared", "other")
    cli("push")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(remote), str(clone))
    assert run_cli(clone, "pull").code == 0

    fix = f"fetch it: `git fetch origin {base}`"
    runs = [["run", "-c", "shared", "--model", script([text("never")]), "more"], ["run", "-c", "other", "x"]]
    for command in [*runs, ["show", "shared"], ["diff", "shared"], ["apply", "shared"], ["export", "shared", "b"]]:
        result = run_cli(clone, *command)
        assert result.code == 1, command
        assert result.err.splitlines() == [
            f"gitagent: error: conversation {command[2] if command[0] == 'run' else 'shared'}'s base commit "
            f"{base[:12]} is not in this repository",
            f"  {fix} (where origin lacks it, push the branch it is on from the clone that started the conversation"
            " first), then try again",
        ], command
    assert "interrupted" not in run_cli(clone, "conversations").out  # the refused turn never started

    git(repo, "push", "-q", "origin", "local")
    git(clone, "fetch", "-q", "origin", base)
    assert run_cli(clone, "run", "-c", "shared", "--model", script([text("now it runs")]), "more").code == 0
    assert (worktree(clone, "shared") / "local.txt").read_text() == "local\n"


def test_a_shallow_clone_without_the_base_commit_says_to_unshallow(repo: Path, tmp_path: Path, cli, script) -> None:
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    cli("run", "-c", "shared", "--model", script(*EDIT), "make an app")
    (repo / "later.txt").write_text("later\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "later")
    git(repo, "push", "-q", "origin", "main")
    cli("push")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "-b", "main", "--depth", "1", f"file://{remote}", str(clone))
    assert run_cli(clone, "pull").code == 0
    result = run_cli(clone, "diff", "shared")
    assert result.code == 1 and "is not in this repository" in result.err
    assert "this clone is shallow: fetch the rest of its history with `git fetch --unshallow`" in result.err
