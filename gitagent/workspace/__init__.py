"""Each conversation's git worktree and the snapshots of it that turns record (substrate)."""
