"""Escape battery fixtures: a real repo and worktree, a fake HOME with secrets, and the outcome table."""

import json
from collections.abc import Callable

import pytest

from tests.conftest import ESCAPE_ROWS as ROWS_FILE


@pytest.fixture
def record(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, str, bool], None]:
    """Add a row to the battery's table: what was attempted, what happened, whether the sandbox held."""
    rows = tmp_path_factory.getbasetemp() / ROWS_FILE

    def add(attempt: str, outcome: str, contained: bool) -> None:
        row = {"attempt": attempt, "outcome": " ".join(outcome.split())[:90], "contained": contained}
        with rows.open("a") as f:
            f.write(json.dumps(row) + "\n")

    return add
