"""Turning a model spec (`provider:name`) into a Model."""

import os
from collections.abc import Callable
from pathlib import Path

from gitagent.errors import GitagentError
from gitagent.models.base import Model
from gitagent.models.keys import ENV_VARS, api_key

PROVIDERS = ("anthropic", "openai", "scripted")
DEFAULT_URLS = {"anthropic": "https://api.anthropic.com", "openai": "https://api.openai.com/v1"}
BASE_URL_VARS = {"anthropic": "ANTHROPIC_BASE_URL", "openai": "OPENAI_BASE_URL"}
RetryReporter = Callable[[int, float, str], None]


def endpoint(provider: str, base_url: str | None = None) -> str:
    """The server a provider's SDK talks to: `base_url`, else its variable (`ANTHROPIC_BASE_URL`…), else its own."""
    return (base_url or os.environ.get(BASE_URL_VARS[provider]) or DEFAULT_URLS[provider]).rstrip("/")


def load_model(
    spec: str, *, cwd: Path | None = None, base_url: str | None = None, on_retry: RetryReporter | None = None
) -> Model:
    """Build the model named by `spec`, e.g. `anthropic:claude-sonnet-5-5` or `scripted:demo.json`.

    `base_url` points a provider at another server (any OpenAI-compatible one for `openai:`); without it
    the SDKs' own variables (`ANTHROPIC_BASE_URL`, `OPENAI_BASE_URL`) apply.
    """
    provider, sep, name = spec.partition(":")
    if not sep or not name:
        raise GitagentError(
            f"invalid model {spec!r}: expected PROVIDER:NAME", f"known providers: {', '.join(PROVIDERS)}"
        )
    if provider == "scripted":
        from gitagent.models.scripted import ScriptedModel

        path = Path(name).expanduser()
        if cwd is not None and not path.is_absolute():
            path = cwd / path
        model = ScriptedModel.from_file(path)
        model.spec = spec
        return model
    if provider == "anthropic":
        from gitagent.models.anthropic import AnthropicModel

        return AnthropicModel(name, api_key=_key_unless_in_env(provider), base_url=base_url, on_retry=on_retry)
    if provider == "openai":
        from gitagent.models.openai import OpenAIChatModel
        from gitagent.models.openai_responses import OpenAIResponsesModel

        # OpenAI's own endpoint gets the Responses API; every compatible server speaks Chat Completions.
        url = base_url or os.environ.get("OPENAI_BASE_URL")
        cls = OpenAIResponsesModel if not url or "api.openai.com" in url else OpenAIChatModel
        return cls(name, api_key=_key_unless_in_env(provider), base_url=base_url, on_retry=on_retry)
    raise GitagentError(f"unknown model provider {provider!r}", f"known providers: {', '.join(PROVIDERS)}")


def check_spec(spec: str, *, cwd: Path | None = None) -> None:
    """Raise what `load_model` would for a malformed spec, an unknown provider or a script that cannot be read,
    without importing a provider's SDK (which takes a second or two)."""
    provider, sep, name = spec.partition(":")
    if provider == "scripted" or not sep or not name or provider not in PROVIDERS:
        load_model(spec, cwd=cwd)


def _key_unless_in_env(provider: str) -> str | None:
    """The stored key; None when the environment has one, so the SDK reads its own variable as usual."""
    return None if os.environ.get(ENV_VARS[provider]) else api_key(provider)
