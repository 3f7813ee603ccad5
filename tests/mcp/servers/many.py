"""An MCP server (stdio) with many tools (`python many.py N`), each with a realistic schema."""

import sys

from mcp.server.mcpserver import MCPServer

server = MCPServer("many")
AREAS = ["issues", "pulls", "repos", "users", "teams", "projects", "releases", "actions", "packages", "gists"]
VERBS = ["list", "get", "create", "update", "delete", "search", "archive", "comment", "label", "assign"]


def _make(number: int):
    area, verb = AREAS[number % len(AREAS)], VERBS[(number // len(AREAS)) % len(VERBS)]

    def tool(owner: str, repo: str, query: str = "", page: int = 1, per_page: int = 30) -> str:
        return f"{verb} {area} #{number}: owner={owner} repo={repo} query={query} page={page}"

    description = (
        f"{verb.title()} {area} in a repository (variant {number}). Give the owner and repository name; "
        "results come a page at a time, `per_page` at most 100. Use `query` to filter by words in the title."
    )
    return tool, f"{verb}_{area}_{number}", description


for n in range(int(sys.argv[1]) if len(sys.argv) > 1 else 200):
    fn, name, about = _make(n)
    server.add_tool(fn, name=name, description=about)

if __name__ == "__main__":
    server.run("stdio")
