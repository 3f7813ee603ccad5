"""The Ray backend: task slots, each a Ray actor declaring one CPU (`gitagent.batch.raytask.Slot`), running the
batch's tasks one after another, each in a clone of its own.

Without an address, Ray starts a local instance with `--jobs` CPUs (default: the machine's); it listens on the
machine's own address, as every Ray node does (Ray 2.60 replaces a loopback address by it, on purpose). With
one (`ray://head:10001`, `auto`), it joins that cluster, whose nodes need gitagent, git and bubblewrap
installed. Model keys travel with each task, in memory, never in git or a log (see `raytask`).
"""

import contextlib
import logging
import os
from dataclasses import dataclass
from typing import Any

from gitagent.batch.backend import Finished
from gitagent.errors import GitagentError
from gitagent.models.keys import ENV_VARS, api_key
from gitagent.models.registry import BASE_URL_VARS

CLOSE_S = 30.0
"""How long the slots may take to delete their clones when the batch ends."""
INSTALL_HINT = "install the extra: `pip install 'gitagent[ray]'` (`./install.sh --dev` includes it)"


def import_ray() -> Any:
    """The `ray` module, or a one-line error saying how to install it."""
    try:
        import ray
    except ImportError as e:
        raise GitagentError("--ray needs Ray, which is not installed", INSTALL_HINT) from e
    # Ray's notice that a local instance uses token authentication, its default; its errors are raised, not logged
    logging.getLogger("ray._private.authentication.authentication_token_setup").setLevel(logging.ERROR)
    return ray


def worker_env() -> dict[str, str]:
    """What workers need from the driver's environment: the providers' keys and servers."""
    env = {var: key for provider, var in ENV_VARS.items() if (key := api_key(provider))}
    env.update({var: os.environ[var] for var in BASE_URL_VARS.values() if os.environ.get(var)})
    return env


@dataclass
class _Running:
    key: str
    slot: Any
    """The actor running it."""


class RayBackend:
    """Tasks on a Ray cluster (or a local instance of one), run by slot actors that each load gitagent once."""

    name = "ray"

    def __init__(
        self, address: str | None, cpus: int | None, providers: list[str] | None = None,
        sdk_server: tuple[str, str] | None = None,
    ) -> None:  # fmt: skip
        self._providers = providers or []
        self._sdk_server = sdk_server
        """The driver's SDK server, for slots on its machine (`driver.sdk_server`)."""
        self.ray = import_ray()
        options: dict[str, Any] = {"log_to_driver": False, "logging_level": logging.WARNING}
        if address is None:
            options.update(num_cpus=cpus or os.cpu_count(), include_dashboard=False)
        else:
            options["address"] = address
        try:
            self.ray.init(**options)
        except (ConnectionError, RuntimeError, ValueError, self.ray.exceptions.RayError) as e:
            raise GitagentError(f"cannot start or reach Ray at {address or 'a local instance'}: {e}") from e
        from gitagent.batch.raytask import Slot

        # a lost task is retried by the scheduler, on a new slot: Ray neither restarts a slot nor re-runs a task
        self._slot = self.ray.remote(num_cpus=1, max_restarts=0, max_task_retries=0)(Slot)
        self._env = worker_env()
        self.slots = max(1, int(self.ray.cluster_resources().get("CPU", 1)))
        self._idle: list[Any] = []
        self._running: dict[Any, _Running] = {}

    def start(self, key: str, spec: dict[str, Any]) -> None:
        """Run task `key` on an idle slot, or on a new one (up to `slots` of them, the first tasks start them)."""
        slot = self._idle.pop() if self._idle else self._slot.remote(self._providers, self._sdk_server)
        self._running[slot.run.remote(spec, self._env)] = _Running(key, slot)

    def finished(self, wait: float) -> list[Finished]:
        """The tasks that ended since the last call, waiting up to `wait` seconds for the first."""
        refs = list(self._running)
        if not refs:
            return []
        ready, rest = self.ray.wait(refs, num_returns=1, timeout=wait)
        if ready and rest:
            more, _ = self.ray.wait(rest, num_returns=len(rest), timeout=0)
            ready += more
        return [self._outcome(ref) for ref in ready]

    def _outcome(self, ref: Any) -> Finished:
        running = self._running.pop(ref)
        try:
            summary = self.ray.get(ref)
        except self.ray.exceptions.RayActorError as e:  # its process died (killed, crashed, its node lost)
            self.ray.kill(running.slot)
            return Finished(running.key, None, f"the Ray worker was lost ({type(e).__name__})")
        except self.ray.exceptions.RayError as e:
            summary, lost = None, f"the Ray task failed ({type(e).__name__})"
        else:
            lost = ""
        self._idle.append(running.slot)
        return Finished(running.key, summary, lost)

    def stop(self, key: str) -> None:
        """Stop task `key` by killing its slot's process (a later task gets a new slot)."""
        for running in self._running.values():
            if running.key == key:
                self.ray.kill(running.slot)

    def close(self) -> None:
        """Have the idle slots delete their clones, then disconnect, ending the slots (and stop the local
        instance this backend started)."""
        with contextlib.suppress(self.ray.exceptions.RayError):
            self.ray.get([slot.close.remote() for slot in self._idle], timeout=CLOSE_S)
        self.ray.shutdown()
