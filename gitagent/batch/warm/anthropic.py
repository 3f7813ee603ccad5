"""Warms the Anthropic SDK for a batch's workers (see `gitagent.batch.warm`): its import, which gitagent defers
(`lazyimport`), the modules a streamed request uses (a client made and dropped loads its HTTP stack), and the
Pydantic models of its stream events, which are otherwise completed on first use."""

import typing

from gitagent.batch.warm import import_all
from gitagent.models.lazyimport import lazy_import

STREAMING = ("gitagent.models.anthropic", "anthropic.lib.streaming", "anthropic.pagination")


def complete_models(annotated: typing.Any) -> None:
    """Complete the Pydantic models in a (possibly annotated) union type."""
    for member in typing.get_args(annotated):
        if hasattr(member, "model_rebuild"):
            member.model_rebuild(force=True)
        else:
            complete_models(member)


sdk = lazy_import("anthropic")
client = sdk.Anthropic(api_key="warming-up", base_url="http://127.0.0.1:9")  # never connects
client.messages  # noqa: B018 (loads the Messages resource)
client.close()
import_all(STREAMING)
complete_models(sdk.types.RawMessageStreamEvent)
