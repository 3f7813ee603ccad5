"""Turning a model spec (`provider:name`) into a Model."""

from pathlib import Path

from gitagent.errors import GitagentError
from gitagent.models.base import Model

PROVIDERS = ("scripted",)


def load_model(spec: str, *, cwd: Path | None = None) -> Model:
    """Build the model named by `spec`, e.g. `scripted:demo.json`. Raises GitagentError on a bad spec."""
    provider, sep, name = spec.partition(":")
    if not sep or not name:
        raise GitagentError(
            f"invalid model {spec!r}: expected PROVIDER:NAME", f"known providers: {', '.join(PROVIDERS)}"
        )
    if provider == "scripted":
        from gitagent.models.scripted import ScriptedModel

        path = Path(name).expanduser()
        if cwd is not None and not path.is_absolute():
            path = cwd / path
        model = ScriptedModel.from_file(path)
        model.spec = spec
        return model
    raise GitagentError(f"unknown model provider {provider!r}", f"known providers: {', '.join(PROVIDERS)}")
