"""`GIT_DIR` and `GIT_WORK_TREE` choose the repository and work tree as they do for git: a dotfiles repository
(`git init --bare ~/.dotfiles`, used with `--git-dir`/`--work-tree`), a GIT_DIR naming another repository than the
current directory's, `core.worktree`, a linked worktree's git directory. gitagent's own git commands and the
sandbox never see these variables."""

from pathlib import Path

from tests.conftest import git, run_cli, text, tool

WRITE = ([tool("Write", file_path="notes.txt", content="hello\n")], [text("wrote it")])


def _dotfiles(tmp_path: Path) -> tuple[Path, Path]:
    """A bare repository `dots` whose work tree is `home`, with `.bashrc` committed, made as the dotfiles guides
    make it."""
    dots, home = tmp_path / "dots", tmp_path / "home"
    home.mkdir()
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(dots))
    (home / ".bashrc").write_text("alias ll='ls -l'\n")
    named = [f"--git-dir={dots}", f"--work-tree={home}"]
    git(home, *named, "add", ".bashrc")
    git(home, *named, "commit", "-q", "-m", "dotfiles")
    return dots, home


def _cli(cwd: Path, env: dict[str, str], *args: str, expect: int = 0) -> str:
    result = run_cli(cwd, *args, env=env)
    assert result.code == expect, f"exit {result.code}\nstdout: {result.out}\nstderr: {result.err}"
    return result.out if expect == 0 else result.err


def test_a_dotfiles_repository_works_through_git_dir_and_git_work_tree(tmp_path: Path, script) -> None:
    dots, home = _dotfiles(tmp_path)
    env = {"GIT_DIR": str(dots), "GIT_WORK_TREE": str(home), "GIT_INDEX_FILE": str(tmp_path / "no-such-index")}
    probe = tool("Bash", command="env | grep ^GIT_ > env.txt; git rev-parse --show-toplevel > top.txt; true")
    _cli(home, env, "run", "-c", "dots", "--model", script([probe, *WRITE[0]], *WRITE[1:]), "write notes")

    worktree = dots / "gitagent" / "worktrees" / "dots"
    assert "refs/gitagent/conversations/dots" in git(tmp_path, f"--git-dir={dots}", "for-each-ref")
    assert (worktree / "notes.txt").read_text() == "hello\n"
    assert (worktree / ".bashrc").is_file()  # the worktree starts from the repository's HEAD
    assert (worktree / "top.txt").read_text().strip() == str(worktree)  # git in the sandbox: the worktree's own
    assert "GIT_DIR" not in (worktree / "env.txt").read_text()
    assert "GIT_INDEX_FILE" not in (worktree / "env.txt").read_text()

    assert "dots" in _cli(home, env, "conversations")
    assert "write notes" in _cli(home, env, "log")
    assert "+hello" in _cli(home, env, "diff", "dots")
    assert "applied 3 files from dots" in _cli(home, env, "apply", "dots")
    assert (home / "notes.txt").read_text() == "hello\n"
    status = git(home, f"--git-dir={dots}", f"--work-tree={home}", "status", "--porcelain", "--untracked-files=all")
    assert "?? notes.txt" in status.splitlines()
    assert not (tmp_path / "no-such-index").exists()
    shown = _cli(home, env, "map", "--json")  # the work tree's files, from the index of GIT_DIR
    assert '"notes.txt"' in shown and '".bashrc"' in shown


def test_a_relative_git_dir_is_read_from_the_current_directory_and_push_finds_it(tmp_path: Path, script) -> None:
    dots, home = _dotfiles(tmp_path)
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(tmp_path, f"--git-dir={dots}", "remote", "add", "origin", str(remote))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {"GIT_DIR": "../dots", "GIT_WORK_TREE": "../home"}  # relative to `elsewhere`, as git reads them
    _cli(elsewhere, env, "run", "-c", "rel", "--model", script(*WRITE), "write notes")
    assert "rel" in _cli(elsewhere, env, "push")
    assert "refs/gitagent/conversations/rel" in git(remote, "for-each-ref")
    _cli(elsewhere, env, "apply", "rel")
    assert (home / "notes.txt").read_text() == "hello\n" and not (elsewhere / "notes.txt").exists()


def test_git_dir_naming_another_repository_than_the_current_directorys(repo: Path, tmp_path: Path, script) -> None:
    other = tmp_path / "other"
    git(tmp_path, "init", "-q", "-b", "main", str(other))
    (other / "OTHER.md").write_text("other\n")
    git(other, "add", ".")
    git(other, "commit", "-q", "-m", "other")
    env = {"GIT_DIR": str(other / ".git"), "GIT_WORK_TREE": str(other)}
    _cli(repo, env, "run", "-c", "there", "--model", script(*WRITE), "write notes")

    assert "there" in git(other, "for-each-ref", "refs/gitagent/")
    assert git(repo, "for-each-ref", "refs/gitagent/") == ""
    assert (other / ".git" / "gitagent" / "worktrees" / "there" / "OTHER.md").is_file()
    assert "write notes" in _cli(repo, env, "log", "there")
    assert "no conversation named 'there'" in _cli(repo, {}, "log", "there", expect=1)
    _cli(repo, env, "apply", "there")
    assert (other / "notes.txt").is_file() and not (repo / "notes.txt").exists()


def test_core_worktree_names_the_work_tree_of_git_dir(tmp_path: Path, script) -> None:
    dots, home = _dotfiles(tmp_path)
    git(tmp_path, f"--git-dir={dots}", "config", "core.bare", "false")
    git(tmp_path, f"--git-dir={dots}", "config", "core.worktree", "../home")
    _cli(tmp_path, {"GIT_DIR": str(dots)}, "run", "-c", "cw", "--model", script(*WRITE), "write notes")
    _cli(tmp_path, {"GIT_DIR": str(dots)}, "apply", "cw")
    assert (home / "notes.txt").read_text() == "hello\n" and not (tmp_path / "notes.txt").exists()


def test_git_work_tree_alone_names_the_work_tree_of_the_repository_found(repo: Path, tmp_path: Path, script) -> None:
    copy = tmp_path / "copy"  # e.g. an export of the checkout (`git --work-tree=copy checkout -f`)
    git(tmp_path, "clone", "-q", str(repo), str(copy))
    _cli(repo, {}, "run", "-c", "wt", "--model", script(*WRITE), "write notes")
    _cli(repo, {"GIT_WORK_TREE": str(copy)}, "apply", "wt")
    assert (copy / "notes.txt").is_file() and not (repo / "notes.txt").exists()


def test_git_dir_of_a_linked_worktree(repo: Path, tmp_path: Path, script) -> None:
    linked = tmp_path / "linked"
    git(repo, "worktree", "add", "-q", "-b", "side", str(linked))
    (linked / "SIDE.md").write_text("side\n")
    git(linked, "add", ".")
    git(linked, "commit", "-q", "-m", "side")
    env = {"GIT_DIR": str(repo / ".git" / "worktrees" / "linked"), "GIT_WORK_TREE": str(linked)}
    _cli(tmp_path, env, "run", "-c", "side", "--model", script(*WRITE), "write notes")
    state = repo / ".git" / "gitagent" / "worktrees" / "side"  # the common git directory's, shared by both
    assert (state / "SIDE.md").is_file()  # started from the linked worktree's HEAD, not the main one's
    _cli(tmp_path, env, "apply", "side")
    assert (linked / "notes.txt").is_file() and not (repo / "notes.txt").exists()


def test_git_dir_that_is_no_repository_and_a_bare_one_without_a_work_tree(tmp_path: Path) -> None:
    dots, home = _dotfiles(tmp_path)
    err = _cli(home, {"GIT_DIR": "nope"}, "log", expect=1)
    assert "GIT_DIR=nope is not a git repository" in err
    err = _cli(home, {"GIT_DIR": str(dots)}, "run", "--model", "scripted:x.json", "hi", expect=1)
    assert "is a bare repository" in err and "GIT_WORK_TREE" in err


def test_a_batch_started_with_git_dir_set_keeps_it_out_of_its_workers_clones(
    repo: Path, tmp_path: Path, script
) -> None:
    source = tmp_path / "source"  # a task naming its own repository: a worker clones it
    git(tmp_path, "clone", "-q", str(repo), str(source))
    tasks = tmp_path / "fleet.jsonl"
    tasks.write_text(f'{{"id": "a", "repo": "{source}", "prompt": "write notes"}}\n')
    env = {"GIT_DIR": str(repo / ".git")}  # as in a git hook, or a `git` alias running gitagent
    assert '"complete": 1' in _cli(repo, env, "batch", str(tasks), "--jobs", "1", "--model", script(*WRITE), "--json")
    assert "refs/gitagent/conversations/batch/fleet/a" in git(repo, "for-each-ref", "refs/gitagent/")
    assert "FETCH_HEAD" not in {p.name for p in (repo / ".git").iterdir()}  # no worker fetched into it


def test_a_batch_on_a_dotfiles_repository_runs_its_tasks_in_it(tmp_path: Path, script) -> None:
    dots, home = _dotfiles(tmp_path)
    env = {"GIT_DIR": str(dots), "GIT_WORK_TREE": str(home)}
    tasks = tmp_path / "fleet.jsonl"
    tasks.write_text('{"id": "a", "prompt": "write notes"}\n')
    assert '"complete": 1' in _cli(home, env, "batch", str(tasks), "--jobs", "1", "--model", script(*WRITE), "--json")
    assert "refs/gitagent/conversations/batch/fleet/a" in git(tmp_path, f"--git-dir={dots}", "for-each-ref")
    assert (dots / "gitagent" / "worktrees" / "batch" / "fleet" / "a" / "notes.txt").read_text() == "hello\n"
