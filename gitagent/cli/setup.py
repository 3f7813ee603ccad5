"""`gitagent models`, `auth` and `doctor`: choosing a model, storing keys, checking the set-up."""

import getpass
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Annotated

import typer

from gitagent.agent.modelchoice import choose_model
from gitagent.agent.prompt import system_prompt
from gitagent.cli.common import dispatch, new_app, print_json
from gitagent.errors import GitagentError
from gitagent.models.catalog import known_models
from gitagent.models.keys import ENV_VARS, api_key, key_source, store_key
from gitagent.store.repo import open_repository
from gitagent.tools import default_tools

app = new_app()
auth_app = typer.Typer(help="Store API keys for the model providers.", no_args_is_help=True)
app.add_typer(auth_app, name="auth")
DEFAULT_URLS = {"anthropic": "https://api.anthropic.com", "openai": "https://api.openai.com/v1"}
BASE_URL_VARS = {"anthropic": "ANTHROPIC_BASE_URL", "openai": "OPENAI_BASE_URL"}


@app.command()
def models(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List known models with their context window and prices."""
    rows = known_models()
    if as_json:
        print_json([row.__dict__ for row in rows])
        return
    print(f"{'MODEL':<30} {'CONTEXT':>9}  USD per million tokens: input / output / cache read / cache write")
    for m in rows:
        print(f"{m.spec:<30} {m.context:>9,}  {m.input:g} / {m.output:g} / {m.cache_read:g} / {m.cache_write:g}")
    print("\nAny other model works too (e.g. openai:llama3 with --base-url for a local server); it is just not priced.")


@auth_app.command("set")
def auth_set(provider: Annotated[str, typer.Argument(help="anthropic or openai.")]) -> None:
    """Store an API key (read from the terminal, or standard input) in a file only you can read."""
    key = getpass.getpass(f"{provider} API key: ") if sys.stdin.isatty() else sys.stdin.readline()
    path = store_key(provider, key)
    print(f"stored the {provider} key in {path} (mode 0600); the {ENV_VARS[provider]} variable still wins when set")


@app.command()
def doctor() -> None:
    """Check git, the sandbox, each provider's key and reachability, and the default model."""
    print(f"git        {_git_version()}")
    print(f"sandbox    {_sandbox_status()}")
    for provider in ENV_VARS:
        print(f"{provider:<10} {_provider_status(provider)}")
    print(f"model      {_model_status()}")
    tools = json.dumps([{"name": t.name, "description": t.description, "input_schema": t.input_schema}
                        for t in default_tools()])  # fmt: skip
    prompt = system_prompt(Path("/worktree"))
    print(f"prompt     system prompt ~{len(prompt) // 4} tokens, tool schemas ~{len(tools) // 4} tokens")
    print(f"mcp        {_mcp_status()}")


def _git_version() -> str:
    if shutil.which("git") is None:
        return "MISSING: install git"
    return subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.strip()


def _sandbox_status() -> str:
    from gitagent.sandbox.check import check_bwrap

    try:
        check_bwrap()
    except GitagentError as e:
        return f"PROBLEM: {e}"
    return "bwrap works (commands run confined)"


def _provider_status(provider: str) -> str:
    source = key_source(provider)
    if source is None:
        return f"no key: set {ENV_VARS[provider]} or run `gitagent auth set {provider}`"
    base = os.environ.get(BASE_URL_VARS[provider]) or DEFAULT_URLS[provider]
    return f"key from {source}; {_reachability(provider, base.rstrip('/'))}"


def _reachability(provider: str, base: str) -> str:
    key = api_key(provider) or ""
    url = f"{base}/v1/models" if provider == "anthropic" else f"{base}/models"
    headers = {"x-api-key": key, "anthropic-version": "2023-06-01"} if provider == "anthropic" else {
        "Authorization": f"Bearer {key}"}  # fmt: skip
    started = time.monotonic()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=5) as response:
            status = response.status
    except urllib.error.HTTPError as e:
        status = e.code
    except (urllib.error.URLError, TimeoutError, OSError) as e:
        return f"NOT reachable at {base}: {getattr(e, 'reason', e)}"
    elapsed = int((time.monotonic() - started) * 1000)
    if status in (401, 403):
        return f"reachable at {base}, but the key was REJECTED (HTTP {status})"
    return f"reachable at {base} (HTTP {status} in {elapsed} ms)"


def _model_status() -> str:
    try:
        repo = open_repository()
    except GitagentError:
        repo = None
    try:
        return choose_model(repo, None, "") if repo is not None else _model_without_repo()
    except GitagentError as e:
        return f"none: {e.message}"


def _mcp_status() -> str:
    try:
        repo = open_repository()
    except GitagentError:
        return "not in a repository"
    from gitagent.mcp.inspect import doctor_summary

    return doctor_summary(repo)


def _model_without_repo() -> str:
    from gitagent.models.catalog import default_model

    spec = os.environ.get("GITAGENT_MODEL")
    if spec:
        return spec
    for provider in ENV_VARS:
        if api_key(provider):
            return default_model(provider)
    raise GitagentError("no model chosen and no API key found")


def run_command(args: list[str]) -> None:
    """Entry point used by the dispatcher in `gitagent.cli.app`."""
    dispatch(app, args)
