"""A stdio server's process: its stderr's end outlives it, its temporary file does not."""

import sys
import tempfile
import time
from pathlib import Path

import pytest

from gitagent.mcp.launch import Launch
from gitagent.mcp.process import ServerProcess

NOISY = "import sys; print('starting', file=sys.stderr); print('no config found', file=sys.stderr); sys.stdin.read()"


def test_a_stopped_server_keeps_its_stderr_tail_and_closes_its_log(tmp_path: Path) -> None:
    server = ServerProcess(Launch(sys.executable, ["-c", NOISY], {}, tmp_path, confined=False))
    while "no config found" not in server.stderr_tail():
        assert not server.exited(), server.stderr_tail()
        time.sleep(0.01)
    server.stop()
    assert server.errlog.closed
    assert server.exited() == "exit status 0"
    assert server.stderr_tail() == "starting | no config found"
    server.stop()  # a second stop (the transport's and the connection's) is harmless


def test_a_server_that_cannot_start_leaves_no_open_log(tmp_path: Path, monkeypatch) -> None:
    opened = []
    make = tempfile.TemporaryFile
    monkeypatch.setattr(tempfile, "TemporaryFile", lambda: opened.append(make()) or opened[-1])
    with pytest.raises(FileNotFoundError):
        ServerProcess(Launch(str(tmp_path / "missing"), [], {}, tmp_path, confined=False))
    assert len(opened) == 1 and opened[0].closed
