"""What the scheduler needs of a backend (local processes or Ray): start a task, hear when tasks end, stop one."""

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Finished:
    """A task that ended: its worker's summary, or None and why the worker gave none (killed, crashed)."""

    key: str
    summary: dict[str, Any] | None
    lost: str


class Backend(Protocol):
    """Runs tasks' specs through `gitagent.batch.worker.run_task` somewhere."""

    name: str
    slots: int
    """How many tasks run at once."""

    def start(self, key: str, spec: dict[str, Any]) -> None:
        """Start a task."""
        ...

    def finished(self, wait: float) -> list[Finished]:
        """The tasks that ended since the last call, waiting up to `wait` seconds."""
        ...

    def stop(self, key: str) -> None:
        """Stop a running task at once."""
        ...

    def close(self) -> None:
        """Release the backend's resources."""
        ...
