"""The notebooks' entry point to the graded checks: ``from nnutils.checks import check``.

Importing it in IPython also makes an exercise that is not written yet (its stub's
NotImplementedError, or a check run before a value exercise's cell) stop with one line.
"""

from .grading import (
    CheckFailed,
    CheckInterrupted,
    CheckResult,
    ExerciseNotWritten,
    check,
    run_check,
)
from .grading.api import install_one_line_stops

install_one_line_stops()

__all__ = [
    "CheckFailed",
    "CheckInterrupted",
    "CheckResult",
    "ExerciseNotWritten",
    "check",
    "run_check",
]
