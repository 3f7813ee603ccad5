"""`apply` is all or nothing: everything is checked before anything is written, whatever the names."""

from pathlib import Path

from tests.conftest import git, tool

MAKE = [
    tool("Write", file_path="newdir/inner.txt", content="inner\n"),
    tool("Write", file_path="tools", content="a file named tools\n"),
    tool("Edit", file_path="README.md", old_string="# demo", new_string="# demo, applied"),
    tool("Bash", command="rm .gitignore"),
]


def test_a_file_or_directory_in_the_way_stops_apply_before_it_writes(repo: Path, cli, script) -> None:
    cli("run", "-c", "a", "--model", script(MAKE), "make things")
    (repo / "newdir").write_text("a file where the conversation made a directory\n")
    before = git(repo, "status", "--porcelain")
    result = cli("apply", "a", expect=1)
    assert "nothing was changed" in result.err and "newdir" in result.err and "Traceback" not in result.err
    assert git(repo, "status", "--porcelain") == before
    assert (repo / "README.md").read_text() == "# demo\n" and (repo / ".gitignore").exists()

    (repo / "newdir").unlink()
    (repo / "tools").mkdir()
    (repo / "tools" / "mine.txt").write_text("mine\n")
    result = cli("apply", "a", expect=1)
    assert "nothing was changed" in result.err and "tools" in result.err
    assert not (repo / "newdir").exists() and (repo / "README.md").read_text() == "# demo\n"

    (repo / "tools" / "mine.txt").unlink()
    (repo / "tools").rmdir()
    assert "applied 4 files" in cli("apply", "a").out
    assert (repo / "newdir" / "inner.txt").read_text() == "inner\n" and (repo / "tools").is_file()


def test_a_file_replaced_by_a_directory_of_the_same_name_applies(repo: Path, cli, script) -> None:
    steps = [tool("Bash", command="rm README.md && mkdir README.md && echo x > README.md/part.txt")]
    cli("run", "-c", "t", "--model", script(steps), "turn the readme into a folder")
    cli("apply", "t")
    assert (repo / "README.md" / "part.txt").read_text() == "x\n"


def test_apply_of_names_that_are_not_utf8_or_hold_terminal_escapes(repo: Path, cli, script) -> None:
    command = "printf 'latin\\n' > \"$(printf 'caf\\351.txt')\"; printf 'x' > \"$(printf 'clear\\033[2J')\""
    cli("run", "-c", "n", "--model", script([tool("Bash", command=command)]), "odd names")
    result = cli("apply", "n")
    assert "caf\\xe9.txt" in result.out and "clear\\x1b[2J" in result.out and "\x1b" not in result.out
    assert (repo / "caf\udce9.txt").read_text() == "latin\n" and (repo / "clear\x1b[2J").read_text() == "x"
