"""Helpers for the course: data, plots, reference solutions and graded checks."""
