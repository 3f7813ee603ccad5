"""Helpers for the skills tests: write skill folders on disk as a user would."""

from pathlib import Path

import pytest


def write_skill(parent: Path, name: str, frontmatter: str | None = None, body: str = "Do the thing.\n") -> Path:
    """Create `parent/name/SKILL.md`; `frontmatter` is the YAML between the `---` lines (default: valid)."""
    folder = parent / name
    folder.mkdir(parents=True, exist_ok=True)
    if frontmatter is None:
        frontmatter = f"name: {name}\ndescription: The {name} skill, for tests.\n"
    (folder / "SKILL.md").write_text(f"---\n{frontmatter}---\n\n{body}")
    return folder


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fake home directory, so ~/.agents/skills is the test's own."""
    path = tmp_path / "home"
    path.mkdir()
    monkeypatch.setenv("HOME", str(path))
    return path
