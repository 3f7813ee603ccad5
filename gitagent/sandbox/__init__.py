"""Running the agent's commands: the Sandbox seam and its implementations (substrate)."""

from gitagent.sandbox.base import CommandResult, Sandbox
from gitagent.sandbox.unconfined import UnconfinedSandbox

__all__ = ["CommandResult", "Sandbox", "UnconfinedSandbox"]
