"""The chat's terminal driver: Textual's, made to survive two things a real terminal can send its way.

Keyboard input that is not UTF-8 (a paste from a Latin-1 terminal, stray bytes) must not end the chat: Textual's
drivers decode input with a strict UTF-8 decoder, so one invalid byte kills the input thread and the app with
it (Textual issue #6456, open in 8.2). Until Textual fixes it, the drivers' decoder is swapped for one that
shows such a byte as U+FFFD, as any terminal would.

The screen's size comes from the terminal itself: Textual asks `shutil.get_terminal_size`, which believes
`COLUMNS` and `LINES` when they are exported, so a shell that exported them once drew the chat at a stale size
(its prompt and status bar off the bottom of the screen) and no resize could fix it.
"""

import codecs
import os
from collections.abc import Callable
from typing import Any

from textual.drivers import linux_driver, linux_inline_driver
from textual.drivers.linux_driver import LinuxDriver


def _replacing_decoder(encoding: str) -> Callable[..., Any]:
    factory = codecs.getincrementaldecoder(encoding)
    return lambda errors="replace": factory(errors=errors)


def tolerate_invalid_input() -> None:
    """Make the terminal drivers replace bytes that are not UTF-8 instead of failing on them."""
    for module in (linux_driver, linux_inline_driver):
        if hasattr(module, "getincrementaldecoder"):
            module.getincrementaldecoder = _replacing_decoder  # type: ignore[attr-defined]


class ChatDriver(LinuxDriver):
    """Textual's Linux driver, sized by the terminal rather than by the environment."""

    def _get_terminal_size(self) -> tuple[int, int]:
        try:
            return tuple(os.get_terminal_size(self.fileno))  # type: ignore[return-value]
        except (OSError, ValueError):
            return super()._get_terminal_size()
