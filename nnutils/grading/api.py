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
import warnings
from dataclasses import dataclass, field

import numpy as np

from .. import progress
from .. import reference as ref
from ..cells import failed_definition
from ..display import fail_html, pass_html, show
from ..errors import text_of
from ..isolation import isolated
from .expect import Interrupted, Mistake, NotWritten, Stopped
from .own_code import own_code_only

EXERCISES = {}


def exercise(name):
    """Register the decorated function as the checker of exercise ``name``."""

    def register(checker):
        EXERCISES[name] = checker
        return checker

    return register


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
        if self.passed:
            return pass_html(self._pass_line(), self._remarks())
        return fail_html(self.exercise, self.messages, self._remarks())

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


def course_versions():
    """{exercise id: the course's version in ``nnutils.reference``} of every exercise with one."""
    return {name: getattr(ref, name) for name in EXERCISES if hasattr(ref, name)}


def run_check(exercise_id, candidate=None, /, *, seed=None, **values):
    """Check ``candidate`` (or keyword ``values``) for ``exercise_id``; returns a CheckResult.

    ``seed`` fixes the random cases. By default they are fresh each call, except after a
    failure: the cases that failed run first again, until they pass (see ``_cases_again``).
    """
    if exercise_id not in EXERCISES:
        close = difflib.get_close_matches(str(exercise_id), EXERCISES, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise KeyError(f"No exercise called {exercise_id!r}.{hint}")
    if candidate is None and not values:
        return CheckResult(exercise_id, False, [f"nothing to check: pass your {exercise_id}."])
    subject = values if candidate is None else candidate
    with isolated(subject, exercise_id, course_versions()) as (earlier, numpy_names):
        own = own_code_only(subject, exercise_id, earlier)
        result = _cases_again(exercise_id, own, seed)
    result.notes += [
        f"{', '.join(numpy_names)} had been reassigned in this kernel; the check used "
        "NumPy's own (restart the kernel to get them back everywhere)."
    ] * bool(numpy_names)
    result.notes += _earlier_notes(earlier, seed)
    return result


# The seed of each exercise's last failing check in this kernel (when no seed was given).
_FAILED_SEEDS = {}
SAME_CASES = (
    "the same test cases as at your last failing attempt (the one shown is the first that "
    "fails now), so that the two can be compared; fresh cases run as well once these pass."
)


def _cases_again(exercise_id, subject, seed):
    """The verdict on the cases of the exercise's last failure first (the same inputs shown
    again until they pass), then on fresh ones; or on the cases of ``seed`` alone."""
    if seed is not None:
        return _verdict(exercise_id, subject, np.random.default_rng(seed))
    again = _FAILED_SEEDS.get(exercise_id)
    if again is not None:
        result = _verdict(exercise_id, subject, np.random.default_rng(again))
        if not result.passed:
            result.notes.append(SAME_CASES)
            return result
    fresh = np.random.SeedSequence().entropy
    result = _verdict(exercise_id, subject, np.random.default_rng(fresh))
    if result.passed or result.not_written:
        _FAILED_SEEDS.pop(exercise_id, None)
    else:
        _FAILED_SEEDS[exercise_id] = fresh
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
    except Stopped as stop:
        return CheckResult(exercise_id, False, [str(stop)])
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


class CellFailed(CheckResult):
    """A check that could not run: the cell that defines its exercise stopped with an error."""

    def stop_line(self):
        return f"\N{BALLOT X} stopped here: the cell of {self.exercise} failed."


def cell_failed(exercise_id, what, count, cause):
    """The verdict when ``what`` ("relu is not defined") is due to cell [count] failing."""
    sentence = (
        f"{what}: the cell that defines it, [{count}], stopped with {cause}. Fix that cell "
        "and run it, then this check again."
    )
    return CellFailed(exercise_id, False, [sentence], not_written=True)


def check(exercise_id, candidate=None, /, **values):
    """Notebook form of ``run_check``: shows the result; raises CheckFailed when it failed.

    An answer still the stub although a later cell defining it failed (Run All, then a
    SyntaxError in the exercise cell) is said to be that cell's failure, not unwritten.
    """
    result = run_check(exercise_id, candidate, **values)
    name = getattr(candidate, "__name__", exercise_id)
    failed = result.not_written and callable(candidate) and failed_definition(name)
    if failed and not failed[1].startswith("NotImplementedError"):  # not the stub's own stop
        result = cell_failed(exercise_id, f"{name} is still the unwritten stub", *failed)
    _record(result)
    show(result, print_outside=result.passed)
    if not result.passed:
        raise (ExerciseNotWritten if result.not_written else CheckFailed)(result)


def _record(result):
    """Keep the verdict in the learner's progress file; a note under it says if that failed."""
    note = progress.record(result)
    if note:
        result.notes.append(note)
