"""Checks of the cost exercises (filled in with their lesson)."""
