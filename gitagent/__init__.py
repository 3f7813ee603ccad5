"""gitagent: a git-native coding agent whose conversations live in git."""

__version__ = "0.1.0"
