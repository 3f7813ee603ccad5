"""Provider-neutral failures of a model call, raised by every provider so the loop and the CLI need not know SDKs.

- `AuthenticationFailed`: the key was rejected (401/403); never retried, never quotes the key.
- `ContextTooLong`: the request does not fit the model's context window; the loop compacts and retries once.
- `ProviderUnavailable`: overloaded, rate limited, 5xx, dropped streams, timeouts — after the retries ran out.
- `BadRequest`: any other refusal of the request (4xx), carrying the provider's message.
"""

import re

from gitagent.errors import GitagentError

INVALID_TOOL_INPUT = "_gitagent_invalid_json"
"""Key of a tool_use input that stands in for arguments the model sent as invalid JSON (value: what went wrong)."""

# Shapes of API keys a provider may echo back (OpenAI quotes a masked key in its 401 message).
_KEY_SHAPES = re.compile(r"\b(?:sk|pk|rk)-[A-Za-z0-9_\-*.]{6,}")


class ModelError(GitagentError):
    """Base of the provider-neutral model failures; `provider` names who failed ("anthropic", "openai")."""

    def __init__(self, message: str, hint: str | None = None, *, provider: str = "") -> None:
        super().__init__(message, hint)
        self.provider = provider


class AuthenticationFailed(ModelError):
    """The provider rejected the credentials (HTTP 401/403, or none were found)."""


class ContextTooLong(ModelError):
    """The request exceeds the model's context window."""


class ProviderUnavailable(ModelError):
    """The provider stayed unavailable (429, 529, 5xx, dropped stream, timeout) through every retry."""


class BadRequest(ModelError):
    """The provider refused the request for another reason (4xx); `message` carries what it said."""


def redact(text: str, secret: str | None = None) -> str:
    """`text` with `secret` and anything shaped like an API key replaced by `[redacted]`."""
    if secret:
        text = text.replace(secret, "[redacted]")
    return _KEY_SHAPES.sub("[redacted]", text)


def auth_hint(env_var: str, provider: str) -> str:
    """How to supply a key for `provider` (the env var and the `gitagent auth set` command)."""
    return f"Set {env_var}, or run `gitagent auth set {provider}` to store a key."
