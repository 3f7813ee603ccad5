"""Block-level HTML comments of CLAUDE.md files and their imports are not shown, nor imports inside them.

The expected texts are what Claude Code 2.1.328 sent the model for these two files (read off a recorded run of
its `claude -p`; only the files' own text is compared, none of Claude Code's prompt).
"""

from pathlib import Path

import pytest

from gitagent.agent.instructions import load_instructions
from gitagent.agent.mdcomments import strip_comments

FIRST = """# Project
<!-- one: hidden -->
Keep this <!-- inline stays --> after.
<!--
three lines
@docs/in-comment.md
-->
```
<!-- in a fence -->
```
`<!-- in a span -->`
  <!-- indented, but a paragraph goes on -->
<!-- never closed
still open
"""
FIRST_SHOWN = """# Project
Keep this <!-- inline stays --> after.
```
<!-- in a fence -->
```
`<!-- in a span -->`
  <!-- indented, but a paragraph goes on -->
<!-- never closed
still open
"""
SECOND = """# Project
<!-- same line --> tail one
 <!-- one space -->
   <!-- three spaces -->
~~~
<!-- tilde fence -->
~~~
<!-- several
lines
--> tail two
<!-- a --><!-- b -->
<!-- c -->

after the blank
\t<!-- tab: code -->
<!---->
<!--nospace-->
END
"""
SECOND_SHOWN = """# Project
 tail one
~~~
<!-- tilde fence -->
~~~
 tail two
after the blank
\t<!-- tab: code -->
END
"""


@pytest.mark.parametrize(("text", "shown"), [(FIRST, FIRST_SHOWN), (SECOND, SECOND_SHOWN)])
def test_the_model_is_shown_what_claude_code_shows(text: str, shown: str) -> None:
    assert strip_comments(text) == shown


def test_a_comment_hides_its_text_and_its_imports_in_claude_files_only(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "in-comment.md").write_text("IMPORTED FROM A COMMENT\n")
    (tmp_path / "docs" / "shared.md").write_text("<!-- generated: do not edit -->\nShared rule.\n")
    (tmp_path / "CLAUDE.md").write_text(
        "@docs/shared.md\n<!-- note to maintainers: @docs/in-comment.md is stale -->\nProject rule.\n"
    )
    (tmp_path / "AGENTS.md").write_text("<!-- RULES-START -->\nAgents rule.\n")
    found = load_instructions(tmp_path, user=False)
    assert [f.label for f in found.files] == ["CLAUDE.md", "docs/shared.md", "AGENTS.md"]
    assert found.texts[:2] == ["@docs/shared.md\nProject rule.\n", "Shared rule.\n"]
    assert "maintainers" not in found.text and "IMPORTED FROM A COMMENT" not in found.text
    assert found.texts[2] == "<!-- RULES-START -->\nAgents rule.\n"  # Codex's own file, as Codex shows it
