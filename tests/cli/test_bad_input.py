"""Hostile input: every command, fed hostile names, revisions, prompts, scripts and file names, ends in an
answer or in a short error that names the fix; never a traceback. The command line runs in-process (the real
`main`, its real exit), which keeps hundreds of cases within seconds."""

import io
import json
import os
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pygit2
import pytest

from gitagent.cli.app import main
from tests.conftest import conversation_head, git, text, tool

LATIN1 = "caf\udce9.txt"
"""A file name in Latin-1 (the byte 0xe9), as Python holds names that are not UTF-8."""
BAD_PROMPT_BYTES = b"fix caf\xe9"


@dataclass
class Ran:
    """One in-process run of the command line: the exit status, and what it printed."""

    args: tuple[str, ...]
    code: int
    out: str
    err: str

    def problem(self) -> str | None:
        """What is wrong with how this run ended, or None: a traceback, or a failure that does not end with
        its message (`gitagent: error: ...`, or `gitagent: ...` for an interrupted turn) and at most two
        indented lines of hint (usage errors, exit 2, are the command-line parser's)."""
        if "Traceback" in self.out + self.err:
            return "traceback"
        if self.code in (0, 2):
            return None
        lines = self.err.rstrip("\n").splitlines()
        starts = [i for i, line in enumerate(lines) if line.startswith("gitagent: ") and "warning:" not in line]
        if not starts:
            return "failed without a `gitagent:` message"
        tail = lines[starts[-1] + 1 :]
        if len(tail) > 2 or any(not line.startswith("  ") for line in tail):
            return "the error is more than its message and a hint"
        if any(char in "".join(lines[starts[-1] :]) for char in "\x1b\x07\r"):
            return "the error printed a raw control character"
        return None


@pytest.fixture
def gitagent(capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    """Run `gitagent ARGS` in-process in `cwd` (stdin from `stdin`); exceptions other than its exit are kept
    as the traceback a user would have seen."""

    def call(cwd: Path, *args: str, stdin: bytes = b"") -> Ran:
        monkeypatch.chdir(cwd)
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
        capfd.readouterr()
        code, trace = 0, ""
        try:
            main(list(args))
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 1
            trace = e.code if isinstance(e.code, str) else ""
        except Exception:
            code, trace = 1, traceback.format_exc()
        out, err = capfd.readouterr()
        return Ran(args, code, out, err + trace)

    return call


def _write_script(path: Path, *responses: list[dict[str, Any]]) -> str:
    path.write_text(json.dumps({"responses": list(responses)}))
    return f"scripted:{path}"


# One test per defect, each failing before its fix.


def test_glob_and_grep_over_a_latin1_file_name(repo: Path, gitagent, script) -> None:
    (repo / LATIN1).write_bytes(b"latin\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "a latin-1 name")
    model = script([tool("Glob", pattern="*"), tool("Grep", pattern="latin")], [text("seen")])
    ran = gitagent(repo, "run", "-c", "g", "--model", model, "list the files")
    assert ran.code == 0, ran.err
    results = [e for e in json.loads(gitagent(repo, "show", "g", "--json").out)["events"] if e["type"] == "tool_result"]
    assert "caf\\xe9.txt" in results[0]["content"] and "caf\\xe9.txt" in results[1]["content"]


def test_a_prompt_that_is_not_utf8_is_refused(repo: Path, gitagent, script) -> None:
    model = script([text("x")])
    for ran in (
        gitagent(repo, "run", "--model", model, os.fsdecode(BAD_PROMPT_BYTES)),
        gitagent(repo, "run", "--model", model, "-", stdin=BAD_PROMPT_BYTES),
    ):
        assert ran.code == 1 and ran.problem() is None, ran.err
        assert "not valid UTF-8: fix caf\\xe9" in ran.err and "iconv" in ran.err
    assert git(repo, "for-each-ref", "refs/gitagent/") == ""


def test_a_script_that_is_not_utf8_or_too_deep(repo: Path, gitagent, tmp_path: Path) -> None:
    (tmp_path / "latin.json").write_bytes(b'{"responses": [[{"type": "text", "text": "caf\xe9"}]]}')
    (tmp_path / "deep.json").write_text("[" * 5000 + "]" * 5000)
    expected = {"latin.json": "is not UTF-8", "deep.json": "nested too deeply"}
    for name, words in expected.items():
        ran = gitagent(repo, "run", "--model", f"scripted:{tmp_path / name}", "hi")
        assert ran.code == 1 and ran.problem() is None and words in ran.err, ran.err


def test_long_and_control_character_names(repo: Path, gitagent, script) -> None:
    model = script([text("x")])
    long = gitagent(repo, "run", "-c", "n" * 300, "--model", model, "hi")
    assert long.code == 1 and long.problem() is None and "at most 100" in long.err, long.err
    for name in ("a\nb", "tab\there", "esc\x1b[31m"):
        ran = gitagent(repo, "run", "-c", name, "--model", model, "hi")
        assert ran.code == 1 and ran.problem() is None and "invalid conversation name" in ran.err, ran.err
    empty = gitagent(repo, "run", "-c", "", "--model", model, "hi")
    assert empty.code == 1 and "invalid conversation name ''" in empty.err
    assert git(repo, "for-each-ref", "refs/gitagent/") == ""


def test_a_missing_or_rejected_key_leaves_nothing_and_names_the_variable(
    repo: Path, gitagent, anthropic, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = gitagent(repo, "run", "-c", "k", "--model", "anthropic:claude-sonnet-5-5", "hi")
    assert missing.code == 1 and missing.problem() is None, missing.err
    assert "ANTHROPIC_API_KEY" in missing.err and "gitagent auth set anthropic" in missing.err
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-wrong-key-000000")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", anthropic.base_url)
    rejected = gitagent(repo, "run", "-c", "k", "--model", "anthropic:claude-sonnet-5-5", "hi")
    assert rejected.code == 1 and rejected.problem() is None, rejected.err
    assert "ANTHROPIC_API_KEY" in rejected.err and "--resume" not in rejected.err
    assert git(repo, "for-each-ref", "refs/gitagent/") == ""
    assert "k" not in gitagent(repo, "conversations").out


def test_rewinds_fork_hint_works_as_printed(repo: Path, gitagent, script) -> None:
    for prompt in ("one", "two"):
        gitagent(repo, "run", "-c", "c", "--model", script([text(prompt)]), prompt)
    second = conversation_head(repo, "c")
    gitagent(repo, "rewind", "c", "1")
    hint = gitagent(repo, "rewind", "c", str(second.id)[:7]).err
    command = hint.split("`")[1]
    assert command == f"gitagent fork {str(second.id)[:7]} NEW"
    forked = gitagent(repo, *command.split()[1:-1], "again")
    assert forked.code == 0 and f"forked c at turn 2 ({str(second.id)[:7]}) as again" in forked.out
    assert conversation_head(repo, "again").id == second.id


def test_show_of_another_conversations_turn_says_whose_it_is(repo: Path, gitagent, script) -> None:
    gitagent(repo, "run", "-c", "c", "--model", script([text("c")]), "in c")
    gitagent(repo, "run", "-c", "d", "--model", script([text("d")]), "in d")
    d_turn = str(conversation_head(repo, "d").id)
    for command in ("show", "diff", "apply"):
        ran = gitagent(repo, command, f"c@{d_turn}")
        assert ran.code == 1 and ran.problem() is None, ran.err
        assert "is not a turn of 'c': it is turn 1 of 'd'" in ran.err and f"d@{d_turn[:7]}" in ran.err
    assert "turn 1 of d" in gitagent(repo, "show", f"d@{d_turn}").out


def test_export_takes_a_full_branch_ref_and_refuses_head(repo: Path, gitagent, script) -> None:
    gitagent(repo, "run", "-c", "a", "--model", script([tool("Write", file_path="f", content="f")]), "f")
    for branch in ("HEAD", "refs/heads/HEAD", "refs/tags/v1", "-x", "a\nb"):
        ran = gitagent(repo, "export", "a", "--", branch)
        assert ran.code == 1 and ran.problem() is None and "invalid branch name" in ran.err, ran.err
    assert "created branch foo at" in gitagent(repo, "export", "a", "refs/heads/foo").out
    assert git(repo, "for-each-ref", "--format=%(refname)", "refs/heads/").split() == [
        "refs/heads/foo",
        "refs/heads/main",
    ]


def test_files_under_a_submodule_that_is_not_checked_out_are_listed_as_left_out(
    repo: Path, tmp_path: Path, gitagent, script
) -> None:
    library = tmp_path / "library"
    git(tmp_path, "init", "-q", "-b", "main", str(library))
    git(library, "commit", "-q", "--allow-empty", "-m", "library")
    git(repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(library), "lib")
    git(repo, "commit", "-q", "-m", "add lib")
    model = script([tool("Write", file_path="lib/patch.txt", content="p\n")])
    assert gitagent(repo, "run", "-c", "s", "--model", model, "write in lib").code == 0
    left_out = json.loads(gitagent(repo, "show", "s", "--json").out)["left_out"]
    assert [item["path"] for item in left_out] == ["lib/patch.txt"]
    assert "lib/patch.txt (inside submodule lib" in gitagent(repo, "show", "s").out


# The corpus.

NAMES = [
    "", " ", "\n", "a\nb", "tab\tname", "esc\x1b[2J", "del\x7f", "bad\udcff", "n" * 300, "p/q", "x/y/z", "p",
    "-x", "--", "..", "a..b", "@", "HEAD", "refs/heads/main", "~1", "a~1", "/abs", "a/", "./a", "a.lock",
    "c/../c", "c@{1}", "*", "?", "é-unicode", "c",
]  # fmt: skip
REVS = [
    "", "0", "99", "-1", "~99", "~-1", "zzzz", "HEAD", "main", "f" * 40, "0" * 40, "1" * 7, "@", "c", "bad\udcff",
    "n" * 300, "{BASE}", "{OTHER}", "~0", "1", "2",
]  # fmt: skip
PROMPTS = ["", "   ", "bad\udcff", "esc\x1b[2J and a bell\x07", "-", "line\nbreaks\r\n", "x" * 20_000]


def _hostile_repo(repo: Path, tmp_path: Path, gitagent, script) -> dict[str, str]:
    """The repository the corpus runs in: hostile file names committed, conversations c (two turns, one
    making hostile names), p, x/y and other, an interrupted turn in i; returns the ids REVS refer to."""
    deep = Path("d" * 100, "e" * 100, "f" * 100 + ".txt")
    for name in (LATIN1, "new\nline.txt", "ctrl\x01char.txt", "s" * 200 + ".txt", str(deep)):
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text("hostile\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "hostile names")
    making = tool(
        "Bash",
        command="printf x > \"$(printf 'made\\351.txt')\"; printf y > \"$(printf 'nl\\nmade')\"; "
        "printf z > \"$(printf 'esc\\033[2Jclear')\"",
    )
    tools = [
        tool("Glob", pattern="**/*"),
        tool("Grep", pattern="hostile", output_mode="content"),
        tool("Read", file_path=LATIN1),
        tool("Write", file_path="ctrl\x02written.txt", content="w"),
        tool("Edit", file_path="new\nline.txt", old_string="hostile", new_string="edited"),
        tool("Bash", command="ls"),
    ]
    assert gitagent(repo, "run", "-c", "c", "--model", script([making]), "make names").code == 0
    assert gitagent(repo, "run", "-c", "c", "--model", script(tools), "read names").code == 0
    for name in ("p", "x/y", "other"):
        assert gitagent(repo, "run", "-c", name, "--model", script([text(name)]), name).code == 0
    interrupted = tmp_path / "interrupt.json"  # a script that breaks mid-turn: the turn stays in flight
    interrupted.write_text(json.dumps({"responses": [[tool("Bash", command="true")]]}))
    gitagent(repo, "run", "-c", "i", "--model", f"scripted:{interrupted}", "stopped")
    interrupted.write_text("{not json")
    gitagent(repo, "run", "--resume", "-c", "i", "--model", f"scripted:{interrupted}")
    r = pygit2.Repository(str(repo))
    return {"{BASE}": str(r.head.target), "{OTHER}": str(conversation_head(repo, "other").id)}


def _scripts(tmp_path: Path) -> list[str]:
    """Model specs of hostile scripts (the last one is fine)."""
    files = {
        "latin.json": b'{"responses": [[{"type": "text", "text": "caf\xe9"}]]}',
        "deep.json": b"[" * 5000 + b"]" * 5000,
        "empty.json": b"",
        "null.json": b"null",
        "nulls.json": b'{"responses": null}',
        "bom.json": b'\xef\xbb\xbf{"responses": []}',
        "huge-number.json": b'{"responses": [[{"type": "text", "text": 1e999999}]]}',
        "tool-no-input.json": b'{"responses": [[{"type": "tool_use", "name": "Bash", "input": "ls"}]]}',
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    ok = _write_script(tmp_path / "ok.json", [tool("Read", file_path="../../etc/passwd")], [text("done")])
    missing = f"scripted:{tmp_path / 'missing.json'}"
    return [f"scripted:{tmp_path / n}" for n in files] + [missing, f"scripted:{tmp_path}", "scripted:", ok]


def _cases(ids: dict[str, str], scripts: list[str]) -> list[tuple[tuple[str, ...], bytes]]:
    model = scripts[-1]
    revs = [ids.get(rev, rev) for rev in REVS]
    cases: list[tuple[str, ...]] = []
    for name in NAMES:
        cases += [
            ("log", name), ("show", name), ("diff", name), ("apply", name), ("export", name, "b1"),
            ("export", "c", name), ("fork", name, "f1"), ("fork", "c", name), ("rewind", name, "1"),
            ("rm", name), ("compact", name, "--model", model), ("run", "--resume", "-c", name),
            ("run", "--discard", "-c", name), ("push", name), ("pull", name), ("skills", "show", name),
            ("hooks", "test", name), ("auth", "set", name), ("map", "--focus", name),
            ("run", "-c", name, "--sandbox", "none", "--model", model, "hi"), ("exec", "-c", name, "--", "true"),
            ("chat", name, "--theme", "no-such-theme"), ("mcp", "get", name), ("mcp", "test", name),
            ("mcp", "add", name, "--", "true"), ("mcp", "remove", "--", name),
        ]  # fmt: skip
    for rev in revs:
        cases += [
            ("show", f"c@{rev}"), ("diff", f"c@{rev}"), ("apply", f"c@{rev}"), ("export", f"c@{rev}", "b2"),
            ("fork", f"c@{rev}", "f2"), ("rewind", "c", rev), ("log", f"c~{rev}"), ("review", "--base", rev),
        ]  # fmt: skip
    cases += [("run", "-c", "fresh", "--sandbox", "none", "--model", model, prompt) for prompt in PROMPTS]
    cases += [("run", "-c", "scripted", "--sandbox", "none", "--model", spec, "hi") for spec in scripts]
    cases += [("conversations",), ("log", "--all"), ("prune",), ("doctor",), ("models",), ("trust", "--list")]
    cases += [("mcp", "list"), ("hooks", "list"), ("skills", "list"), ("skills", "validate"), ("exec", "--", "true")]
    cases += [("apply", "c"), ("export", "c", "hostile-names"), ("diff", "c", "--since-base"), ("map",)]
    stdin = {("run", "-c", "fresh", "--sandbox", "none", "--model", model, "-"): b"caf\xe9 \xff"}
    return [(case, stdin.get(case, b"")) for case in cases]


def test_every_command_survives_the_corpus(repo: Path, tmp_path: Path, gitagent, script) -> None:
    ids = _hostile_repo(repo, tmp_path, gitagent, script)
    failures = []
    for args, stdin in _cases(ids, _scripts(tmp_path)):
        ran = gitagent(repo, *args, stdin=stdin)
        problem = ran.problem()
        if problem:
            failures.append(f"gitagent {' '.join(map(repr, args))}: {problem}\n{ran.err[-2000:]}")
    fsck = git(repo, "fsck", "--strict", "--no-dangling", check=False)
    assert not failures, f"{len(failures)} cases went wrong:\n\n" + "\n\n".join(failures)
    assert "error" not in fsck
