"""The warm SDK server: kept between commands, replaced when dead or stale, private to its user (see sdkproc)."""

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gitagent.models import sdkplace, sdkproc
from tests.conftest import run_cli
from tests.fakes.anthropic_server import API_KEY, FakeAnthropic
from tests.fakes.server import Reply

MODEL = "anthropic:claude-sonnet-5-5"


@pytest.fixture
def runtime(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A short runtime directory (socket paths have a length limit) with the shared server on; its servers killed."""
    base = Path(tempfile.mkdtemp(prefix="ga-rt-", dir="/tmp"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(base))
    monkeypatch.setenv("GITAGENT_SDK_SERVER", "1")
    yield base / "gitagent"
    for pid in {server_pid(path) for path in (base / "gitagent").glob("*.sock")} - {None}:
        os.kill(pid, signal.SIGKILL)  # type: ignore[arg-type]
    # (a server whose socket is gone exits by itself within sdkserver.TICK)
    shutil.rmtree(base)


def server_pid(sock: Path) -> int | None:
    """The pid of the live server listening at `sock`, or None."""
    conn = sdkplace.connect(str(sock))
    if conn is None:
        return None
    conn.close()
    wanted = f"--path\0{sock}\0".encode()
    deadline = time.monotonic() + 30  # a server just started may not have run its program yet
    while time.monotonic() < deadline:
        for proc in Path("/proc").iterdir():
            try:
                if proc.name.isdigit() and wanted in (proc / "cmdline").read_bytes():
                    return int(proc.name)
            except OSError:
                continue  # exited meanwhile
        time.sleep(0.05)
    return None


def only_socket(where: Path) -> Path:
    """The one shared server's socket in the runtime directory."""
    socks = list(where.glob("sdk-*.sock"))
    assert len(socks) == 1, socks
    return socks[0]


def api_peers(pid: int, port: int) -> int:
    """How many TCP connections process `pid` holds to 127.0.0.1:`port` (the fake API)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with_target = os.readlink(fd)
        if with_target.startswith("socket:["):
            inodes.add(with_target[8:-1])
    count = 0
    for line in Path(f"/proc/{pid}/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[2].split(":")[1], 16) == port and fields[9] in inodes:
            count += 1
    return count


def ask(repo: Path, api: FakeAnthropic, prompt: str, text: str = "Done.") -> str:
    """Run one headless turn against the fake API; its output."""
    api.push(Reply([{"type": "text", "text": text}]))
    env = {"ANTHROPIC_API_KEY": API_KEY, "ANTHROPIC_BASE_URL": api.base_url}
    result = run_cli(repo, "run", "--model", MODEL, prompt, env=env)
    assert result.code == 0, result.err
    return result.out


def test_a_second_command_is_answered_by_the_server_the_first_one_started(repo: Path, anthropic, runtime) -> None:
    assert "First." in ask(repo, anthropic, "one", "First.")
    first = server_pid(only_socket(runtime))
    assert first is not None and first != os.getpid()
    assert "Second." in ask(repo, anthropic, "two", "Second.")
    assert server_pid(only_socket(runtime)) == first  # the same process, outliving both commands
    assert api_peers(first, int(anthropic.base_url.rsplit(":", 1)[1])) >= 1  # and it is what asked the API
    assert stat.S_IMODE(runtime.stat().st_mode) == 0o700


def test_a_killed_server_is_replaced_and_the_command_still_answers(repo: Path, anthropic, runtime) -> None:
    ask(repo, anthropic, "one")
    sock = only_socket(runtime)
    dead = server_pid(sock)
    os.kill(dead, signal.SIGKILL)  # type: ignore[arg-type]
    _wait_gone(dead)  # type: ignore[arg-type]
    assert sock.exists() and server_pid(sock) is None  # its socket's name stays behind, answering nothing
    assert "Again." in ask(repo, anthropic, "two", "Again.")
    assert server_pid(only_socket(runtime)) not in (None, dead)


def test_a_server_dying_after_the_command_found_it_leaves_the_request_to_the_command(
    repo: Path, anthropic, runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sdkproc._Server, "path", None)  # this process's server, forgotten after the test
    sdkproc.prestart()
    pid = server_pid(only_socket(runtime))
    os.kill(pid, signal.SIGKILL)  # type: ignore[arg-type]
    _wait_gone(pid)  # type: ignore[arg-type]
    anthropic.push(Reply([{"type": "text", "text": "From here."}]))
    events = list(sdkproc.stream(_options(anthropic), _params()))
    assert _text(events) == "From here."


def test_a_server_of_another_version_is_not_asked(anthropic, runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    path = str(sdkplace.runtime_dir() / "sdk-stale.sock")  # type: ignore[operator]
    old = sdkplace.spawn(path, "an-older-gitagent")
    assert old is not None
    monkeypatch.setattr(sdkproc._Server, "path", path)
    monkeypatch.setattr(sdkproc._Server, "key", "this-gitagent")
    anthropic.push(Reply([{"type": "text", "text": "Asked here."}]))
    events = list(sdkproc.stream(_options(anthropic), _params()))
    assert _text(events) == "Asked here."
    conn = sdkplace.connect(path)
    assert conn is not None
    with conn, conn.makefile("rb") as replies:
        conn.sendall(json.dumps({"key": "this-gitagent", "client": {}, "env": {}, "params": {}}).encode() + b"\n")
        assert json.loads(replies.readline()) == {"taken": False, "stale": True}
    old.stdin.close()  # type: ignore[union-attr]
    old.wait(timeout=30)


def test_a_hung_server_is_passed_over(anthropic, runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    path = str(sdkplace.runtime_dir() / "sdk-hung.sock")  # type: ignore[operator]
    hung = sdkplace.spawn(path, "key")
    assert hung is not None
    os.kill(hung.pid, signal.SIGSTOP)
    try:
        monkeypatch.setattr(sdkproc._Server, "path", path)
        monkeypatch.setattr(sdkproc._Server, "key", "key")
        monkeypatch.setattr(sdkproc, "ACK_S", 0.5)
        anthropic.push(Reply([{"type": "text", "text": "Not waiting."}]))
        assert _text(list(sdkproc.stream(_options(anthropic), _params()))) == "Not waiting."
    finally:
        hung.kill()
        hung.wait()


def test_the_key_names_the_installed_sdk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = sdkplace.server_key()
    assert sdkplace.server_key() == before
    fake = tmp_path / "anthropic"
    fake.mkdir()
    (fake / "_version.py").write_text('__version__ = "99.0.0"\n')
    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path])
    assert sdkplace.server_key() != before


def test_concurrent_commands_are_all_answered(repo: Path, anthropic, runtime) -> None:
    ask(repo, anthropic, "warm up")
    anthropic.push(*(Reply([{"type": "text", "text": "Answer."}]) for _ in range(3)))
    env = {**os.environ, "ANTHROPIC_API_KEY": API_KEY, "ANTHROPIC_BASE_URL": anthropic.base_url}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "gitagent", "run", "-c", f"c{n}", "--model", MODEL, "go"],
            cwd=repo,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(3)
    ]
    outputs = [proc.communicate(timeout=120) for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0, 0], outputs
    assert all("Answer." in out for out, _ in outputs)


def test_the_server_is_out_of_other_users_reach_and_holds_no_key(repo: Path, anthropic, runtime) -> None:
    ask(repo, anthropic, "one")
    sock = only_socket(runtime)
    pid = server_pid(sock)
    assert API_KEY.encode() not in Path(f"/proc/{pid}/environ").read_bytes()
    assert not any(API_KEY.encode() in p.read_bytes() for p in runtime.iterdir() if p.is_file())
    python = shutil.which("python3", path="/usr/bin:/bin")  # one another user may run
    if os.getuid() != 0 or python is None:
        pytest.skip("trying another user's access needs root and a system python3")
    runtime.parent.chmod(0o755)  # only gitagent's own directory stands in the way
    probe = "import socket, sys; s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])"
    other = subprocess.run([python, "-c", probe, str(sock)], capture_output=True, text=True,
                           user=65534, group=65534)  # fmt: skip
    assert other.returncode != 0 and "PermissionError" in other.stderr


def test_a_runtime_directory_others_can_enter_is_not_used(
    repo: Path, anthropic, runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    fallback = runtime.parent / "tmp" / f"gitagent-{os.getuid()}"  # where it would go next
    monkeypatch.setenv("TMPDIR", str(fallback.parent))
    for where in (runtime, fallback):
        where.mkdir(mode=0o755, parents=True)
        where.chmod(0o755)
    assert sdkplace.runtime_dir() is None
    assert "Still fine." in ask(repo, anthropic, "one", "Still fine.")  # asked from the command itself
    assert not list(runtime.glob("*.sock")) and not list(fallback.glob("*.sock"))
    runtime.chmod(0o700)
    assert sdkplace.runtime_dir() == runtime


def test_an_idle_server_exits_and_removes_its_socket(runtime) -> None:
    where = sdkplace.runtime_dir()
    assert where is not None
    path = str(where / "sdk-idle.sock")
    proc = sdkplace.spawn(path, "key", idle=0.5)
    assert proc is not None
    assert proc.wait(timeout=60) == 0
    assert not Path(path).exists()


def _options(api: FakeAnthropic) -> dict[str, object]:
    return {"api_key": API_KEY, "base_url": api.base_url, "max_retries": 0, "timeout": 30.0}


def _params() -> dict[str, object]:
    return {"model": "claude-sonnet-5-5", "max_tokens": 100, "messages": [{"role": "user", "content": "hi"}]}


def _text(events: list[dict[str, Any]]) -> str:
    return "".join(e["delta"].get("text", "") for e in events if e["type"] == "content_block_delta")


def _wait_gone(pid: int) -> None:
    deadline = time.monotonic() + 30
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        if Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z":
            break
        time.sleep(0.05)


def test_git_config_sdk_server_false_keeps_it_to_the_command(
    repo: Path, anthropic, runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITAGENT_SDK_SERVER")
    subprocess.run(["git", "config", "gitagent.sdkServer", "false"], cwd=repo, check=True)
    assert "Own." in ask(repo, anthropic, "one", "Own.")
    deadline = time.monotonic() + 30
    while list(runtime.glob("*.sock")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not list(runtime.glob("*.sock"))  # its server exited with it


def test_no_server_for_a_turn_another_executor_runs(repo: Path, runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    from gitagent.cli.app import _will_ask_claude

    monkeypatch.setenv("ANTHROPIC_API_KEY", API_KEY)
    assert _will_ask_claude(["go"]) and _will_ask_claude(["--executor", "gitagent", "go"])
    assert not _will_ask_claude(["--executor", "claude-code", "go"])
    assert not _will_ask_claude(["--executor=codex", "--model", MODEL, "go"])
    subprocess.run(["git", "config", "gitagent.executor", "claude-code"], cwd=repo, check=True)
    monkeypatch.chdir(repo)
    monkeypatch.setattr(sdkproc._Server, "path", None)
    sdkproc.prestart()
    assert sdkproc._Server.path is None and not list(runtime.glob("*.sock"))


def test_a_server_whose_directory_is_removed_exits(runtime) -> None:
    where = sdkplace.runtime_dir()
    assert where is not None
    proc = sdkplace.spawn(str(where / "sdk-gone.sock"), "key", idle=600)
    assert proc is not None
    shutil.rmtree(where)  # as a logout's cleaning of $XDG_RUNTIME_DIR does
    assert proc.wait(timeout=60) == 0


def test_a_sandboxed_command_cannot_ask_through_the_server(repo: Path, anthropic, runtime) -> None:
    ask(repo, anthropic, "one")
    sock = only_socket(runtime)
    python = shutil.which("python3", path="/usr/bin:/bin")
    if python is None:
        pytest.skip("needs a system python3 to run in bwrap")
    request = {"key": sdkplace.server_key(), "client": {"base_url": anthropic.base_url, "api_key": "x"}, "env": {},
               "params": {"model": "m", "max_tokens": 1, "messages": []}}  # fmt: skip
    probe = (
        "import socket, sys; s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])\n"
        "try:\n"
        "    s.sendall(sys.argv[2].encode() + b'\\n'); print(repr(s.makefile('rb').readline()))\n"
        "except OSError:\n"
        "    print(repr(b''))"
    )
    # as gitagent's sandbox runs a command (new user and network namespaces), with the socket left visible
    argv = ["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-all", "--unshare-user",
            "--die-with-parent", "--", python, "-c", probe, str(sock), json.dumps(request)]  # fmt: skip
    seen = len(anthropic.bodies)
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "b''"  # connected, and answered nothing
    assert len(anthropic.bodies) == seen
