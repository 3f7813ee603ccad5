"""Waiting for the model in slices, so an interruption of the turn's thread (`interrupt_thread`) reaches it at once."""

import queue
import threading
from collections.abc import Iterator

from gitagent.models.base import Model, ModelRequest, ModelResponse, TextDelta

WAIT_SLICE_S = 0.1
"""How long the turn's thread waits for the model at a time: an interruption reaches it within this."""


class Interruptible:
    """A model whose answer the turn's thread waits for in slices of `WAIT_SLICE_S`.

    The SDK blocks in a network read until the server sends something (the first piece of a long answer
    can take many seconds), and an interruption raised in a thread blocked like that waits with it. So the
    SDK reads in a helper thread; the turn's thread takes the pieces from a queue, and an interruption
    reaches it at once. The helper, told to stop, closes the answer's stream when its next piece arrives.
    """

    def __init__(self, model: Model) -> None:
        self.model = model
        self.spec = model.spec

    def stream(self, request: ModelRequest) -> Iterator[TextDelta | ModelResponse]:
        """The wrapped model's stream, read in a helper thread."""
        pieces: queue.Queue[object] = queue.Queue()
        stop = threading.Event()
        reader = threading.Thread(
            target=_read, args=(self.model.stream(request), pieces, stop), name="gitagent-model", daemon=True
        )
        reader.start()
        try:
            while True:
                try:
                    piece = pieces.get(timeout=WAIT_SLICE_S)
                except queue.Empty:
                    continue
                if piece is _END:
                    return
                if isinstance(piece, BaseException):
                    raise piece
                if isinstance(piece, TextDelta | ModelResponse):
                    yield piece
        finally:
            stop.set()


_END = object()


def _read(stream: Iterator[TextDelta | ModelResponse], pieces: queue.Queue[object], stop: threading.Event) -> None:
    """Move the stream's pieces into `pieces`, then `_END` or the error it raised; stop early when told."""
    try:
        for piece in stream:
            if stop.is_set():
                return
            pieces.put(piece)
    except BaseException as error:  # handed to the turn's thread, which raises it as its own
        pieces.put(error)
    else:
        pieces.put(_END)
    finally:
        close = getattr(stream, "close", None)  # a generator's: leaves the SDK's `with`, closing the response
        if close is not None:
            close()
