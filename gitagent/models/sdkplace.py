"""Where the SDK's process listens, and starting it: a Unix socket in a private runtime directory.

The directory is `$XDG_RUNTIME_DIR/gitagent`, else `$TMPDIR/gitagent-<uid>` (`/tmp`), made 0700, and passed
over unless it is a real directory owned by this user and closed to everyone else, so no other user can reach the
socket (each end also checks the other's user id). A shared server's socket is named by `server_key`: the
Python, gitagent and `anthropic` it runs, so a command after an upgrade never talks to an old server. A command's
private server gets a name of its own. The command binds the socket before starting the server and hands it
over, so requests can be sent at once; a lock file serialises starting and stopping a shared one.
"""

import fcntl
import hashlib
import os
import socket
import stat
import struct
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import gitagent

IDLE_SECONDS = 900.0
"""How long a shared server waits for a request before it exits."""
_NAMESPACES = ("user", "mnt", "net")
_PASSED_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "XDG_RUNTIME_DIR")


def runtime_dir() -> Path | None:
    """The private directory sockets go in, made if missing; None if there is none safely this user's alone."""
    uid = os.getuid()
    base = os.environ.get("XDG_RUNTIME_DIR")
    candidates = [Path(base) / "gitagent"] if base and os.path.isdir(base) else []
    candidates.append(Path(os.environ.get("TMPDIR") or "/tmp") / f"gitagent-{uid}")
    for path in candidates:
        try:
            path.mkdir(mode=0o700, exist_ok=True)
            info = os.lstat(path)
        except OSError:
            continue
        if stat.S_ISDIR(info.st_mode) and info.st_uid == uid and not info.st_mode & 0o077:
            return path
    return None


def server_key() -> str:
    """What a shared server must be running to serve this command: its Python, gitagent and `anthropic`."""
    parts = [sys.executable, sys.version, gitagent.__version__]
    package = Path(gitagent.__file__).parent
    for path in (package / "__init__.py", *sorted((package / "models").glob("*.py"))):
        info = path.stat()  # an editable install changes without a new version
        parts.append(f"{path.name}:{info.st_mtime_ns}:{info.st_size}")
    for entry in sys.path:
        version = Path(entry or ".") / "anthropic" / "_version.py"
        if version.is_file():
            parts.append(version.read_text(encoding="utf-8"))
            break
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def peer(conn: socket.socket) -> tuple[int, int]:
    """The process id and user id at the other end of a Unix socket."""
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    pid, uid, _ = struct.unpack("3i", creds)
    return pid, uid


def same_namespaces(pid: int) -> bool:
    """Whether process `pid` shares this one's user, mount and network namespaces: a command gitagent runs in its
    sandbox does not, and must not reach the network, or anything else, through the SDK's server."""
    try:
        return all(os.readlink(f"/proc/{pid}/ns/{ns}") == os.readlink(f"/proc/self/ns/{ns}") for ns in _NAMESPACES)
    except OSError:
        return False


def connect(path: str, timeout: float = 2.0) -> socket.socket | None:
    """A connection to the server at `path` run by this user, or None if there is none. Its operations time out
    after `timeout` seconds (a stopped server's full backlog would block even the connecting)."""
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.settimeout(timeout)
    try:
        conn.connect(path)
        if peer(conn)[1] == os.getuid():
            return conn
    except OSError:
        pass
    conn.close()
    return None


@contextmanager
def locked(path: str) -> Iterator[None]:
    """Hold the lock of the socket `path` (starting or stopping its server)."""
    fd = os.open(path + ".lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def unlink(path: str) -> None:
    """Remove a socket's name, if still there (its lock file stays: others may be waiting on it)."""
    with suppress(OSError):
        os.unlink(path)


def start_shared(path: str, key: str) -> bool:
    """Make sure a shared server listens at `path`: one already does, or start it. False if neither could be."""
    with locked(path):
        probe = connect(path)
        if probe is not None:
            probe.close()
            return True
        unlink(path)  # a dead server's
        return spawn(path, key, idle=IDLE_SECONDS) is not None


def spawn(path: str, key: str, idle: float | None = None, logs: bool = False) -> "subprocess.Popen[bytes] | None":
    """Bind `path` and start a server on it: shared (`idle` given, detached) or this command's (its stdin a pipe)."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        listener.bind(path)
        listener.listen(64)
        command = [sys.executable, "-m", "gitagent.models.sdkserver", "--fd", str(listener.fileno()), "--key", key,
                   "--path", path]  # fmt: skip
        if idle is not None:
            command += ["--idle", str(idle)]
        # Started with no key in its environment (each request brings its own) and nowhere in the repository.
        env = {name: value for name, value in os.environ.items() if name in _PASSED_ENV or name.startswith("PYTHON")}
        return subprocess.Popen(
            command, stdin=subprocess.DEVNULL if idle is not None else subprocess.PIPE,
            stdout=subprocess.DEVNULL, stderr=None if logs else subprocess.DEVNULL, pass_fds=[listener.fileno()],
            cwd="/", env=env, start_new_session=True,
        )  # fmt: skip
    except OSError:
        unlink(path)
        return None
    finally:
        listener.close()
