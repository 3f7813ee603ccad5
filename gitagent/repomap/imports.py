"""Python imports resolved to the files that define what they name, re-exports followed.

A bare name in a Python module can only mean something the module defines, imports, or star-imports (or a
builtin): `str(x)` never calls some class's `str` method. So a module's bare references are linked through
its imports, each resolved to the module that *defines* the name: `from sympy.core import Add` names
`sympy/core/add.py`, found by following `sympy/core/__init__.py`'s own `from .add import Add`.

Modules are found by path, as Python's import path would: `a.b.c` is `R/a/b/c.py` (or `R/a/b/c/__init__.py`)
for a root R: first the root of the importing file's own package (or, for a file outside any package, its
directory and the repository's top), then every directory holding a top-level package (one with
`__init__.py` whose parent has none: the top, `src/`, `lib/`, …).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from gitagent.repomap.tags import Import

MAX_HOPS = 6
"""Re-exports followed at most this deep (a cycle of star imports ends here too)."""

PySummary = tuple[tuple[str, ...], tuple[Import, ...]]
"""What resolution needs of a Python file: its top-level definition names, and its imports."""


@dataclass
class Resolved:
    """A file's resolved imports: `names` maps each name it can use bare to (defining file, defined name);
    `modules` are the files it imports as modules; `via` every file the resolution read (to redo it when
    one of them changes)."""

    names: dict[str, tuple[int, str]] = field(default_factory=dict)
    modules: set[int] = field(default_factory=set)
    aliases: dict[str, int] = field(default_factory=dict)
    """Names bound to a module (`from . import util`, `import a.b as c`): `util.warn` resolves through it."""
    via: set[int] = field(default_factory=set)
    stars: list[int] = field(default_factory=list)


class Modules:
    """Module names of the repository's Python files, for resolving imports."""

    def __init__(self, paths: list[str], summary: Callable[[int], PySummary | None]) -> None:
        self.paths = paths
        self.summary = summary
        self.by_path = dict(zip(paths, range(len(paths)), strict=True))
        self.packages = {path[: -len("/__init__.py")] for path in paths if path.endswith("/__init__.py")}
        roots = {package.rpartition("/")[0] for package in self.packages}
        self.roots = sorted(roots - self.packages)
        self._top: dict[int, frozenset[str]] = {}

    def resolve(self, i: int) -> Resolved:
        """Resolve the imports of file `i`."""
        result = Resolved()
        summary = self.summary(i)
        if summary is None:
            return result
        for module, name, alias, _ in summary[1]:
            target = self.module(i, module)
            if target is None:
                continue
            result.via.add(target)
            if not name:
                result.modules.add(target)
                if alias:
                    result.aliases[alias] = target
                else:  # `import a.b` binds `a`
                    top = self.module(i, module.split(".")[0])
                    if top is not None:
                        result.aliases[module.split(".")[0]] = top
            elif name == "*":
                result.stars.append(target)
            else:
                found = self.defining(target, name, result.via)
                if found is None:
                    result.modules.add(target)
                elif found[1] == "":
                    result.modules.add(found[0])
                    result.aliases[alias or name] = found[0]
                else:
                    result.names[alias or name] = found
        return result

    def lookup_qualified(self, resolved: Resolved, name: str) -> tuple[int, str] | None:
        """Where `m.attr` comes from when `m` is bound to a module of the repository."""
        alias, _, attribute = name.partition(".")
        target = resolved.aliases.get(alias)
        if target is None or not attribute:
            return None
        found = self.defining(target, attribute, resolved.via)
        return found if found is not None and found[1] else None

    def lookup_star(self, resolved: Resolved, name: str) -> tuple[int, str] | None:
        """Where a bare `name` comes from through the file's star imports, if it does."""
        for target in resolved.stars:
            found = self.defining(target, name, resolved.via, stars_only=True)
            if found is not None and found[1]:
                return found
        return None

    def module(self, i: int, module: str) -> int | None:
        """The file of `module` as imported from file `i` (relative imports from its package)."""
        if module.startswith("."):
            level = len(module) - len(module.lstrip("."))
            directory = self.paths[i].split("/")[:-1]
            if level > 1:
                directory = directory[: len(directory) - (level - 1)]
            rest = module[level:].replace(".", "/")
            base = "/".join([*directory, rest] if rest else directory)
            return self._file_at(base)
        relative = module.replace(".", "/")
        directory = self.paths[i].rpartition("/")[0]
        if directory in self.packages:
            while directory in self.packages:
                directory = directory.rpartition("/")[0]
            nearest = [directory]
        else:  # a script or test outside any package: its own directory is first on its import path
            nearest = [directory, ""]
        for root in [*nearest, *(r for r in self.roots if r not in nearest)]:
            found = self._file_at(f"{root}/{relative}" if root else relative)
            if found is not None:
                return found
        return None

    def defining(
        self, target: int, name: str, via: set[int], hops: int = 0, stars_only: bool = False
    ) -> tuple[int, str] | None:
        """(file, name) of the definition `name` means in module `target`, re-exports followed; the name is
        '' when it is a submodule; None when the module neither defines nor imports it."""
        if hops > MAX_HOPS:
            return None
        via.add(target)
        if name in self._top_names(target):
            return target, name
        submodule = self._submodule(target, name)
        if submodule is not None and not stars_only:
            return submodule, ""
        summary = self.summary(target)
        if summary is None:
            return None
        stars = []
        for module, imported, alias, _ in summary[1]:
            if imported == "*":
                stars.append(module)
            elif (alias or imported) == name and imported:
                source = self.module(target, module)
                if source is None:
                    return None
                return self.defining(source, imported, via, hops + 1) or (source, "")
        for module in stars:
            source = self.module(target, module)
            if source is not None and source != target:
                found = self.defining(source, name, via, hops + 1, stars_only=True)
                if found is not None:
                    return found
        return None

    def _top_names(self, i: int) -> frozenset[str]:
        names = self._top.get(i)
        if names is None:
            summary = self.summary(i)
            names = self._top[i] = frozenset(summary[0]) if summary else frozenset()
        return names

    def _submodule(self, target: int, name: str) -> int | None:
        path = self.paths[target]
        if not path.endswith(("/__init__.py", "/__init__.pyi")):
            return None
        return self._file_at(f"{path.rsplit('/', 1)[0]}/{name}")

    def _file_at(self, base: str) -> int | None:
        for suffix in (".py", "/__init__.py", ".pyi", "/__init__.pyi"):
            found = self.by_path.get(base.lstrip("/") + suffix)
            if found is not None:
                return found
        return None
