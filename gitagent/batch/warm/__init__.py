"""What a batch's fork server loads before any worker is forked from it: importing this package imports what a
task runs (`gitagent.batch.worker`) and what a turn imports only on first use, and runs the sandbox's one-time
check, so that every worker starts with them done. `gitagent.batch.warm.<provider>` does the same for a
provider's SDK. Warming is best effort: whatever fails here is simply done again, and reported, by the task."""

import contextlib
import importlib

import gitagent.batch.worker  # noqa: F401 (loaded for the workers forked from this process)
from gitagent.errors import GitagentError
from gitagent.sandbox.check import check_bwrap

FIRST_USE = ("gitagent.repomap", "gitagent.repomap.rank", "gitagent.subagents.tools", "gitagent.workspace.merge")
"""Modules a turn imports when it first needs them (the code map, subagents' tools, merging a worktree)."""


def import_all(modules: tuple[str, ...]) -> None:
    """Import `modules`, skipping any this version does not have."""
    for module in modules:
        with contextlib.suppress(ImportError):
            importlib.import_module(module)


import_all(FIRST_USE)
with contextlib.suppress(GitagentError):
    check_bwrap()  # its verdict is cached per process: one probe for all workers
