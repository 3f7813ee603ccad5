"""The environment a sandboxed command sees: rebuilt from an allow-list, never inherited wholesale."""

import re

SANDBOX_HOME = "/tmp/home"
"""HOME inside the sandbox: a directory in the sandbox's private /tmp, so tools can keep caches for one call."""

DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin"

_ALLOWED = frozenset(
    {
        "PATH",
        "LANG",
        "LANGUAGE",
        "TERM",
        "COLORTERM",
        "TZ",
        "USER",
        "LOGNAME",
        "SHELL",
        "NO_COLOR",
        "FORCE_COLOR",
        "CLICOLOR",
        "COLUMNS",
        "LINES",
        "EDITOR",
        "VISUAL",
    }
)
_ALLOWED_PREFIXES = ("LC_",)

# A second net under the allow-list: even an allowed name is dropped if it smells like a secret.
_SECRET = re.compile(r"KEY|TOKEN|SECRET|PASSW|CREDENTIAL|AUTH|SESSION|COOKIE|PRIVATE", re.IGNORECASE)

_FIXED = {
    "HOME": SANDBOX_HOME,
    "TMPDIR": "/tmp",
    # stdin is closed: make git and pagers fail fast instead of waiting for a human.
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_PAGER": "cat",
    "PAGER": "cat",
    "GITAGENT_SANDBOX": "bwrap",
}


def sandbox_env(host_env: dict[str, str]) -> dict[str, str]:
    """Return the environment for a sandboxed command, built from the allow-listed names of `host_env`.

    Everything else is dropped: API keys, tokens, `SSH_AUTH_SOCK`, cloud credentials (`AWS_*`, `GOOGLE_*`,
    `AZURE_*`), and `GIT_*` (so `GIT_DIR`/`GIT_WORK_TREE` cannot point git in the worktree elsewhere).
    HOME is the sandbox's own private home, not the user's.
    """
    env = {
        name: value
        for name, value in host_env.items()
        if (name in _ALLOWED or name.startswith(_ALLOWED_PREFIXES)) and not _SECRET.search(name)
    }
    env.setdefault("PATH", DEFAULT_PATH)
    env.update(_FIXED)
    return env
