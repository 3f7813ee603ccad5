"""A model whose answers are held back until its tools' files are there (`workspace.filling`)."""

from collections.abc import Callable, Iterator

from gitagent.models.base import Model, ModelRequest, ModelResponse, TextDelta


class AnswersAfter:
    """`model`, each answer held back until `ready()` returns (the worktree's files are written).

    Everything that reads the worktree (tool calls, their hooks) follows an answer, so the first request
    to the model runs while the files are being written instead of after them.
    """

    def __init__(self, model: Model, ready: Callable[[], None]) -> None:
        self.model = model
        self.spec = model.spec
        self.ready = ready

    def stream(self, request: ModelRequest) -> Iterator[TextDelta | ModelResponse]:
        """The wrapped model's stream; its final response is passed on once `ready()` returns."""
        for item in self.model.stream(request):
            if isinstance(item, ModelResponse):
                self.ready()
            yield item
