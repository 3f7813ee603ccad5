"""Hooks: the user's and the repository's own programs, run at points of a conversation (issue 5).

Claude Code's hook protocol, so a team's Claude Code hooks work unchanged: JSON on stdin, an exit status
and optional JSON on stdout (see `outcome` for what each means). `discovery` says where hooks come from
and how trust is keyed; `runner.HookRunner` is what the agent loop calls.
"""

from gitagent.hooks.discovery import DEFAULT_TIMEOUT, Discovery, Hook, discover
from gitagent.hooks.events import BLOCKING_EVENTS, EVENTS, matches
from gitagent.hooks.outcome import HookOutcome
from gitagent.hooks.runner import HookRunner

__all__ = [
    "BLOCKING_EVENTS",
    "DEFAULT_TIMEOUT",
    "EVENTS",
    "Discovery",
    "Hook",
    "HookOutcome",
    "HookRunner",
    "discover",
    "matches",
]
