"""Is bubblewrap usable here? Checked once per process; a failure says exactly how to fix it."""

import functools
import shutil
import subprocess

from gitagent.errors import GitagentError

OPT_OUT = "or, to run commands unconfined on purpose, pass --sandbox none (git config gitagent.sandbox none)"

INSTALL_HINT = (
    "install the bubblewrap package: sudo apt-get install bubblewrap "
    "(Fedora: sudo dnf install bubblewrap; Arch: sudo pacman -S bubblewrap; Alpine: sudo apk add bubblewrap); "
    + OPT_OUT
)

USERNS_HINT = (
    "bwrap needs unprivileged user namespaces. Enable them with:\n"
    "  sudo sysctl -w kernel.unprivileged_userns_clone=1   (Debian and older Ubuntu)\n"
    "  sudo sysctl -w user.max_user_namespaces=15000       (if it is 0)\n"
    "  sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0   (Ubuntu 24.04 and later)\n"
    "(make it permanent in /etc/sysctl.d/), or inside a container allow user namespaces "
    "(e.g. docker run --security-opt seccomp=unconfined --security-opt apparmor=unconfined); " + OPT_OUT
)

_OPTIONAL = ("--disable-userns", "--size", "--perms")


def bwrap_path() -> str:
    """Absolute path of the bwrap executable; raises GitagentError with the install command if missing."""
    path = shutil.which("bwrap")
    if path is None:
        raise GitagentError("bubblewrap (bwrap) is not installed; gitagent runs every command inside it.", INSTALL_HINT)
    return path


@functools.cache
def bwrap_features() -> frozenset[str]:
    """Which optional bwrap options this version has (`--disable-userns` and `--size` are 0.8+)."""
    try:
        text = subprocess.run([bwrap_path(), "--help"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    return frozenset(opt for opt in _OPTIONAL if opt in text)


def probe_argv(bwrap: str, features: frozenset[str]) -> list[str]:
    """The trivial sandbox used as a probe: every namespace and flag a real run uses, running `true`."""
    argv = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
    argv += ["--unshare-all", "--unshare-user", "--cap-drop", "ALL", "--die-with-parent", "--new-session"]
    if "--disable-userns" in features:
        argv.append("--disable-userns")
    return [*argv, "--", "true"]


def check_bwrap() -> None:
    """Raise GitagentError (message plus the exact fix) unless bwrap is installed and can create namespaces.

    The probe runs once per process; its verdict is cached, a failure included.
    """
    error = _verdict()
    if error is not None:
        raise error


@functools.cache
def _verdict() -> GitagentError | None:
    try:
        bwrap = bwrap_path()
    except GitagentError as e:
        return e
    try:
        done = subprocess.run(
            probe_argv(bwrap, bwrap_features()), capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL
        )
    except (OSError, subprocess.SubprocessError) as e:
        return GitagentError(f"bwrap could not be started: {e}", USERNS_HINT)
    if done.returncode != 0:
        detail = done.stderr.strip() or f"exit code {done.returncode}"
        return GitagentError(f"bwrap cannot create a sandbox here: {detail}", USERNS_HINT)
    return None
