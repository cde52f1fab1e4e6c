"""Graded checks.

In a notebook: ``check("linear_forward", linear_forward)`` shows a one-line pass,
or raises ``CheckFailed`` whose display is a short explanation (no traceback).
Programmatically: ``run_check(exercise_id, candidate, **values) -> CheckResult``,
which never raises because of the candidate.

Each exercise registers a checker with ``@exercise("name")``. A checker gets the
candidate (a function, or a dict of values) and a ``np.random.Generator``, runs
its cases from the smallest to the largest, raises ``Mistake`` at the first
failure and returns the number of cases it ran (or ``(cases, notes)``, notes
being remarks shown with a pass, e.g. on an unusual choice). The helpers below (``call``,
``expect_array``, ...) turn misbehaving answers into ``Mistake``s.
"""

import copy
import difflib
import html
import importlib
import inspect
import sysconfig
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

# Modules whose @exercise checkers make up the catalogue, in lesson order.
CHECK_MODULES = (
    "check_data",
    "check_init",
    "check_forward",
    "check_cost",
    "check_backward",
    "check_update",
    "check_model",
    "check_cifar",
)

EXERCISES = {}


def exercise(name):
    """Register the decorated function as the checker of exercise ``name``."""

    def register(checker):
        EXERCISES[name] = checker
        return checker

    return register


class Mistake(Exception):
    """A failed check: ``sentence`` names the mistake, ``details`` show the evidence."""

    def __init__(self, sentence, *details):
        super().__init__(sentence)
        self.sentence = sentence
        self.details = [d for d in details if d]


class NotWritten(Mistake):
    """The candidate still raises NotImplementedError."""


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


def _load_catalogue():
    for module in CHECK_MODULES:
        importlib.import_module(f"nnutils.{module}")


def run_check(exercise_id, candidate=None, /, *, seed=None, **values):
    """Check ``candidate`` (or keyword ``values``) for ``exercise_id``; returns a CheckResult.

    ``seed`` fixes the random cases (fresh ones each call by default).
    """
    _load_catalogue()
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
    # --- progress hook (classroom): record the verdict; can never break a check -----------
    try:
        from nnutils import progress

        progress.record(result)
    except Exception:
        pass
    # --- end of progress hook -------------------------------------------------------------
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


# --- helpers for checkers ------------------------------------------------------------


def call(candidate, name, *args, may_change=(), shape_hint=""):
    """Call ``candidate(*args)`` as exercise ``name`` would be; return its output.

    Exceptions, and arguments changed in place (unless their index is in
    ``may_change``), become a ``Mistake``; ``shape_hint`` is added to the
    message of a ValueError (what NumPy raises for shapes that do not fit).
    """
    if not callable(candidate):
        raise Mistake(
            f"expected a function, got {type(candidate).__name__}: pass the function itself, "
            f'as in check("{name}", {name}), without calling it.'
        )
    before = copy.deepcopy(args)
    try:
        out = candidate(*args)
    except NotImplementedError:
        raise NotWritten(
            f"not written yet: replace `raise NotImplementedError` in {name} with your code, "
            "run that cell, then run this check again."
        ) from None
    except Exception as error:
        names = [argument_name(candidate, index) for index in range(len(args))]
        hint = f" {shape_hint}" if shape_hint and isinstance(error, ValueError) else ""
        raise Mistake(
            f"{name} raised {type(error).__name__}: {str(error).rstrip('. ')}.{hint}",
            _failing_line(error),
            f"while running it with {describe(args, names)}.",
        ) from None
    for index, (now, then) in enumerate(zip(args, before, strict=True)):
        if index not in may_change and not same(now, then):
            arg = argument_name(candidate, index)
            raise Mistake(
                f"{name} changed its argument `{arg}` in place; compute a new array instead "
                "(for example `X = X + 1` rather than `X += 1` or `X[...] = ...`).",
            )
    return out


def _failing_line(error):
    """'at line N of your code: ...' for the innermost frame outside NumPy and nnutils, or ''."""
    libraries = (
        str(Path(np.__file__).parent),
        str(Path(__file__).parent),
        sysconfig.get_paths()["stdlib"],
    )
    frames = traceback.extract_tb(error.__traceback__)[1:]
    own = [frame for frame in frames if not frame.filename.startswith(libraries)]
    if not own:
        return ""
    frame = own[-1]
    code = f": {frame.line.strip()}" if frame.line else ""
    return f"at line {frame.lineno} of your code{code}"


def argument_name(function, index):
    """Name of ``function``'s positional parameter number ``index`` (or "#index")."""
    try:
        params = list(inspect.signature(function).parameters)
        return params[index]
    except (TypeError, ValueError, IndexError):
        return f"#{index + 1}"


def same(a, b):
    """True when ``a`` and ``b`` hold the same data (arrays, dicts, tuples, lists, scalars)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (
            isinstance(a, np.ndarray)
            and isinstance(b, np.ndarray)
            and a.shape == b.shape
            and a.dtype == b.dtype
            and np.array_equal(a, b, equal_nan=True)
        )
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return (
            isinstance(b, list | tuple)
            and len(a) == len(b)
            and all(same(x, y) for x, y in zip(a, b, strict=True))
        )
    return a == b


def describe(args, names=None):
    """Short description of call arguments: shapes of arrays, values of the rest."""
    if not args:
        return "no arguments"
    names = names or [f"#{index + 1}" for index in range(len(args))]
    return ", ".join(f"{n}={_describe(a)}" for n, a in zip(names, args, strict=True))


def _describe(value):
    if isinstance(value, np.ndarray):
        return f"array{value.shape} {value.dtype}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_describe(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        if len(value) <= 8 and all(isinstance(v, int | float) for v in value):
            return repr(value)
        inner = ", ".join(_describe(v) for v in value[:4])
        return (
            f"{type(value).__name__} of {len(value)} ({inner}{', ...' if len(value) > 4 else ''})"
        )
    return repr(value)


def show(array, limit=6):
    """Compact text of an array: at most ``limit`` rows and columns, 4 significant digits."""
    array = np.asarray(array)
    if array.ndim == 2:
        array = array[:limit, :limit]
    elif array.ndim == 1:
        array = array[:limit]
    return np.array2string(array, precision=4, suppress_small=True, separator=", ")


def case_dtype(index, count):
    """dtype of case ``index`` of ``count``: float64, but the last case is float32."""
    return np.float32 if index == count - 1 else np.float64


def tolerance(expected):
    """(rtol, atol) suited to ``expected``'s dtype."""
    if np.asarray(expected).dtype == np.float32:
        return 1e-4, 1e-5
    return 1e-6, 1e-9


def close(got, expected):
    """True when ``got`` matches ``expected`` in shape and value (within the dtype's tolerance)."""
    try:
        got = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return False
    expected = np.asarray(expected)
    if got.shape != expected.shape:
        return False
    rtol, atol = tolerance(expected)
    return bool(np.allclose(got, expected, rtol=rtol, atol=atol, equal_nan=True))


def expect_array(got, expected, what, mistakes=(), case=""):
    """Raise a ``Mistake`` unless ``got`` is an array equal to ``expected``.

    ``mistakes`` is a sequence of ``(sentence, wrong_value)``: when ``got`` matches
    a wrong value, that sentence is the message. ``case`` describes the inputs.
    """
    expected = np.asarray(expected)
    if got is None:
        raise Mistake(f"{what} is None: is a `return` missing?", case)
    if isinstance(got, np.matrix) or not isinstance(got, np.ndarray | np.generic | float | int):
        raise Mistake(f"{what} should be a NumPy array, got {type(got).__name__}.", case)
    got = np.asarray(got)
    if got.dtype.kind not in "fiub":
        raise Mistake(f"{what} should hold numbers, got an array of dtype {got.dtype}.", case)
    for sentence, wrong in mistakes:
        if not close(expected, wrong) and close(got, wrong):
            raise Mistake(sentence, case)
    if got.shape != expected.shape:
        raise Mistake(shape_sentence(what, got.shape, expected.shape), case)
    if np.isnan(got).any() and not np.isnan(expected).any():
        raise Mistake(
            f"{what} contains NaN where the answer is finite.",
            case,
            f"got:\n{show(got)}",
        )
    if not close(got, expected):
        raise Mistake(f"{what} has wrong values.", case, *_difference(got, expected))


def shape_sentence(what, got, expected):
    if len(got) == 2 and got == expected[::-1]:
        return f"{what} has shape {got}, expected {expected}: is a transpose missing or extra?"
    if len(expected) == 2 and expected[1] == 1 and got == expected[:1]:
        return (
            f"{what} has shape {got}, expected {expected}: keep the column dimension "
            "(for example with keepdims=True)."
        )
    if len(got) == 2 and len(expected) == 2 and got[0] == expected[0] and got[1] != expected[1]:
        return f"{what} has shape {got}, expected {expected}: one column per example."
    return f"{what} has shape {got}, expected {expected}."


def _difference(got, expected):
    """Lines showing expected vs got, and where they differ most."""
    got = np.asarray(got, dtype=float)
    gap = np.abs(got - expected)
    gap = np.where(np.isnan(gap), np.inf, gap)
    where = np.unravel_index(np.argmax(gap), gap.shape) if gap.size else ()
    lines = [f"expected:\n{show(expected)}", f"got:\n{show(got)}"]
    if gap.ndim and gap.size > 1:
        index = tuple(int(i) for i in where)
        lines.append(
            f"largest difference at index {index}: "
            + _distinct(float(expected[index]), float(got[index]))
            + "."
        )
    return lines


def _distinct(expected, got):
    """'expected X, got Y' with just enough digits for X and Y to differ."""
    for digits in (6, 9, 12, 17):
        if f"{expected:.{digits}g}" != f"{got:.{digits}g}":
            break
    return f"expected {expected:.{digits}g}, got {got:.{digits}g}"


def expect_float(got, expected, what, mistakes=(), case=""):
    """Raise a ``Mistake`` unless ``got`` is a Python/NumPy scalar equal to ``expected``."""
    if got is None:
        raise Mistake(f"{what} is None: is a `return` missing?", case)
    if isinstance(got, np.ndarray) and got.size == 1 and got.ndim > 0:
        raise Mistake(
            f"{what} should be a number, got an array of shape {got.shape}: "
            "turn it into one (for example with .item() or np.squeeze).",
            case,
        )
    if isinstance(got, np.ndarray) and got.ndim == 0:
        got = got[()]
    if not isinstance(got, float | int | np.floating | np.integer) or isinstance(got, bool):
        raise Mistake(f"{what} should be a number, got {type(got).__name__}.", case)
    for sentence, wrong in mistakes:
        if not close(expected, wrong) and close(got, wrong):
            raise Mistake(sentence, case)
    if np.isnan(got) and not np.isnan(expected):
        raise Mistake(f"{what} is NaN where the answer is finite.", case)
    if not close(got, expected):
        raise Mistake(f"{what} is wrong: {_distinct(float(expected), float(got))}.", case)


def expect_keys(got, expected_keys, what, case=""):
    """Raise a ``Mistake`` unless ``got`` is a dict with exactly ``expected_keys``."""
    if got is None:
        raise Mistake(f"{what} is None: is a `return` missing?", case)
    if not isinstance(got, dict):
        raise Mistake(f"{what} should be a dict, got {type(got).__name__}.", case)
    difference = key_difference(got, expected_keys, lambda keys: f"keys {keys}")
    if difference:
        raise Mistake(f"{what} has {difference}.", f"expected keys {list(expected_keys)}.", case)


def key_difference(got, expected, name_keys):
    """'missing ... and unexpected ...' between the keys of ``got`` and ``expected`` ('' if equal).

    ``name_keys`` turns a list of keys into text.
    """
    missing = [k for k in expected if k not in got]
    extra = [k for k in got if k not in expected]
    parts = [
        f"{label} {name_keys(keys)}"
        for label, keys in (("missing", missing), ("unexpected", extra))
        if keys
    ]
    return " and ".join(parts)


def expect_tuple(got, length, what, names, case=""):
    """Raise a ``Mistake`` unless ``got`` is a tuple or list of ``length`` items; return it."""
    if got is None:
        raise Mistake(f"{what} is None: is a `return` missing?", case)
    if not isinstance(got, tuple | list) or len(got) != length:
        got_text = f"{type(got).__name__}" + (
            f" of {len(got)}" if isinstance(got, tuple | list) else ""
        )
        raise Mistake(f"{what} should be a tuple of {length}: ({names}); got {got_text}.", case)
    return got
