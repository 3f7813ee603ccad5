"""`python -m gitagent.agent.executors.install [NAME...]`: install the pinned Claude Code and Codex CLI into the
cache (what `./install.sh --dev` runs, so the tests can run them)."""

import subprocess
import sys

from gitagent.agent.executors.programs import PROGRAMS, install_pinned
from gitagent.errors import GitagentError


def main(argv: list[str]) -> int:
    """`python -m gitagent.agent.executors.install [NAME...]`: what `./install.sh --dev` runs."""
    unknown = [name for name in argv if name not in PROGRAMS]
    if unknown:
        print(f"usage: python -m gitagent.agent.executors.install [{'] ['.join(PROGRAMS)}]", file=sys.stderr)
        return 2
    try:
        for path in install_pinned(argv or list(PROGRAMS)):
            print(path)
    except (GitagentError, subprocess.CalledProcessError) as e:
        print(f"gitagent: could not install the executors: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
