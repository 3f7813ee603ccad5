"""From inside the sandbox, try to escape; every attempt must fail, checked from outside too.

Run with `pytest tests/security -q`: the table of attempts and outcomes is printed at the end.
"""

import os
import re
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from gitagent.sandbox.base import CommandResult
from gitagent.sandbox.bwrap import BwrapSandbox
from gitagent.sandbox.limits import Limits, bound_pids, cgroup_needed
from tests.conftest import Layout
from tests.conftest import layout_git as git

Record = Callable[[str, str, bool], None]
API_KEY = "sk-ant-battery-" + uuid.uuid4().hex


def run(box: BwrapSandbox, command: str, timeout: float = 30) -> CommandResult:
    return box.run(command, cwd=box.worktree, timeout=timeout)


def said(result: CommandResult) -> str:
    """The exit code and the last line of output, with the long temporary paths shortened."""
    text = (result.stdout + result.stderr).decode(errors="replace").strip()
    last = re.sub(r"/tmp/pytest-of-[^/]+/[^/]+/[^/]+/", ".../", text.splitlines()[-1] if text else "(no output)")
    return f"exit {result.exit_code}: {last.removeprefix('bash: line 1: ')}"


def repo_state(layout: Layout) -> dict[str, object]:
    """Everything in .git the agent must not change: refs, config, hooks, the object store, HEADs."""
    objects = sorted(str(p.relative_to(layout.git_dir)) for p in (layout.git_dir / "objects").rglob("*"))
    return {
        "refs": git("for-each-ref", "--format=%(refname) %(objectname)", cwd=layout.checkout),
        "config": (layout.git_dir / "config").read_bytes(),
        "hooks": sorted(p.name for p in (layout.git_dir / "hooks").iterdir()),
        "objects": objects,
        "worktree_head": (layout.git_dir / "worktrees" / "demo" / "HEAD").read_bytes(),
    }


@pytest.fixture
def box(layout: Layout, monkeypatch: pytest.MonkeyPatch) -> BwrapSandbox:
    monkeypatch.setenv("ANTHROPIC_API_KEY", API_KEY)
    git("update-ref", "refs/gitagent/conversations/demo", "HEAD", cwd=layout.checkout)
    return BwrapSandbox(layout.worktree, layout.git_dir)


@pytest.fixture
def host_sleep() -> Iterator[subprocess.Popen[bytes]]:
    """A host process standing in for gitagent itself: the API key is in its environment."""
    proc = subprocess.Popen(["sleep", "120"], env={**os.environ, "ANTHROPIC_API_KEY": API_KEY})
    yield proc
    proc.kill()
    proc.wait()


def test_write_to_users_checkout(box: BwrapSandbox, layout: Layout, record: Record) -> None:
    result = run(box, f"echo evil > {layout.checkout}/README.md")
    unchanged = (layout.checkout / "README.md").read_text() == "hello\n"
    record("write the user's checkout", said(result), result.exit_code != 0 and unchanged)
    assert result.exit_code != 0 and unchanged


def test_write_to_home(box: BwrapSandbox, layout: Layout, record: Record) -> None:
    result = run(box, f"echo evil > {layout.home}/.bashrc; touch {layout.home}/.ssh/authorized_keys")
    untouched = not (layout.home / ".bashrc").exists() and not (layout.home / ".ssh" / "authorized_keys").exists()
    record("write $HOME (~/.bashrc, ~/.ssh)", said(result), result.exit_code != 0 and untouched)
    assert result.exit_code != 0 and untouched


def test_write_to_etc(box: BwrapSandbox, record: Record) -> None:
    target = Path(f"/etc/gitagent-escape-{uuid.uuid4().hex}")
    try:
        result = run(box, f"echo evil > {target} && echo written")
        absent = not target.exists()
    finally:
        target.unlink(missing_ok=True)
    record("write /etc", said(result), result.exit_code != 0 and absent)
    assert result.exit_code != 0 and absent


def test_host_tmp_is_private(box: BwrapSandbox, record: Record) -> None:
    marker = Path(f"/tmp/gitagent-battery-{uuid.uuid4().hex}")
    fresh = Path(f"/tmp/gitagent-battery-new-{uuid.uuid4().hex}")
    marker.write_text("host\n")
    try:
        result = run(box, f"cat {marker}; echo evil > {marker}; echo evil > {fresh}; ls {fresh}")
        held = marker.read_text() == "host\n" and not fresh.exists() and b"host" not in result.stdout
    finally:
        marker.unlink()
        fresh.unlink(missing_ok=True)
    record("read/write the host /tmp", "host file unseen; writes stayed in the private /tmp", held)
    assert held


def test_modify_git_dir_directly(box: BwrapSandbox, layout: Layout, record: Record) -> None:
    before = repo_state(layout)
    gd = layout.git_dir
    attempts = [
        f"echo 0000000000000000000000000000000000000000 > {gd}/refs/heads/evil",
        f"echo '[core] hooksPath = /tmp' >> {gd}/config",
        f"printf '#!/bin/sh\\necho pwned' > {gd}/hooks/pre-commit",
        f"mkdir -p {gd}/objects/ab && echo x > {gd}/objects/ab/cdef",
        f"echo evil > {gd}/worktrees/demo/HEAD",
        f"rm -rf {gd}/refs",
    ]
    results = [run(box, attempt) for attempt in attempts]
    held = all(r.exit_code != 0 for r in results) and repo_state(layout) == before
    record("write .git refs/config/hooks/objects", said(results[0]), held)
    assert held, [said(r) for r in results]


def test_git_commands_cannot_move_refs(box: BwrapSandbox, layout: Layout, record: Record) -> None:
    before = repo_state(layout)
    ident = "git -c user.name=evil -c user.email=e@x"
    attempts = {
        "git update-ref": "git update-ref refs/gitagent/conversations/demo HEAD~0^{tree}; "
        "git update-ref refs/gitagent/conversations/x HEAD",
        "git commit": f"echo change >> README.md && git add README.md && {ident} commit -qm evil",
        "git config": "git config user.name evil",
    }
    for name, command in attempts.items():
        result = run(box, command)
        held = result.exit_code != 0 and repo_state(layout) == before
        record(f"{name} inside the worktree", said(result), held)
        assert held, said(result)


def test_remount_read_only_binds(box: BwrapSandbox, layout: Layout, record: Record) -> None:
    before = repo_state(layout)
    result = run(box, f"mount -o remount,bind,rw {layout.git_dir} || unshare -Urm mount -o remount,bind,rw "
                      f"{layout.git_dir} && echo pwned >> {layout.git_dir}/config")  # fmt: skip
    held = result.exit_code != 0 and repo_state(layout) == before
    record("remount .git read-write (mount/unshare)", said(result), held)
    assert held


def test_api_key_not_in_environment(box: BwrapSandbox, record: Record) -> None:
    result = run(box, "env; echo ${ANTHROPIC_API_KEY:-unset}")
    held = API_KEY.encode() not in result.stdout and result.stdout.endswith(b"unset\n")
    record("read ANTHROPIC_API_KEY from env", "not set in the sandbox" if held else "leaked", held)
    assert held


def test_api_key_not_in_host_proc_environ(box: BwrapSandbox, host_sleep: subprocess.Popen[bytes],
                                          record: Record) -> None:  # fmt: skip
    result = run(box, f"cat /proc/{host_sleep.pid}/environ /proc/*/environ 2>&1; echo; ls /proc | grep -c '^[0-9]'")
    held = API_KEY.encode() not in result.stdout + result.stderr
    visible = result.stdout.decode().strip().splitlines()[-1]
    record("read /proc/*/environ of the host process", f"key absent; {visible} pids visible", held)
    assert held


def test_read_ssh_and_aws_secrets(box: BwrapSandbox, layout: Layout, record: Record) -> None:
    result = run(box, f"cat {layout.home}/.ssh/id_ed25519 {layout.home}/.aws/credentials; "
                      f"grep -r fixture {layout.home} /tmp 2>/dev/null")  # fmt: skip
    out = result.stdout + result.stderr
    held = b"ssh-secret-fixture" not in out and b"aws-secret-fixture" not in out and result.exit_code != 0
    record("read ~/.ssh/id_ed25519, ~/.aws/credentials", said(result), held)
    assert held


def _listener() -> socket.socket:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.setblocking(False)
    return server


def _accepted(server: socket.socket) -> bool:
    try:
        server.accept()[0].close()
    except BlockingIOError:
        return False
    return True


def test_connect_to_loopback_listener(box: BwrapSandbox, layout: Layout, record: Record) -> None:
    with _listener() as server:
        port = server.getsockname()[1]
        command = f"exec 3<>/dev/tcp/127.0.0.1/{port} && echo connected"
        result = run(box, command)
        held = result.exit_code != 0 and not _accepted(server)
        record("connect to a 127.0.0.1 listener", said(result), held)
        assert held
        # The control: with the network allowed the same command does connect, so the check can see success.
        opened = BwrapSandbox(layout.worktree, layout.git_dir, allow_network=True)
        assert run(opened, command).exit_code == 0 and _accepted(server)


def test_resolve_a_host_name(box: BwrapSandbox, record: Record) -> None:
    result = run(box, "getent hosts example.com || python3 -c \"import socket; "
                      "print(socket.getaddrinfo('example.com', 443))\"")  # fmt: skip
    record("resolve example.com", said(result), result.exit_code != 0)
    assert result.exit_code != 0


def test_symlinks_out_of_the_worktree(box: BwrapSandbox, layout: Layout, record: Record) -> None:
    (layout.worktree / "key-link").symlink_to(layout.home / ".ssh" / "id_ed25519")
    (layout.worktree / "checkout-link").symlink_to(layout.checkout)
    read = run(box, "cat key-link")
    write = run(box, "echo evil > checkout-link/README.md; echo evil > checkout-link/new")
    held = (
        b"ssh-secret-fixture" not in read.stdout and read.exit_code != 0 and write.exit_code != 0
        and (layout.checkout / "README.md").read_text() == "hello\n" and not (layout.checkout / "new").exists()
    )  # fmt: skip
    record("symlink in worktree -> secret / checkout", f"{said(read)}; {said(write)}", held)
    assert held


def test_kill_or_ptrace_a_host_process(box: BwrapSandbox, host_sleep: subprocess.Popen[bytes],
                                       record: Record) -> None:  # fmt: skip
    pid = host_sleep.pid
    ptrace = f"import ctypes; print(ctypes.CDLL(None, use_errno=True).ptrace(16, {pid}, 0, 0))"
    result = run(box, f"kill -9 {pid}; pkill -9 -x sleep; python3 -c '{ptrace}'; ls /proc/{pid}/ >/dev/null")
    time.sleep(0.2)
    alive = host_sleep.poll() is None
    record("kill -9 / ptrace a host process", f"host sleep alive={alive}; {said(result)}", alive)
    assert alive and result.exit_code != 0


def _processes_running(marker: str) -> int:
    """Host processes whose command line holds `marker`: what is left of one command, whatever else runs."""
    count = 0
    for entry in Path("/proc").iterdir():
        try:
            count += entry.name.isdigit() and marker.encode() in (entry / "cmdline").read_bytes()
        except OSError:  # gone meanwhile
            continue
    return count


def test_fork_bomb_is_contained(layout: Layout, record: Record) -> None:
    if cgroup_needed() and not bound_pids(64):
        pytest.skip("running as root without a writable pids cgroup: RLIMIT_NPROC does not bind root")
    box = BwrapSandbox(layout.worktree, layout.git_dir, limits=Limits(processes=64))
    # Forked shells keep the command line, so a name of its own tells the bomb's processes from those of
    # the tests running beside this one.
    bomb = f"bomb_{uuid.uuid4().hex}"
    started = time.monotonic()
    result = run(box, f"{bomb}() {{ {bomb} | {bomb} & }}; {bomb}; sleep 5", timeout=10)
    elapsed = time.monotonic() - started
    time.sleep(1)
    left = _processes_running(bomb)
    fine = subprocess.run(["true"]).returncode == 0
    held = elapsed < 15 and left == 0 and fine
    failures = result.stderr.count(b"fork: ")
    outcome = f"returned in {elapsed:.1f}s, {failures} forks refused, {left} of its processes left"
    record("fork bomb (64-process limit, 10 s timeout)", outcome, held)
    assert held


def test_memory_hog_is_contained(layout: Layout, record: Record) -> None:
    box = BwrapSandbox(layout.worktree, layout.git_dir, limits=Limits(memory_bytes=256 << 20))
    started = time.monotonic()
    result = run(box, "python3 -c 'b = bytearray(4 << 30); print(len(b))'", timeout=30)
    elapsed = time.monotonic() - started
    held = result.exit_code != 0 and not result.timed_out and elapsed < 30
    record("memory hog, 4 GiB (256 MiB limit)", said(result), held)
    assert held
