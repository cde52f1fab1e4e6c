"""Checks of the model exercises (filled in with their lesson)."""
