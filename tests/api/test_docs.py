"""docs/api.md's examples run as written: each Python block in a fresh repository, with the scripted-model
script before it as GITAGENT_MODEL, printing what its `# comments` say."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import git

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
BLOCK = re.compile(r"^```(\w+)( scripted)?\n(.*?)^```$", re.S | re.M)
EXPECTED = re.compile(r"^\s*print\(.*\)  # (.*)$", re.M)


def examples() -> list[tuple[str, str | None]]:
    """(python code, the script before it or None), in the order the page has them."""
    found, script = [], None
    for match in BLOCK.finditer(DOC.read_text()):
        language, scripted, body = match.groups()
        if language == "json" and scripted:
            script = body
        elif language == "python":
            found.append((body, script))
            script = None
    return found


def test_the_page_has_its_examples() -> None:
    assert len(examples()) >= 6 and all(script is not None for _, script in examples())


@pytest.mark.parametrize("number", range(len(examples())))
def test_an_example_runs_and_prints_what_it_says(number: int, repo: Path, tmp_path: Path) -> None:
    code, script = examples()[number]
    (tmp_path / "script.json").write_text(script or "")
    (repo / "app.py").write_text("VALUE = 1\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "add app")
    env = {**os.environ, "GITAGENT_MODEL": f"scripted:{tmp_path / 'script.json'}"}
    proc = subprocess.run([sys.executable, "-c", code], cwd=repo, env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, f"{code}\n{proc.stderr}"
    lines = iter(proc.stdout.splitlines())
    for expected in EXPECTED.findall(code):
        assert any(line == expected for line in lines), f"{expected!r} not printed in order:\n{proc.stdout}"
