"""What the reviewing model reads: its system prompt and, for each part of the change, the task."""

from pathlib import Path

from gitagent.review.chunks import Chunk
from gitagent.review.ci import Target
from gitagent.review.diff import FileChange
from gitagent.review.git import Revisions

SYSTEM = """You are gitagent, reviewing a code change before it is merged.
Your working directory {root} is a READ-ONLY checkout of the change's head commit {head}.
You may read and search every file, and run read-only commands with Bash (tests, linters, `git log`,
`git diff {merge_base} HEAD`); nothing you run can change files there, and /tmp is scratch space.
Do not try to edit, commit or push. Load the code-review skill with the Skill tool and follow it.
When done, answer with the StructuredOutput tool: a short summary of this part (what it changes, your
assessment, what you could not check) and your findings, each on new-side lines inside the changed hunks.
Report nothing you cannot support from the code; an empty list of findings is a fine outcome."""


def system_prompt(root: Path, revisions: Revisions, extra: str) -> str:
    """The reviewer's system prompt, followed by the base commit's instructions and the skills listing."""
    text = SYSTEM.format(root=root, head=revisions.head, merge_base=revisions.merge_base)
    return f"{text}\n\n{extra}" if extra else text


def part_prompt(
    target: Target, revisions: Revisions, files: list[FileChange], chunks: list[Chunk], part: Chunk, run: str
) -> str:
    """The user message of one part of run `run`: the change at a glance, this part's hunks, and its patches.

    Its first line, the turn's subject, names the run, so re-runs on one head are told apart in `git log`."""
    where = {path: chunk.number for chunk in chunks for path in chunk.paths}
    subject = f"pull request #{target.number}" if target.provider == "github" and target.number else target.key
    if target.provider == "gitlab" and target.number:
        subject = f"merge request !{target.number}"
    lines = [
        f"Review run {run}, part {part.number} of {len(chunks)} of {subject}: merge base {revisions.merge_base[:12]} "
        f"-> head {revisions.head[:12]}.",
        "",
        f"All files changed ({len(files)}):",
    ]
    for f in files:
        size = f"+{f.additions} -{f.deletions}"
        if f.skipped is not None:
            note = f"not reviewed: {f.skipped}"
        elif where.get(f.path) == part.number:
            note = "THIS PART"
        else:
            note = f"part {where.get(f.path, '?')}"
        renamed = f" (from {f.old_path})" if f.old_path != f.path else ""
        lines.append(f"  {f.status:<9} {f.path}{renamed} ({size}) [{note}]")
    lines += ["", "This part's files and the new-side line ranges of their hunks (where findings can be posted):"]
    for f in part.files:
        ranges = ", ".join(f"{a}-{b}" for a, b in f.changed_ranges) or "(no new-side lines)"
        lines.append(f"  {f.path}: {ranges}")
    lines += ["", "Patches (merge base -> head):", "", "```diff", *[p.rstrip("\n") for p in part.patches], "```", ""]
    lines.append(
        "Read the surrounding code and whatever else you need. Then finish with StructuredOutput: your summary "
        "of this part and the findings in this part's files."
    )
    return "\n".join(lines)
