"""The check API: the registry of checkers, ``run_check``, ``check`` and their result.

In a notebook: ``check("linear_forward", linear_forward)`` shows a one-line pass,
or shows the explanation and raises ``CheckFailed``, whose notebook display is one
line (no traceback), so that "Run All" stops there. Programmatically:
``run_check(exercise_id, candidate, **values) -> CheckResult``, which never raises
because of the candidate (an interrupt, the Stop button, raises ``CheckInterrupted``).
While a check runs, the earlier exercises the candidate calls are the course's
(see ``isolation``).

Each exercise registers a checker with ``@exercise("name")``. A checker gets the
candidate (a function, or a dict of values) and a ``np.random.Generator``, runs
its cases from the smallest to the largest, raises ``Mistake`` at the first
failure and returns the number of cases it ran (or ``(cases, notes)``, notes
being remarks shown with a pass, e.g. on an unusual choice). The helpers of
``expect`` (``call``, ``expect_array``, ...) turn misbehaving answers into ``Mistake``s.
"""

import difflib
import html
import linecache
import re
import traceback
import warnings
from dataclasses import dataclass, field

import numpy as np

from .. import progress
from .expect import Interrupted, Mistake, NotWritten, text_of
from .isolation import isolated

EXERCISES = {}


def exercise(name):
    """Register the decorated function as the checker of exercise ``name``."""

    def register(checker):
        EXERCISES[name] = checker
        return checker

    return register


NOTE_STYLE = "color:#9a6700;font-weight:400"
# Sentences wrap between words; evidence (arrays) keeps its layout and scrolls if wide.
TEXT_STYLE = "white-space:normal;word-break:normal;overflow-wrap:break-word"
PRE_STYLE = "margin:4px 0;white-space:pre;overflow-x:auto;word-break:normal"
# After "Run All", JupyterLab shows the last cell: bring the outputs of the cell where the run
# stopped into view, again once figures above have rendered, but never after the learner has
# clicked, typed or scrolled. JupyterLab runs the scripts of outputs it trusts only (those made
# in this session).
SCROLL_HERE = (
    "<script>(function () { var script = document.currentScript, timers = [];"
    " var inputs = ['mousedown', 'keydown', 'wheel', 'touchstart'];"
    " function stop() { timers.forEach(clearTimeout);"
    " inputs.forEach(function (e) { document.removeEventListener(e, stop, true); }); }"
    " function show() { var cell = script && script.closest('.jp-Cell');"
    " var outputs = cell && cell.querySelector('.jp-Cell-outputWrapper');"
    " if (outputs) { outputs.scrollIntoView({block: 'nearest'}); } }"
    " inputs.forEach(function (e) { document.addEventListener(e, stop, true); });"
    " timers = [50, 400, 1500, 3000].map(function (ms) { return setTimeout(show, ms); });"
    " timers.push(setTimeout(stop, 3100)); })();</script>"
)


@dataclass(repr=False)
class CheckResult:
    """Outcome of a check.

    ``passed``; ``messages``: the explanation of a failure (its first line names the
    mistake), or the checker's remarks on a pass; ``notes``: what the check used in
    place of the learner's earlier exercises or reassigned NumPy functions.
    """

    exercise: str
    passed: bool
    messages: list = field(default_factory=list)
    cases: int = 0
    not_written: bool = False
    notes: list = field(default_factory=list)

    def __bool__(self):
        return self.passed

    def _pass_line(self):
        return (
            f"\N{CHECK MARK} {self.exercise}: passed ({self.cases} test{'s' * (self.cases != 1)})"
        )

    def _remarks(self):
        return (self.messages if self.passed else []) + self.notes

    def __repr__(self):
        return str(self)

    def __str__(self):
        notes = [f"note: {n}" for n in self._remarks()]
        if self.passed:
            return "\n".join([self._pass_line() + ".", *notes])
        head = f"\N{BALLOT X} {self.exercise}: {self.messages[0]}"
        return "\n".join([head, *self.messages[1:], *notes])

    def _repr_html_(self):
        notes = "".join(
            f"<div style='{NOTE_STYLE};{TEXT_STYLE}'>note: {html.escape(n)}</div>"
            for n in self._remarks()
        )
        if self.passed:
            return (
                f'<div class="nnutils-check nnutils-pass" style="color:#1a7f37;font-weight:600;'
                f'{TEXT_STYLE}">{html.escape(self._pass_line())}{notes}</div>'
            )
        body = "".join(
            f"<pre style='{PRE_STYLE}'>{html.escape(m)}</pre>"
            if "\n" in m
            else f"<div style='{TEXT_STYLE}'>{html.escape(m)}</div>"
            for m in self.messages[1:]
        )
        return (
            '<div class="nnutils-check nnutils-fail" style="border-left:4px solid #cf222e;'
            f'padding:4px 8px;color:#cf222e;{TEXT_STYLE}">'
            f"<div><b>\N{BALLOT X} {html.escape(self.exercise)}</b>: "
            f"{html.escape(self.messages[0])}</div>"
            f"<div style='color:#1f2328'>{body}</div>{notes}</div>{SCROLL_HERE}"
        )

    def stop_line(self):
        """The one line under a failed check's explanation, where "Run All" stopped."""
        what = "is not written yet" if self.not_written else "failed its check"
        return f"\N{BALLOT X} stopped here: {self.exercise} {what}."


class CheckFailed(AssertionError):
    """Raised by ``check`` when a check fails; its text is the explanation."""

    def __init__(self, result):
        super().__init__(str(result))
        self.result = result

    def _render_traceback_(self):
        """IPython shows this instead of a traceback: one line under the explanation."""
        return [f"\x1b[31m{self.result.stop_line()}\x1b[0m"]


class ExerciseNotWritten(CheckFailed, NotImplementedError):
    """Raised by ``check`` when the exercise still raises NotImplementedError."""


class CheckInterrupted(KeyboardInterrupt):
    """The learner stopped a check (the Stop button, or Ctrl-C): one line, and the cell stops."""

    def _render_traceback_(self):
        return [f"\x1b[31m\N{BALLOT X} {self}\x1b[0m"]


def run_check(exercise_id, candidate=None, /, *, seed=None, **values):
    """Check ``candidate`` (or keyword ``values``) for ``exercise_id``; returns a CheckResult.

    ``seed`` fixes the random cases (fresh ones each call by default).
    """
    if exercise_id not in EXERCISES:
        close = difflib.get_close_matches(str(exercise_id), EXERCISES, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise KeyError(f"No exercise called {exercise_id!r}.{hint}")
    if candidate is None and not values:
        return CheckResult(exercise_id, False, [f"nothing to check: pass your {exercise_id}."])
    subject = values if candidate is None else candidate
    with isolated(subject, exercise_id, EXERCISES) as (earlier, numpy_names):
        result = _verdict(exercise_id, subject, np.random.default_rng(seed))
    result.notes += [
        f"{', '.join(numpy_names)} had been reassigned in this kernel; the check used "
        "NumPy's own (restart the kernel to get them back everywhere)."
    ] * bool(numpy_names)
    result.notes += _earlier_notes(earlier, seed)
    return result


def _verdict(exercise_id, subject, rng):
    """Run the checker of ``exercise_id`` on ``subject``: the CheckResult, never an exception."""
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            outcome = EXERCISES[exercise_id](subject, rng)
    except NotWritten as mistake:
        return CheckResult(exercise_id, False, [mistake.sentence, *mistake.details], 0, True)
    except Mistake as mistake:
        return CheckResult(exercise_id, False, [mistake.sentence, *mistake.details])
    except Interrupted as interrupt:
        raise CheckInterrupted(f"interrupted while running your {interrupt}.") from None
    except KeyboardInterrupt:
        raise CheckInterrupted(f"interrupted while checking {exercise_id}.") from None
    except (Exception, SystemExit) as error:  # the answer is something our comparisons choke on
        return CheckResult(
            exercise_id,
            False,
            [f"your answer could not be checked: {type(error).__name__}: {text_of(error)}."],
        )
    cases, notes = outcome if isinstance(outcome, tuple) else (outcome, [])
    return CheckResult(exercise_id, True, list(notes), cases)


_CHECKING_EARLIER = set()  # the earlier exercises being checked now, so that none recurses


def _earlier_notes(earlier, seed):
    """A note for each of the learner's earlier functions that fails its own check."""
    notes = []
    for name, function in earlier.items():
        if name in _CHECKING_EARLIER:
            continue
        _CHECKING_EARLIER.add(name)
        try:
            own = run_check(name, function, seed=seed)
        finally:
            _CHECKING_EARLIER.discard(name)
        if not own.passed:
            state = "is not written yet" if own.not_written else "still fails its own check"
            notes.append(f"your {name} {state}; this check used the course's {name}.")
    return notes


def check(exercise_id, candidate=None, /, **values):
    """Notebook form of ``run_check``: shows the result; raises CheckFailed when it failed."""
    result = run_check(exercise_id, candidate, **values)
    _record(result)
    _show(result)
    if not result.passed:
        raise (ExerciseNotWritten if result.not_written else CheckFailed)(result)


def _record(result):
    """Keep the verdict in the learner's progress file; a note under it says if that failed."""
    note = progress.record(result)
    if note:
        result.notes.append(note)


def _shell():
    """The running IPython shell, or None (plain Python, or IPython not installed)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def _show(result):
    """Display ``result`` as rich output in IPython (HTML, with text for other front ends)."""
    if _shell() is None:
        if result.passed:
            print(result)
        return
    from IPython.display import display

    display(result)


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


def _show_unfinished(shell, etype, value, tb, tb_offset=None):
    """IPython handler: an unfinished exercise shows as a check's explanation and one line."""
    result = unfinished(value)
    if result is not None and not hasattr(value, "_render_traceback_"):
        _show(result)
        value._render_traceback_ = CheckFailed(result)._render_traceback_
    shell.showtraceback((etype, value, tb), tb_offset=tb_offset)


def install_one_line_stops():
    """In IPython, show unwritten exercises and unrun value exercises as one line."""
    shell = _shell()
    if shell is not None:
        shell.set_custom_exc((NotImplementedError, NameError), _show_unfinished)
