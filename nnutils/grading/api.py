"""The check API: the registry of checkers, ``run_check``, ``check`` and their result.

In a notebook: ``check("linear_forward", linear_forward)`` shows a one-line pass,
or raises ``CheckFailed`` whose display is a short explanation (no traceback).
Programmatically: ``run_check(exercise_id, candidate, **values) -> CheckResult``,
which never raises because of the candidate.

Each exercise registers a checker with ``@exercise("name")``. A checker gets the
candidate (a function, or a dict of values) and a ``np.random.Generator``, runs
its cases from the smallest to the largest, raises ``Mistake`` at the first
failure and returns the number of cases it ran (or ``(cases, notes)``, notes
being remarks shown with a pass, e.g. on an unusual choice). The helpers of
``expect`` (``call``, ``expect_array``, ...) turn misbehaving answers into ``Mistake``s.
"""

import difflib
import html
import warnings
from dataclasses import dataclass, field

import numpy as np

from .expect import Mistake, NotWritten

EXERCISES = {}


def exercise(name):
    """Register the decorated function as the checker of exercise ``name``."""

    def register(checker):
        EXERCISES[name] = checker
        return checker

    return register


@dataclass(repr=False)
class CheckResult:
    """Outcome of a check: ``passed``, and ``messages`` explaining a failure (or notes on a pass)."""

    exercise: str
    passed: bool
    messages: list = field(default_factory=list)
    cases: int = 0
    not_written: bool = False

    def __bool__(self):
        return self.passed

    def _pass_line(self):
        return (
            f"\N{CHECK MARK} {self.exercise}: passed ({self.cases} test{'s' * (self.cases != 1)})"
        )

    def __repr__(self):
        return str(self)

    def __str__(self):
        if self.passed:
            return "\n".join([self._pass_line() + ".", *(f"note: {n}" for n in self.messages)])
        return "\n".join([f"\N{BALLOT X} {self.exercise}: {self.messages[0]}", *self.messages[1:]])

    def _repr_html_(self):
        if self.passed:
            notes = "".join(
                f"<div style='color:#9a6700;font-weight:400'>note: {html.escape(n)}</div>"
                for n in self.messages
            )
            return (
                '<div style="color:#1a7f37;font-weight:600">'
                f"{html.escape(self._pass_line())}{notes}</div>"
            )
        body = "".join(
            f"<pre style='margin:4px 0'>{html.escape(m)}</pre>" for m in self.messages[1:]
        )
        return (
            '<div style="border-left:4px solid #cf222e;padding:4px 8px;color:#cf222e">'
            f"<b>\N{BALLOT X} {html.escape(self.exercise)}</b>: {html.escape(self.messages[0])}"
            f"<div style='color:inherit'>{body}</div></div>"
        )

    def ansi(self):
        """The explanation with terminal colours, for a notebook's error display."""
        red, green, bold, reset = "\x1b[31m", "\x1b[32m", "\x1b[1m", "\x1b[0m"
        if self.passed:
            return f"{green}{self}{reset}"
        head = f"{red}{bold}\N{BALLOT X} {self.exercise}{reset}{red}: {self.messages[0]}{reset}"
        return "\n".join([head, *self.messages[1:]])


class CheckFailed(AssertionError):
    """Raised by ``check`` when a check fails; its text is the explanation."""

    def __init__(self, result):
        super().__init__(str(result))
        self.result = result


class ExerciseNotWritten(CheckFailed, NotImplementedError):
    """Raised by ``check`` when the exercise still raises NotImplementedError."""


def run_check(exercise_id, candidate=None, /, *, seed=None, **values):
    """Check ``candidate`` (or keyword ``values``) for ``exercise_id``; returns a CheckResult.

    ``seed`` fixes the random cases (fresh ones each call by default).
    """
    if exercise_id not in EXERCISES:
        close = difflib.get_close_matches(str(exercise_id), EXERCISES, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise KeyError(f"No exercise called {exercise_id!r}.{hint}")
    subject = values if candidate is None else candidate
    if candidate is None and not values:
        return CheckResult(exercise_id, False, [f"nothing to check: pass your {exercise_id}."])
    rng = np.random.default_rng(seed)
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            outcome = EXERCISES[exercise_id](subject, rng)
    except NotWritten as mistake:
        return CheckResult(exercise_id, False, [mistake.sentence, *mistake.details], 0, True)
    except Mistake as mistake:
        return CheckResult(exercise_id, False, [mistake.sentence, *mistake.details])
    except Exception as error:  # the candidate returned something our comparisons choke on
        return CheckResult(
            exercise_id,
            False,
            [f"your answer could not be checked: {type(error).__name__}: {error}."],
        )
    cases, notes = outcome if isinstance(outcome, tuple) else (outcome, [])
    return CheckResult(exercise_id, True, list(notes), cases)


def check(exercise_id, candidate=None, /, **values):
    """Notebook form of ``run_check``: shows a pass, or raises CheckFailed with the explanation."""
    result = run_check(exercise_id, candidate, **values)
    shell = _ipython()
    if result.passed:
        if shell is None:
            print(result)
        else:
            from IPython.display import display

            display(result)
        return
    if shell is not None:
        shell.set_custom_exc((CheckFailed,), _show_explanation_only)
    raise (ExerciseNotWritten if result.not_written else CheckFailed)(result)


def _ipython():
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def _show_explanation_only(shell, etype, value, tb, tb_offset=None):
    """IPython handler: display a failed check as its explanation, without the traceback."""
    lines = [value.result.ansi()]
    shell._showtraceback(etype, value, lines)
    return lines
