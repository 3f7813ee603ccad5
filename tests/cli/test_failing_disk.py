"""A full disk or a read-only object store: a one-line error naming the fix, the turn kept to resume, nothing
half-written left behind. Real ones: a small tmpfs, and a read-only bind mount, made by bwrap."""

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gitagent.sandbox.check import bwrap_features
from tests.conftest import git, text, tool

pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap (bwrap) is not installed")


def _in_own_mounts(mounts: list[str], script: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a shell `script` with the host as it is, plus `mounts` (bwrap options) seen only by it."""
    user = [] if os.getuid() == 0 else ["--unshare-user"]
    argv = ["bwrap", "--dev-bind", "/", "/", *user, *mounts, "--", "bash", "-c", script]
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=300)


def _step(name: str, *args: str) -> str:
    """A line of shell that runs gitagent and records its exit status, stdout and stderr under `name`."""
    command = shlex.join([sys.executable, "-m", "gitagent", *args])
    return f"{command} >$OUT/{name}.out 2>$OUT/{name}.err; echo $? >$OUT/{name}.code\n"


def _result(out: Path, name: str) -> tuple[int, str]:
    return int((out / f"{name}.code").read_text()), (out / f"{name}.err").read_text()


def test_full_disk_during_a_turn_names_the_fix_and_the_turn_resumes(repo: Path, tmp_path: Path, script) -> None:
    if "--size" not in bwrap_features():
        pytest.skip("this bwrap cannot size a tmpfs (bwrap 0.8 or later can)")
    small, out = tmp_path / "small", tmp_path / "out"
    small.mkdir()
    out.mkdir()
    fill = f"[ -e {small}/filled ] || {{ touch {small}/filled; dd if=/dev/zero of={small}/fill bs=64k 2>/dev/null; }}"
    steps = script([tool("Write", file_path="a.txt", content="a\n")], [tool("Bash", command=fill)], [text("ok")])
    run = ["--sandbox", "none", "--model", steps]
    body = (
        f"set -u; OUT={out}; cp -a {repo} {small}/r && cd {small}/r\n"
        + _step("first", "run", "-c", "f", "--sandbox", "none", "--model", script([text("hi")]), "a first turn")
        + _step("full", "run", "-c", "f", *run, "fill the disk")
        + _step("discard", "run", "--discard", "-c", "f")
        + f"find .git -name 'tmp_*' > $OUT/temporary.txt; rm {small}/fill\n"
        + _step("resume", "run", "--resume", "-c", "f", *run)
        + "git fsck --strict --no-dangling >$OUT/fsck.txt 2>&1; git for-each-ref refs/gitagent/ >$OUT/refs.txt\n"
    )
    done = _in_own_mounts(["--size", str(8 << 20), "--tmpfs", str(small)], body, tmp_path)
    assert done.returncode == 0, done.stderr
    assert _result(out, "first")[0] == 0
    for name in ("full", "discard"):
        code, err = _result(out, name)
        assert code == 1 and "Traceback" not in err, err
        assert "No space left on device" in err and "free some disk space" in err
    assert "gitagent run --resume -c f" in _result(out, "full")[1]
    assert (out / "temporary.txt").read_text() == ""
    assert _result(out, "resume") == (0, _result(out, "resume")[1])
    assert (out / "fsck.txt").read_text() == ""
    assert "refs/gitagent/inflight/f" not in (out / "refs.txt").read_text()


def test_read_only_object_store_names_the_fix(repo: Path, tmp_path: Path, script) -> None:
    objects = repo / ".git" / "objects"
    body = _step("ro", "run", "-c", "r", "--sandbox", "none", "--model", script([text("hi")]), "hello")
    out = tmp_path
    done = _in_own_mounts(["--ro-bind", str(objects), str(objects)], f"OUT={out}\n{body}", repo)
    assert done.returncode == 0, done.stderr
    code, err = _result(out, "ro")
    assert code == 1 and "Traceback" not in err, err
    assert "Read-only file system" in err and "make that file system writable" in err
    assert git(repo, "for-each-ref", "refs/gitagent/") == ""
