"""The notebooks' entry point to the graded checks: ``from nnutils.checks import check``."""

from .grading import CheckFailed, CheckResult, ExerciseNotWritten, check, run_check

__all__ = ["CheckFailed", "CheckResult", "ExerciseNotWritten", "check", "run_check"]
