"""Deterministic crash points for tests: `GITAGENT_TEST_KILL_AT=NAME` kills the process at point NAME."""

import os
import signal


def kill_point(name: str) -> None:
    """SIGKILL this process here when the environment variable GITAGENT_TEST_KILL_AT equals `name`."""
    if os.environ.get("GITAGENT_TEST_KILL_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
