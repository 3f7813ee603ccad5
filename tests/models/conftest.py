"""Fake provider servers on 127.0.0.1, a recorded sleep, and no provider environment leaking in."""

from collections.abc import Iterator

import pytest

from gitagent.models.retry import RetryPolicy
from tests.fakes.anthropic_server import FakeAnthropic
from tests.fakes.openai_server import FakeOpenAI


@pytest.fixture
def anthropic_server() -> Iterator[FakeAnthropic]:
    """A fake Anthropic Messages API."""
    server = FakeAnthropic()
    yield server
    server.close()


@pytest.fixture
def openai_server() -> Iterator[FakeOpenAI]:
    """A fake OpenAI API."""
    server = FakeOpenAI()
    yield server
    server.close()


class Sleeps(list[float]):
    """Records the waits a RetryPolicy asked for, without waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    """The waits the retry policy asked for."""
    return Sleeps()


@pytest.fixture
def policy(sleeps: Sleeps) -> RetryPolicy:
    """A retry policy that records its waits instead of sleeping, with jitter fixed at its maximum."""
    return RetryPolicy(sleep=sleeps, jitter=lambda: 1.0)
