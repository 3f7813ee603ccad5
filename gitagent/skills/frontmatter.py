"""Reading a SKILL.md's frontmatter: the `---` block, its YAML, and a line-by-line fallback for broken YAML.

The YAML is read as YAML 1.2 reads it (the parsers of Claude Code and of the `skills-ref` reference
validator do): `yes`, `no`, `on`, `off` and dates are text, only `true` and `false` are booleans.
"""

import re
from typing import Any

import yaml

_BOOL = "tag:yaml.org,2002:bool"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_LOOSE_LINE = re.compile(r"^([A-Za-z][\w-]*):[ \t]*(.*?)\s*$")


class Yaml12Loader(yaml.SafeLoader):
    """PyYAML's safe loader without YAML 1.1's extra booleans (yes/no/on/off) and timestamps."""


Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in (_BOOL, _TIMESTAMP)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Yaml12Loader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def split_frontmatter(text: str) -> tuple[str, str] | None:
    """Split SKILL.md text into (frontmatter YAML, body), or None when it has no closed `---` block."""
    text = text.removeprefix("\ufeff")
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip() != "---":
        return None
    for i, line in enumerate(lines[1:], start=1):
        if line.rstrip() in ("---", "..."):
            return "".join(lines[1:i]), "".join(lines[i + 1 :]).lstrip("\n")
    return None


def parse_yaml(source: str) -> Any:
    """The frontmatter's YAML as data; raises yaml.YAMLError."""
    # The pure-Python loader: messages and positions do not depend on whether libyaml is installed.
    return yaml.load(source, Loader=Yaml12Loader)


def loose_frontmatter(source: str) -> dict[str, str]:
    """Top-level `key: value` lines as text, split at the first colon: how Claude Code reads YAML it cannot parse."""
    found = {}
    for line in source.splitlines():
        if match := _LOOSE_LINE.match(line):
            found[match[1]] = match[2].strip("'\"")
    return found


def first_line(body: str) -> str:
    """The first line of text of a skill's body (a heading's `#`s dropped): its description when it has none."""
    for line in body.splitlines():
        if line.strip():
            return line.strip().lstrip("#").strip()
    return ""
