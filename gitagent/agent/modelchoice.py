"""Which model a turn uses: `--model`, `GITAGENT_MODEL`, `git config gitagent.model`, the conversation's last
model, then the default of whichever provider has a key."""

import os

import pygit2

from gitagent.errors import GitagentError
from gitagent.models.catalog import default_model
from gitagent.models.keys import ENV_VARS, api_key
from gitagent.store import inflight, turns
from gitagent.store.conversations import get_conversation
from gitagent.store.refs import conversation_ref, read_ref
from gitagent.store.repo import config_value


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
