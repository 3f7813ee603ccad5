"""The installed `gitagent chat` in a real terminal (tmux): type a prompt, read the screen, quit, check git."""

import re
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


def flat(screen: str) -> str:
    """The screen's text with its wrapping, borders and spaces taken out: what was drawn, at any width."""
    return re.sub(r"[\s│█▌▐]", "", screen)


def intact(screen: str, width: int, height: int) -> None:
    """The chat still owns the whole terminal: the prompt's box and the status bar at the bottom, full width."""
    rows = screen.rstrip("\n").split("\n")
    assert len(rows) == height, screen
    assert "scripted:" in rows[-1] and rows[-2].startswith("╰") and rows[-4].startswith("╭"), screen
    assert len(rows[-4]) <= width and max(len(row) for row in rows) <= width, screen


@pytest.mark.parametrize("width, height", [(120, 40), (80, 24), (60, 15)])
def test_hostile_output_cannot_take_over_the_terminal(repo, script, tmux, width, height):
    shell = "\\033[2J\\033[H\\033[12;1H\\033]52;c;cm0gLXJmIC8K\\007\\033]0;pwned\\007\\033[?1049l\\033cafter"
    answer = "Look: \x1b[2J\x1b[3J\x1b]52;c;eA==\x07 arr[/] [red]why[/red] \u202eevil"
    model = script([text(answer), tool("Bash", command=f"printf '{shell}'")], [text("finished")])
    tmux("new-session", "-d", "-s", "chat", "-x", str(width), "-y", str(height), "-c", str(repo),
         f"{GITAGENT} chat --model {model}; echo EXITED $?; sleep 5")  # fmt: skip
    tmux("set-option", "-g", "set-clipboard", "on")  # so an OSC 52 that got through would fill a tmux buffer
    screen = lambda: tmux("capture-pane", "-p", "-t", "chat")  # noqa: E731
    wait_for(screen, "ctx 0%")
    tmux("send-keys", "-t", "chat", "-l", "go")
    tmux("send-keys", "-t", "chat", "Enter")
    wait_for(screen, "turn 1 ·")
    assert flat("Look: \\x1b[2J\\x1b[3J\\x1b]52;c;eA==\\x07 arr[/] [red]why[/red] \\u202eevil") in flat(screen())
    intact(screen(), width, height)
    tmux("send-keys", "-t", "chat", "C-o")  # the tool call's whole output
    wait_for(lambda: flat(screen()), flat("\\x1b]52;c;cm0gLXJmIC8K\\x07"))
    time.sleep(0.5)
    shown = flat(screen())
    assert flat("\\x1b[2J\\x1b[H\\x1b[12;1H") in shown and flat("\\x1b[?1049l\\x1bcafter") in shown
    tmux("send-keys", "-t", "chat", "Escape")
    wait_for(screen, "finished")
    intact(screen(), width, height)
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


def test_keys_typed_while_the_chat_starts_land_in_the_prompt(repo, script, tmux):
    model = script([text("Heard you.")])
    tmux("new-session", "-d", "-s", "chat", "-x", "100", "-y", "30", "-c", str(repo),
         f"{GITAGENT} chat --model {model}; echo EXITED $?; sleep 5")  # fmt: skip
    tmux("send-keys", "-t", "chat", "-l", "typed before the screen")  # at once: the chat is still starting
    screen = lambda: tmux("capture-pane", "-p", "-t", "chat")  # noqa: E731
    wait_for(screen, "scripted:")
    shown = wait_for(screen, "│ typed before the screen")
    assert shown.rstrip().splitlines()[-3].startswith("│ typed before the screen"), "in the prompt, nowhere else"
    tmux("send-keys", "-t", "chat", "Enter")
    wait_for(screen, "Heard you.")
    tmux("send-keys", "-t", "chat", "C-c")
    tmux("send-keys", "-t", "chat", "C-c")
    wait_for(screen, "EXITED 0")


def test_the_chat_fills_the_terminal_whatever_columns_and_lines_say(repo, script, tmux):
    model = script([text("Fits.")])
    tmux("new-session", "-d", "-s", "chat", "-x", "60", "-y", "15", "-c", str(repo),
         f"COLUMNS=100 LINES=40 {GITAGENT} chat --model {model}; echo EXITED $?; sleep 5")  # fmt: skip
    screen = lambda: tmux("capture-pane", "-p", "-t", "chat")  # noqa: E731
    wait_for(screen, "ctx 0%")
    intact(screen(), 60, 15)
    tmux("resize-window", "-t", "chat", "-x", "70", "-y", "20")
    wait_for(screen, "─" * 68)
    intact(screen(), 70, 20)
    tmux("send-keys", "-t", "chat", "C-c")
    tmux("send-keys", "-t", "chat", "C-c")
    wait_for(screen, "EXITED 0")
