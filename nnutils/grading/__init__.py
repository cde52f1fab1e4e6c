"""The graded checks.

``api`` holds what notebooks and scripts call (``check``, ``run_check``,
``CheckResult``) and the registry; ``expect`` the helpers that call a candidate
and compare its output; ``cases`` the test-case builders every checker shares;
and one module per lesson registers that lesson's checkers with ``@exercise``.
"""

from . import (  # noqa: F401  (importing a lesson's module registers its checkers)
    backward,
    cifar10,
    convolutions,
    cost,
    data_visualisation,
    forward,
    full_model,
    gradient_checking,
    initialization,
    questions,
    update,
)
from .api import (
    EXERCISES,
    CheckFailed,
    CheckInterrupted,
    CheckResult,
    ExerciseNotWritten,
    check,
    run_check,
)

__all__ = [
    "EXERCISES",
    "CheckFailed",
    "CheckInterrupted",
    "CheckResult",
    "ExerciseNotWritten",
    "check",
    "run_check",
]
