"""Turning a batch's tasks into workers' specs: which run where, from which commit, with which model, and
which are already done (their conversation ended complete in an earlier run) and so are skipped."""

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pygit2

from gitagent.agent.modelchoice import choose_model
from gitagent.batch.summary import head_summary
from gitagent.batch.tasks import PREFIX, BatchTask, conversation_name
from gitagent.errors import GitagentError
from gitagent.store import inflight, turns
from gitagent.store.locate import without_location
from gitagent.store.refs import CONVERSATIONS, conversation_ref, read_ref
from gitagent.store.repo import config_value, repo_options, user_identity, workdir
from gitagent.workspace.git import git_failure

BASES = "refs/gitagent/bases/"
"""Where a Ray batch with --remote puts the base commits of tasks without `repo`, for workers to fetch."""


@dataclass(frozen=True)
class Settings:
    """How a batch runs: the command line's options."""

    jobs: int | None = None
    ray: str | None = None
    """None: local worker processes; "local": a local Ray instance; else a Ray address."""
    remote: str | None = None
    max_cost: float | None = None
    timeout: float | None = None
    retries: int = 2
    model: str | None = None
    base_url: str | None = None
    max_steps: int = 100
    sandbox: str | None = None
    allow_network: bool = False
    trust_repo: bool = False


@dataclass
class Planned:
    """A task to run and its worker's spec (`spec["options"]["max_cost"]` is set when it starts)."""

    task: BatchTask
    spec: dict[str, Any]


def batch_refspec(batch_id: str) -> str:
    """The refspec of a batch's conversations (for fetch and push)."""
    refs = f"{CONVERSATIONS}{PREFIX}/{batch_id}/*"
    return f"{refs}:{refs}"


def remote_url(repo: pygit2.Repository, remote: str | None) -> str | None:
    """`--remote`: a configured remote's name or any git URL or path, as a URL."""
    if remote is None:
        return None
    if remote in [r.name for r in repo.remotes]:
        return repo.remotes[remote].url
    return str(Path(remote).resolve()) if "://" not in remote and Path(remote).exists() else remote


def fetch_done(repo: pygit2.Repository, batch_id: str, remote: str) -> None:
    """Bring the batch's conversations from `remote` (an earlier run's, maybe by another driver)."""
    proc = _git(repo, "fetch", "--quiet", remote, batch_refspec(batch_id))
    if proc.returncode != 0:
        reason = git_failure(proc.stderr, proc.returncode)
        raise GitagentError(f"cannot fetch from {remote}: {reason}", "check --remote")


def push_done(repo: pygit2.Repository, batch_id: str, remote: str, refs: list[str]) -> str | None:
    """Push the batch's conversations and `refs` to `remote`; git's complaint, if any."""
    proc = _git(repo, "push", "--quiet", remote, batch_refspec(batch_id), *(f"{r}:{r}" for r in refs))
    return git_failure(proc.stderr, proc.returncode) if proc.returncode != 0 else None


def plan(
    repo: pygit2.Repository, batch_id: str, tasks: list[BatchTask], settings: Settings
) -> tuple[list[Planned], list[dict[str, Any]]]:
    """The tasks to run with their specs, and the summaries of those already complete (skipped)."""
    remote = remote_url(repo, settings.remote)
    to_run: list[Planned] = []
    done: list[dict[str, Any]] = []
    bases: set[str] = set()
    for task in tasks:
        name = conversation_name(batch_id, task.id)
        if _complete(repo, name):
            done.append(head_summary(repo, task.id, name, skipped=True))
            continue
        spec = _spec(repo, batch_id, task, settings, remote)
        if str(spec.get("fetch", "")).startswith(BASES):
            bases.add(spec["rev"])
        to_run.append(Planned(task, spec))
    if bases and remote is not None:
        _push_bases(repo, batch_id, remote, bases)
    return to_run, done


def _complete(repo: pygit2.Repository, name: str) -> bool:
    head = read_ref(repo, conversation_ref(name))
    if head is None or inflight.load(repo, name) is not None:
        return False
    return turns.read_turn(repo[head].peel(pygit2.Commit)).get("status") == "complete"


def _spec(
    repo: pygit2.Repository, batch_id: str, task: BatchTask, settings: Settings, remote: str | None
) -> dict[str, Any]:
    name = conversation_name(batch_id, task.id)
    model = _absolute(task.model or choose_model(repo, settings.model, name))
    options = {
        "model": model, "base_url": settings.base_url or config_value(repo, "gitagent.baseUrl"),
        "max_steps": settings.max_steps, "sandbox": settings.sandbox, "allow_network": settings.allow_network,
        "trust_repo": settings.trust_repo,
    }  # fmt: skip
    spec: dict[str, Any] = {
        "batch": batch_id, "name": name, "task": {**task.to_json(), "model": model}, "options": options,
        "identity": list(user_identity(repo)), "rev": task.rev, "repo_path": None, "source": task.repo,
        "push": remote or repo.path,
    }  # fmt: skip
    if task.repo is None:
        spec["rev"] = _resolve(repo, task)
        if settings.ray is None:  # the git directory too: under GIT_DIR, the work tree alone names no repository
            spec.update(repo_path=str(workdir(repo)), git_dir=repo.path.rstrip("/"))
        elif remote is not None:
            spec.update(source=remote, fetch=f"{BASES}{batch_id}/{spec['rev']}")
        else:
            spec["source"] = "file://" + repo.path
    return spec


def _resolve(repo: pygit2.Repository, task: BatchTask) -> str:
    rev = task.rev or "HEAD"
    try:
        return str(repo.revparse_single(rev).peel(pygit2.Commit).id)
    except (KeyError, ValueError, pygit2.GitError) as e:
        raise GitagentError(f"task {task.id!r}: no commit {rev!r} in this repository", "fix its rev") from e


def _absolute(model: str) -> str:
    """A scripted model's file as an absolute path, since workers run elsewhere."""
    if model.startswith("scripted:"):
        return "scripted:" + str(Path(model.removeprefix("scripted:")).resolve())
    return model


def _push_bases(repo: pygit2.Repository, batch_id: str, remote: str, bases: set[str]) -> None:
    refspecs = [f"{sha}:{BASES}{batch_id}/{sha}" for sha in sorted(bases)]
    proc = _git(repo, "push", "--quiet", remote, *refspecs)
    if proc.returncode != 0:
        raise GitagentError(f"cannot push the base commits to {remote}: {git_failure(proc.stderr, proc.returncode)}")


def _git(repo: pygit2.Repository, *args: str) -> subprocess.CompletedProcess[str]:
    """git on the user's repository, named explicitly (it may be a `GIT_DIR` found from anywhere)."""
    argv = ["git", *repo_options(repo), *args]
    return subprocess.run(argv, cwd=workdir(repo), env=without_location(os.environ), capture_output=True, text=True)
