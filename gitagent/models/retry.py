"""One retry policy for every provider: exponential backoff with jitter that honours the server's Retry-After.

A provider opens its stream through `retry_stream`, giving it a `classify` function that sorts each failure into
a final provider-neutral error (raised at once) or a `Transient` one (retried). The SDKs' own retries are off
(`max_retries=0`) so this is the only policy, and the only one that reports progress.
"""

import email.utils
import functools
import importlib
import random
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from gitagent.errors import GitagentError
from gitagent.models.errors import AuthenticationFailed, BadRequest, ContextTooLong, ProviderUnavailable, auth_hint

T = TypeVar("T")

OnRetry = Callable[[int, float, str], None]
"""Called before each wait: `(attempt, wait_s, reason)`, `attempt` being the number of the attempt about to start
(2 for the first retry), `reason` what went wrong ("overloaded (HTTP 529)")."""


@dataclass
class Transient:
    """A failure worth retrying: why, and how long the server asked us to wait (seconds), if it did."""

    reason: str
    retry_after: float | None = None


class StreamIncomplete(Exception):
    """The stream ended before the provider said the answer was complete (a dropped connection)."""


@dataclass
class RetryPolicy:
    """How often and how long to retry. `sleep`, `jitter` and `now` are injectable so tests never wait."""

    attempts: int = 5
    base_delay: float = 1.0
    max_delay: float = 60.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    jitter: Callable[[], float] = field(default=random.random, repr=False)
    now: Callable[[], float] = field(default=time.time, repr=False)

    def wait(self, failed_attempt: int, retry_after: float | None) -> float:
        """Seconds to wait after attempt number `failed_attempt` (1-based) failed."""
        if retry_after is not None and retry_after >= 0:
            return min(retry_after, self.max_delay)
        backoff = min(self.base_delay * 2 ** (failed_attempt - 1), self.max_delay)
        # Jitter in [50%, 100%] of the backoff so clients that failed together do not retry together.
        return backoff * (0.5 + 0.5 * self.jitter())


def retry_after_seconds(headers: Mapping[str, str] | None, now: Callable[[], float] = time.time) -> float | None:
    """The wait a response asks for: `retry-after-ms`, else `Retry-After` in seconds or as an HTTP date."""
    if not headers:
        return None
    millis = headers.get("retry-after-ms")
    if millis is not None:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    parsed = email.utils.parsedate_tz(value)
    if parsed is None:
        return None
    return max(0.0, email.utils.mktime_tz(parsed) - now())


def retry_stream(
    open_stream: Callable[[], Iterator[T]],
    classify: Callable[[Exception], Transient | GitagentError | None],
    *,
    provider: str,
    policy: RetryPolicy,
    on_retry: OnRetry | None = None,
) -> Iterator[T]:
    """Yield from `open_stream()`, starting it again after transient failures.

    `classify` returns a GitagentError to raise, a Transient to retry, or None for an exception it does not know
    (re-raised unchanged). After `policy.attempts` attempts, raises ProviderUnavailable. Items already yielded by a
    failed attempt stay yielded: a retried stream starts its answer again from the beginning.
    """
    attempt = 1
    while True:
        try:
            yield from open_stream()
            return
        except Exception as e:
            verdict = classify(e)
            if verdict is None:
                raise
            if isinstance(verdict, GitagentError):
                raise verdict from e
            if attempt >= policy.attempts:
                raise ProviderUnavailable(
                    f"{provider} is unavailable: {verdict.reason} (gave up after {attempt} attempts)",
                    "Try again later; the turn can be resumed.",
                    provider=provider,
                ) from e
            wait = policy.wait(attempt, verdict.retry_after)
            attempt += 1
            if on_retry is not None:
                on_retry(attempt, wait, verdict.reason)
            policy.sleep(wait)


_STATUS_REASONS = {408: "request timed out", 409: "conflict", 429: "rate limited", 529: "overloaded"}


def classify_status(
    status: int,
    message: str,
    *,
    provider: str,
    label: str,
    env_var: str,
    retry_after: float | None = None,
    context_too_long: bool = False,
) -> Transient | GitagentError:
    """Sort an HTTP error status into a final error or a Transient; `message` must already be redacted.

    `provider` is the `gitagent auth set` name, `label` how to name the service to the user.
    """
    if status in (401, 403):
        what = "rejected the API key" if status == 401 else "refused access with this API key"
        detail = f": {message}" if status == 403 and message else ""
        return AuthenticationFailed(
            f"{label} {what} (HTTP {status}){detail}", auth_hint(env_var, provider), provider=provider
        )
    if context_too_long or status == 413:
        return ContextTooLong(
            f"{label}: the request is too long for the model's context window: {message}", provider=provider
        )
    if status in _STATUS_REASONS or status >= 500:
        reason = _STATUS_REASONS.get(status, "server error")
        return Transient(f"{reason} (HTTP {status})", retry_after)
    return BadRequest(f"{label} refused the request (HTTP {status}): {message}", provider=provider)


@functools.cache
def _transport_errors() -> tuple[type[BaseException], ...]:
    # The SDKs moved from httpx to httpx2; accept whichever is installed.
    found = []
    for name in ("httpx2", "httpx"):
        try:
            found.append(importlib.import_module(name).TransportError)
        except (ImportError, AttributeError):
            continue
    return tuple(found)


def is_transport_error(error: BaseException) -> bool:
    """Whether `error` is the HTTP library failing mid-stream (reset, incomplete body, read timeout)."""
    return isinstance(error, _transport_errors())
