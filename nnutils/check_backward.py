"""Checks of the backward exercises (filled in with their lesson)."""
