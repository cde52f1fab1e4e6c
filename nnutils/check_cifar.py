"""Checks of the cifar exercises (filled in with their lesson)."""
