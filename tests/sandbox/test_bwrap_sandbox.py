"""The bwrap sandbox runs real commands in the worktree with the Bash semantics users rely on."""

import time
from pathlib import Path

import pytest

from gitagent.errors import GitagentError
from gitagent.sandbox import check
from gitagent.sandbox.bwrap import BwrapSandbox, bwrap_argv
from gitagent.sandbox.limits import Limits
from tests.conftest import Layout

WT, GD = Path("/r/.git/gitagent/worktrees/w"), Path("/r/.git")


def _argv(**kw) -> list[str]:
    args = dict(cwd=WT, worktree=WT, git_dir=GD, hidden=[Path("/home/u")], readonly=[Path("/home/u/.pyenv")],
                env={"PATH": "/usr/bin", "HOME": "/tmp/home"}, limits=Limits())  # fmt: skip
    return bwrap_argv("make test", **{**args, **kw})


def _pos(argv: list[str], *seq: str) -> int:
    for i in range(len(argv) - len(seq) + 1):
        if argv[i : i + len(seq)] == list(seq):
            return i
    raise AssertionError(f"{seq} not in {argv}")


def test_argv_mount_order_keeps_worktree_writable_inside_readonly_git_dir() -> None:
    argv = _argv()
    root = _pos(argv, "--ro-bind", "/", "/")
    home = _pos(argv, "--tmpfs", "/home/u")
    tools = _pos(argv, "--ro-bind-try", "/home/u/.pyenv", "/home/u/.pyenv")
    git_dir = _pos(argv, "--ro-bind", str(GD), str(GD))
    worktree = _pos(argv, "--bind", str(WT), str(WT))
    sealed = _pos(argv, "--remount-ro", "/home/u")
    assert root < _pos(argv, "--tmpfs", "/tmp") < home < tools < git_dir < worktree < sealed
    assert _pos(argv, "--cap-drop", "ALL") and "--unshare-all" in argv and "--die-with-parent" in argv
    assert "--new-session" in argv and "--disable-userns" in argv and "--share-net" not in argv
    assert argv[_pos(argv, "--chdir") + 1] == str(WT)
    assert argv[-1] == "make test" and argv[argv.index("--") + 1] == "bash"


def test_argv_env_is_cleared_then_rebuilt_and_network_opt_in() -> None:
    argv = _argv(allow_network=True)
    assert _pos(argv, "--clearenv") < _pos(argv, "--setenv", "PATH", "/usr/bin")
    assert "--share-net" in argv


def test_argv_limits_are_set_inside_before_the_command() -> None:
    script = _argv(limits=Limits(cpu_seconds=7, memory_bytes=1 << 30, processes=99, file_bytes=1 << 20))
    prologue = script[script.index("--") + 3]
    assert "ulimit -t 7 -d 1048576 -u 99 -f 1024 -c 0" in prologue


def test_command_runs_in_worktree_and_can_write_there(layout: Layout) -> None:
    box = BwrapSandbox(layout.worktree, layout.git_dir)
    result = box.run("pwd; echo made > new.txt; git status --short", cwd=layout.worktree, timeout=30)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.decode().splitlines() == [str(layout.worktree), "?? new.txt"]
    assert (layout.worktree / "new.txt").read_text() == "made\n"


def test_cwd_in_a_subdirectory(layout: Layout) -> None:
    (layout.worktree / "sub").mkdir()
    result = BwrapSandbox(layout.worktree, layout.git_dir).run("pwd", cwd=layout.worktree / "sub", timeout=30)
    assert result.stdout.decode().strip() == str(layout.worktree / "sub")


def test_exit_code_and_streams_pass_through(layout: Layout) -> None:
    result = BwrapSandbox(layout.worktree, layout.git_dir).run(
        "echo out; echo err >&2; exit 7", cwd=layout.worktree, timeout=30
    )
    assert (result.exit_code, result.stdout, result.stderr, result.timed_out) == (7, b"out\n", b"err\n", False)


def test_timeout_kills_the_command(layout: Layout) -> None:
    started = time.monotonic()
    result = BwrapSandbox(layout.worktree, layout.git_dir).run("sleep 30", cwd=layout.worktree, timeout=1)
    assert result.timed_out and result.exit_code is None
    assert time.monotonic() - started < 5


def test_stdin_is_closed(layout: Layout) -> None:
    result = BwrapSandbox(layout.worktree, layout.git_dir).run("cat; read x; echo rc=$?", cwd=layout.worktree,
                                                               timeout=10)  # fmt: skip
    assert not result.timed_out and result.stdout == b"rc=1\n"


def test_background_processes_do_not_outlive_the_call(layout: Layout) -> None:
    box = BwrapSandbox(layout.worktree, layout.git_dir)
    result = box.run("(sleep 1; touch marker) & sleep 100 & echo started", cwd=layout.worktree, timeout=30)
    assert result.stdout == b"started\n" and result.duration_ms < 5000
    time.sleep(2)
    assert not (layout.worktree / "marker").exists()


def test_non_utf8_output_survives(layout: Layout) -> None:
    result = BwrapSandbox(layout.worktree, layout.git_dir).run(r"printf '\xff\xfe\x00ok'", cwd=layout.worktree,
                                                               timeout=10)  # fmt: skip
    assert result.stdout == b"\xff\xfe\x00ok"


def test_file_size_limit_caps_writes(layout: Layout) -> None:
    box = BwrapSandbox(layout.worktree, layout.git_dir, limits=Limits(file_bytes=1 << 20))
    result = box.run("head -c 5000000 /dev/zero > big", cwd=layout.worktree, timeout=30)
    assert result.exit_code != 0
    assert (layout.worktree / "big").stat().st_size <= 1 << 20


def test_sandbox_home_is_private_and_empty(layout: Layout) -> None:
    box = BwrapSandbox(layout.worktree, layout.git_dir)
    result = box.run(f'echo $HOME; ls -A "$HOME"; ls -A {layout.home}; touch ~/cache', cwd=layout.worktree, timeout=10)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.decode().split() == ["/tmp/home"]


def test_missing_bwrap_is_refused_with_the_install_command(monkeypatch: pytest.MonkeyPatch,
                                                           tmp_path: Path) -> None:  # fmt: skip
    monkeypatch.setenv("PATH", str(tmp_path))
    check._verdict.cache_clear()
    try:
        with pytest.raises(GitagentError) as info:
            BwrapSandbox(tmp_path, tmp_path)
    finally:
        check._verdict.cache_clear()
    assert "sudo apt-get install bubblewrap" in str(info.value) and "--sandbox none" in str(info.value)


def test_probe_passes_where_bwrap_works(layout: Layout) -> None:
    check.check_bwrap()


def test_argv_read_only_binds_the_worktree_read_only() -> None:
    argv = _argv(read_only=True)
    assert _pos(argv, "--ro-bind", str(WT), str(WT)) > _pos(argv, "--ro-bind", str(GD), str(GD))
    assert ["--bind", str(WT), str(WT)] not in [argv[i : i + 3] for i in range(len(argv))]


def test_read_only_sandbox_reads_and_runs_but_cannot_change_the_worktree(layout: Layout) -> None:
    box = BwrapSandbox(layout.worktree, layout.git_dir, read_only=True)
    assert box.name == "bwrap+read-only"
    result = box.run("cat README.md && git log --oneline | wc -l", cwd=layout.worktree, timeout=30)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.decode().split() == ["hello", "1"]
    for command in ("echo x > new.txt", "echo x >> README.md", "rm README.md", "mkdir d"):
        denied = box.run(command, cwd=layout.worktree, timeout=30)
        assert denied.exit_code != 0 and b"Read-only file system" in denied.stderr, command
    assert sorted(p.name for p in layout.worktree.iterdir()) == [".git", "README.md"]
    assert (layout.worktree / "README.md").read_text() == "hello\n"
    scratch = box.run("echo tmp-ok > /tmp/x && cat /tmp/x", cwd=layout.worktree, timeout=30)
    assert scratch.stdout == b"tmp-ok\n"
