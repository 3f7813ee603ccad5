"""Aider's repo map of a repository, for bench/map_quality.py to set beside gitagent's (issue 21).

Run with the Python of a separate environment where `aider-chat` is installed (it is not a dependency of
gitagent): `python bench/aider_map.py ROOT TOKENS OUT FOCUS...` writes JSON {focus or "": map text} to OUT. Aider's
token counts come from its model's tokenizer; here every model counts four characters a token, as
gitagent's map does, so that both maps get the same budget (and no tokenizer is downloaded). Aider makes
an unfocused map 8x larger (`map_mul_no_files`); that is set to 1 for the same reason.
"""

import json
import subprocess
import sys
from pathlib import Path

from aider.io import InputOutput
from aider.repomap import RepoMap


class FourCharsAToken:
    """The part of an aider Model that RepoMap uses."""

    def token_count(self, text: str) -> int:
        return len(text) // 4 + 1


def main() -> None:
    root = Path(sys.argv[1]).resolve()
    tokens = int(sys.argv[2])
    out = Path(sys.argv[3])
    focuses = sys.argv[4:]
    listed = subprocess.run(["git", "ls-files"], cwd=root, capture_output=True, text=True, check=True).stdout
    every = [str(root / path) for path in listed.splitlines()]
    io = InputOutput(yes=True, pretty=False)
    maps = {}
    for focus in focuses:
        repo_map = RepoMap(tokens, str(root), FourCharsAToken(), io, map_mul_no_files=1, refresh="always")
        chat = [str(root / focus)] if focus else []
        others = [path for path in every if path not in chat]
        maps[focus] = repo_map.get_repo_map(chat, others) or ""
    out.write_text(json.dumps(maps))


if __name__ == "__main__":
    main()
