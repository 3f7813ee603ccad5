"""API keys: from the provider's environment variable, else from `gitagent auth set` (a 0600 file).

A key is only ever handed to its provider's SDK: it is never written to git, logs, hook input or the
sandbox's environment, and never printed (`gitagent doctor` says where a key comes from, not what it is).
"""

import json
import os
from pathlib import Path

from gitagent.errors import GitagentError
from gitagent.models.errors import auth_hint
from gitagent.userdir import user_config_dir

ENV_VARS = {"anthropic": "ANTHROPIC_API_KEY", "openai": "OPENAI_API_KEY"}
OTHER_SIGN_INS = {"anthropic": ("ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_PROFILE", "ANTHROPIC_FEDERATION_RULE_ID")}
"""Variables by which an SDK signs in without an API key."""
CREDENTIALS = "credentials.json"


def credentials_path() -> Path:
    """Where `gitagent auth set` keeps keys."""
    return user_config_dir() / CREDENTIALS


def api_key(provider: str) -> str | None:
    """The key for `provider`: its environment variable, else the stored one, else None."""
    return os.environ.get(ENV_VARS[provider]) or _stored().get(provider)


def has_credentials(provider: str) -> bool:
    """Whether `provider`'s SDK has something to sign in with: a key, or another sign-in it reads itself."""
    return bool(api_key(provider)) or any(os.environ.get(name) for name in OTHER_SIGN_INS.get(provider, ()))


def require_sign_in(spec: str) -> None:
    """Raise, with the fix, when the provider of model `spec` has nothing to sign in with."""
    provider = spec.partition(":")[0]
    if provider in ENV_VARS and not has_credentials(provider):
        raise GitagentError(f"no {provider} API key found for {spec}", auth_hint(ENV_VARS[provider], provider))


def key_source(provider: str) -> str | None:
    """Where the key for `provider` comes from ('environment (VAR)' or the credentials file), or None."""
    if os.environ.get(ENV_VARS[provider]):
        return f"environment ({ENV_VARS[provider]})"
    if _stored().get(provider):
        return str(credentials_path())
    return None


def store_key(provider: str, key: str) -> Path:
    """Save `key` for `provider` in a file only the user can read; returns its path."""
    if provider not in ENV_VARS:
        raise GitagentError(f"unknown provider {provider!r}", f"known providers: {', '.join(ENV_VARS)}")
    if not key.strip():
        raise GitagentError("the key is empty")
    path = credentials_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    keys = {**_stored(), provider: key.strip()}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(keys, f)
    os.chmod(path, 0o600)  # an older file may have had wider permissions
    return path


def _stored() -> dict[str, str]:
    try:
        return json.loads(credentials_path().read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}
