"""Keyboard input that is not UTF-8 (a paste from a Latin-1 terminal, stray bytes) must not end the chat.

Textual's terminal drivers decode input with a strict UTF-8 decoder, so one invalid byte kills the input
thread and the app with it (Textual issue #6456, open in 8.2). Until Textual fixes it, the drivers' decoder
is swapped for one that shows such a byte as U+FFFD, as any terminal would.
"""

import codecs
from collections.abc import Callable
from typing import Any

from textual.drivers import linux_driver, linux_inline_driver


def _replacing_decoder(encoding: str) -> Callable[..., Any]:
    factory = codecs.getincrementaldecoder(encoding)
    return lambda errors="replace": factory(errors=errors)


def tolerate_invalid_input() -> None:
    """Make the terminal drivers replace bytes that are not UTF-8 instead of failing on them."""
    for module in (linux_driver, linux_inline_driver):
        if hasattr(module, "getincrementaldecoder"):
            module.getincrementaldecoder = _replacing_decoder  # type: ignore[attr-defined]
