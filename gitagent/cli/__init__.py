"""The command line: wiring only; every command calls into store, workspace or agent."""
