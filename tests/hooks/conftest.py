"""Helpers for hook tests: writing hooks as real files and running them through a real HookRunner."""

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from gitagent.hooks import HookRunner

PY = sys.executable


def write_hook(folder: Path, event: str, name: str, body: str, executable: bool = True) -> Path:
    """An executable file in `folder/hooks/<event>/` (folder: the repo's `.gitagent` or the user dir)."""
    path = folder / "hooks" / event / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body)
    path.chmod(0o755 if executable else 0o644)
    return path


def python_hook(code: str) -> str:
    """A Python hook script running `code` with `event` bound to its stdin JSON."""
    return f"#!{PY}\nimport json, sys\nevent = json.load(sys.stdin)\n{code}\n"


def settings(path: Path, hooks: dict[str, Any]) -> None:
    """Write a Claude Code settings file with these hooks."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"hooks": hooks}))


@pytest.fixture
def dirs(tmp_path: Path) -> tuple[Path, Path, Path]:
    """(repo root, worktree, user dir), all empty directories."""
    paths = tuple(tmp_path / name for name in ("checkout", "worktree", "userdir"))
    for path in paths:
        path.mkdir()
    return paths  # type: ignore[return-value]


@pytest.fixture
def runner(dirs: tuple[Path, Path, Path]):
    """Make a HookRunner over `dirs` (repo hooks trusted unless told otherwise), after the hooks are written."""
    root, worktree, user = dirs

    def make(trusted: bool = True, **kwargs: Any) -> HookRunner:
        return HookRunner(
            root,
            worktree,
            is_trusted=lambda hook: trusted,
            user_dir=user,
            session_id="s-1",
            transcript_path=str(worktree / "transcript.jsonl"),
            **kwargs,
        )

    return make


def record_events(repo: Path, log: Path, events: tuple[str, ...]) -> None:
    """Declare in `.claude/settings.local.json` a hook for each of `events` appending its stdin to `log`."""
    recorder = log.parent / "record-hook.py"
    recorder.write_text(python_hook(f"open({str(log)!r}, 'a').write(json.dumps(event) + '\\n')"))
    recorder.chmod(0o755)
    hooks = {event: [{"hooks": [{"type": "command", "command": str(recorder)}]}] for event in events}
    settings(repo / ".claude" / "settings.local.json", hooks)


def recorded(log: Path) -> list[dict[str, Any]]:
    """The stdin of every recorded hook call, in order."""
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
