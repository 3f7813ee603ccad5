"""Tags of one file: its definitions (name, kind, line, signature line) and the names it references.

A file's tags are stored as plain tuples (they go through `marshal` into the cache and between processes):

    Entry      = (status, note, definitions, references, imports)
    Definition = (name, kind, line, signature)   line is 1-based; a Python function in a class body is
                                                 a `method` (the wheel's query calls it a function)
    Reference  = (name, lines, member)           every line it is referenced on, ascending; `member`:
                                                 as `x.name` (a weaker link than a bare `name`); in
                                                 Python, `m.name` where the module imports `m` is also
                                                 kept whole, as `m.name`, to resolve through `m`
    Import     = (module, name, alias, line)     Python only: `from .a import b as c` is (".a", "b", "c"),
                                                 `import a.b` is ("a.b", "", ""), a star import's name `*`

`status` is `ok`, `partial` (tree-sitter recovered from syntax errors; the tags may be incomplete),
`skipped` (minified, generated or huge: `note` says which) or `failed` (`note` says why).
"""

from functools import cache

from tree_sitter import Node, Query, QueryCursor

from gitagent.repomap.generated import generated_header
from gitagent.repomap.languages import parser_and_query

Definition = tuple[str, str, int, str]
Reference = tuple[str, tuple[int, ...], bool]
Import = tuple[str, str, str, int]
Entry = tuple[str, str, tuple[Definition, ...], tuple[Reference, ...], tuple[Import, ...]]

MAX_BYTES = 1_000_000
"""Files larger than this are skipped: they are data or generated, and would dominate a cold build."""
MAX_SIGNATURE = 160
MEMBER_PARENTS = frozenset({"attribute", "member_expression", "field_expression", "selector_expression"})
NO_IMPORTS_INSIDE = frozenset({
    "expression_statement", "return_statement", "assignment", "call", "string", "comment", "binary_operator",
    "parameters", "argument_list", "comparison_operator", "boolean_operator", "raise_statement", "assert_statement",
})  # fmt: skip
"""Python nodes an import statement is never inside: the walk for imports skips them (most of a module)."""
SIGNATURE_LINES = 6
"""A signature split over lines (long parameter lists) is joined, up to this many lines."""


def extract(source: bytes, language: str) -> Entry:
    """Parse `source` as `language` and return its tags; never raises for bad content."""
    skipped = skip_reason(source, language)
    if skipped:
        return ("skipped", skipped, (), (), ())
    try:
        parser, query = parser_and_query(language)
        tree = parser.parse(source)
        matches = QueryCursor(query).matches(tree.root_node)
    except Exception as e:  # a grammar bug or an exhausted parser must not stop the map
        return ("failed", f"{type(e).__name__}: {e}", (), (), ())
    lines = source.split(b"\n")
    definitions: dict[tuple[str, int], Definition] = {}
    references: dict[tuple[str, bool], set[int]] = {}
    python = language == "python"
    for _, captures in matches:
        _collect(captures, lines, definitions, references, python)
    status = "partial" if tree.root_node.has_error else "ok"
    imports = python_imports(tree.root_node) if python else ()
    if imports:
        _qualified(tree.root_node, imports, references)
    refs = tuple((name, tuple(sorted(rows)), member) for (name, member), rows in sorted(references.items()))
    return (status, "", tuple(sorted(definitions.values(), key=lambda d: d[2])), refs, imports)


def _collect(captures: dict, lines: list[bytes], definitions: dict, references: dict, python: bool) -> None:
    names = captures.get("name")
    if not names:
        return
    name = names[0].text.decode("utf-8", errors="replace")
    for capture, nodes in captures.items():
        if capture.startswith("definition."):
            row = nodes[0].start_point.row
            key = (name, row + 1)
            if key not in definitions:
                kind = capture[len("definition.") :]
                if python and kind == "function" and _in_class_body(nodes[0]):
                    kind = "method"
                definitions[key] = (name, kind, row + 1, signature(lines, row))
            return
        if capture.startswith("reference."):
            key = (name, _is_member(names[0]))
            references.setdefault(key, set()).add(names[0].start_point.row + 1)
            return


def _in_class_body(node: Node) -> bool:
    """Whether a Python function is defined directly in a class body (decorated or not)."""
    parent = node.parent
    if parent is not None and parent.type == "decorated_definition":
        parent = parent.parent
    return (
        parent is not None
        and parent.type == "block"
        and parent.parent is not None
        and (parent.parent.type == "class_definition")
    )


def python_imports(root: Node) -> tuple[Import, ...]:
    """Every `import` and `from … import` statement of a Python module (in functions too), in order."""
    found: list[Import] = []
    pending = [root]
    while pending:
        node = pending.pop()
        if node.type == "import_statement":
            for item in node.children_by_field_name("name"):
                module, alias = _aliased(item)
                found.append((module, "", alias, node.start_point.row + 1))
        elif node.type == "import_from_statement":
            source = node.child_by_field_name("module_name")
            module = _text(source) if source is not None else ""
            if any(child.type == "wildcard_import" for child in node.children):
                found.append((module, "*", "", node.start_point.row + 1))
            for item in node.children_by_field_name("name"):
                name, alias = _aliased(item)
                found.append((module, name, alias, node.start_point.row + 1))
        elif node.type not in NO_IMPORTS_INSIDE:
            pending.extend(reversed(node.children))
    return tuple(sorted(found, key=lambda item: item[3]))


def _qualified(root: Node, imports: tuple[Import, ...], references: dict) -> None:
    """`m.name` references where `m` is a name the module imports (a module, usually): kept as `m.name`."""
    bound = {alias or (name if name else module.split(".")[0]) for module, name, alias, _ in imports} - {"*"}
    for _, captures in QueryCursor(_attribute_query()).matches(root):
        obj = captures["object"][0].text.decode("utf-8", errors="replace")
        if obj in bound:
            attribute = captures["attribute"][0]
            key = (f"{obj}.{attribute.text.decode('utf-8', errors='replace')}", True)
            references.setdefault(key, set()).add(attribute.start_point.row + 1)


@cache
def _attribute_query() -> Query:
    parser, _ = parser_and_query("python")
    return Query(parser.language, "(attribute object: (identifier) @object attribute: (identifier) @attribute)")


def _aliased(node: Node) -> tuple[str, str]:
    if node.type == "aliased_import":
        name, alias = node.child_by_field_name("name"), node.child_by_field_name("alias")
        return _text(name), _text(alias)
    return _text(node), ""


def _text(node: Node | None) -> str:
    return "" if node is None or node.text is None else node.text.decode("utf-8", errors="replace")


def _is_member(node: Node) -> bool:
    """Whether a referenced name is reached through an object (`x.name`, `x->name`, `x.name()`)."""
    parent = node.parent
    if parent is None:
        return False
    if parent.type in MEMBER_PARENTS:
        return True
    return any(parent.child_by_field_name(f) is not None for f in ("object", "receiver")) and node.type != "constant"


def skip_reason(source: bytes, language: str) -> str:
    """Why a file is not worth parsing (huge, binary, minified, generated), or '' when it is."""
    if len(source) > MAX_BYTES:
        return f"too large ({len(source) // 1024} KB)"
    head = source[:2048]
    if b"\0" in head:
        return "binary"
    if len(source) > 4096 and source.count(b"\n") * 500 < len(source):
        return "minified (lines average over 500 characters)"
    if generated_header(source, language):
        return "generated (marked as such in its header)"
    return ""


def signature(lines: list[bytes], row: int) -> str:
    """The source line a definition starts on, joined with the next ones while a bracket stays open."""
    text = lines[row].decode("utf-8", errors="replace").rstrip().expandtabs(4)
    depth = _depth(text)
    end = min(len(lines), row + SIGNATURE_LINES)
    for following in range(row + 1, end):
        if depth <= 0:
            break
        more = lines[following].decode("utf-8", errors="replace").strip()
        glue = "" if text.endswith(("(", "[")) or more.startswith((")", "]")) else " "
        text = f"{text}{glue}{more}"
        depth += _depth(more)
    return text if len(text) <= MAX_SIGNATURE else text[: MAX_SIGNATURE - 1] + "…"


def _depth(text: str) -> int:
    # Braces are left out: an open `{` starts a body, not a parameter list that goes on.
    return text.count("(") + text.count("[") - text.count(")") - text.count("]")
