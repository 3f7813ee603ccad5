"""Models behind one provider-neutral protocol (policy edge)."""

from gitagent.models.base import Model, ModelRequest, ModelResponse, TextDelta, Usage
from gitagent.models.registry import load_model

__all__ = ["Model", "ModelRequest", "ModelResponse", "TextDelta", "Usage", "load_model"]
