"""Scripts for a parent and its children: the parent's script names each child's by its type or prompt."""

import json
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def family(tmp_path: Path):
    """Write a parent script whose `"agents"` maps keys (an agent type, or words of a child's prompt) to child
    scripts; returns the parent's `--model` spec."""
    counter = iter(range(1000))

    def make(responses: list[list[dict[str, Any]]], agents: dict[str, list[list[dict[str, Any]]]]) -> str:
        n = next(counter)
        folder = tmp_path / f"scripts-{n}"
        folder.mkdir()
        mapping = {}
        for i, (key, child) in enumerate(agents.items()):
            (folder / f"child-{i}.json").write_text(json.dumps({"responses": child}))
            mapping[key] = f"child-{i}.json"
        (folder / "parent.json").write_text(json.dumps({"responses": responses, "agents": mapping}))
        return f"scripted:{folder / 'parent.json'}"

    return make
