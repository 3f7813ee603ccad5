"""The user's own directories: gitagent's (settings, user-level hooks and skills, stored keys) and Claude Code's."""

import os
from pathlib import Path


def user_config_dir() -> Path:
    """`$GITAGENT_HOME` if set (tests point it at a temp dir), else `~/.config/gitagent`."""
    home = os.environ.get("GITAGENT_HOME")
    if home:
        return Path(home)
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "gitagent"


def claude_config_dir() -> Path:
    """Claude Code's per-user directory: `$CLAUDE_CONFIG_DIR` if set (as Claude Code reads it), else `~/.claude`."""
    configured = os.environ.get("CLAUDE_CONFIG_DIR")
    return Path(configured) if configured else Path.home() / ".claude"
