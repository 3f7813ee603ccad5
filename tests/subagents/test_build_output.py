"""Build output a child's commands wrote (`__pycache__`, `node_modules`) stays out of the merge into its parent,
and the parent's model is told; what the parent's tree tracks merges as usual."""

import json
from pathlib import Path

import gitagent
from gitagent.subagents.buildoutput import build_output_part, summary
from tests.conftest import conversation_head, git, text, tool, worktree

CHILD_WORK = (
    "python3 -c 'import calc' && mkdir -p node_modules/left-pad && echo pad > node_modules/left-pad/index.js"
    " && echo changed >> vendor/node_modules/kept.js && touch calc.pyc"
)


def test_a_childs_build_output_is_left_out_of_the_merge_and_named(repo: Path, family) -> None:
    (repo / "vendor/node_modules").mkdir(parents=True)
    (repo / "vendor/node_modules/kept.js").write_text("kept\n")  # tracked: a child's change to it merges
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "vendor a module")
    model = family(
        [[tool("Agent", description="Add calc", prompt="Write calc.py and try it", run_in_background=True)],
         [text("Waiting.")], [tool("MergeAgent", agent_id="1")], [text("Merged.")]],
        {"calc.py": [[tool("Write", file_path="calc.py", content="ONE = 1\n")],
                     [tool("Bash", command=CHILD_WORK)], [text("calc.py works.")]]},
    )  # fmt: skip
    result = gitagent.open(repo, model=model).conversation("b").turn("Delegate calc")
    assert result.ok and result.text == "Merged."
    child = worktree(repo, "b.agents/1")
    assert (child / "node_modules/left-pad/index.js").exists() and list((child / "__pycache__").glob("calc*.pyc"))
    parent = worktree(repo, "b")
    assert (parent / "calc.py").read_text() == "ONE = 1\n"
    assert (parent / "vendor/node_modules/kept.js").read_text() == "kept\nchanged\n"
    assert not (parent / "__pycache__").exists() and not (parent / "node_modules").exists()
    assert not (parent / "calc.pyc").exists()
    events = json.loads(conversation_head(repo, "b").tree["turn.json"].data)["events"]
    notified = next(e for e in events if e["type"] == "agent_notification")
    assert "files changed: calc.py, vendor/node_modules/kept.js (and build output, which is not merged: " in str(
        notified
    )
    merged = next(e for e in events if e["type"] == "tool_result" and e["name"] == "MergeAgent")
    assert merged["content"] == (
        "Merged agent b.agents/1: calc.py, vendor/node_modules/kept.js\n"
        "Left out the build output its commands wrote (new files git would not need: __pycache__/ (1 file), "
        "calc.pyc, node_modules/ (1 file)); it stays in the agent's worktree."
    )
    git(repo, "fsck", "--strict")


def test_build_output_is_matched_by_any_part_of_the_path() -> None:
    assert build_output_part("src/__pycache__/a.cpython-311.pyc") == 1
    assert build_output_part("pkg/thing.egg-info/PKG-INFO") == 1
    assert build_output_part("web/node_modules/x/y.js") == 1
    assert build_output_part("src/pycache.py") is None and build_output_part("docs/node_modules.md") is None
    paths = ["a/__pycache__/x.pyc", "a/__pycache__/y.pyc", "b.pyc"] + [f"m{n}/node_modules/z" for n in range(6)]
    assert summary(paths) == (
        "a/__pycache__/ (2 files), b.pyc, m0/node_modules/ (1 file), m1/node_modules/ (1 file), "
        "m2/node_modules/ (1 file) and 3 more"
    )
