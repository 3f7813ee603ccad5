"""The Executor seam: what runs a turn on gitagent's substrate.

A turn (`gitagent.agent.turn.Turn`) owns the substrate's side: its in-flight saves, hooks, worktree, sandbox,
snapshot and commit. An executor owns the rest: given the turn's prompt, worktree, sandbox, history and
record, it works until the model answers, adding every response and tool call to the record (and emitting
them) as it goes, and calling `turn.save()` after each. The built-in ReAct loop is one executor; Claude Code
and Codex CLI (`gitagent.agent.executors.external`) are others.
"""

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from gitagent.agent.turn import Turn

BUILTIN = "gitagent"


class Executor(Protocol):
    """Runs one turn: fills `turn.record` until the model answers (or raises, having saved what it did)."""

    name: str
    """`gitagent`, `claude-code` or `codex`: recorded in every turn it runs but the built-in's."""
    spec: str | None
    """The model the executor runs, as far as known before it starts (None: the settings' model)."""

    def run(self, turn: "Turn", resumed: bool) -> None:
        """Work on `turn` (`resumed`: it was interrupted before, and its record holds what was done)."""
        ...


class BuiltinExecutor:
    """gitagent's own loop (`gitagent.agent.loop`): the model, tools, guard and compaction of the settings."""

    name = BUILTIN
    spec = None

    def run(self, turn: "Turn", resumed: bool) -> None:
        """Drive the ReAct loop from wherever the record stands."""
        turn.prepare_snapshot()
        from gitagent.agent.loop import run_loop  # not loaded for the turns an outside executor runs

        run_loop(turn.agent(), turn.history, turn.record, turn.settings.emit, turn.save)
