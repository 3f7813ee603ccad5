"""The user's gitagent directory: settings, user-level hooks and skills, stored keys."""

import os
from pathlib import Path


def user_config_dir() -> Path:
    """`$GITAGENT_HOME` if set (tests point it at a temp dir), else `~/.config/gitagent`."""
    home = os.environ.get("GITAGENT_HOME")
    if home:
        return Path(home)
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "gitagent"
