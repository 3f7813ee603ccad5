"""The one exception type the CLI turns into a clean message and a non-zero exit."""

import errno


class GitagentError(Exception):
    """A failure the user can act on: `message` says what went wrong, `hint` how to fix it."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n{self.hint}"


_DISK_PROBLEMS = (
    (errno.ENOSPC, "No space left", "free some disk space"),
    (errno.EDQUOT, "quota exceeded", "free some space within your disk quota"),
    (errno.EROFS, "Read-only file system", "make that file system writable (it is mounted read-only)"),
    (errno.EACCES, "Permission denied", "give yourself write access to that path"),
    (errno.EPERM, "Operation not permitted", "give yourself write access to that path"),
)


def disk_error(error: OSError) -> GitagentError | None:
    """A file operation that failed for a reason the user can fix (a full disk, a read-only object store…) as
    an error whose hint names the fix (a clause, for the caller to say what to do next); None for others.

    libgit2's errors arrive as OSError without an errno, the reason only in the text, so both are read.
    """
    text = str(error) if error.errno is None else f"{error.strerror}: {error.filename or ''}".rstrip(": ")
    for number, words, fix in _DISK_PROBLEMS:
        if error.errno == number or words.lower() in text.lower():
            return GitagentError(text, fix)
    return None
