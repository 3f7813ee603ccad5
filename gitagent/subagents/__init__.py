"""Subagents: child conversations an agent starts with the Agent tool, runs in parallel and merges back.

A child is a real conversation named beside its parent (`<parent>.agents/<n>`), made with the store's own
fork of a start commit, run through the Python API like any turn. See docs/subagents.md.
"""

from gitagent.subagents.definitions import AgentDefinition, AgentDiscovery, discover_agents

__all__ = ["AgentDefinition", "AgentDiscovery", "discover_agents"]
