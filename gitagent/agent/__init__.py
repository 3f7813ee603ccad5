"""The agent: the ReAct loop and the session that records each turn in git (policy)."""
