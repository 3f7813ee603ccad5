"""Where conversations live under `refs/gitagent/`, and the `NAME@REV` grammar that names one of their turns.

Plain strings only (no pygit2), so the read commands, which talk to git's own plumbing, share them with the
store that writes.
"""

import re

from gitagent.errors import GitagentError

PREFIX = "refs/gitagent/"
CONVERSATIONS = PREFIX + "conversations/"
INFLIGHT = PREFIX + "inflight/"
ABANDONED = PREFIX + "abandoned/"
REVIEWS = PREFIX + "reviews/"
REVIEW_INFLIGHT = PREFIX + "review-inflight/"

_TARGET = re.compile(r"^(?P<name>[^@~]+)(?:@(?P<at>.+)|(?P<back>~\d+))?$")


def conversation_ref(name: str) -> str:
    """The ref holding a conversation's head turn."""
    return CONVERSATIONS + name


def inflight_ref(name: str) -> str:
    """The ref holding a conversation's unfinished turn, if any."""
    return INFLIGHT + name


def split_target(target: str) -> tuple[str, str | None]:
    """Split `NAME`, `NAME@REV` or `NAME~N` into the name and the REV (None for the head)."""
    match = _TARGET.match(target)
    if not match:
        raise GitagentError(f"cannot read {target!r} as NAME, NAME@REV or NAME~N")
    rev = match["at"] or match["back"]
    return match["name"], rev
