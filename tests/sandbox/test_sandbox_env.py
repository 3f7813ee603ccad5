"""The sandbox environment is rebuilt from an allow-list."""

from gitagent.sandbox.env import sandbox_env

HOST = {
    "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TERM": "xterm-256color", "TZ": "UTC",
    "USER": "ada", "HOME": "/home/ada", "SHELL": "/bin/bash",
    "ANTHROPIC_API_KEY": "sk-ant", "OPENAI_API_KEY": "sk-oa", "GITHUB_TOKEN": "ghp", "SSH_AUTH_SOCK": "/tmp/s",
    "AWS_SECRET_ACCESS_KEY": "a", "AWS_PROFILE": "p", "GOOGLE_APPLICATION_CREDENTIALS": "/c.json",
    "AZURE_CLIENT_SECRET": "z", "GIT_DIR": "/elsewhere", "GIT_WORK_TREE": "/w", "GIT_ASKPASS": "x",
    "DB_PASSWORD": "pw", "LC_SECRET_TOKEN": "sneaky", "PYTHONPATH": "/x", "LD_PRELOAD": "/evil.so",
}  # fmt: skip


def test_only_allow_listed_names_survive() -> None:
    env = sandbox_env(HOST)
    assert env == {
        "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TERM": "xterm-256color", "TZ": "UTC",
        "USER": "ada", "SHELL": "/bin/bash", "HOME": "/tmp/home", "TMPDIR": "/tmp", "GIT_TERMINAL_PROMPT": "0",
        "GIT_PAGER": "cat", "PAGER": "cat", "GITAGENT_SANDBOX": "bwrap",
    }  # fmt: skip


def test_no_secret_value_leaks() -> None:
    values = set(sandbox_env(HOST).values())
    for leaked in ("sk-ant", "sk-oa", "ghp", "/tmp/s", "a", "z", "pw", "sneaky", "/elsewhere", "/evil.so"):
        assert leaked not in values


def test_path_defaults_when_missing() -> None:
    assert sandbox_env({})["PATH"] == "/usr/local/bin:/usr/bin:/bin"
