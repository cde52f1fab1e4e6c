"""Checks of the update exercises (filled in with their lesson)."""
