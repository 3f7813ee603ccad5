"""TodoWrite: the plan tool, its checks, and its list in the turn's record (`run`, `show`)."""

from gitagent.tools import TodoWrite, ToolContext

PLAN = [
    {"content": "Read the parser", "status": "completed", "activeForm": "Reading the parser"},
    {"content": "Fix the off-by-one", "status": "in_progress", "activeForm": "Fixing the off-by-one"},
    {"content": "Run the tests", "status": "pending", "activeForm": "Running the tests"},
]


def test_the_list_comes_back_as_a_checklist_and_in_the_metadata(ctx: ToolContext) -> None:
    result = TodoWrite().run({"todos": PLAN}, ctx)
    assert not result.is_error
    assert "3 items (1 completed)" in result.output
    assert "☒ Read the parser\n◐ Fix the off-by-one\n☐ Run the tests" in result.output
    assert result.metadata["todos"] == PLAN


def test_bad_items_are_errors_that_name_the_item(ctx: ToolContext) -> None:
    bad_status = TodoWrite().run({"todos": [{**PLAN[0], "status": "done"}]}, ctx)
    assert bad_status.is_error and "todos[0]" in bad_status.output
    assert "pending, in_progress, completed" in bad_status.output
    missing = TodoWrite().run({"todos": [PLAN[0], {"content": "x", "status": "pending"}]}, ctx)
    assert missing.is_error and "todos[1]: missing required parameter 'activeForm'" in missing.output
    empty = TodoWrite().run({"todos": [{**PLAN[0], "content": "  "}]}, ctx)
    assert empty.is_error and "'content' must not be empty" in empty.output
    not_a_list = TodoWrite().run({"todos": "read, fix"}, ctx)
    assert not_a_list.is_error and "must be an array" in not_a_list.output


def test_two_items_in_progress_are_accepted_with_a_note(ctx: ToolContext) -> None:
    result = TodoWrite().run({"todos": [{**item, "status": "in_progress"} for item in PLAN[:2]]}, ctx)
    assert not result.is_error and "2 items are in_progress" in result.output
