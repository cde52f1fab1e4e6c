"""The notebooks' entry point to the graded checks: ``from nnutils.checks import check``.

Importing it in IPython also makes an exercise that is not written yet (its stub's
NotImplementedError, or a check run before a value exercise's cell) stop with one line,
and a check whose exercise cell ran but failed (a SyntaxError, any error) say so.
"""

import linecache
import re
import traceback

from .cells import FAILED_CELLS, failed_definition
from .display import shell, show
from .errors import describe, text_of
from .grading import (
    CheckFailed,
    CheckInterrupted,
    CheckResult,
    ExerciseNotWritten,
    check,
    run_check,
)
from .grading.api import cell_failed

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
    cell: the cell that defines the name stopped with an error (a SyntaxError, any error),
    or has not run yet (a value exercise). None for any other error.
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
        if call and (failed := failed_definition(error.name)):
            return cell_failed(call[1], f"{error.name} is not defined", *failed)
        if call:
            sentence = (
                f"{error.name} is not defined yet: run the exercise cell above first, then "
                "this check again."
            )
            return CheckResult(call[1], False, [sentence], not_written=True)
    return None


def _remember_failure(result):
    """IPython's post_run_cell event: keep the source and error of a cell that stopped."""
    error = result.error_before_exec or result.error_in_exec
    if error is not None:
        FAILED_CELLS.append((result.execution_count, result.info.raw_cell, describe(error)))


def _show_unfinished(ipython, etype, value, tb, tb_offset=None):
    """IPython handler: an unfinished exercise shows as a check's explanation and one line."""
    result = unfinished(value)
    if result is not None and not hasattr(value, "_render_traceback_"):
        show(result)
        value._render_traceback_ = CheckFailed(result)._render_traceback_
    ipython.showtraceback((etype, value, tb), tb_offset=tb_offset)


def install_one_line_stops():
    """In IPython, show unwritten exercises and unrun value exercises as one line, and
    remember the cells that stop with an error (a check then names the failed cell)."""
    ipython = shell()
    if ipython is not None:
        ipython.set_custom_exc((NotImplementedError, NameError), _show_unfinished)
        if _remember_failure not in ipython.events.callbacks["post_run_cell"]:
            ipython.events.register("post_run_cell", _remember_failure)


install_one_line_stops()
