"""Reading conversations through git's own plumbing, for the read commands (`log`, `show`, `conversations`,
`diff`) and the MCP server: no pygit2 here, whose import alone costs more than these commands' whole work.

Every call pins what a user's git config could change in the output read (colours, signatures, replace refs,
path quoting, the log encoding) and every listing is NUL-separated, so a hostile message or path cannot
shift a field. The repository is the one `store.locate` finds (the environment's `GIT_DIR` and friends, as git
itself reads them), named explicitly to every git run here. Unlike `workspace.git.run_git` (which changes
worktrees), this needs no parent-death signal: it only reads.
"""

import os
import subprocess
from typing import IO

from gitagent.errors import GitagentError
from gitagent.store.locate import Location, git_options, locate, without_location

GIT = [
    "git",
    "--no-pager",
    "--no-replace-objects",
    "-c",
    "core.quotepath=off",
    "-c",
    "color.ui=never",
    "-c",
    "log.showSignature=false",
    "-c",
    "i18n.logOutputEncoding=UTF-8",
]
_COMMITS = "%H%x00%P%x00%ct%x00%B"
_REFS = "%(refname)%00%(objectname)%00%(parent)%00%(committerdate:unix)%00%(contents)%00"


class Person:
    """An author: name, email and Unix time."""

    __slots__ = ("email", "name", "time")

    def __init__(self, name: str, email: str, time: int) -> None:
        self.name, self.email, self.time = name, email, time


class Commit:
    """A commit as git prints it: the fields the read commands use (`turnmeta`'s rules read id, parent_ids and
    message, like a pygit2 commit's)."""

    __slots__ = ("author", "commit_time", "id", "message", "parent_ids")

    def __init__(
        self, oid: str, parent_ids: list[str], commit_time: int, message: str, author: Person | None = None
    ) -> None:
        self.id, self.parent_ids, self.commit_time, self.message = oid, parent_ids, commit_time, message
        self.author = author


class GitReader:
    """The repository a command acts on (`store.locate`: the environment's, or the one containing a path, or a
    Location already found), read with `git`; `close` when done."""

    def __init__(self, where: "str | os.PathLike[str] | Location | None" = None) -> None:
        found = where if isinstance(where, Location) else locate(where)
        self.location = found
        self.git_dir = found.git_dir
        self.cwd = found.work_tree or found.git_dir
        self.options = git_options(found)
        """`--git-dir` (and `--work-tree`) naming this repository to git."""
        self.argv = [*GIT, *self.options]
        self.env = without_location(os.environ)
        """The environment for git here: the user's, less what would point git at another repository."""
        self._batch: subprocess.Popen[bytes] | None = None

    def run(self, args: list[str], check: bool = True) -> bytes:
        """Run `git ARGS` (with the pinned settings) and return its output; a failure is a GitagentError."""
        done = subprocess.run([*self.argv, *args], cwd=self.cwd, env=self.env, capture_output=True)
        if check and done.returncode != 0:
            message = done.stderr.decode(errors="replace").strip() or f"exit status {done.returncode}"
            raise GitagentError(f"git {args[0]} failed: {message}")
        return done.stdout

    def refs(self, *prefixes: str) -> list[tuple[str, Commit]]:
        """Each ref under `prefixes` (e.g. `refs/gitagent/conversations/`) with the commit it points at (id,
        parents, commit time, message; no author)."""
        fields = _text(self.run(["for-each-ref", f"--format={_REFS}", *prefixes])).split("\0")
        found = []
        for i in range(0, len(fields) - 1, 5):
            refname, oid, parents, time, message = fields[i : i + 5]
            found.append((refname.lstrip("\n"), Commit(oid, parents.split(), int(time or 0), message)))
        return found

    def log(self, head: str, limit: int | None = None) -> list[Commit]:
        """`head` and its first-parent ancestors, newest first (at most `limit`; no authors)."""
        count = [f"--max-count={limit}"] if limit else []
        args = ["log", "-z", "--first-parent", "--no-notes"]
        args.append(f"--format={_COMMITS}")
        fields = _text(self.run([*args, *count, head, "--"])).split("\0")
        return [
            Commit(fields[i], fields[i + 1].split(), int(fields[i + 2]), fields[i + 3])
            for i in range(0, len(fields) - 3, 4)
        ]

    def commit(self, rev: str) -> Commit | None:
        """The commit `rev` names (an id, a prefix, a ref); None when it is missing, ambiguous or not a commit."""
        found = self.object(rev)
        if found is None or found[0] != "commit":
            return None
        oid = found[2]
        return _parse_commit(oid, found[1])

    def blob(self, rev: str) -> bytes | None:
        """The content of the blob `rev` names (e.g. `<commit>:turn.json`), or None."""
        found = self.object(rev)
        return found[1] if found is not None and found[0] == "blob" else None

    def tree_names(self, rev: str) -> list[str]:
        """The entry names of the tree `rev` names (e.g. `<commit>^{tree}`)."""
        found = self.object(rev)
        if found is None or found[0] != "tree":
            return []
        data, width, names, at = found[1], len(found[2]) // 2, [], 0
        while at < len(data):
            end = data.index(b"\0", at)
            names.append(_text(data[data.index(b" ", at) + 1 : end]))
            at = end + 1 + width
        return names

    def object(self, rev: str) -> tuple[str, bytes, str] | None:
        """An object's type, content and id, by any name `git cat-file` reads; None when there is none."""
        if "\n" in rev:
            return None
        batch = self._cat_file()
        stdin, stdout = _pipes(batch)
        stdin.write(rev.encode("utf-8", "surrogateescape") + b"\n")
        stdin.flush()
        header = stdout.readline().split()
        if len(header) != 3 or not header[2].isdigit():  # `<rev> missing`, `<rev> ambiguous`
            return None
        content = stdout.read(int(header[2]) + 1)[:-1]
        return header[1].decode(), content, header[0].decode()

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        """Whether commit `ancestor` is `descendant` or one of its ancestors."""
        argv = [*self.argv, "merge-base", "--is-ancestor", ancestor, descendant]
        done = subprocess.run(argv, cwd=self.cwd, env=self.env)
        return done.returncode == 0

    def close(self) -> None:
        """End the `git cat-file` process, if one was started."""
        if self._batch is not None:
            stdin, _ = _pipes(self._batch)
            stdin.close()
            self._batch.wait()
            self._batch = None

    def _cat_file(self) -> subprocess.Popen[bytes]:
        if self._batch is None:
            argv = [*self.argv, "cat-file", "--batch"]
            pipe = subprocess.PIPE
            self._batch = subprocess.Popen(argv, cwd=self.cwd, env=self.env, stdin=pipe, stdout=pipe)
        return self._batch


def _pipes(process: subprocess.Popen[bytes]) -> tuple[IO[bytes], IO[bytes]]:
    assert process.stdin is not None and process.stdout is not None
    return process.stdin, process.stdout


def _text(data: bytes) -> str:
    """Git's bytes as text, the way pygit2 reads a message: UTF-8, anything else replaced."""
    return data.decode("utf-8", "replace")


def _parse_commit(oid: str, raw: bytes) -> Commit:
    """A raw commit object (`tree`, `parent`…, `author`, `committer` headers, a blank line, the message)."""
    header, _, message = raw.partition(b"\n\n")
    parents, author, commit_time = [], None, 0
    for line in header.split(b"\n"):
        key, _, value = line.partition(b" ")
        if key == b"parent":
            parents.append(value.decode())
        elif key == b"author":
            author = _person(value)
        elif key == b"committer":
            commit_time = _person(value).time
    return Commit(oid, parents, commit_time, _text(message), author)


def _person(value: bytes) -> Person:
    """`Name <email> 1700000000 +0100` as a Person."""
    who, _, when = value.rpartition(b"> ")
    name, _, email = who.partition(b" <")
    return Person(_text(name), _text(email), int(when.split()[0] or 0))
