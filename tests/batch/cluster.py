"""A real Ray cluster on this machine for the batch tests and bench/batch.py: `ray start --head --block` in its
own process group, with a short temporary root (Ray's socket paths must fit in 107 bytes)."""

import contextlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import GIT_ENV, PROVIDER_ENV


class Cluster:
    """A Ray head node in its own process group, and the directory its workers' clones go in."""

    def __init__(self, root: Path, cpus: int = 2) -> None:
        self.root = root  # short: Ray's socket paths must fit in 107 bytes
        self.clones = root / "tmp"
        self.clones.mkdir()
        self.log = root / "ray.log"
        self.env = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32)}
        """What a driver needs to join the cluster: Ray's token authentication, with this cluster's token."""
        env = {k: v for k, v in os.environ.items() if k not in PROVIDER_ENV}
        env.update(GIT_ENV)
        env.update(self.env, TMPDIR=str(self.clones), GITAGENT_HOME=str(root / "gitagent"), RAY_USAGE_STATS_ENABLED="0")
        with self.log.open("w") as log:
            self.proc = subprocess.Popen(
                [str(Path(sys.executable).parent / "ray"), "start", "--head", "--block", "--port", str(_free_port()),
                 "--num-cpus", str(cpus), "--include-dashboard", "false", "--temp-dir", str(root / "ray"),
                 "--disable-usage-stats"],
                stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
            )  # fmt: skip
        try:
            self.address = self._wait_for_address()
        except AssertionError:
            self.stop()
            raise

    def _wait_for_address(self) -> str:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            found = re.search(r"--address='([^']+)'", self.log.read_text())
            if found and "--block" in self.log.read_text():
                return found.group(1)
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError(f"ray start failed:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        for sig, wait in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.proc.wait(timeout=wait)
                time.sleep(1)  # the rest of the group ends with the head process
            except subprocess.TimeoutExpired:
                continue
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        shutil.rmtree(self.root, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
