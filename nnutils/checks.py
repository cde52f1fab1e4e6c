"""The notebooks' entry point to the graded checks: ``from nnutils.checks import check``.

Importing it in IPython also makes an exercise that is not written yet (its stub's
NotImplementedError, or a check run before a value exercise's cell) stop with one line,
and a check whose exercise cell ran but failed (a SyntaxError, any error) say so.
"""

import collections
import linecache
import re
import traceback

from .display import shell, show
from .errors import text_of
from .grading import (
    CheckFailed,
    CheckInterrupted,
    CheckResult,
    ExerciseNotWritten,
    check,
    run_check,
)

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
# Cells that stopped with an error in this kernel, latest last: (execution count, source, the
# error in one line). Not the error itself: its traceback would keep the cell's arrays alive.
FAILED_CELLS = collections.deque(maxlen=50)


class CellFailed(CheckResult):
    """A check that could not run: the cell that defines its exercise stopped with an error."""

    def stop_line(self):
        return f"\N{BALLOT X} stopped here: the cell of {self.exercise} failed."


def defines(source, name):
    """True when ``source`` defines ``name`` at its top level: ``def name(``, ``class name``,
    or an assignment such as ``name = ...`` or ``a, name = ...`` (read as text: the source
    may not even parse)."""
    word = re.escape(name)
    target = r"[\w \t,*()\[\]]*"  # one line's assignment targets
    definition = (
        rf"(?:async\s+)?def\s+{word}\s*\(",
        rf"class\s+{word}\b",
        rf"{target}\b{word}\b{target}=(?!=)",
    )
    pattern = rf"^(?![ \t])(?:{'|'.join(definition)})"  # unindented: the cell's top level
    return re.search(pattern, source, re.MULTILINE) is not None


def failed_definition(name):
    """(execution count, error in one line) of the latest failed cell defining ``name``, or None."""
    for count, source, error in reversed(FAILED_CELLS):
        if defines(source, name):
            return count, error
    return None


def describe(error):
    """One line naming an error: "SyntaxError: invalid syntax (line 3)", "ZeroDivisionError: ..."."""
    if isinstance(error, SyntaxError):
        where = f" (line {error.lineno})" if error.lineno else ""
        return f"{type(error).__name__}: {error.msg}{where}"
    text = text_of(error).splitlines()[0] if text_of(error) else ""
    text = text if len(text) <= 80 else text[:77] + "..."
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


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
            count, cause = failed
            sentence = (
                f"{error.name} is not defined: the cell that defines it, [{count}], stopped "
                f"with {cause}. Fix that cell and run it, then this check again."
            )
            return CellFailed(call[1], False, [sentence], not_written=True)
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
