"""What `gitagent batch` refuses before running anything, each in one line that names the fix."""

import json
from pathlib import Path

import pytest

from tests.batch.conftest import write_tasks
from tests.conftest import run_cli


@pytest.mark.parametrize(
    ("lines", "error"),
    [
        (['{"id": "a", "prompt": "x"}', "{oops"], "bad.jsonl:2:2: invalid JSON: Expecting property name"),
        (['{"id": "a/b", "prompt": "x"}'], "bad.jsonl:1: invalid or missing id 'a/b'"),
        (['{"id": "a", "prompt": "x"}', '{"id": "a", "prompt": "y"}'], "bad.jsonl:2: task id 'a' is used twice"),
        (['{"id": "a", "prompt": " "}'], "bad.jsonl:1: task 'a' has no prompt"),
        (['{"id": "a", "prompt": "x", "modle": "m"}'], "bad.jsonl:1: unknown field 'modle'"),
        (['{"id": "a", "prompt": "x", "max_cost": -1}'], "bad.jsonl:1: max_cost must be a positive number"),
        (['{"id": "a", "prompt": "x", "executor": "codex"}'], "bad.jsonl:1: unknown executor 'codex'"),
        (['{"id": "a", "prompt": "x", "rev": "no-such-tag"}'], "task 'a': no commit 'no-such-tag' in this repository"),
        (["# only a comment", ""], "bad.jsonl has no tasks"),
    ],
)
def test_a_bad_tasks_file_is_refused_with_the_line_at_fault(
    repo: Path, tmp_path: Path, script, lines: list[str], error: str
) -> None:
    tasks = tmp_path / "bad.jsonl"
    tasks.write_text("\n".join(lines) + "\n")
    result = run_cli(repo, "batch", str(tasks), "--model", script([]))
    assert result.code == 1 and "Traceback" not in result.err
    assert result.err.startswith("gitagent: error: ") and error in result.err
    assert run_cli(repo, "conversations").out.count("batch/") == 0


def test_a_conversation_in_the_way_of_the_batch_names_is_reported(repo: Path, tmp_path: Path, script) -> None:
    model = script([{"type": "text", "text": "ok"}])
    assert run_cli(repo, "run", "-c", "batch/fleet", "hello", "--model", model).code == 0
    result = run_cli(repo, "batch", str(write_tasks(tmp_path / "fleet.jsonl", ["a"])), "--model", model)
    assert result.code == 1
    assert "a conversation named 'batch/fleet' is in the way of batch 'fleet'" in result.err
    assert "gitagent fork batch/fleet NEW && gitagent rm batch/fleet" in result.err
    other = run_cli(repo, "batch", str(write_tasks(tmp_path / "other.jsonl", ["a"])), "--model", model)
    assert other.code == 0, other.err  # another batch id is not in the way


def test_ray_missing_says_how_to_install_it(repo: Path, tmp_path: Path, script) -> None:
    shadow = tmp_path / "no-ray" / "ray"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError(\"No module named 'ray'\")\n")
    tasks = write_tasks(tmp_path / "t.jsonl", ["a"])
    result = run_cli(repo, "batch", str(tasks), "--ray", "--model", script([]), env={"PYTHONPATH": str(shadow.parent)})
    assert result.code == 1
    assert result.err == (
        "gitagent: error: --ray needs Ray, which is not installed\n"
        "  install the extra: `pip install 'gitagent[ray]'` (`./install.sh --dev` includes it)\n"
    )


def test_a_ray_address_needs_a_remote(repo: Path, tmp_path: Path, script) -> None:
    tasks = write_tasks(tmp_path / "t.jsonl", ["a"])
    result = run_cli(repo, "batch", str(tasks), "--ray", "ray://head:10001", "--model", script([]))
    assert result.code == 1 and "--ray ADDRESS needs --remote URL" in result.err


def test_batch_show_names_the_batches_there_are(repo: Path, tmp_path: Path, script) -> None:
    model = script([{"type": "text", "text": "ok"}])
    assert run_cli(repo, "batch", str(write_tasks(tmp_path / "one.jsonl", ["a"])), "--model", model).code == 0
    result = run_cli(repo, "batch", "show", "two")
    assert result.code == 1 and result.err == "gitagent: error: no batch named 'two'\n  batches here: one\n"
    shown = json.loads(run_cli(repo, "batch", "show", "one", "--json").out)
    assert shown["batch"] == "one" and shown["tasks"][0]["status"] == "complete"
