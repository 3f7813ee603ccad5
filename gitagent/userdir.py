"""The user's own directories: gitagent's (settings, user-level hooks and skills, stored keys) and Claude Code's."""

import os
from collections.abc import Mapping
from pathlib import Path


def user_config_dir(env: Mapping[str, str] | None = None, home: Path | None = None) -> Path:
    """`$GITAGENT_HOME` if set (tests point it at a temp dir), else `$XDG_CONFIG_HOME/gitagent` or
    `~/.config/gitagent`. `env` and `home` default to this process's environment and home directory."""
    env = os.environ if env is None else env
    if env.get("GITAGENT_HOME"):
        return Path(env["GITAGENT_HOME"])
    return Path(env.get("XDG_CONFIG_HOME") or (home or Path.home()) / ".config") / "gitagent"


def claude_config_dir() -> Path:
    """Claude Code's per-user directory: `$CLAUDE_CONFIG_DIR` if set (as Claude Code reads it), else `~/.claude`."""
    configured = os.environ.get("CLAUDE_CONFIG_DIR")
    return Path(configured) if configured else Path.home() / ".claude"
