"""Checks of the data exercises (filled in with their lesson)."""
