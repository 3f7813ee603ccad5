"""A hook and everything it started die with gitagent, however gitagent goes (`kill -9` included), and a hook past
its timeout dies with all it started, in whichever process group; what a hook leaves running when it exits lives
on until then."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from gitagent.hooks import lifelines
from gitagent.hooks.process import run_hook_process
from tests.conftest import tool
from tests.hooks.conftest import write_hook
from tests.reliability.conftest import wait_for
from tests.sandbox.test_dies_with_gitagent import _cmdline, _processes_running, wait_for_process


def _gone(token: str, within: float = 5) -> bool:
    """Whether no process with `token` in its command line runs, once killed ones had `within` s to end."""
    deadline = time.monotonic() + within
    while _processes_running(token) and time.monotonic() < deadline:
        time.sleep(0.05)
    return _processes_running(token) == []


def _named(token: str) -> list[int]:
    """The processes whose command line starts with `token` (a hook's watcher has it further on in its own)."""
    return [pid for pid in _processes_running(token) if _cmdline(pid).startswith(token.encode())]


def _clean(token: str) -> None:
    for pid in _processes_running(token):
        os.kill(pid, signal.SIGKILL)


def test_a_running_hook_what_it_started_and_what_an_earlier_hook_left_die_when_gitagent_is_killed(
    repo: Path, script
) -> None:
    token = f"outlive-{uuid.uuid4().hex}"
    hooks = repo / ".gitagent"
    write_hook(hooks, "SessionStart", "server", f"#!/bin/bash\n(exec -a {token}-left sleep 300) &\n")
    write_hook(
        hooks,
        "PreToolUse",
        "slow",
        "#!/bin/bash\n"
        f"(exec -a {token}-background sleep 300) &\n"  # in the hook's process group
        f"(timeout 300 bash -c 'exec -a {token}-timeout sleep 300' &)\n"  # `timeout` makes a group of its own
        f"touch up; exec -a {token}-foreground sleep 300\n",
    )
    model = script([tool("Bash", command="true")])
    argv = [sys.executable, "-m", "gitagent", "run", "-c", "k", "--trust-repo", "--model", model, "go"]
    gitagent = subprocess.Popen(argv, cwd=repo, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(repo / "up", timeout=60)  # hooks run in the checkout
        for started in ("left", "background", "timeout", "foreground"):
            wait_for_process(f"{token}-{started}")  # the SessionStart hook's leftover outlived its hook
        gitagent.kill()
        gitagent.wait()
        assert _gone(token), _processes_running(token)
    finally:
        gitagent.kill()
        gitagent.wait()
        _clean(token)


def test_a_hook_past_its_timeout_dies_with_what_it_started_in_groups_of_its_own(tmp_path: Path) -> None:
    token = f"outlive-{uuid.uuid4().hex}"
    command = f"(exec -a {token}-background sleep 300) & timeout 300 bash -c 'exec -a {token}-timeout sleep 300'"
    try:
        result = run_hook_process(["bash", "-c", command], b"{}", cwd=tmp_path, env=dict(os.environ), timeout=1)
        assert result.timed_out and result.exit_code is None
        assert _gone(token), _processes_running(token)
    finally:
        _clean(token)


def test_what_a_hook_leaves_running_lives_on_and_its_lifeline_is_let_go_once_it_ends(tmp_path: Path) -> None:
    token = f"outlive-{uuid.uuid4().hex}"
    env = dict(os.environ)
    try:
        quick = run_hook_process(["bash", "-c", "echo hi; exit 3"], b"", cwd=tmp_path, env=env, timeout=10)
        assert (quick.exit_code, quick.stdout) == (3, "hi\n") and lifelines.kept() == []
        leave = ["bash", "-c", f"(exec -a {token} sleep 300) & echo started"]
        first = run_hook_process(leave, b"", cwd=tmp_path, env=env, timeout=10)
        assert first.exit_code == 0 and first.stdout == "started\n"
        wait_for_process(token)  # a background `exec -a` may rename itself only after the hook has exited
        assert len(_named(token)) == 1 and len(lifelines.kept()) == 1
        _clean(token)
        assert _gone(token)
        second = run_hook_process(leave, b"", cwd=tmp_path, env=env, timeout=10)
        assert second.exit_code == 0 and len(lifelines.kept()) == 1  # the first one's was let go
    finally:
        _clean(token)


def test_hooks_still_get_their_input_argv_and_exit_status(tmp_path: Path) -> None:
    hook = write_hook(tmp_path, "Stop", "echo", '#!/bin/sh\necho "$0 $#"; cat; echo oops >&2; exit 2\n')
    result = run_hook_process([str(hook)], b'{"a": 1}', cwd=tmp_path, env=dict(os.environ), timeout=10)
    assert (result.exit_code, result.stdout, result.stderr) == (2, f'{hook} 0\n{{"a": 1}}', "oops\n")
    noshebang = write_hook(tmp_path, "Stop", "plain", "echo ran\n")
    refused = run_hook_process([str(noshebang)], b"", cwd=tmp_path, env=dict(os.environ), timeout=10)
    assert refused.start_error == "cannot start: Exec format error" and refused.stdout == ""
