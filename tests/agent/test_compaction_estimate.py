"""The compaction trigger counts what a request sends: an earlier prompt's thinking is not sent."""

from gitagent.agent.compaction import estimate_tokens
from gitagent.models.base import without_earlier_thinking

SIGNATURE = "s" * 4000
THINKING = {"type": "thinking", "thinking": "", "signature": SIGNATURE}
CALL = {"type": "tool_use", "id": "toolu_1", "name": "Read", "input": {}}


def conversation() -> list[dict]:
    """Two prompts; the first one's answer thought and called a tool, as does the second's so far."""
    return [
        {"role": "user", "content": [{"type": "text", "text": "first"}]},
        {"role": "assistant", "content": [THINKING, CALL]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "x"}]},
        {"role": "assistant", "content": [THINKING, {"type": "text", "text": "done"}]},
        {"role": "user", "content": [{"type": "text", "text": "second"}]},
        {"role": "assistant", "content": [THINKING, {**CALL, "id": "toolu_2"}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_2", "content": "y"}]},
    ]


def test_only_the_last_prompts_cycle_keeps_its_thinking():
    kept = without_earlier_thinking(conversation())
    assert [THINKING in m["content"] for m in kept] == [False, False, False, False, False, True, False]
    assert kept[1]["content"] == [CALL] and kept[3]["content"] == [{"type": "text", "text": "done"}]


def test_the_estimate_leaves_out_an_earlier_prompts_thinking():
    messages = conversation()
    estimate = estimate_tokens("", [], messages)
    assert estimate < 2 * len(SIGNATURE) // 4  # two of the three signatures are not counted
    assert estimate >= len(SIGNATURE) // 4  # the current cycle's one is
