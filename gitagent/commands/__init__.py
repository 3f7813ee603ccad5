"""Custom slash commands: Markdown prompt templates in Claude Code's format, found in the repository
(`.gitagent/commands/`, `.claude/commands/`) and the user's directories, expanded with the arguments typed
after `/name`. `discover_commands` finds them, `expand` fills in a template."""

from gitagent.commands.discover import CustomCommand, discover_commands, repository_command_dirs
from gitagent.commands.expand import expand, split_arguments

__all__ = ["CustomCommand", "discover_commands", "expand", "repository_command_dirs", "split_arguments"]
