"""The installed `gitagent chat` in a real terminal (tmux): type a prompt, read the screen, quit, check git."""

import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import conversation_head, text, tool

GITAGENT = Path(sys.executable).parent / "gitagent"


@pytest.fixture
def tmux(repo: Path) -> Iterator[Callable[..., str]]:
    """Run tmux commands on a private server; the fixture kills it afterwards."""
    assert shutil.which("tmux"), "tmux is needed for the terminal tests (./install.sh --dev installs it)"
    socket = f"gitagent-test-{uuid.uuid4().hex[:8]}"

    def run(*args: str) -> str:
        done = subprocess.run(["tmux", "-L", socket, "-f", "/dev/null", *args], capture_output=True, text=True)
        return done.stdout

    yield run
    run("kill-server")


def wait_for(read: Callable[[], str], needle: str, timeout: float = 20) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = read()
        if needle in screen:
            return screen
        time.sleep(0.1)
    raise AssertionError(f"{needle!r} never appeared; the screen was:\n{screen}")


def test_installed_chat_in_a_real_terminal(repo, script, tmux):
    model = script([text("Creating it."), tool("Write", file_path="hi.txt", content="hi\n")], [text("All done here.")])
    tmux("new-session", "-d", "-s", "chat", "-x", "100", "-y", "30", "-c", str(repo),
         f"{GITAGENT} chat --model {model}; echo EXITED $?; sleep 5")  # fmt: skip
    screen = lambda: tmux("capture-pane", "-p", "-t", "chat")  # noqa: E731
    wait_for(screen, "scripted:")
    tmux("send-keys", "-t", "chat", "-l", "make hi.txt")
    tmux("send-keys", "-t", "chat", "Enter")
    shown = wait_for(screen, "turn 1 ·")
    assert "make hi.txt" in shown and "✓ Write hi.txt" in shown and "All done here." in shown
    tmux("send-keys", "-t", "chat", "C-c")
    tmux("send-keys", "-t", "chat", "C-c")
    wait_for(screen, "EXITED 0")
    head = conversation_head(repo, "make-hi-txt")
    assert head.message.startswith("make hi.txt")
    assert head.tree["workspace"]["hi.txt"].data == b"hi\n"
