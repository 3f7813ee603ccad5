"""Which model a turn uses: `--model`, `GITAGENT_MODEL`, `git config gitagent.model`, the conversation's last
model, then the default of whichever provider has a key; and which server: `--base-url`, else `git config
gitagent.baseUrl`, else the provider SDK's own (`ANTHROPIC_BASE_URL`…). Every command that talks to a model
(run, chat, review, compact, doctor) chooses through `model_choice`."""

import os
from dataclasses import dataclass

import pygit2

from gitagent.errors import GitagentError
from gitagent.models.base import Model
from gitagent.models.catalog import default_model
from gitagent.models.keys import ENV_VARS, api_key
from gitagent.models.registry import RetryReporter, endpoint, load_model
from gitagent.store import inflight, turns
from gitagent.store.conversations import get_conversation
from gitagent.store.refs import conversation_ref, read_ref
from gitagent.store.repo import config_value


@dataclass(frozen=True)
class ModelChoice:
    """A model and the server to ask it at (None: the provider SDK's own choice)."""

    spec: str
    base_url: str | None

    @property
    def provider(self) -> str:
        """`anthropic`, `openai` or `scripted`."""
        return self.spec.partition(":")[0]

    @property
    def url(self) -> str | None:
        """The server requests go to (None for a model that needs none, like `scripted`)."""
        return endpoint(self.provider, self.base_url) if self.provider in ENV_VARS else None

    def load(self, on_retry: RetryReporter | None = None) -> Model:
        """The model, ready to ask."""
        return load_model(self.spec, base_url=self.base_url, on_retry=on_retry)


def model_choice(
    repo: pygit2.Repository, flag: str | None, conversation: str, base_url: str | None = None
) -> ModelChoice:
    """The model and server for the next turn of `conversation`, from the flags given and the configuration."""
    return ModelChoice(choose_model(repo, flag, conversation), base_url or config_value(repo, "gitagent.baseUrl"))


def choose_model(repo: pygit2.Repository, flag: str | None, conversation: str) -> str:
    """The model spec for the next turn of `conversation`."""
    spec = flag or os.environ.get("GITAGENT_MODEL") or config_value(repo, "gitagent.model")
    spec = spec or last_model(repo, conversation)
    if spec:
        return spec
    for provider in ENV_VARS:
        if api_key(provider):
            return default_model(provider)
    raise GitagentError(
        "no model chosen and no API key found",
        "set ANTHROPIC_API_KEY or OPENAI_API_KEY (or `gitagent auth set PROVIDER`), pass --model "
        "(e.g. --model scripted:examples/hello.json for an offline demo), set GITAGENT_MODEL, "
        "or `git config gitagent.model SPEC`",
    )


def last_model(repo: pygit2.Repository, conversation: str) -> str | None:
    """The model the conversation used last: its interrupted turn's, else its head turn's."""
    commit = inflight.load(repo, conversation)
    if commit is None and read_ref(repo, conversation_ref(conversation)) is not None:
        commit = get_conversation(repo, conversation).head
    return None if commit is None else turns.read_turn(commit)["model"]
