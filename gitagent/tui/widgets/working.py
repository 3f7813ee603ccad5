"""The working line above the prompt: while the model is asked or a tool runs, a spinner, what is happening,
the time since Enter, the turn's tokens so far and how to stop it. It appears the moment a prompt is sent,
before the turn's thread has done anything, so the person always sees that their Enter was taken."""

import time

from rich.text import Text
from textual.widgets import Static

from gitagent.humanize import human_tokens
from gitagent.tui.literal import literal
from gitagent.tui.widgets.blocks import SPINNER

CHARS_PER_TOKEN = 4
"""For the answer still streaming: its tokens are only counted by the provider once it ends."""


def elapsed_text(seconds: float) -> str:
    """`7s`, `1m 05s`."""
    whole = int(seconds)
    return f"{whole}s" if whole < 60 else f"{whole // 60}m {whole % 60:02d}s"


class WorkingLine(Static):
    """`⠹ Thinking… (12s · 1.2k tokens · esc to interrupt)`; hidden while nothing runs."""

    def __init__(self) -> None:
        super().__init__("", id="working")
        self.display = False
        self.activity = ""
        self.started = 0.0
        self.tokens = 0
        self.streamed = 0
        self.frame = 0
        self.waiting_for: str | None = None
        self.timer = self.set_interval(0.1, self._tick, pause=True)

    @property
    def running(self) -> bool:
        """Whether the line is shown."""
        return bool(self.display)

    def start(self, activity: str) -> None:
        """Show the line at once, counting time and tokens from now."""
        self.started = time.monotonic()
        self.tokens = self.streamed = 0
        self.waiting_for = None
        self.activity = activity
        self.display = True
        self._draw()
        self.timer.resume()

    def doing(self, activity: str) -> None:
        """Say what is happening now (`Thinking`, `Running Bash: make test`)."""
        self.activity = activity
        if self.waiting_for is None:
            self._draw()
            if self.display:
                self.timer.resume()

    def streaming(self, chars: int) -> None:
        """The answer grew by `chars` characters."""
        self.streamed += chars
        self.doing("Answering")

    def counted(self, tokens: int) -> None:
        """A model response ended, using `tokens`; what was streamed of it is now counted exactly."""
        self.tokens += tokens
        self.streamed = 0

    def waiting(self, reason: str) -> None:
        """The turn waits for the person (an approval): no spinner, until `resume`."""
        self.waiting_for = reason
        self.timer.pause()
        self.update(literal(f"◆ {reason}", style="bold"))

    def resume(self) -> None:
        """The person answered: back to showing the work."""
        self.waiting_for = None
        self.doing(self.activity)

    def stop(self) -> None:
        """Hide the line."""
        self.timer.pause()
        self.display = False

    def text(self) -> Text:
        """What the line shows now; a long activity is shortened so the time and the Esc hint always fit."""
        tokens = self.tokens + self.streamed // CHARS_PER_TOKEN
        details = [elapsed_text(time.monotonic() - self.started)]
        if tokens:
            details.append(f"{human_tokens(tokens)} tokens")
        details.append("esc to interrupt")
        tail = f" ({' · '.join(details)})"
        room = (self.size.width or 200) - 2 - len(tail) - 2  # spinner and space; padding
        activity = self.activity if len(self.activity) < room else self.activity[: max(room - 1, 8)]
        line = Text(f"{SPINNER[self.frame % len(SPINNER)]} ", style="bold")
        line.append(literal(f"{activity}…", style="bold"))
        line.append(tail, style="dim")
        return line

    def _tick(self) -> None:
        self.frame += 1
        self._draw()

    def _draw(self) -> None:
        self.update(self.text())
