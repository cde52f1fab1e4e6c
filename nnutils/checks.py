"""The notebooks' entry point to the graded checks: ``from nnutils.checks import check``.

Importing it in IPython also makes an exercise that is not written yet (its stub's
NotImplementedError, or a check run before a value exercise's cell) stop with one line.
"""

import linecache
import re
import traceback

from .display import shell, show
from .grading import (
    CheckFailed,
    CheckInterrupted,
    CheckResult,
    ExerciseNotWritten,
    check,
    run_check,
)
from .grading.expect import text_of

__all__ = [
    "CheckFailed",
    "CheckInterrupted",
    "CheckResult",
    "ExerciseNotWritten",
    "check",
    "run_check",
]


STUB = re.compile(r"Exercise (\w+): ")  # the NotImplementedError of a learner notebook's stub
CHECK_CALL = re.compile(r"""\bcheck\(\s*["'](\w+)["']""")


def unfinished(error):
    """The failed result an error stands for when it only says an exercise is not done yet.

    The stub's NotImplementedError ("Exercise relu: ..."), and a NameError in a check
    cell (a value exercise whose cell has not run yet); None for any other error.
    """
    if isinstance(error, NotImplementedError) and (match := STUB.match(text_of(error))):
        sentence = (
            "not written yet: replace `raise NotImplementedError` with your code where it "
            "says # YOUR CODE HERE, run that cell, then its check."
        )
        return CheckResult(match[1], False, [sentence], not_written=True)
    frames = traceback.extract_tb(error.__traceback__)
    if isinstance(error, NameError) and frames and frames[-1].name == "<module>":
        call = CHECK_CALL.search("".join(linecache.getlines(frames[-1].filename)))
        if call:
            sentence = (
                f"{error.name} is not defined yet: run the exercise cell above first, then "
                "this check again."
            )
            return CheckResult(call[1], False, [sentence], not_written=True)
    return None


def _show_unfinished(ipython, etype, value, tb, tb_offset=None):
    """IPython handler: an unfinished exercise shows as a check's explanation and one line."""
    result = unfinished(value)
    if result is not None and not hasattr(value, "_render_traceback_"):
        show(result)
        value._render_traceback_ = CheckFailed(result)._render_traceback_
    ipython.showtraceback((etype, value, tb), tb_offset=tb_offset)


def install_one_line_stops():
    """In IPython, show unwritten exercises and unrun value exercises as one line."""
    ipython = shell()
    if ipython is not None:
        ipython.set_custom_exc((NotImplementedError, NameError), _show_unfinished)


install_one_line_stops()
