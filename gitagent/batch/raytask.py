"""A batch's task slot on Ray: an actor (one worker process, one CPU) that loads gitagent once and then runs the
batch's tasks one after another (`Slot.run`). This module stays light, so a new slot has started the node's
SDK server before it loads gitagent's agent.

The model keys arrive with each task, from the driver to the worker in memory: not in Ray's runtime
environment, whose agent writes the environment it creates into its log (`runtime_env_agent.log`), and which
makes Ray start each worker through a set-up process and a second Python, never on the workers it prestarts.
"""

import os
import time
from pathlib import Path
from typing import Any


class Slot:
    """Runs a batch's tasks, one at a time, in this process."""

    def __init__(self, providers: list[str], sdk_server: tuple[str, str] | None = None) -> None:
        """Start loading what the tasks use: for Anthropic tasks the SDK's server (the driver's `sdk_server` when
        this slot runs on the driver's machine, else the node's shared one), then gitagent's agent."""
        if "anthropic" in providers:
            from gitagent.models import sdkproc

            if sdk_server is None or not sdkproc.attach(*sdk_server):
                # the node's shared SDK server (or this slot's own) loads the SDK while this process loads the agent
                sdkproc.prestart()
        import gitagent.batch.worker  # noqa: F401

        self.start_ms = _since_process_start_ms()
        """How long this slot took to start (its process, Ray's worker, gitagent): told with its first task."""

    def run(self, spec: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
        """Run the task `spec` with the driver's model keys and servers `env`; its summary (`worker.run_task`)."""
        from gitagent.batch.worker import run_task

        os.environ.update(env)
        summary = run_task(spec)
        if self.start_ms is not None:
            summary["slot_start_ms"], self.start_ms = self.start_ms, None
        return summary

    def close(self) -> None:
        """The batch is over: delete this slot's clone (and any left by slots gone from this machine)."""
        from gitagent.batch import clones

        clones.close()


def _since_process_start_ms() -> int | None:
    """Milliseconds since this process started (None where /proc does not say)."""
    try:
        ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
        started = ticks / os.sysconf("SC_CLK_TCK")
        return int((time.clock_gettime(time.CLOCK_BOOTTIME) - started) * 1000)
    except (OSError, ValueError, IndexError, AttributeError):
        return None
