"""The one exception type the CLI turns into a clean message and a non-zero exit."""


class GitagentError(Exception):
    """A failure the user can act on: `message` says what went wrong, `hint` how to fix it."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n{self.hint}"
