"""`/cost`: the tokens and cost of this chat session and of the whole conversation (read from its turns'
`Gitagent-Tokens` and `Gitagent-Cost` trailers, so it costs one commit read a turn)."""

from gitagent.humanize import human_tokens
from gitagent.models.base import Usage
from gitagent.store import turns
from gitagent.store.conversations import Conversation, chain
from gitagent.tui.session import Totals


def conversation_totals(conversation: Conversation) -> tuple[int, Usage, float | None]:
    """Turns, tokens and cost (None when no turn has a known price) of a whole conversation."""
    usage, cost, priced, count = Usage(), 0.0, False, 0
    for commit in chain(conversation.head):
        found = turns.trailers(commit)
        usage.add(Usage.from_json(turns.parse_tokens_trailer(found.get("Gitagent-Tokens", ""))))
        if "Gitagent-Cost" in found:
            cost += float(found["Gitagent-Cost"].split()[0])
            priced = True
        count += 1
    return count, usage, cost if priced else None


def usage_line(usage: Usage) -> str:
    """`12.3k tokens (input 10.1k, output 1.2k, cache read 1.0k, cache write 0)`."""
    return (
        f"{human_tokens(usage.total)} tokens (input {human_tokens(usage.input_tokens)}, output "
        f"{human_tokens(usage.output_tokens)}, cache read {human_tokens(usage.cache_read_tokens)}, "
        f"cache write {human_tokens(usage.cache_write_tokens)})"
    )


def cost_text(totals: Totals, conversation: Conversation | None) -> str:
    """The `/cost` listing."""
    price = f" · ${totals.cost_usd:.4f}" if totals.cost_usd else ""
    lines = [f"This session: {totals.turns} turn{'s' * (totals.turns != 1)}, {usage_line(totals.usage)}{price}"]
    if conversation is None:
        lines.append("This conversation has no turns yet.")
    else:
        count, usage, cost = conversation_totals(conversation)
        whole = f" · ${cost:.4f}" if cost is not None else " · no price known for its models"
        lines.append(f"{conversation.name}: {count} turn{'s' * (count != 1)}, {usage_line(usage)}{whole}")
    return "\n".join(lines)
