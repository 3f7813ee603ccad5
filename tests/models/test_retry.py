"""The retry policy: Retry-After parsing, backoff with jitter and its cap, and what is never retried."""

import email.utils

import pytest

from gitagent.models.errors import AuthenticationFailed, BadRequest, ContextTooLong, ProviderUnavailable, redact
from gitagent.models.retry import RetryPolicy, Transient, classify_status, retry_after_seconds, retry_stream

NOW = 1_800_000_000.0


def test_retry_after_forms():
    date = email.utils.formatdate(NOW + 30, usegmt=True)
    assert retry_after_seconds({"retry-after": "7"}) == 7.0
    assert retry_after_seconds({"retry-after": "1.5"}) == 1.5
    assert retry_after_seconds({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    assert retry_after_seconds({"retry-after": date}, now=lambda: NOW) == 30.0
    assert retry_after_seconds({"retry-after": email.utils.formatdate(NOW - 5, usegmt=True)}, now=lambda: NOW) == 0.0
    assert retry_after_seconds({"retry-after": "soon"}) is None
    assert retry_after_seconds({}) is None


def test_backoff_doubles_with_jitter_and_is_capped():
    policy = RetryPolicy(base_delay=1.0, max_delay=60.0, jitter=lambda: 0.0)
    assert [policy.wait(n, None) for n in (1, 2, 3)] == [0.5, 1.0, 2.0]
    assert RetryPolicy(jitter=lambda: 1.0).wait(10, None) == 60.0
    assert RetryPolicy().wait(1, 600.0) == 60.0  # a server asking for ten minutes still waits at most the cap


def test_classify_status():
    labels = {"provider": "openai", "label": "OpenAI", "env_var": "OPENAI_API_KEY"}
    assert isinstance(classify_status(401, "", **labels), AuthenticationFailed)
    assert isinstance(classify_status(403, "nope", **labels), AuthenticationFailed)
    assert isinstance(classify_status(400, "bad", **labels), BadRequest)
    assert isinstance(classify_status(404, "no such model", **labels), BadRequest)
    assert isinstance(classify_status(413, "too big", **labels), ContextTooLong)
    assert isinstance(classify_status(400, "x", context_too_long=True, **labels), ContextTooLong)
    assert classify_status(429, "", retry_after=4.0, **labels) == Transient("rate limited (HTTP 429)", 4.0)
    assert classify_status(529, "", **labels) == Transient("overloaded (HTTP 529)")
    assert classify_status(502, "", **labels) == Transient("server error (HTTP 502)")


def test_retry_stream_restarts_and_gives_up():
    calls = []
    waits = []

    def flaky():
        calls.append(1)
        yield len(calls)
        raise ConnectionError("dropped")

    def classify(error):
        return Transient("dropped") if isinstance(error, ConnectionError) else None

    policy = RetryPolicy(attempts=3, sleep=waits.append, jitter=lambda: 1.0)
    stream = retry_stream(flaky, classify, provider="test", policy=policy)
    items = []
    with pytest.raises(ProviderUnavailable, match=r"dropped \(gave up after 3 attempts\)"):
        items.extend(stream)
    assert items == [1, 2, 3] and waits == [1.0, 2.0]


def test_unknown_errors_pass_through_unretried():
    def broken():
        raise KeyError("bug")
        yield

    with pytest.raises(KeyError):
        list(retry_stream(broken, lambda e: None, provider="test", policy=RetryPolicy(sleep=pytest.fail)))


def test_redact_removes_the_key_and_key_shapes():
    text = redact("bad key sk-proj-abc***********wxyz and my-secret-value", "my-secret-value")
    assert "wxyz" not in text and "my-secret-value" not in text and text.count("[redacted]") == 2
