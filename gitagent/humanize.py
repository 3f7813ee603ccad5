"""Numbers and times the way people read them, for every front end."""

import time
from collections.abc import Callable


def human_tokens(n: int) -> str:
    """1234 -> '1.2k', 2500000 -> '2.5M'."""
    if n < 1000:
        return str(n)
    if n < 1_000_000:
        return f"{n / 1000:.1f}k"
    return f"{n / 1_000_000:.1f}M"


def relative_time(timestamp: int, now: Callable[[], float] = time.time) -> str:
    """How long ago a Unix time was, the way people say it."""
    seconds = int(now() - timestamp)
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' * (count != 1)} ago"
    return "just now"
