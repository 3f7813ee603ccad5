"""Stress run for issue 14 ("nothing lost, ever"): random kill -9s over mixed commands, then races of prune,
pull, rewind, fork and rm against running turns, in a repository of 2,000 files where the user has work of
their own (an edited file, a staged one, an untracked one). Not part of the test suite; takes minutes.

After every trial: `git fsck --strict`; every committed turn still reachable (prune may drop abandoned tips,
as asked); every interrupted turn finished with `run --resume` (or dropped with `--discard` when resuming
is refused with a named fix), else it is stranded; the user's checkout and index byte-for-byte as they
were; then a new turn on the conversation must record exactly its own file with its worktree at its head
(a silently undone rewind or pull, or a half-made worktree recorded, counts as a corruption). Every
process's stderr is searched for a traceback.

Run: python bench/stress.py [--kills 200] [--races 50] [--files 2000] [--seed 14]
"""

import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pygit2

ENV = {
    "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_SYSTEM": os.devnull,
    "GIT_AUTHOR_NAME": "Stress User", "GIT_AUTHOR_EMAIL": "stress@example.com",
    "GIT_COMMITTER_NAME": "Stress User", "GIT_COMMITTER_EMAIL": "stress@example.com",
}  # fmt: skip
KILLED_COMMANDS = ["turn", "first-turn", "fork-turn", "rewind", "rm", "prune", "pull", "resume", "discard"]
RACERS = ["prune", "pull", "rewind", "fork", "rm"]
RACE_TURN_S = 3.0
"""How long a racing turn's command runs: longer than a command waits for a conversation's lock (2 s), so a
racer that comes while the turn runs is refused rather than served after it."""
GIT_REPORTS = ("[rejected]", "(unable to update local ref)")
"""How `git fetch` (in `gitagent pull`) reports an update it refused, as compare-and-swap: a clean failure."""


@dataclass
class Tally:
    """One row of the table."""

    trials: int = 0
    corruptions: int = 0
    lost: int = 0
    stranded: int = 0
    tracebacks: int = 0
    notes: list[str] = field(default_factory=list)

    def row(self, label: str) -> str:
        """The row as printed."""
        return f"| {label} | {self.trials} | {self.corruptions} | {self.lost} | {self.stranded} | {self.tracebacks} |"


class Stress:
    """A user's repository with a remote, and the real `gitagent` run in it."""

    def __init__(self, root: Path, files: int, rng: random.Random) -> None:
        self.root, self.rng, self.count = root, rng, 0
        self.errs: list[str] = []
        """Every gitagent process's stderr since the last trial was settled."""
        self.repo = root / "repo"
        self.env = {**os.environ, **ENV, "GITAGENT_HOME": str(root / "home")}
        self.sandbox = [] if shutil.which("bwrap") else ["--sandbox", "none"]
        self.git("init", "-q", "-b", "main", str(self.repo), cwd=root)
        for i in range(files):
            path = self.repo / f"src/d{i % 40}/f{i}.txt"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"file {i}\n")
        (self.repo / "README.md").write_text("# stress\n")
        self.git("add", ".")
        self.git("commit", "-q", "-m", "base")
        self.git("init", "-q", "--bare", str(root / "remote.git"), cwd=root)
        self.git("remote", "add", "origin", str(root / "remote.git"))
        (self.repo / "README.md").write_text("# stress\nthe user's own edit\n")
        (self.repo / "staged.txt").write_text("staged by the user\n")
        self.git("add", "staged.txt")
        (self.repo / "notes.txt").write_text("untracked\n")
        self.user = self.user_state()

    def git(self, *args: str, cwd: Path | None = None, check: bool = True) -> str:
        """Run git, returning its output."""
        proc = subprocess.run(["git", *args], cwd=cwd or self.repo, capture_output=True, text=True, env=self.env)
        if check and proc.returncode != 0:
            raise RuntimeError(f"git {' '.join(args)}: {proc.stderr}")
        return proc.stdout

    def script(self, work: str, sleep: float = 0.0) -> str:
        """A scripted model that writes a file, runs a command, writes another, then answers."""
        self.count += 1
        steps = [
            [{"type": "tool_use", "name": "Write", "input": {"file_path": f"{work}-a.txt", "content": work}}],
            [{"type": "tool_use", "name": "Bash", "input": {"command": f"sleep {sleep}; echo {work} > {work}-b.txt"}}],
            [{"type": "text", "text": f"did {work}"}],
        ]
        path = self.root / f"script-{self.count}.json"
        path.write_text(json.dumps({"responses": steps}))
        return f"scripted:{path}"

    def start(self, *args: str) -> subprocess.Popen[str]:
        """Start `gitagent ARGS` in the repository."""
        full = [sys.executable, "-m", "gitagent", *args]
        if args[0] == "run":
            full += self.sandbox
        return subprocess.Popen(
            full, cwd=self.repo, env=self.env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )

    def run(self, *args: str) -> tuple[int, str]:
        """Run `gitagent ARGS` to the end; its exit status and stderr."""
        return self.finish(self.start(*args))

    def finish(self, proc: subprocess.Popen[str]) -> tuple[int, str]:
        """Wait for a started `gitagent` (or collect one that was killed); its exit status and stderr."""
        _, err = proc.communicate(timeout=300)
        self.errs.append(err)
        return proc.returncode, err

    def user_state(self) -> tuple[str, ...]:
        """The user's checkout and index as git reports them."""
        return tuple(
            self.git(*a)
            for a in (("status", "--porcelain=v1", "-uall"), ("ls-files", "--stage"), ("diff", "--cached"), ("diff",))
        )

    def refs(self, kind: str) -> dict[str, str]:
        """`refs/gitagent/<kind>/*` by name."""
        out = self.git("for-each-ref", "--format=%(refname) %(objectname)", f"refs/gitagent/{kind}/")
        prefix = f"refs/gitagent/{kind}/"
        return {line.split()[0][len(prefix) :]: line.split()[1] for line in out.splitlines()}

    def turns(self, *kinds: str) -> set[str]:
        """Committed turns reachable from the given ref kinds."""
        globs = [f"--glob=refs/gitagent/{kind}" for kind in kinds]
        out = self.git("log", "--format=%H %(trailers:key=Gitagent-Turn,valueonly,separator=)", *globs)
        return {line.split()[0] for line in out.splitlines() if len(line.split()) == 2}

    def turn(self, name: str, sleep: float = 0.0) -> tuple[int, str, str]:
        """One whole turn of `name`: its exit status, stderr, and the stem of the files it writes."""
        work = f"w{self.count + 1}"
        code, err = self.run("run", "-c", name, "--model", self.script(work, sleep), "work")
        return code, err, work

    def turn_count(self, name: str) -> int:
        """How many turns conversation `name` has (0 if it does not exist)."""
        found = self.git("rev-list", "--count", f"refs/gitagent/conversations/{name}", "--", check=False).strip()
        return int(found) if found.isdigit() else 0

    def changed(self, name: str) -> list[str]:
        """The files the head turn of `name` changed."""
        ref = f"refs/gitagent/conversations/{name}"
        parents = self.git("log", "-1", "--format=%P", ref).split()
        before = (
            f"{parents[0]}:workspace" if parents else json.loads(self.git("show", f"{ref}:conversation.json"))["base"]
        )
        return self.git("diff", "--name-only", before, f"{ref}:workspace").split()

    def work_missing(self, turn_id: str) -> list[str]:
        """The files a committed turn (found by id, wherever it landed) wrote but its snapshot lacks."""
        repo = pygit2.Repository(str(self.repo))
        for ref in repo.references:
            head = repo.references[ref].peel(pygit2.Commit)
            if not ref.startswith("refs/gitagent/conversations/") or "turn.json" not in head.tree:
                continue
            turn = json.loads(head.tree["turn.json"].data)
            if turn.get("turn_id") == turn_id:
                return [path for path, content in written(turn) if _blob(head, f"workspace/{path}") != content]
        return ["(the turn is on no conversation)"]

    def at_head(self, name: str) -> bool:
        """Whether the worktree of `name` holds exactly its head's snapshot."""
        path = self.repo / ".git" / "gitagent" / "worktrees" / name
        recorded = self.git("rev-parse", f"refs/gitagent/conversations/{name}:workspace").strip()
        clean = not self.git("diff", "--name-only", cwd=path) and not self.git(
            "ls-files", "--others", "--exclude-standard", cwd=path
        )
        return clean and self.git("write-tree", cwd=path).strip() == recorded


def written(turn: dict[str, object]) -> list[tuple[str, str]]:
    """(path, content) of each file a turn's tools reported writing: Write calls, and this script's Bash echo."""
    events = turn["events"]
    assert isinstance(events, list)
    done = {e["tool_use_id"] for e in events if e["type"] == "tool_result" and not e["is_error"]}
    calls = [b for e in events if e["type"] == "assistant" for b in e["content"] if b.get("type") == "tool_use"]
    found = []
    for call in (c for c in calls if c["id"] in done):
        if call["name"] == "Write":
            found.append((call["input"]["file_path"], call["input"]["content"]))
        elif call["name"] == "Bash" and (echo := re.search(r"echo (\S+) > (\S+)$", call["input"]["command"])):
            found.append((echo[2], echo[1] + "\n"))
    return found


def _blob(commit: pygit2.Commit, path: str) -> str | None:
    try:
        return commit.tree[path].data.decode()
    except KeyError:
        return None


def settle_trial(s: Stress, tally: Tally, before: tuple[set[str], set[str]], prune: bool, probe: str | None) -> None:
    """The checks after a trial: fsck, stranded and lost turns, the user's files, the next turn, tracebacks."""
    if subprocess.run(["git", "fsck", "--strict", "--no-dangling"], cwd=s.repo, capture_output=True).returncode:
        tally.corruptions += 1
        tally.notes.append("fsck failed")
    for name in list(s.refs("inflight")):
        turn_id = json.loads(s.git("show", f"refs/gitagent/inflight/{name}:turn.json"))["turn_id"]
        code, err = s.run("run", "--resume", "-c", name, "--model", s.script("resumed"))
        if code != 0 and "gitagent: error:" in err:
            s.run("run", "--discard", "-c", name)
        elif code == 0 and (missing := s.work_missing(turn_id)):
            tally.corruptions += 1
            tally.notes.append(f"resumed turn of {name} lost its work: {missing}")
    if s.refs("inflight"):
        tally.stranded += len(s.refs("inflight"))
        tally.notes.append(f"stranded: {sorted(s.refs('inflight'))}")
    before_all, before_convs = before
    tally.lost += len((before_convs | (set() if prune else before_all)) - s.turns("conversations", "abandoned"))
    if s.user_state() != s.user:
        tally.corruptions += 1
        tally.notes.append("the user's checkout or index changed")
    if probe is not None:
        code, err, work = s.turn(probe)
        recorded = s.changed(probe) if code == 0 else []
        if code != 0 or recorded != [f"{work}-a.txt", f"{work}-b.txt"] or not s.at_head(probe):
            tally.corruptions += 1
            tally.notes.append(f"next turn of {probe}: exit {code}, recorded {recorded}: {err.strip()[-300:]}")
    tally.tracebacks += sum("Traceback" in err for err in s.errs)
    s.errs.clear()


def pull_ready(s: Stress, name: str) -> None:
    """Make `pull` fast-forward `name`: the remote holds it alone (earlier trials' conversations, which moved
    on here since, would only be reported as rejected), then it steps back one turn here."""
    remote = s.root / "remote.git"
    for ref in s.git("for-each-ref", "--format=%(refname)", "refs/gitagent/", cwd=remote).split():
        s.git("update-ref", "-d", ref, cwd=remote)
    s.git("push", "-q", "origin", f"refs/gitagent/conversations/{name}:refs/gitagent/conversations/{name}")
    s.run("rewind", name, "~1")


def clean_failure(stderr: str) -> bool:
    """Whether a failed command said why, as gitagent or as git's own fetch report."""
    return "gitagent: error:" in stderr or any(report in stderr for report in GIT_REPORTS)


def pool(s: Stress) -> list[str]:
    """Conversations with two turns or more (made when there are fewer than three)."""
    names = [n for n in s.refs("conversations") if s.turn_count(n) >= 2]
    while len(names) < 3:
        name = f"c{s.count}"
        s.turn(name)
        s.turn(name)
        names = [n for n in s.refs("conversations") if s.turn_count(n) >= 2]
    return names


def killed_command(s: Stress, kind: str, name: str) -> tuple[list[str], str | None]:
    """Set up for `kind` (untimed): its command line, and the conversation to probe with a turn afterwards."""
    if kind in ("resume", "discard") and name not in s.refs("inflight"):
        cut = s.start("run", "-c", name, "--model", s.script("cut", 1.0), "to be cut")
        time.sleep(s.rng.uniform(0.5, 1.5))
        cut.send_signal(signal.SIGKILL)
        s.finish(cut)
        if name not in s.refs("inflight"):
            kind = "turn"
    s.count += 1
    work, new = f"k{s.count}", f"n{s.count}"
    commands: dict[str, tuple[list[str], str | None]] = {
        "turn": (["run", "-c", name, "--model", s.script(work, 0.3), "work"], name),
        "first-turn": (["run", "-c", new, "--model", s.script(work, 0.3), "a new conversation"], new),
        "fork-turn": (["run", "-c", new, "--model", s.script(work, 0.3), "the fork's first turn"], new),
        "rewind": (["rewind", name, "~1", "--force"], name),
        "rm": (["rm", name, "--force"], None),
        "pull": (["pull"], name),
        "resume": (["run", "--resume", "-c", name, "--model", s.script(work, 0.3)], name),
        "discard": (["run", "--discard", "-c", name], name),
        "prune": (["prune"], name),
    }
    if kind == "fork-turn":
        s.run("fork", name, new)
    if kind == "pull":
        pull_ready(s, name)
    return commands[kind]


def random_kills(s: Stress, count: int) -> Tally:
    """`count` kill -9s at a random moment of a random command (one that finished first is tried again)."""
    tally, durations = Tally(), {kind: 1.5 for kind in KILLED_COMMANDS}
    while tally.trials < count:
        kind = s.rng.choice(KILLED_COMMANDS)
        command, probe = killed_command(s, kind, s.rng.choice(pool(s)))
        before = s.turns("conversations", "abandoned"), s.turns("conversations")
        started = time.monotonic()
        proc = s.start(*command)
        delay = s.rng.uniform(0, durations[kind])
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
        code, _ = s.finish(proc)
        if code != -signal.SIGKILL:
            durations[kind] = max(0.2, time.monotonic() - started)
        probe = probe if probe in s.refs("conversations") else None
        settle_trial(s, tally, before, prune=command[0] == "prune", probe=probe)  # a kill or not, all checked
        if code == -signal.SIGKILL:
            tally.trials += 1
            print(f"kill {tally.trials:3}/{count}: {' '.join(command[:3])[:40]:40} after {delay:.2f} s", flush=True)
    return tally


def races(s: Stress, count: int) -> Tally:
    """`count` races of prune, pull, rewind, fork or rm against a running turn of the same conversation."""
    tally = Tally()
    for i in range(count):
        name, racer = f"r{i}", RACERS[i % len(RACERS)]
        s.turn(name)
        s.turn(name)
        if racer == "pull":
            pull_ready(s, name)
        before = s.turns("conversations", "abandoned"), s.turns("conversations")
        turn = s.start("run", "-c", name, "--model", s.script(f"race{i}", RACE_TURN_S), "racing")
        time.sleep(s.rng.uniform(0, RACE_TURN_S + 1.0))
        command = {"prune": ["prune"], "pull": ["pull"], "rewind": ["rewind", name, "1"],
                   "fork": ["fork", name, f"{name}-fork"], "rm": ["rm", name]}[racer]  # fmt: skip
        code, err = s.run(*command)
        turn_code, turn_err = s.finish(turn)
        for what, status, text in (("turn", turn_code, turn_err), (racer, code, err)):
            if status != 0 and not clean_failure(text):
                tally.corruptions += 1
                tally.notes.append(f"race {i}: {what} failed without a clean error: {text.strip()[-300:]}")
        probe = name if name in s.refs("conversations") else None
        settle_trial(s, tally, before, prune=racer == "prune", probe=probe)
        tally.trials += 1
        refused = next((line for line in (turn_err + err).splitlines() if line.startswith("gitagent: error:")), "")
        print(f"race {i + 1:3}/{count}: {racer:6} → turn exit {turn_code}, {racer} exit {code} {refused}", flush=True)
    return tally


def main() -> None:
    """Run both parts and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--races", type=int, default=50)
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gitagent-stress-") as tmp:
        s = Stress(Path(tmp), args.files, random.Random(args.seed))
        started = time.monotonic()
        kills = random_kills(s, args.kills)
        raced = races(s, args.races)
        minutes = (time.monotonic() - started) / 60
        # Printed before the temporary repository goes: removing its hundred worktrees takes minutes on a busy disk.
        print(f"\nstress: {args.files:,}-file repository, seed {args.seed}, {minutes:.1f} min", flush=True)
        print("| run | trials | corruptions | lost turns | stranded turns | tracebacks |")
        print("| --- | --- | --- | --- | --- | --- |")
        killed = "turn, first turn, fork's first turn, rewind, rm, prune, pull, resume, discard"
        print(kills.row(f"random kill -9 ({killed})"))
        print(raced.row("races against a running turn (prune, pull, rewind, fork, rm)"))
        for note in kills.notes + raced.notes:
            print(f"  - {note}", flush=True)


if __name__ == "__main__":
    main()
