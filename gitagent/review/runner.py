"""Running a review: find the commits, collect and chunk the diff, run the parts in parallel, gather findings.

Parts run in threads (model calls are I/O bound). Without `--max-cost` every part starts at once (up to
`--jobs` at a time). With it, the first part runs alone to learn what a part costs; later parts start
only while the money spent plus the estimate of those running and the next one stays under the limit.
A part that has started always finishes; the files of parts never started are listed as not reviewed.
"""

import secrets
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory

import pygit2

from gitagent.agent.events import Event
from gitagent.agent.modelchoice import model_choice
from gitagent.agent.record import now_iso
from gitagent.agent.sandboxing import hidden_by_config, sandbox_choice
from gitagent.models.after import AnswersAfter
from gitagent.models.base import Usage
from gitagent.review.baseconfig import materialize, reviewer_config
from gitagent.review.checkout import head_checkout
from gitagent.review.chunks import DEFAULT_CHUNK_TOKENS, Chunk, pack
from gitagent.review.ci import Target
from gitagent.review.diff import changed_files
from gitagent.review.findings import merge
from gitagent.review.git import Revisions, merge_base, resolve
from gitagent.review.parts import CostMeter, PartOutcome, PartSetup, run_part
from gitagent.review.prompt import part_prompt, system_prompt
from gitagent.review.report import Part, Review
from gitagent.sandbox import Sandbox, UnconfinedSandbox
from gitagent.skills import skills_prompt
from gitagent.store import turns
from gitagent.store.packs import ObjectBatch
from gitagent.store.refs import review_inflight_ref, review_ref
from gitagent.store.repo import git_dir, reopen
from gitagent.workspace import worktree as wt

PartEvents = Callable[[int, Event], None]


@dataclass(frozen=True)
class ReviewOptions:
    """What the user chose (None: git config or the default)."""

    model: str | None = None
    sandbox: str | None = None
    trust_repo: bool = False
    max_cost: float | None = None
    chunk_tokens: int = DEFAULT_CHUNK_TOKENS
    jobs: int = 4
    max_steps: int = 60
    base_url: str | None = None


def run_review(
    repo: pygit2.Repository,
    target: Target,
    options: ReviewOptions,
    emit: PartEvents,
    on_retry: Callable[[int, float, str], None] | None = None,
) -> Review:
    """Review `target` and record it under `refs/gitagent/reviews/<key>/<head>`."""
    root = Path(repo.path)  # git runs in the git directory: the checkout may be anywhere (`GIT_WORK_TREE`)
    base, head = resolve(root, target.base, "the base"), resolve(root, target.head, "the head")
    revisions = merge_base(root, base, head)
    repo = reopen(repo)  # a fresh handle sees the objects a deepening fetch brought
    files = changed_files(repo, revisions.merge_base, revisions.head)
    chunks = pack(files, options.chunk_tokens)
    ref = review_ref(target.key, revisions.head)
    choice = model_choice(repo, options.model, f"reviews/{target.key}", options.base_url)
    spec = choice.spec
    parts = [Part(c.number, c.paths) for c in chunks]
    review = Review(target, revisions, files, [], parts, ref, spec, run=new_run_id())
    if revisions.deepened:
        review.notices.append(f"deepened the shallow clone by {revisions.deepened} commits to find the merge base")
    if not chunks:
        review.notices.append("nothing to review: no file in this change has reviewable text")
        return review
    model = choice.load(on_retry)
    choice = sandbox_choice(repo, options.sandbox)
    with TemporaryDirectory(prefix="gitagent-review-base-") as tmp, head_checkout(repo, revisions.head) as checkout:
        worktree = checkout.worktree
        materialize(repo, revisions.base, Path(tmp))
        config = reviewer_config(repo, Path(tmp), options.trust_repo)
        review.notices += config.notices
        if choice == "none":
            review.notices.append("warning: --sandbox none: commands run UNCONFINED and the checkout is not read-only")
        extra = "\n\n".join(p for p in (config.instructions, skills_prompt(config.skills)) if p)
        conversation = _conversation_blob(repo, target, revisions, spec, len(chunks), review.run)
        setup = PartSetup(
            repo.path, revisions.head, f"reviews/{target.key}/{revisions.head}", ref,
            lambda n: review_inflight_ref(target.key, revisions.head, n),
            conversation, worktree,
            _sandbox_factory(repo, choice, [s.path for s in config.skills]), AnswersAfter(model, checkout.wait), config,
            system_prompt(worktree.path, revisions, extra), options.max_steps, review.run, len(chunks), checkout.wait,
        )  # fmt: skip
        _run_parts(review, setup, chunks, options, emit)
    return review


def _run_parts(review: Review, setup: PartSetup, chunks: list[Chunk], options: ReviewOptions, emit: PartEvents) -> None:
    files = {f.path: f for f in review.files}
    meter = CostMeter(setup.model.spec)
    if options.max_cost is not None and not meter.priced:
        review.notices.append(f"--max-cost is not enforced: {setup.model.spec} has no known price")
    budget = options.max_cost if meter.priced else None
    pending, running, done = list(chunks), {}, {}  # type: ignore[var-annotated]
    rates: list[float] = []

    def start(chunk: Chunk, pool: ThreadPoolExecutor) -> Future[PartOutcome]:
        prompt = part_prompt(review.target, review.revisions, review.files, chunks, chunk, review.run)

        def sink(event: Event) -> None:
            meter.watch(event)
            emit(chunk.number, event)

        return pool.submit(run_part, setup, chunk.number, prompt, files, sink)

    with ThreadPoolExecutor(max_workers=max(1, options.jobs)) as pool:
        while pending or running:
            while pending and len(running) < options.jobs and _affordable(budget, meter, pending[0], running, rates):
                chunk = pending.pop(0)
                running[start(chunk, pool)] = chunk
            if not running:
                break
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                chunk = running.pop(future)
                done[chunk.number] = future.result()
                cost = _part_cost(done[chunk.number])
                if cost is not None:
                    rates.append(cost / max(1, chunk.tokens))
    review.not_reviewed = [path for chunk in pending for path in chunk.paths]
    if pending:
        review.notices.append(
            f"--max-cost {options.max_cost:g} USD reached: {len(pending)} of {len(chunks)} parts not reviewed"
        )
    for chunk in chunks:
        _fill(review.parts[chunk.number - 1], done.get(chunk.number))
    review.findings = merge([done[c.number].findings for c in chunks if c.number in done])


def _affordable(
    budget: float | None, meter: CostMeter, chunk: Chunk, running: dict[Future[PartOutcome], Chunk], rates: list[float]
) -> bool:
    """Whether to start `chunk` now: always without a budget; else at the cost per prompt token seen so far."""
    if budget is None:
        return True
    if not rates:  # nothing measured yet: the first part runs alone
        return not running and meter.total < budget
    rate = max(rates)
    expected = meter.total + rate * (chunk.tokens + sum(c.tokens for c in running.values()))
    return meter.total < budget and expected <= budget


def _part_cost(outcome: PartOutcome) -> float | None:
    return outcome.outcome.cost_usd if outcome.outcome is not None else None


def _fill(part: Part, outcome: PartOutcome | None) -> None:
    if outcome is None:
        return
    if outcome.outcome is None:
        part.status, part.error = "failed", outcome.error
        return
    o = outcome.outcome
    summary = o.structured_output["summary"] if o.structured_output is not None else ""
    part.commit, part.status, part.summary = o.commit, o.status, summary.strip()
    part.error = outcome.error
    part.cost_usd, part.usage = o.cost_usd, Usage.from_json(o.usage.to_json())


def new_run_id() -> str:
    """A review run's id: when it started (UTC, sortable) and a random suffix (`20260301T121530Z-3f2a`)."""
    return f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{secrets.token_hex(2)}"


def _conversation_blob(
    repo: pygit2.Repository, target: Target, r: Revisions, model: str, parts: int, run: str
) -> pygit2.Oid:
    """The review's `conversation.json`, written to a pack at once (the parts read it through other handles)."""
    repo = reopen(repo)  # a handle of its own: everything written through a batched one is held
    batch = ObjectBatch(repo)
    info = {
        "schema": turns.SCHEMA, "name": f"reviews/{target.key}/{r.head}", "base": r.head, "created_at": now_iso(),
        "model": model,
        "review": {"provider": target.provider, "key": target.key, "number": target.number, "base": r.base,
                   "head": r.head, "merge_base": r.merge_base, "parts": parts, "run": run},
    }  # fmt: skip
    blob = turns.write_blob_json(repo, info)
    batch.flush()
    return blob


def _sandbox_factory(repo: pygit2.Repository, choice: str, readable: list[Path]) -> Callable[[wt.Worktree], Sandbox]:
    if choice == "none":
        return lambda worktree: UnconfinedSandbox()
    from gitagent.sandbox.bwrap import BwrapSandbox
    from gitagent.sandbox.check import check_bwrap

    check_bwrap()  # before any part starts: one clear error with the fix, not one per part
    common = git_dir(repo)
    secrets = hidden_by_config(repo)
    return lambda worktree: BwrapSandbox(worktree.path, common, extra_ro=readable, read_only=True, secrets=secrets)
