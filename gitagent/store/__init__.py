"""Conversations as git refs and turns as commits (substrate)."""
