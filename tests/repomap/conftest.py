"""Fixtures for the repo map: real repositories holding small real programs."""

from pathlib import Path

import pytest

from tests.conftest import git

APP = {
    "app/models.py": '''"""Data."""


class User:
    def __init__(self, name: str) -> None:
        self.name = name

    def greeting(self) -> str:
        return format_name(self.name)


def format_name(name: str) -> str:
    return name.title()
''',
    "app/views.py": """from app.models import User, format_name
from app.storage import load_user


def show(user_id: int) -> str:
    user: User = load_user(user_id)
    return user.greeting() + format_name("x")
""",
    "app/storage.py": """from app.models import User


def load_user(user_id: int) -> User:
    return User(str(user_id))
""",
    "tools/unrelated_a.py": """def spreadsheet_total(cells: list[int]) -> int:
    return sum(cells)


def spreadsheet_mean(cells: list[int]) -> float:
    return spreadsheet_total(cells) / len(cells)
""",
    "tools/unrelated_b.py": """from tools.unrelated_a import spreadsheet_mean


def report(cells: list[int]) -> str:
    return str(spreadsheet_mean(cells))
""",
    "web/main.js": """import { render } from "./render.js";

export function start(root) {
  return render(root, "hello");
}
""",
    "web/render.js": """export function render(node, text) {
  node.textContent = text;
}
""",
    "docs/guide.txt": "How to use the app.\n",
}


def write_files(root: Path, files: dict[str, str]) -> None:
    """Write `files` (path -> text) under `root`."""
    for relative, text in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)


def commit_all(root: Path, message: str = "add files") -> None:
    """Stage everything and commit it."""
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


@pytest.fixture
def app_repo(repo: Path) -> Path:
    """The `repo` fixture plus a small Python and JavaScript application, committed."""
    write_files(repo, APP)
    commit_all(repo)
    return repo
