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


def recorded_totals(conversation: Conversation | None) -> Totals:
    """What a conversation used before this session: its tokens and cost from the trailers, and the context
    its last request filled (so a reopened conversation's status bar is not empty)."""
    totals = Totals()
    if conversation is None:
        return totals
    totals.turns, totals.usage, cost = conversation_totals(conversation)
    totals.tokens, totals.cost_usd = totals.usage.total, cost or 0.0
    requests = [e for e in turns.read_turn(conversation.head)["events"] if e["type"] == "assistant"]
    if requests:
        totals.saw_request(Usage.from_json(requests[-1]["usage"]))
    return totals
