"""`gitagent models`, `auth` and `doctor`: choosing a model, storing keys, checking the set-up.

`doctor` takes `run`'s `--model` and `--base-url` and chooses through the same code (`model_choice`), so the
server it checks is the one a run would talk to."""

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

import pygit2
import typer

from gitagent.agent.instructions import LIMIT
from gitagent.agent.modelchoice import ModelChoice, model_choice
from gitagent.agent.permissions import Permissions, permissions_for
from gitagent.agent.prompt import system_prompt
from gitagent.agent.setup import instructions_here
from gitagent.cli import options
from gitagent.cli.common import dispatch, new_app, print_json
from gitagent.errors import GitagentError
from gitagent.models.catalog import known_models
from gitagent.models.keys import ENV_VARS, api_key, key_source, store_key
from gitagent.models.registry import endpoint
from gitagent.store.repo import open_repository, workdir
from gitagent.tools import default_tools

app = new_app()
auth_app = typer.Typer(help="Store API keys for the model providers.", no_args_is_help=True)
app.add_typer(auth_app, name="auth")


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
def doctor(model: options.Model = None, base_url: options.BaseUrl = None) -> None:
    """Check git, the sandbox, keys, the model and its server, instructions and rules, as `run` would see them."""
    repo = _repository()
    choice, problem = _choice(repo, model, base_url)
    print(f"git        {_git_version()}")
    print(f"sandbox    {_sandbox_status()}")
    for provider in ENV_VARS:
        chosen = choice is not None and choice.provider == provider
        print(f"{provider:<10} {_provider_status(provider, endpoint(provider, choice.base_url if chosen else None))}")
    print(f"model      {choice.spec if choice else problem}" + (f" at {choice.url}" if choice and choice.url else ""))
    tools = json.dumps([{"name": t.name, "description": t.description, "input_schema": t.input_schema}
                        for t in default_tools()])  # fmt: skip
    prompt = system_prompt(Path("/worktree"))
    print(f"prompt     system prompt ~{len(prompt) // 4} tokens, tool schemas ~{len(tools) // 4} tokens")
    print(f"mcp        {_mcp_status(repo)}")
    if repo is not None:
        _print_instructions(workdir(repo))
        _print_rules(permissions_for(repo, None))


def _repository() -> pygit2.Repository | None:
    try:
        return open_repository()
    except GitagentError:
        return None


def _choice(repo: pygit2.Repository | None, model: str | None, base_url: str | None) -> tuple[ModelChoice | None, str]:
    """The model and server `run` would use here (outside a repository: the flags and the environment)."""
    try:
        if repo is not None:
            return model_choice(repo, model, "", base_url), ""
        return ModelChoice(model or _model_without_repo(), base_url), ""
    except GitagentError as e:
        return None, f"none: {e.message}"


def _print_instructions(root: Path) -> None:
    found = instructions_here(root)
    total = sum(f.size for f in found.files)
    print(f"instructions {len(found.files)} file{'s' * (len(found.files) != 1)}, {total:,} bytes "
          f"(cut at {LIMIT // 1024} KiB)")  # fmt: skip
    for f in found.files:
        print(f"           {f.label}  {f.size:,} bytes" + (f"  ({f.note})" if f.note else ""))
    for notice in found.notices:
        print(f"           refused: {notice.removeprefix('instructions: ')}")


def _print_rules(permissions: Permissions) -> None:
    counts = ", ".join(f"{len(getattr(permissions, kind))} {kind}" for kind in ("deny", "ask", "allow"))
    print(f"rules      {permissions.mode} mode; {counts} rules")
    for warning in permissions.warnings:
        print(f"           warning: {warning}")


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


def _provider_status(provider: str, base: str) -> str:
    source = key_source(provider)
    if source is None:
        return f"no key: set {ENV_VARS[provider]} or run `gitagent auth set {provider}`"
    return f"key from {source}; {_reachability(provider, base)}"


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


def _mcp_status(repo: pygit2.Repository | None) -> str:
    if repo is None:
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
