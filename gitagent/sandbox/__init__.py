"""Running the agent's commands: the Sandbox seam and its implementations (substrate)."""

from gitagent.sandbox.base import CommandResult, Sandbox
from gitagent.sandbox.bwrap import BwrapSandbox, bwrap_argv
from gitagent.sandbox.check import check_bwrap
from gitagent.sandbox.env import sandbox_env
from gitagent.sandbox.limits import Limits
from gitagent.sandbox.unconfined import UnconfinedSandbox

__all__ = [
    "BwrapSandbox",
    "CommandResult",
    "Limits",
    "Sandbox",
    "UnconfinedSandbox",
    "bwrap_argv",
    "check_bwrap",
    "sandbox_env",
]
