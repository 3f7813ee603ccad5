"""The system-prompt section that lists the skills: names and descriptions only, within a budget.

Progressive disclosure: the model sees one line per skill here, loads a skill's instructions with the
`Skill` tool when a task matches, and reads the skill's other files only when the instructions say so.
"""

from collections.abc import Sequence

from gitagent.skills.model import Skill

PROMPT_BUDGET = 8000
"""Characters the section may take (about 2,000 tokens at ~4 characters a token)."""

MIN_DESCRIPTION = 60
"""Characters of description kept per skill before skills are left out altogether."""

NOTE_ROOM = 160
"""Characters set aside for the note when descriptions are shortened."""

NOTE_NAMES = 400
"""Characters of left-out skill names the note may spend."""


HEADER = """# Skills
Skills are instructions, sometimes with scripts, for particular kinds of task. When a task matches a
skill's description, load it with the Skill tool (input: {"skill": "<skill name>"}) before you start, and
follow it. Available skills:
"""


def skills_prompt(skills: Sequence[Skill], budget: int = PROMPT_BUDGET) -> str:
    """The skills section of the system prompt, at most `budget` characters; "" when there is no skill.

    Everything fits: one line per skill, nearest skills first. Too long: descriptions are shortened to
    an equal share (at least MIN_DESCRIPTION characters). Still too long: the last skills are left out,
    and a closing note says so and names them, so the model can still load one by name. (A budget too
    small for the header and the note is exceeded by those alone.)
    """
    entries = [(s.name, " ".join(s.description.split())) for s in skills if s.model_invocable]
    if not entries:
        return ""
    lines = [_line(name, text) for name, text in entries]
    if len(HEADER) + _size(lines) <= budget:
        return HEADER + "\n".join(lines)
    share = max(MIN_DESCRIPTION, (budget - len(HEADER) - NOTE_ROOM) // len(entries) - 1)
    texts = [_shorten(text, share - len(name) - 4) for name, text in entries]
    lines = [_line(name, text) for (name, _), text in zip(entries, texts, strict=True)]
    shortened = [short != text for (_, text), short in zip(entries, texts, strict=True)]
    best = ""
    for kept in range(len(lines) + 1):
        note = _note(sum(shortened[:kept]), [name for name, _ in entries[kept:]])
        section = HEADER + "".join(line + "\n" for line in lines[:kept]) + note
        if len(section) > budget and best:
            break
        best = section
    return best


def _line(name: str, description: str) -> str:
    return f"- {name}: {description}"


def _size(lines: list[str]) -> int:
    return sum(len(line) + 1 for line in lines)


def _shorten(text: str, limit: int) -> str:
    limit = max(limit, 20)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    words = cut.rsplit(" ", 1)[0] if " " in cut[limit // 2 :] else cut  # end on a whole word where one is near
    return words.rstrip(" ,;:") + "…"


def _note(shortened: int, left_out: list[str]) -> str:
    parts = []
    if shortened:
        parts.append(f"{shortened} description{'s' * (shortened != 1)} shortened")
    if left_out:
        names = ", ".join(left_out)
        if len(names) > NOTE_NAMES:
            names = names[:NOTE_NAMES].rsplit(", ", 1)[0] + ", …"
        parts.append(f"{len(left_out)} skill{'s' * (len(left_out) != 1)} not listed: {names}")
    what = "; ".join(parts) or "nothing left out"
    return f"(To fit this list's budget: {what}. Any skill can still be loaded with the Skill tool by name.)"
