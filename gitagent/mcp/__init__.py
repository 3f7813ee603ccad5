"""MCP: the tools of Model Context Protocol servers, configured as Claude Code and Codex configure them, confined
and recorded like every other tool; and `gitagent mcp serve`, this repository's conversations for other agents.

Nothing here imports the MCP SDK until a server is used (gitagent.mcp.connection loads it on the MCP thread).
"""
