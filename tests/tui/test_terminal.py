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


def wait_for(read: Callable[[], str], needle: str, timeout: float = 60) -> str:
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


def test_hostile_output_cannot_take_over_the_terminal(repo, script, tmux):
    shell = "\\033[2J\\033[H\\033[12;1H\\033]52;c;cm0gLXJmIC8K\\007\\033]0;pwned\\007\\033[?1049l\\033cafter"
    answer = "Look: \x1b[2J\x1b[3J\x1b]52;c;eA==\x07 arr[/] [red]why[/red] \u202eevil"
    model = script([text(answer), tool("Bash", command=f"printf '{shell}'")], [text("finished")])
    tmux("new-session", "-d", "-s", "chat", "-x", "100", "-y", "30", "-c", str(repo),
         f"{GITAGENT} chat --model {model}; echo EXITED $?; sleep 5")  # fmt: skip
    tmux("set-option", "-g", "set-clipboard", "on")  # so an OSC 52 that got through would fill a tmux buffer
    screen = lambda: tmux("capture-pane", "-p", "-t", "chat")  # noqa: E731
    wait_for(screen, "scripted:")
    tmux("send-keys", "-t", "chat", "-l", "go")
    tmux("send-keys", "-t", "chat", "Enter")
    wait_for(screen, "turn 1 ·")
    tmux("send-keys", "-t", "chat", "BTab")  # focus the tool call, expand it
    tmux("send-keys", "-t", "chat", "Enter")
    shown = wait_for(screen, "\\x1b]52;c;cm0gLXJmIC8K\\x07")
    time.sleep(0.5)
    shown = screen()
    assert "\\x1b[2J\\x1b[H" in shown and "after" in shown and "finished" in shown
    assert "Look: \\x1b[2J\\x1b[3J\\x1b]52;c;eA==\\x07 arr[/] [red]why[/red] \\u202eevil" in shown
    rows = shown.rstrip().splitlines()
    assert "scripted:" in rows[-1] and rows[-2].startswith("╰") and rows[-4].startswith("╭"), "prompt and status bar"
    assert tmux("list-buffers") == "", "nothing reached the clipboard"
    assert "pwned" not in tmux("display-message", "-p", "-t", "chat", "#{pane_title}")
    tmux("send-keys", "-t", "chat", "-H", "ff", "fe", "41")  # bytes that are not UTF-8: the chat carries on
    tmux("send-keys", "-t", "chat", "C-c")
    tmux("send-keys", "-t", "chat", "C-c")
    wait_for(screen, "EXITED 0")


def test_transcript_puts_the_conversation_in_the_terminals_scrollback(repo, script, tmux):
    model = script([text("The answer is forty-two.")])
    tmux("new-session", "-d", "-s", "chat", "-x", "100", "-y", "30", "-c", str(repo),
         f"{GITAGENT} chat --model {model}; echo EXITED $?; sleep 5")  # fmt: skip
    screen = lambda: tmux("capture-pane", "-p", "-t", "chat")  # noqa: E731
    wait_for(screen, "scripted:")
    for keys in ("what is the answer", "Enter"):
        tmux("send-keys", "-t", "chat", *(["-l", keys] if keys != "Enter" else [keys]))
    wait_for(screen, "turn 1 ·")
    tmux("send-keys", "-t", "chat", "-l", "/transcript")
    tmux("send-keys", "-t", "chat", "Enter")
    shown = wait_for(screen, "Press Enter to go back to the chat")
    assert "> what is the answer" in shown and "The answer is forty-two." in shown
    tmux("send-keys", "-t", "chat", "Enter")
    wait_for(screen, "scripted:")
    tmux("send-keys", "-t", "chat", "C-c")
    tmux("send-keys", "-t", "chat", "C-c")
    wait_for(screen, "EXITED 0")
    history = tmux("capture-pane", "-p", "-S", "-200", "-t", "chat")
    assert "> what is the answer" in history, "the transcript stays in the scrollback after the chat"
