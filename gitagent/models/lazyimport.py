"""Importing a provider SDK without running its packages' `__init__` files until a name is asked of them.

The `anthropic` and `openai` SDKs are generated packages whose `__init__.py` files re-export everything: a plain
`import anthropic` builds about 3,000 modules and 1,500 pydantic models (a second of CPU), of which a streamed
Messages request uses a third. `lazy_import` keeps the SDK whole and only defers its packages' re-exports: a
package's module is created empty, its submodules import as usual, and a name asked of it is looked up in its
`__init__.py`'s `from .x import Name` lines and imported from there alone. A name those lines do not give (or
`__all__`) runs the package's real `__init__` once, so anything the SDK does still works, only later.
"""

import importlib
import importlib.abc
import importlib.machinery
import re
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

_FROM = re.compile(r"^from (\.+)([\w.]*) import (?:\(([^)]*)\)|([^\n(]*)$)", re.M)
_NAME = re.compile(r"(\w+)(?:\s+as\s+(\w+))?")
Export = tuple[str, str | None]
"""Where a re-exported name comes from: (module, attribute), or (submodule, None) for `from . import sub`."""


def lazy_import(root: str) -> ModuleType:
    """The package `root`, its packages' re-exports loaded on first use (as usual if it is imported already)."""
    if root not in sys.modules and not any(isinstance(f, _Finder) and f.root == root for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder(root))
    return importlib.import_module(root)


def exports(source: str, package: str) -> dict[str, Export]:
    """The names an `__init__.py` re-exports with relative `from` imports, and where each comes from."""
    found: dict[str, Export] = {}
    for dots, module, grouped, names in _FROM.findall(re.sub(r"#[^\n]*", "", source)):
        base = package.rsplit(".", len(dots) - 1)[0] if len(dots) > 1 else package
        origin = f"{base}.{module}" if module else base
        for name, alias in _NAME.findall(grouped or names):
            found[alias or name] = (origin, name) if module else (f"{origin}.{name}", None)
    return found


class _Finder(importlib.abc.MetaPathFinder):
    """Finds `root` and its subpackages as usual and gives each package a `_DeferredInit` loader."""

    def __init__(self, root: str) -> None:
        self.root = root

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        """The usual spec; a package's with its `__init__` deferred."""
        if fullname != self.root and not fullname.startswith(self.root + "."):
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        is_package = spec is not None and spec.submodule_search_locations is not None
        if is_package and spec.origin and spec.origin.endswith("__init__.py") and spec.loader is not None:
            spec.loader = _DeferredInit(spec.loader, Path(spec.origin))
        return spec


class _DeferredInit(importlib.abc.Loader):
    """Executes a package's `__init__` only when a name it defines is needed and not found by `exports`."""

    def __init__(self, real: importlib.abc.Loader, init: Path) -> None:
        self.real, self.init = real, init
        self.lock = threading.RLock()

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        """The default module."""
        return None

    def exec_module(self, module: ModuleType) -> None:
        """Leave the module empty but for a `__getattr__` that fills it on demand."""
        table: dict[str, Export] | None = None

        def __getattr__(attr: str) -> Any:
            nonlocal table
            with self.lock:
                if table is None:
                    table = exports(self.init.read_text(encoding="utf-8"), module.__name__)
            if attr in table:
                origin, name = table[attr]
                value = importlib.import_module(origin)
                value = value if name is None else getattr(value, name)
                setattr(module, attr, value)
                return value
            if not attr.startswith("__"):
                submodule = _submodule(module, attr)
                if submodule is not None:
                    return submodule
            elif attr != "__all__":
                raise AttributeError(attr)
            return self._run_init(module, attr)

        module.__getattr__ = __getattr__  # type: ignore[attr-defined]

    def _run_init(self, module: ModuleType, attr: str) -> Any:
        with self.lock:
            if "__getattr__" in module.__dict__:
                del module.__dict__["__getattr__"]
                self.real.exec_module(module)  # type: ignore[attr-defined]
        try:
            return module.__dict__[attr]
        except KeyError:
            raise AttributeError(f"module {module.__name__!r} has no attribute {attr!r}") from None


def _submodule(package: ModuleType, name: str) -> ModuleType | None:
    try:
        return importlib.import_module(f"{package.__name__}.{name}")
    except ModuleNotFoundError as e:
        if e.name != f"{package.__name__}.{name}":
            raise
        return None
